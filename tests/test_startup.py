"""A start that survives the real world: no network yet, a refused dev-server sync, and what
the bot tells a newcomer once it is up."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord
from tests.support.bot import ROOT_DIR, Server
from tests.support.http import unused_port


class Output:
    """Lines a child process writes, collected as they come."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    async def wait_for(self, predicate: Callable[[list[str]], bool]) -> None:
        while not predicate(self.lines):
            if self._task.done():
                raise AssertionError("the process ended:\n" + "\n".join(self.lines))
            self._changed.clear()
            await self._changed.wait()

    async def finished(self) -> None:
        await self._task


async def test_run_retries_until_discord_is_reachable(template_db: Path, tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    shutil.copy(template_db, database)
    port = unused_port()  # nothing listens here yet: the network is "down"
    fd = FakeDiscord(token="test-token")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT_DIR),
        "DISCORD_TOKEN": fd.token,
        "DATABASE_PATH": str(database),
        "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/",
        "LOG_LEVEL": "INFO",
        "DISCORD_RETRY_SECONDS": "0.1",  # then 0.2 s, 0.4 s ... (1 s by default)
    }
    guild = fd.add_guild("K-pop Club")
    env["DEV_GUILD_ID"] = str(guild.id)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=str(tmp_path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    out = Output(proc.stderr)

    def retries(lines: list[str]) -> list[str]:
        return [line for line in lines if "cannot reach Discord" in line]

    try:
        await asyncio.wait_for(out.wait_for(lambda lines: len(retries(lines)) >= 2), 60)
        await fd.start(port=port)  # the network comes back
        await fd.wait_until_ready(timeout=60)
        await asyncio.wait_for(
            out.wait_for(lambda lines: any("invite link" in x for x in lines)), 30
        )
        await fd.stop()  # the network goes away again while the bot runs
        await asyncio.wait_for(
            out.wait_for(lambda lines: any("lost the connection" in x for x in lines)), 60
        )
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        await out.finished()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fd.stop()
    log = out.lines
    failed = retries(log)
    # One line per failed attempt, numbered, saying what went wrong and when the next try is.
    for number, line in enumerate(failed, start=1):
        assert f"attempt {number} failed" in line, line
        assert f"127.0.0.1:{port}" in line and "connection refused" in line, line
        assert "retrying in" in line, line
    assert "Traceback" not in "\n".join(log)
    # discord.py's own reconnect, after a lost connection, is one line too.
    lost = [line for line in log if "lost the connection to Discord" in line]
    assert lost and all("connection refused" in line and "reconnecting in" in line for line in lost)
    assert not any("unexpected error" in line for line in log)
    # Once up: the invite link (from the application id) and how the commands stand, once.
    invites = [line for line in log if "invite link:" in line]
    assert len(invites) == 1
    assert f"client_id={fd.application_id}&scope=bot+applications.commands" in invites[0]
    synced = [line for line in log if "slash commands:" in line]
    assert len(synced) == 1 and f"to server {guild.id}" in synced[0]
    # The voice libraries the bot never uses are not warned about.
    assert not any("PyNaCl" in line or "davey" in line for line in log)


async def test_a_refused_dev_server_sync_is_a_warning(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    fd = server.discord
    gone = fd.add_guild("Old Club")
    fd.remove_guild(gone)  # the bot was removed: Discord answers 403 Missing Access
    with caplog.at_level(logging.WARNING, logger="bot.app.client"):
        await server.restart(DEV_GUILD_ID=str(gone.id))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"server {gone.id}" in w and "403" in w for w in warnings), warnings
    assert not server.bot.is_closed()
    assert server.bot.commands_state.startswith("NOT synced")
    # Still answering where its commands are registered.
    reply = await fd.slash("help", user=server.alice)
    assert "`/release`" in reply.embeds[0]["description"]


async def test_a_dns_failure_is_described_in_a_few_words() -> None:
    """The start-up line for the issue's case: no DNS, so discord.com cannot be resolved."""
    import aiohttp
    from aiohttp.abc import AbstractResolver

    from bot.app.client import NETWORK_ERRORS, connection_problem

    class NoDNS(AbstractResolver):
        async def resolve(self, host: str, port: int = 0, family: int = 0) -> list:
            raise OSError(-2, "Name or service not known")

        async def close(self) -> None:
            return None

    connector = aiohttp.TCPConnector(resolver=NoDNS())
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorDNSError) as caught:
            await session.get("https://discord.com/api/v10/users/@me")
    assert isinstance(caught.value, NETWORK_ERRORS)  # retried, not fatal
    assert connection_problem(caught.value) == (
        "cannot resolve discord.com (Name or service not known)"
    )


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 9)"), "connection refused"),
        # An OSError with the number alone (as a happy-eyeballs connect may raise it).
        (OSError(errno.ECONNREFUSED, "Connect call failed ('127.0.0.1', 9)"), "connection refused"),
        (
            OSError(errno.ECONNRESET, "Connect call failed ('127.0.0.1', 9)"),
            "connection reset by peer",
        ),
        (
            OSError("Multiple exceptions: [Errno 111], [Errno 99]"),
            "Multiple exceptions: [Errno 111], [Errno 99]",
        ),
    ],
)
def test_a_failed_connection_is_said_in_the_systems_words(error: OSError, said: str) -> None:
    import types

    import aiohttp

    from bot.app.client import connection_problem

    key = types.SimpleNamespace(host="127.0.0.1", port=9, ssl=True)
    assert connection_problem(aiohttp.ClientConnectorError(key, error)) == said  # type: ignore[arg-type]


def test_a_command_on_sqlite_loads_no_postgresql_http_or_feed_library() -> None:
    """`linernotes ask` on SQLite, offline, pays for none of asyncpg, aiohttp and feedparser.

    Each costs a CLI process tenths of a second at start; they are imported where first used.
    """
    import subprocess

    code = (
        "import sys\n"
        "import bot.app.cli, bot.knowledge.ask.engine, bot.knowledge.importers.bundled\n"
        "import bot.discord_io.escape, bot.store\n"
        "print(sorted(m for m in ('asyncpg', 'aiohttp', 'feedparser') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT_DIR, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
