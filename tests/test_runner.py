"""`linernotes run` as systemd and Prometheus see it: notifications, the watchdog, the phases
`linernotes status` reports, and metrics served before Discord is reachable."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot import __version__
from bot.app import sdnotify
from bot.app.runner import beat_interval
from bot.app.status_report import build_report
from bot.store.status import FeedHealth, Heartbeat
from tests.fakediscord import FakeDiscord
from tests.support.bot import ROOT_DIR
from tests.support.cli import run_cli_in_process
from tests.support.http import unused_port
from tests.support.metrics import samples


class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET; collects what is sent."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.setblocking(False)
        self.messages: list[str] = []
        self._arrived = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    def start_reading(self) -> None:
        """Collect every message as it comes, as systemd does."""
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self.messages.append((await loop.sock_recv(self.sock, 4096)).decode())
            self._arrived.set()

    async def until(self, field: str, count: int = 1) -> None:
        while sum(field in m.split("\n") for m in self.messages) < count:
            self._arrived.clear()
            await self._arrived.wait()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    listener = NotifySocket(tmp_path / "notify")
    yield listener
    listener.close()


def test_sd_notify_never_blocks_on_a_reader_that_stopped_reading(
    notify_socket: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first version blocked the whole event loop here (SIGTERM then went unanswered).
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_socket.path))
    sent = [sdnotify.notify("WATCHDOG=1") for _ in range(5000)]
    assert sent[0] is True and sent[-1] is False  # the queue filled up; the rest was dropped


def test_sd_notify_sends_one_datagram_and_does_nothing_without_systemd(
    notify_socket: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.notify("READY=1") is False
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_socket.path))
    assert sdnotify.notify("READY=1", "STATUS=starting") is True
    assert notify_socket.sock.recv(4096) == b"READY=1\nSTATUS=starting"
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_socket.path) + "-gone")
    assert sdnotify.notify("WATCHDOG=1") is False  # systemd gone: not an error


def test_the_watchdog_setting_sets_how_often_the_heartbeat_pings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert sdnotify.watchdog_seconds() is None
    assert beat_interval(None) == 30
    monkeypatch.setenv("WATCHDOG_USEC", "120000000")  # WatchdogSec=120
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert sdnotify.watchdog_seconds() == 120
    assert beat_interval(120) == 30  # well inside the timeout
    assert beat_interval(30) == 10  # thrice per timeout when it is short
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process
    assert sdnotify.watchdog_seconds() is None


def beat(phase: str, *, age: int = 5, note: str | None = None) -> Heartbeat:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    return Heartbeat(
        written_at=now - timedelta(seconds=age),
        started_at=now - timedelta(seconds=60),
        pid=42,
        version="9.9.9",
        shard_count=0,
        shards_connected=0,
        guild_count=0,
        latency_ms=None,
        last_event=None,
        last_event_at=None,
        phase=phase,
        phase_note=note,
    )


@pytest.mark.parametrize(
    ("phase", "note", "age", "expected"),
    [
        ("starting", None, 5, "bot: starting (opening the database, connecting to Discord)"),
        ("retrying", "connection refused; attempt 3, next in 4 s", 5, "bot: retrying Discord "),
        ("retrying", "connection refused", 600, "bot: NOT RESPONDING (heartbeat is stale)"),
    ],
)
def test_status_tells_starting_and_retrying_from_never_ran_and_stopped(
    tmp_path: Path, phase: str, note: str | None, age: int, expected: str
) -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    health = FeedHealth(0, 0, 0, 0, 0)
    report = build_report(
        [beat(phase, age=age, note=note)],
        health,
        database=tmp_path / "x.db",
        schema_version=1,
        now=now,
    )
    assert report.lines[0].startswith(expected), report.lines[0]
    assert "never run" not in report.lines[0] and "stopped" not in report.lines[0]
    if note and age < 60:
        assert f"({note})" in report.lines[0]
    assert not report.healthy


def phase_of(database: Path) -> str | None:
    connection = sqlite3.connect(database)
    try:
        row = connection.execute("SELECT phase, stopped_at FROM heartbeat").fetchone()
    except sqlite3.OperationalError:  # not migrated yet
        return None
    finally:
        connection.close()
    return None if row is None else ("stopped" if row[1] else str(row[0]))


async def test_run_notifies_systemd_serves_metrics_at_once_and_reports_each_phase(
    template_db: Path, tmp_path: Path, notify_socket: NotifySocket
) -> None:
    database = tmp_path / "bot.db"
    shutil.copy(template_db, database)
    port = unused_port()  # Discord is unreachable at first
    metrics_port = unused_port()
    fd = FakeDiscord(token="test-token")
    guild = fd.add_guild("K-pop Club")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT_DIR),
        "DISCORD_TOKEN": fd.token,
        "DATABASE_PATH": str(database),
        "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/",
        "DEV_GUILD_ID": str(guild.id),
        "ONLINE_LOOKUPS": "false",
        "METRICS_ADDR": f"127.0.0.1:{metrics_port}",
        "NOTIFY_SOCKET": str(notify_socket.path),
        "WATCHDOG_USEC": "1500000",  # a ping at least every 0.5 s
        "DISCORD_RETRY_SECONDS": "0.1",  # then 0.2 s, 0.4 s ... (1 s by default)
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            # `python -m bot run`, READY without discord.py's 2 s wait (tests/support/bot_main.py)
            sys.executable,
            "-m",
            "tests.support.bot_main",
            "run",
            env=env,
            cwd=str(tmp_path),
            stdout=out,
            stderr=out,
        )
    status_env = {"DATABASE_PATH": str(database)}
    notify_socket.start_reading()
    try:
        await asyncio.wait_for(notify_socket.until("READY=1"), 60)
        await asyncio.wait_for(notify_socket.until("WATCHDOG=1", count=3), 60)
        await asyncio.wait_for(notify_socket.until("STATUS=retrying Discord"), 60)
        status = await asyncio.to_thread(run_cli_in_process, "status", env=status_env, cwd=tmp_path)
        assert status.returncode == 1
        assert status.stdout.startswith("bot: retrying Discord (connection refused; attempt ")
        # The metrics endpoint listens before Discord answers, with process and build series.
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            found = samples(await response.text())
        assert found[("process_start_time_seconds", ())] > 0
        assert ("process_resident_memory_bytes", ()) in found
        build = [k for k in found if k[0] == "linernotes_build_info"]
        assert build and ("version", __version__) in build[0][1]
        assert found[("linernotes_phase", (("phase", "retrying"),))] == 1
        assert found[("linernotes_shards_connected", ())] == 0

        await fd.start(port=port)  # Discord is back
        await fd.wait_until_ready(timeout=60)
        await fd.wait_for(lambda: phase_of(database) == "running", timeout=60, what="running")
        status = await asyncio.to_thread(run_cli_in_process, "status", env=status_env, cwd=tmp_path)
        assert status.returncode == 0, status.stdout
        assert status.stdout.startswith("bot: running")

        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        await asyncio.wait_for(notify_socket.until("STOPPING=1"), 5)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fd.stop()
    status = await asyncio.to_thread(run_cli_in_process, "status", env=status_env, cwd=tmp_path)
    assert status.returncode == 1 and status.stdout.startswith("bot: stopped")
    assert "Traceback" not in log.read_text()


async def test_a_stop_while_a_shard_connects_ends_the_start_up_at_once(
    fake_discord: FakeDiscord,
    template_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """discord.py retried a shard's failed connection every 5 s even after the bot was closed:
    a SIGTERM while a shard connected logged that failure as an error and held the process
    until the runner's grace ran out. The stop now ends the launch itself."""
    import bot.app.runner as runner_module
    from bot.app.runner import Runner
    from bot.discord_io.discord_urls import apply_discord_urls
    from tests.support.bot import bot_settings

    # A gateway that takes the connection and never answers the websocket handshake.
    reached = asyncio.Event()
    held: list[asyncio.StreamWriter] = []

    def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        reached.set()

    gateway = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = gateway.sockets[0].getsockname()[1]
    database = tmp_path / "bot.db"
    shutil.copy(template_db, database)
    settings = bot_settings(
        fake_discord, database, DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/", LOG_LEVEL="INFO"
    )
    apply_discord_urls(settings)
    # Without the fix the stop would wait for this grace; with it, the grace is never reached.
    monkeypatch.setattr(runner_module, "STOP_GRACE_SECONDS", 3600.0)
    runner = Runner(settings)
    try:
        with caplog.at_level(logging.WARNING):
            running = asyncio.create_task(runner.run())
            await asyncio.wait_for(reached.wait(), 60)  # the shard is connecting
            runner.request_stop("SIGTERM")
            assert await asyncio.wait_for(running, 60) == 0
    finally:
        for writer in held:
            writer.close()
        gateway.close()
        await gateway.wait_closed()
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [p for p in problems if "Failed to connect" in p], problems


async def test_a_stop_that_meets_a_phase_change_ends_the_heartbeat(
    tmp_path: Path, notify_socket: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGTERM that came as the bot became ready left the process running: the heartbeat
    waited for its next beat with ``asyncio.wait_for``, which (before Python 3.12) returns the
    event instead of the cancellation when the two land together, so the cancelled loop kept
    beating and the stop waited for it for ever."""
    from bot.app.runner import Runner
    from bot.core.settings import load_settings
    from bot.store import Store

    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_socket.path))
    notify_socket.start_reading()
    settings = load_settings(env={"DATABASE_PATH": str(tmp_path / "bot.db")}, env_file=None)
    runner = Runner(settings)
    runner.store = await Store.open(settings.database)
    try:
        beating = asyncio.create_task(runner.heartbeats())
        await asyncio.wait_for(notify_socket.until("WATCHDOG=1"), 60)  # first beat written
        runner.set_phase("running")  # the bot is ready ...
        beating.cancel()  # ... as the stop cancels the heartbeat
        with pytest.raises(asyncio.CancelledError):
            async with asyncio.timeout(20):  # the next beat would be 30 s away
                await beating
    finally:
        await runner.store.close()
