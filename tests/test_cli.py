"""The command line: import, ask, db backup and feed preview, as a user runs them.

Most tests call the CLI's ``main`` in this process (``run_cli_in_process``); a fresh install's
first answer, the terminal's progress bars and a closed pipe run ``python -m bot`` in a child
process, as only a process shows them.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import ROOT, env_for, run_cli_in_process

MB = Path(__file__).resolve().parent / "knowledge" / "fixtures" / "musicbrainz"


@pytest.fixture
def loaded(template_db: Path, tmp_path: Path) -> dict[str, str]:
    """Point the CLI at a copy of the session's loaded database (the bundled data already in).

    Only the tests of a fresh install and of the import commands pay for loading the data.
    """
    shutil.copy(template_db, tmp_path / "cli.db")
    return env_for(tmp_path)


def test_ask_exits_1_when_it_does_not_know(tmp_path: Path, loaded: dict[str, str]) -> None:
    result = run_cli_in_process("ask", "who directed the Blueming video?", env=loaded, cwd=tmp_path)
    assert result.returncode == 1
    assert "know" in result.stdout
    assert "Traceback" not in result.stderr


def test_ask_lists_an_ambiguous_name_with_numbers(tmp_path: Path, loaded: dict[str, str]) -> None:
    # Two imported idols share the name and neither is a catalog entry: no guess.
    result = run_cli_in_process("ask", "When is Jiwoo's birthday?", env=loaded, cwd=tmp_path)
    assert result.returncode == 1  # not a terminal: the list, and no guess
    lines = result.stdout.splitlines()
    assert "could mean several things" in lines[0]
    assert any(line.strip().startswith("1. ") for line in lines)
    assert any("Jiwoo (NMIXX)" in line for line in lines)
    assert "born on" not in result.stdout


def test_ask_answers_a_korean_question_in_korean(tmp_path: Path, loaded: dict[str, str]) -> None:
    result = run_cli_in_process("ask", "봄날 언제 나왔어?", env=loaded, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2017년 2월 13일" in result.stdout


def test_import_catalog_bad_file_names_the_problem_and_changes_nothing(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert run_cli_in_process("import", "catalog", env=env, cwd=tmp_path).returncode == 0
    db = sqlite3.connect(tmp_path / "cli.db")
    before = db.execute("SELECT count(*) FROM credits").fetchone()[0]
    db.close()
    bad = tmp_path / "bad.toml"
    bad.write_text('[[song]]\nid = "x"\ntitle = "X"\nartists = ["nobody"]\nsources = ["nope"]\n')
    result = run_cli_in_process("import", "catalog", str(bad), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.toml" in result.stderr and "[[song]]" in result.stderr
    assert "Traceback" not in result.stderr
    db = sqlite3.connect(tmp_path / "cli.db")
    assert db.execute("SELECT count(*) FROM credits").fetchone()[0] == before
    db.close()


def test_import_musicbrainz_files_and_malformed_json(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    files = sorted(str(p) for p in MB.glob("*.json"))[:3]
    assert files, "musicbrainz fixtures are missing"
    result = run_cli_in_process("import", "musicbrainz", *files, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("musicbrainz:")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run_cli_in_process("import", "musicbrainz", str(broken), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "broken.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_backup_and_newer_database_refused(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert run_cli_in_process("db", "migrate", env=env, cwd=tmp_path).returncode == 0
    result = run_cli_in_process(
        "db", "backup", str(tmp_path / "b" / "copy.db"), env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b" / "copy.db").exists()
    db = sqlite3.connect(tmp_path / "cli.db")
    db.execute("PRAGMA user_version = 99")
    db.close()
    result = run_cli_in_process("ask", "who is in BTS?", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "schema version 99" in result.stderr
    assert "Traceback" not in result.stderr


def test_feed_preview_json_prints_json_lines(tmp_path: Path, loaded: dict[str, str]) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>Pop Notes</title>
        <link>https://example.org/</link><description>d</description>
        <item><title>IU's Love wins all, a second look</title>
        <link>https://example.org/lwa</link><guid>lwa-1</guid>
        <description>&lt;p&gt;Um Tae-hwa's video and the pile of clothes.&lt;/p&gt;</description>
        <pubDate>Wed, 24 Jan 2024 10:00:00 +0900</pubDate></item>
        </channel></rss>""",
        encoding="utf-8",
    )
    result = run_cli_in_process("feed", "preview", str(feed), "--json", env=loaded, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 1
    entry = lines[0]
    assert entry["key"] == "id:lwa-1"
    assert entry["title"] == "IU's Love wins all, a second look"
    assert entry["link"] == "https://example.org/lwa"
    assert "pile of clothes" in entry["summary"]
    linked = json.dumps(entry.get("linked", entry.get("entities")), ensure_ascii=False)
    assert "Love wins all" in linked


def test_feed_preview_shows_people_what_would_be_posted(
    tmp_path: Path, loaded: dict[str, str]
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>Pop Notes</title>
        <link>https://example.org/</link><description>d</description>
        <item><title>IU's Love wins all, a second look</title>
        <link>https://example.org/lwa</link><guid>lwa-1</guid><author>Kim</author>
        <description>&lt;p&gt;Um Tae-hwa's video and the pile of clothes.&lt;/p&gt;</description>
        <pubDate>Wed, 24 Jan 2024 10:00:00 +0900</pubDate></item>
        </channel></rss>""",
        encoding="utf-8",
    )
    result = run_cli_in_process("feed", "preview", str(feed), env=loaded, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1 post(s) would be made:"
    assert lines[2] == "1. IU's Love wins all, a second look"
    assert lines[3] == "   Pop Notes · by Kim · 2024-01-24 01:00:00 UTC"
    assert lines[4] == "   https://example.org/lwa"
    assert "pile of clothes" in lines[5]
    assert lines[-1].startswith("   names: ") and "Love wins all" in lines[-1]
    assert not any(line.startswith("{") for line in lines)


def test_feed_preview_of_garbage_is_a_message_not_a_traceback(
    tmp_path: Path, loaded: dict[str, str]
) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_text("<html><body>not a feed</body></html>")
    result = run_cli_in_process("feed", "preview", str(junk), env=loaded, cwd=tmp_path)
    assert result.returncode == 1
    assert "feed" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    result = run_cli_in_process(
        "feed", "preview", str(tmp_path / "missing.xml"), env=loaded, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def run_on_terminal(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run ``python -m bot`` with stderr on a pseudo-terminal, as a person at a shell has it;
    return its exit code, what it drew there and its stdout."""
    import os
    import pty
    import subprocess
    import sys
    import tempfile

    main, child = pty.openpty()
    full_env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            env=full_env,
            cwd=cwd,
            stdout=out,
            stderr=child,
        )
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(main)
        code = proc.wait(timeout=60)
        out.seek(0)
        return code, b"".join(chunks).decode(errors="replace"), out.read().decode()


def test_long_operations_show_progress_only_on_a_terminal(
    tmp_path: Path, loaded: dict[str, str]
) -> None:
    env = loaded  # a first run's bar (and its silence off a terminal) are tested below
    quiet = run_cli_in_process("import", "kpopnet", env=env, cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""  # not a terminal: no bar
    code, drawn, _ = run_on_terminal("import", "kpopnet", env=env, cwd=tmp_path)
    assert code == 0, drawn
    assert "importing kpopnet" in drawn
    assert re.search(r"\d+%\|", drawn), drawn  # a bar with a percentage
    code, drawn, _ = run_on_terminal(
        "db", "backup", str(tmp_path / "copy.db"), env=env, cwd=tmp_path
    )
    assert code == 0, drawn
    assert "backing up" in drawn


def every_setting() -> set[str]:
    source = (ROOT / "bot" / "core" / "settings.py").read_text()
    return set(re.findall(r'get\(\s*"([A-Z][A-Z0-9_]+)"', source))


def every_command(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple]:
    """Every subcommand path of the parser (``("db", "audit")``, ...)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*path, name))
                found += every_command(sub, (*path, name))
    return found


def test_help_names_the_settings_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.app.cli import build_parser, main

    commands = every_command(build_parser())
    assert ("db", "audit") in commands and ("feed", "preview") in commands
    for args in [(), *commands]:
        with pytest.raises(SystemExit) as exited:
            main([*args, "--help"])
        assert exited.value.code == 0, args
        shown = capsys.readouterr().out
        assert "exit codes:" in shown, args
        assert "environment" in shown and "DATABASE_PATH" in shown, args
        assert "141" in shown and "130" in shown, args
    # `run` reads every setting, and its help lists every one.
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    shown = capsys.readouterr().out
    assert len(every_setting()) >= 15  # the pattern still finds the settings
    for name in sorted(every_setting()):
        assert name in shown, name
    assert ":PORT is every interface" in shown
    # `ask` reads the online-lookup settings; `db audit` says what exit 1 means.
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    assert "ONLINE_LOOKUPS" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["db", "audit", "--help"])
    assert "refused by the policy" in capsys.readouterr().out


def test_db_audit_counts_grades_and_lists_sources_the_policy_now_refuses(
    tmp_path: Path, loaded: dict[str, str]
) -> None:
    env = loaded
    result = run_cli_in_process("db", "audit", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Facts per grade" in result.stdout and "encyclopedic" in result.stdout
    assert "Facts without their own source: 0" in result.stdout
    assert "Sources the policy refuses: 0" in result.stdout
    # Pictures and links are counted too: the bundled catalog's videos with a YouTube id.
    assert "Pictures and listening links" in result.stdout
    assert re.search(r"video thumbnails +21\b", result.stdout), result.stdout
    assert re.search(r"covers found +0\b", result.stdout)
    # A database imported under an older policy: one credit cites a lyrics spam page.
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        conn.execute(
            "UPDATE sources SET url = 'http://solitudelandscaping.com/viewtopic.php?x=eight' "
            "WHERE key = 'wiki-eight'"
        )
    result = run_cli_in_process("db", "audit", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "Sources the policy refuses: 1" in result.stdout
    assert "wiki-eight (iu.toml, cited by" in result.stdout
    assert 'rule "reprint-or-spam"' in result.stdout
    assert "Traceback" not in result.stderr


def test_ask_says_when_online_lookups_are_off(tmp_path: Path, loaded: dict[str, str]) -> None:
    result = run_cli_in_process(
        "ask", "who produced Knowing Me, Knowing You?", env=loaded, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "online lookups are off: ONLINE_LOOKUPS=false" in result.stdout


async def test_ask_looks_names_up_online_like_the_bot(
    tmp_path: Path, loaded: dict[str, str]
) -> None:
    import asyncio

    from tests.standins.musicbrainz import MusicBrainzStandIn
    from tests.standins.wikidata import WikidataStandIn

    musicbrainz = MusicBrainzStandIn().serve(
        "recording_credits.json", "recording.json", "recording_video.json", "artist.json"
    )
    wikidata = WikidataStandIn().serve("thinking_out_loud.json")
    await musicbrainz.start()
    await wikidata.start()
    try:
        env = {
            **loaded,
            "ONLINE_LOOKUPS": "true",
            "MUSICBRAINZ_API_BASE": musicbrainz.base,
            "WIKIDATA_API_BASE": wikidata.base,
            "MUSICBRAINZ_CONTACT": "ops@example.org",
        }
        question = "who produced Knowing Me, Knowing You?"
        result = await asyncio.to_thread(run_cli_in_process, "ask", question, env=env, cwd=tmp_path)
    finally:
        await musicbrainz.stop()
        await wikidata.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Benny Andersson" in result.stdout
    assert "musicbrainz.org/recording/" in result.stdout
    assert musicbrainz.log, "the CLI made no request to MusicBrainz"
    assert all(r.user_agent.endswith("( ops@example.org )") for r in musicbrainz.log)


def test_first_run_is_quiet_without_log_level(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "cli.db"), "ONLINE_LOOKUPS": "false"}
    result = run_cli_in_process(
        "ask", "who directed the Love wins all music video?", env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no INFO lines about migrations or the bundled load
    assert "Um Tae-hwa" in result.stdout
    # LOG_LEVEL set: the log is back.
    again = run_cli_in_process(
        "db",
        "migrate",
        env={**env, "DATABASE_PATH": str(tmp_path / "b.db"), "LOG_LEVEL": "INFO"},
        cwd=tmp_path,
    )
    assert "applied migration 0001_initial.sql" in again.stderr


def test_a_fresh_install_answers_with_sources_after_a_progress_bar_at_a_terminal(
    tmp_path: Path,
) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "cli.db"), "ONLINE_LOOKUPS": "false"}
    question = "who directed the Love wins all music video?"
    code, drawn, out = run_on_terminal("ask", question, env=env, cwd=tmp_path)
    assert code == 0, drawn
    assert "first run: loading the bundled catalog" in drawn
    assert re.search(r"\d+%\|", drawn), drawn
    assert "INFO" not in drawn
    assert "Um Tae-hwa" in out and "source: " in out


def test_a_closed_pipe_ends_the_command_silently(tmp_path: Path, loaded: dict[str, str]) -> None:
    import os
    import subprocess
    import sys

    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **loaded}
    # `linernotes db audit | head -n 1`: the reader leaves after one line.
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "db", "audit"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # closed before anything is read
    stderr = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert stderr == ""
    assert code == 141


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("{tmp}", "it is a folder, not a file"),
        ("{tmp}/file.txt/x.db", "cannot create the folder for the database"),
        ("{tmp}/garbage.db", "is not a usable SQLite database"),
    ],
)
def test_an_unusable_database_path_is_one_line_and_exit_2(
    tmp_path: Path, where: str, message: str
) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "garbage.db").write_text("not sqlite, not at all" * 100)
    env = {**env_for(tmp_path), "DATABASE_PATH": where.format(tmp=tmp_path)}
    for args in (("ask", "who is in BTS?"), ("db", "migrate"), ("import", "catalog")):
        result = run_cli_in_process(*args, env=env, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, args
