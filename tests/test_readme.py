"""README stays in step with the code: commands, settings, CI's test command."""

from __future__ import annotations

import re
from pathlib import Path

from discord import app_commands

from bot.app.client import discover_extensions
from tests.support.bot import Server

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_run_test_and_no_token_commands_and_ci_runs_the_test_one() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", quick, flags=re.S)
    assert len(blocks) == 3
    assert blocks[0].strip().endswith("linernotes run")
    # What works without a Discord token comes right after.
    assert "linernotes ask" in blocks[2]
    assert "feed preview" in quick and "linernotes import" in quick
    test_command = blocks[1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # CI does what the README's test command does: a venv, the test extra, the same pytest run.
    assert test_command == (
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' "
        "&& .venv/bin/python -m pytest -n auto"
    )
    assert "python3 -m venv .venv" in ci
    assert "install --quiet -e '.[test]'" in ci
    assert ci.rstrip().endswith(".venv/bin/python -m pytest -n auto")


def test_every_setting_is_documented() -> None:
    names = re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), flags=re.M)
    source = (ROOT / "bot" / "core" / "settings.py").read_text()
    used = set(re.findall(r'get\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert {"DISCORD_TOKEN", "MUSICBRAINZ_CONTACT", "METRICS_ADDR"} <= used
    assert set(names) == used
    for name in names:
        assert f"`{name}`" in README, name


async def test_command_table_matches_the_command_tree(server: Server) -> None:
    """Each row is `/name option [optional]`: the name and its options must be the real ones."""
    table = README.split("<!-- commands:start -->", 1)[1].split("<!-- commands:end -->", 1)[0]
    rows = re.findall(r"^\| `/([^`]+)`", table, flags=re.M)
    commands = {
        c.qualified_name: c
        for c in server.bot.tree.walk_commands()
        if isinstance(c, app_commands.Command)
    }
    documented = set()
    for usage in rows:
        name = max(
            (n for n in commands if usage == n or usage.startswith(n + " ")), key=len, default=None
        )
        assert name is not None, f"README documents /{usage}, which the bot does not have"
        documented.add(name)
        options = {w.strip("[]") for w in usage[len(name) :].split()}
        assert options == {p.name for p in commands[name].parameters}, usage
    assert documented == set(commands)
    assert len(discover_extensions()) >= 7


def test_every_markdown_file_the_code_cites_is_in_the_repository() -> None:
    # Comments cite the project's own guides by path from the repository's top.
    cited: set[str] = set()
    for folder in ("bot", "cogs", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            cited.update(re.findall(r"\b([\w./-]+\.md)\b", path.read_text(encoding="utf-8")))
    assert "CONTRIBUTING.md" in cited
    assert sorted(name for name in cited if not (ROOT / name).is_file()) == []


def test_the_korean_readme_has_every_section_setting_and_command_line() -> None:
    korean = (ROOT / "README.ko.md").read_text(encoding="utf-8")

    def levels(text: str) -> list[str]:
        outside = re.sub(r"```.*?```", "", text, flags=re.S)
        return re.findall(r"^(#{2,3}) ", outside, flags=re.M)

    english_levels = levels(README)
    # Section for section, in the same order and nesting (Korean may add its own at the end).
    assert levels(korean)[: len(english_levels)] == english_levels
    assert len(korean.splitlines()) > 0.8 * len(README.splitlines())
    for name in re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), flags=re.M):
        assert f"`{name}`" in korean, name
    table = README.split("### Command line", 1)[1].split("\n\n", 2)[1]
    for usage in re.findall(r"^\| `(linernotes [^`]+)`", table, flags=re.M):
        assert f"`{usage}`" in korean, usage

    # The same commands in the code blocks (their comments may be translated).
    def commands(text: str) -> list[str]:
        blocks = re.findall(r"```(?:sh)?\n(.*?)```", text, flags=re.S)
        return [line.split("  #")[0].rstrip() for b in blocks for line in b.splitlines()]

    shown = set(commands(korean))
    for line in commands(README):
        if line.startswith(("docker", "sudo", "linernotes")):
            assert line in shown, line
