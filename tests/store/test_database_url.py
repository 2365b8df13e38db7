"""DATABASE_URL: parsing, and what a wrong URL, refused credentials or a silent server give."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.core.database_url import DatabaseUrlError, parse_database_url
from bot.core.errors import DatabaseUnavailable, StoreError
from bot.core.settings import load_settings
from bot.store import Store
from bot.store.dialect import POSTGRES, SQLITE
from tests.support.cli import run_cli_in_process
from tests.support.postgres import server_url


def test_urls_of_both_backends() -> None:
    rel = parse_database_url("sqlite:///data/bot.db")
    assert (rel.backend, rel.path) == ("sqlite", Path("data/bot.db"))
    assert parse_database_url("sqlite:////var/lib/bot.db").path == Path("/var/lib/bot.db")
    pg = parse_database_url("postgres://bot:secret@db.example:5433/linernotes")
    assert pg.is_postgres and pg.dsn == "postgresql://bot:secret@db.example:5433/linernotes"
    # What is shown in logs and messages never has the password.
    assert pg.display() == "postgresql://bot@db.example:5433/linernotes"


@pytest.mark.parametrize(
    "bad",
    [
        "mysql://db/x",
        "data/bot.db",
        "sqlite://",
        "sqlite:///",
        "postgresql://",
        "postgresql://host",
        "postgresql://host:99999/db",
        "postgresql://host:port/db",
    ],
)
def test_malformed_urls_are_refused(bad: str) -> None:
    with pytest.raises(DatabaseUrlError):
        parse_database_url(bad)


def test_the_url_wins_over_the_path_and_the_pool_is_bounded() -> None:
    settings = load_settings(
        env={"DATABASE_PATH": "a.db", "DATABASE_URL": "sqlite:///b.db"}, env_file=None
    )
    assert settings.database.path == Path("b.db")
    assert settings.database_pool_size == 10
    assert load_settings(env={"DATABASE_PATH": "a.db"}, env_file=None).database.path == Path("a.db")


def test_a_malformed_url_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgresql://user:hunter2@/", "LOG_LEVEL": "WARNING"}
    result = run_cli_in_process("db", "migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("linernotes: DATABASE_URL "), result.stderr
    assert "hunter2" not in result.stderr


def test_the_dialect_numbers_placeholders_outside_quoted_text() -> None:
    sql = "SELECT '?' AS q, \"a?\" FROM t WHERE a = ? AND b IN (?, ?) -- why?\nAND c = ?"
    assert POSTGRES.sql(sql) == (
        "SELECT '?' AS q, \"a?\" FROM t WHERE a = $1 AND b IN ($2, $3) -- why?\nAND c = $4"
    )
    assert SQLITE.sql(sql) == sql


def _with(url: str, **parts: str) -> str:
    split = urlsplit(url)
    netloc = split.netloc
    if "user" in parts:
        netloc = f"{parts['user']}@{split.hostname}:{split.port}"
    path = "/" + parts["db"] if "db" in parts else split.path
    return urlunsplit(split._replace(netloc=netloc, path=path))


@pytest.mark.postgres
def test_refused_credentials_and_unknown_databases_exit_2_at_once(tmp_path: Path) -> None:
    server = server_url()
    for url in (_with(server, user="nobody_here"), _with(server, db="no_such_database")):
        started = time.monotonic()
        result = run_cli_in_process("db", "migrate", env={"DATABASE_URL": url}, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("linernotes: DATABASE_URL: cannot use"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert time.monotonic() - started < 20  # no retrying (the retry window is 30 s)


async def test_a_server_that_does_not_answer_is_retried_then_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again at once: nothing listens there
    caplog.set_level(logging.WARNING, logger="bot.store.postgres")
    with pytest.raises(DatabaseUnavailable, match="did not answer"):
        # Attempts at 0 and 0.5 s (each logged, "trying again"), then one at 0.9 s refused.
        await Store.open(f"postgresql://bot@127.0.0.1:{port}/linernotes", connect_for=0.9)
    retries = [r for r in caplog.records if "not answering yet" in r.getMessage()]
    assert len(retries) >= 2
    assert isinstance(DatabaseUnavailable("x"), StoreError)  # so `run` exits 2
