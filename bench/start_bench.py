"""What a `linernotes run` process costs to start and to stop, on the Discord emulator.

    python -m bench.start_bench [--rounds 5]

Each round starts `python -m bot run` on a copy of a database with the bundled data loaded,
waits until the emulator has sent READY and the guild, lets the bot settle (it writes its
first heartbeat and logs "ready"), sends SIGTERM and waits for the exit. It prints the median
CPU seconds of the process (start, READY and stop), the wall seconds to READY and the wall
seconds from SIGTERM to exit. The bot is the checkout of the current folder: to compare two
versions side by side, run this file from the other checkout's folder too (`cd OTHER &&
PYTHONPATH=. python /path/to/this/bench/start_bench.py`); on a loaded machine read the CPU
seconds and their ratio.
The bot logs "ready" after discord.py's 2 s wait for guilds, so the stop comes 2 s after READY.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.store import Store
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]


async def loaded_database(path: Path) -> None:
    """Make a database with the bundled data in it (what a running bot has)."""
    from bot.knowledge.importers.bundled import ensure_bundled_loaded

    async with Store.open(path) as store:
        await ensure_bundled_loaded(store)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def one_round(template: Path, folder: Path) -> tuple[float, float, float]:
    """Start, READY, SIGTERM, exit; return (CPU, wall to READY, wall from SIGTERM to exit)."""
    fd = FakeDiscord(token="bench-token", identify_window=0.0)
    await fd.start()
    guild = fd.add_guild("Bench Club")
    database = folder / "bot.db"
    shutil.copy(template, database)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(Path.cwd()),
        "DISCORD_TOKEN": fd.token,
        "DATABASE_PATH": str(database),
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "DEV_GUILD_ID": str(guild.id),
        "ONLINE_LOOKUPS": "false",
        "LOG_LEVEL": "INFO",
    }
    for name in ("PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE"):
        if name in os.environ:
            env[name] = os.environ[name]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=str(folder),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        await fd.wait_until_ready(timeout=120)
        ready = time.perf_counter() - started
        async for line in process.stderr:  # settled: READY handled, the first beat written
            if b"ready as" in line:
                break
        process.send_signal(signal.SIGTERM)
        stopping = time.perf_counter()
        await process.stderr.read()
        code = await asyncio.wait_for(process.wait(), 60)
        stopped = time.perf_counter() - stopping
        assert code == 0, f"the bot exited with {code}"
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fd.stop()
    return _children_cpu() - cpu_before, ready, stopped


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="start-bench-") as temp:
        template = Path(temp) / "template.db"
        await loaded_database(template)
        results = []
        for number in range(rounds):
            folder = Path(temp) / f"round{number}"
            folder.mkdir()
            results.append(await one_round(template, folder))
    cpu, ready, stop = (statistics.median(column) for column in zip(*results, strict=True))
    print(f"checkout: {Path.cwd()}")
    print(f"rounds: {rounds}, load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"CPU of a run process, start to READY to SIGTERM exit (median): {cpu:.2f} s")
    print(f"wall to READY and the guild sent by the emulator: {ready:.2f} s")
    print(f"wall from SIGTERM to exit: {stop:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
