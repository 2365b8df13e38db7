"""The smaller points of issue 24: NFKC names, a "%" in a reconnect reason, idle metrics
connections, terminal escapes in `linernotes ask`."""

from __future__ import annotations

import logging
import shutil
import socket
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.app.logsetup import OneLineReconnect
from bot.core import metrics
from bot.knowledge.normalize import normalize
from tests.support.cli import env_for, run_cli_in_process


def test_compatibility_letters_normalise_like_plain_ones() -> None:
    assert normalize("𝐈𝐔") == normalize("iu") == normalize("ＩＵ") == "iu"
    assert normalize("𝓛𝓸𝓿𝓮 𝔀𝓲𝓷𝓼 𝓪𝓵𝓵") == normalize("Love wins all")
    assert normalize("봄날") == "봄날" and normalize("Café") == "cafe"


def test_a_percent_in_a_reconnect_reason_keeps_the_line() -> None:
    record = logging.LogRecord(
        "discord.client", logging.INFO, __file__, 1, "Attempting a reconnect in %.2fs", (4.0,), None
    )
    try:
        raise OSError("closed with reason 100% %s %d gone")
    except OSError:
        record.exc_info = sys.exc_info()
    assert OneLineReconnect().filter(record)
    line = record.getMessage()  # raised TypeError before: the "%" was spliced into the format
    assert "100% %s %d gone" in line and "reconnecting in 4 s" in line
    assert record.levelno == logging.WARNING and record.exc_info is None


def test_an_idle_metrics_connection_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "IDLE_TIMEOUT", 0.2)
    server = metrics.serve("127.0.0.1", 0)
    try:
        host, port = server.address
        with socket.create_connection((host, port), timeout=10) as idle:
            # Say nothing: the server gives up on the connection instead of holding a thread.
            idle.settimeout(10)
            assert idle.recv(1) == b""  # closed by the server, not by our 10 s timeout
        with socket.create_connection((host, port), timeout=10) as scrape:
            scrape.sendall(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
            scrape.settimeout(10)
            answer = b""
            while chunk := scrape.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.0 200") and b"linernotes_guilds" in answer
    finally:
        server.close()
    server.thread.join(10)
    assert not server.thread.is_alive()


def test_linernotes_ask_prints_no_terminal_escape_sequences(
    template_db: Path, tmp_path: Path
) -> None:
    shutil.copy(template_db, tmp_path / "cli.db")  # the bundled data already in
    env = env_for(tmp_path)
    first = run_cli_in_process("ask", "who composed Love wins all?", env=env, cwd=tmp_path)
    assert first.returncode == 0 and "Seo Dong-hwan" in first.stdout
    db = sqlite3.connect(tmp_path / "cli.db")
    # A name as a hostile import could store it: clear the screen, retitle the terminal.
    hostile = "Seo Dong-hwan\x1b[2J\x1b]0;pwned\x07\x9b31m"
    db.execute(
        "UPDATE entities SET name = ?, label = ? WHERE kind = 'artist' AND name = 'Seo Dong-hwan'",
        (hostile, hostile),
    )
    db.commit()
    db.close()
    result = run_cli_in_process("ask", "who composed Love wins all?", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Seo Dong-hwan" in result.stdout
    assert not any(c in result.stdout for c in ("\x1b", "\x07", "\x9b"))
