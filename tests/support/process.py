"""`python -m bot run` in a child process, configured as a user would: start, stop, kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """`python -m bot run` in a child process, configured like a user would."""

    def __init__(self, fd: FakeDiscord, database: Path, guild_id: int) -> None:
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": fd.token,
            "DATABASE_PATH": str(database),
            "DISCORD_API_BASE": fd.api_base,
            "DISCORD_GATEWAY_URL": fd.gateway_url,
            "DEV_GUILD_ID": str(guild_id),
            "FEED_POLL_SECONDS": "1",
            "FEED_ALLOW_PRIVATE_HOSTS": "true",
            "ONLINE_LOOKUPS": "false",
            "LOG_LEVEL": "INFO",
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.log = database.parent / "bot.log"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                env=self.env,
                cwd=str(self.log.parent),
                stdout=log,
                stderr=log,
            )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 20)
