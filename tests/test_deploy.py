"""deploy/ cannot be built here (no Docker, no systemd): keep it in step with what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def ci_install_steps() -> list[str]:
    """The commands .ci/run uses to build the environment the tests run in."""
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    steps = [line.strip() for line in lines if "venv" in line and "install" in line]
    steps.insert(0, next(line.strip() for line in lines if line.startswith("python3 -m venv")))
    assert len(steps) == 3, steps  # create the venv, upgrade pip, install the project
    return steps


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(
        r"\\\n\s*", " ", "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    )
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_dockerfile_installs_exactly_as_ci_does() -> None:
    runs = [
        i.removeprefix("RUN ").strip() for i in dockerfile_instructions() if i.startswith("RUN ")
    ]
    install = next(r for r in runs if "pip install" in r)
    assert [step.strip() for step in install.split("&&")] == ci_install_steps()


def test_dockerfile_runs_unprivileged_with_the_database_on_a_volume_and_a_healthcheck() -> None:
    instructions = dockerfile_instructions()
    users = [i.split()[1] for i in instructions if i.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    volume = next(i for i in instructions if i.startswith("VOLUME "))
    assert '"/data"' in volume
    assert any("DATABASE_PATH=/data/" in i for i in instructions if i.startswith("ENV "))
    health = next(i for i in instructions if i.startswith("HEALTHCHECK "))
    assert health.endswith('CMD ["linernotes", "status"]')
    assert instructions[-1] == 'CMD ["linernotes", "run"]'
    # The install step runs as the unprivileged user, after it is chosen.
    assert instructions.index(f"USER {users[-1]}") < next(
        n for n, i in enumerate(instructions) if "pip install" in i
    )


def test_compose_builds_that_dockerfile_and_keeps_the_database_on_a_volume() -> None:
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert "dockerfile: deploy/Dockerfile" in compose
    assert "context: .." in compose
    assert re.search(r"^\s+- linernotes-data:/data$", compose, flags=re.M)
    assert "DATABASE_PATH: /data/linernotes.db" in compose


def test_systemd_unit_and_readme_recipe_install_as_ci_does() -> None:
    unit = (DEPLOY / "linernotes.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/linernotes/.venv/bin/linernotes run" in unit
    assert "User=linernotes" in unit and "KillSignal=SIGTERM" in unit
    recipe = README.split("**systemd.**", 1)[1].split("```", 2)[1]
    for step in ci_install_steps():
        assert f"sudo -u linernotes {step}" in recipe, step
    assert "deploy/linernotes.service" in recipe


def test_postgres_compose_runs_two_bot_processes_on_one_database() -> None:
    compose = (DEPLOY / "compose.postgres.yaml").read_text(encoding="utf-8")
    assert "image: postgres:15" in compose
    assert compose.count("dockerfile: deploy/Dockerfile") == 2
    assert "DATABASE_URL: postgresql://linernotes:" in compose
    assert 'SHARD_COUNT: "2"' in compose
    assert re.findall(r'SHARD_IDS: "(\d)"', compose) == ["0", "1"]
    assert compose.count("condition: service_healthy") == 2
    assert "deploy/compose.postgres.yaml" in README
