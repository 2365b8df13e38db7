"""deploy/ in step with what CI builds and runs (.ci/docker-image builds and runs the image)."""

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


def dockerfile_text() -> str:
    return (DEPLOY / "Dockerfile").read_text(encoding="utf-8")


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions per stage, continuation lines joined, comments left out."""
    text = "\n".join(line for line in dockerfile_text().splitlines() if not line.startswith("#"))
    text = re.sub(r"\\\n\s*", " ", text)
    stages: list[list[str]] = [[]]
    for line in (line.strip() for line in text.splitlines()):
        if line.startswith("FROM "):
            stages.append([])
        if line:
            stages[-1].append(line)
    return stages  # stages[0]: what comes before the first FROM (ARG BASE=...)


def test_the_base_image_is_pinned_by_version_and_named_once() -> None:
    preamble, *stages = dockerfile_stages()
    base = next(i for i in preamble if i.startswith("ARG BASE=")).removeprefix("ARG BASE=")
    # python:3.11.11-slim-bookworm: Python's patch release and Debian's release, both pinned.
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-[a-z]+", base), base
    assert all(stage[0].split()[1] == "${BASE}" for stage in stages)
    assert "pin it by digest" in dockerfile_text() and "@sha256:" in dockerfile_text()
    # .ci/docker-image tags its stand-in exactly so: it reads the same line.
    assert (
        "sed -n 's/^ARG BASE=//p' deploy/Dockerfile" in (ROOT / ".ci" / "docker-image").read_text()
    )


def test_the_build_installs_dependencies_before_copying_the_source() -> None:
    _, build, _ = dockerfile_stages()
    assert build[0].endswith(" AS build")
    copies = [i for i in build if i.startswith("COPY ")]
    assert copies[0] == "COPY pyproject.toml ./"
    deps = next(n for n, i in enumerate(build) if "pip install" in i and "-r requirements" in i)
    source = next(n for n, i in enumerate(build) if i.startswith("COPY bot "))
    assert build.index(copies[0]) < deps < source
    assert "[test]" not in dockerfile_text()  # no pytest, no ruff in the image


def test_the_runtime_stage_runs_unprivileged_with_the_database_on_a_volume() -> None:
    _, _, runtime = dockerfile_stages()
    assert not any("pip install" in i for i in runtime)
    assert "COPY --from=build /opt/linernotes /opt/linernotes" in runtime
    users = [i.split()[1] for i in runtime if i.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    volume = next(i for i in runtime if i.startswith("VOLUME "))
    assert '"/data"' in volume
    assert any("DATABASE_PATH=/data/" in i for i in runtime if i.startswith("ENV "))
    health = next(i for i in runtime if i.startswith("HEALTHCHECK "))
    assert health.endswith('CMD ["linernotes", "status"]')
    assert runtime[-1] == 'CMD ["linernotes", "run"]'
    # The folder the user owns is created before switching to it (the bug of issue 23).
    mkdir = next(n for n, i in enumerate(runtime) if "mkdir /data" in i)
    assert mkdir < runtime.index(f"USER {users[-1]}")


def test_ci_builds_and_runs_the_image() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash .ci/docker-image" in ci
    script = (ROOT / ".ci" / "docker-image").read_text(encoding="utf-8")
    for check in ("linernotes ask", "id -u", "/data/linernotes.db", "linernotes status", "healthy"):
        assert check in script, check


def test_compose_restarts_a_bounded_number_of_times_and_rotates_its_log() -> None:
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert "dockerfile: deploy/Dockerfile" in compose
    assert "context: .." in compose
    assert re.search(r"^\s+- linernotes-data:/data$", compose, flags=re.M)
    assert "DATABASE_PATH: /data/linernotes.db" in compose
    assert re.search(r"^\s+restart: on-failure:\d+$", compose, flags=re.M)
    assert re.search(r'^\s+max-size: "\d+m"$', compose, flags=re.M)
    assert re.search(r'^\s+max-file: "\d+"$', compose, flags=re.M)


def test_systemd_unit_and_readme_recipe_install_as_ci_does() -> None:
    unit = (DEPLOY / "linernotes.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/linernotes/.venv/bin/linernotes run" in unit
    assert "User=linernotes" in unit and "KillSignal=SIGTERM" in unit
    # The bot notifies systemd (bot/app/sdnotify.py) and pings the watchdog with each heartbeat.
    assert "Type=notify" in unit
    watchdog = re.search(r"^WatchdogSec=(\d+)$", unit, flags=re.M)
    assert watchdog is not None and int(watchdog.group(1)) >= 60
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


def exported_series() -> set[str]:
    """Every series name the bot's /metrics page can carry (counters with their suffixes)."""
    from prometheus_client import generate_latest

    from bot.core import metrics

    metrics.connection(1, 1, "running")
    metrics.interaction("help", "ok", 0.1)
    metrics.post_sent("review")
    metrics.feed_fetches("ok")
    metrics.online_lookup("musicbrainz", "ok")
    page = generate_latest(metrics.registry()).decode()
    return {line.split("{")[0].split()[0] for line in page.splitlines() if line[:1].isalpha()}


def test_the_dashboard_and_alert_rules_use_only_series_the_bot_exports() -> None:
    import json

    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    rules = (DEPLOY / "prometheus-alerts.yml").read_text(encoding="utf-8")
    exprs += re.findall(r"^\s+expr: (.+)$", rules, flags=re.M)
    used = {n for e in exprs for n in re.findall(r"\b((?:linernotes|process)_[a-z_]+)", e)}
    assert {
        "linernotes_shards_connected",
        "linernotes_build_info",
        "process_cpu_seconds_total",
    } <= used
    exported = exported_series()
    missing = sorted(used - exported)
    assert missing == [], missing
    assert len(re.findall(r"^\s+- alert: ", rules, flags=re.M)) >= 5


def test_the_build_context_leaves_out_caches_and_secrets() -> None:
    # Read by both the classic builder and BuildKit; stray bytecode would change cache keys.
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for pattern in (".git", ".venv", "**/__pycache__", ".env", "data/*.db"):
        assert pattern in ignored, pattern
