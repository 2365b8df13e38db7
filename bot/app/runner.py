"""`linernotes run`: one process that keeps a bot connected, and says what it is doing.

The process opens the database once, starts the metrics endpoint at once (METRICS_ADDR), and
writes a heartbeat for `linernotes status` from its first second: "starting" while it opens the
database and connects, "retrying" (with the reason) while Discord cannot be reached, and the
bot's own figures once connected. Each beat that is written also pings systemd's watchdog
(``WatchdogSec=``), so a process whose loop or database hangs is restarted.

A new bot object is made for each attempt to reach Discord (discord.py's clients are not
reusable); they all share the one store, and only this runner writes the heartbeat, so two
writers never race a closing connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import __version__
from bot.app import sdnotify
from bot.core import metrics
from bot.core.errors import ConfigError
from bot.core.settings import Settings
from bot.core.shards import process_key
from bot.store import Store
from bot.store.status import HEARTBEAT_SECONDS, Heartbeat, StatusStore

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

# Backoff between attempts to reach Discord at start: DISCORD_RETRY_SECONDS (1 s), then twice
# as long each time, at most 5 minutes.
RETRY_MAX_SECONDS = 300.0
# How long a closed bot may take to end its start-up before it is cancelled.
STOP_GRACE_SECONDS = 10.0


def beat_interval(watchdog: float | None) -> float:
    """Return how often to beat: every HEARTBEAT_SECONDS, or thrice per watchdog timeout."""
    if watchdog is None:
        return float(HEARTBEAT_SECONDS)
    return max(0.5, min(float(HEARTBEAT_SECONDS), watchdog / 3))


class Runner:
    """Run bots until stopped; keep the heartbeat (and systemd) informed."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.started_at = datetime.now(UTC)
        self.phase = "starting"
        self.phase_note: str | None = None
        self.bot: LinerNotesBot | None = None
        self.store: Store | None = None
        self.metrics_server: metrics.MetricsServer | None = None
        self.stopping = asyncio.Event()
        self.beats_written = 0
        self._beat_now = asyncio.Event()
        # This process's heartbeat row: one per process on a shared database.
        self.process = process_key(settings.shard_count, settings.shard_ids)

    # -- the heartbeat -------------------------------------------------------------------------
    def connected_bot(self) -> LinerNotesBot | None:
        """Return the current bot if it has connected (READY), else None."""
        bot = self.bot
        return bot if bot is not None and bot.ready_at is not None and not bot.is_closed() else None

    def waiting_beat(self) -> Heartbeat:
        """Return the heartbeat of a process that is not connected (starting or retrying)."""
        now = datetime.now(UTC)
        return Heartbeat(
            written_at=now,
            started_at=self.started_at,
            pid=os.getpid(),
            version=__version__,
            shard_count=0,
            shards_connected=0,
            guild_count=0,
            latency_ms=None,
            last_event=None,
            last_event_at=None,
            phase=self.phase,
            phase_note=self.phase_note,
            process=self.process,
        )

    async def write_beat(self) -> None:
        """Write one heartbeat for the current phase, and ping systemd's watchdog."""
        assert self.store is not None
        bot = self.connected_bot()
        if bot is not None:
            beat = await bot.write_heartbeat(started_at=self.started_at)
            status = f"connected: {beat.shards_connected}/{beat.shard_count} shards"
        else:
            beat = self.waiting_beat()
            await StatusStore(self.store).write_heartbeat(beat)
            status = "retrying Discord" if self.phase == "retrying" else "starting"
        metrics.connection(beat.shard_count, beat.shards_connected, beat.phase)
        self.beats_written += 1
        sdnotify.notify("WATCHDOG=1", f"STATUS={status}")

    async def heartbeats(self) -> None:
        """Beat every interval, and at once when the phase changes; one failure is logged."""
        interval = beat_interval(sdnotify.watchdog_seconds())
        while True:
            self._beat_now.clear()
            try:
                await self.write_beat()
            except Exception as exc:  # the next beat tries again; no ping means systemd acts
                log.warning("could not write the heartbeat: %s", exc)
            await _wait(self._beat_now, interval)

    def set_phase(self, phase: str, note: str | None = None) -> None:
        """Change the phase and have it written now."""
        self.phase, self.phase_note = phase, note
        self._beat_now.set()

    # -- running ---------------------------------------------------------------------------------
    def request_stop(self, signame: str) -> None:
        """Start a clean stop (the first signal): the bot closes, then the store."""
        if self.stopping.is_set():
            return
        log.info("received %s; shutting down", signame)
        sdnotify.notify("STOPPING=1")
        self.stopping.set()  # attempts() closes the bot, wherever its start-up is

    async def run(self) -> int:
        """Run until a signal (or ``stopping`` is set); return the exit code."""
        loop = asyncio.get_running_loop()
        handled = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop, sig.name)
                handled.append(sig)
        beating: asyncio.Task[None] | None = None
        try:
            self.start_metrics()
            self.store = await Store.open(
                self.settings.database, pool_size=self.settings.database_pool_size
            )
            beating = asyncio.create_task(self.heartbeats(), name="heartbeat")
            sdnotify.notify("READY=1", "STATUS=starting")
            await self.attempts()
        finally:
            # The order is the fix for the heartbeat race: no beat is in flight when the stop
            # is recorded, and nothing writes after the store closes.
            if beating is not None:
                beating.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beating
            await self.finish()
            for sig in handled:
                loop.remove_signal_handler(sig)
        log.info("stopped")
        return 0

    async def attempts(self) -> None:
        """Connect, and connect again with backoff while Discord cannot be reached."""
        from bot.app.client import NETWORK_ERRORS, LinerNotesBot, connection_problem

        assert self.store is not None
        attempt = 0
        first = self.settings.discord_retry_seconds
        delay = first
        while not self.stopping.is_set():
            attempt += 1
            bot = LinerNotesBot(self.settings, store=self.store, metrics_server=self.metrics_server)
            self.bot = bot
            watcher = asyncio.create_task(self._note_ready(bot))
            try:
                await self.attempt(bot)
                break
            except _login_failure() as exc:
                raise ConfigError(f"DISCORD_TOKEN was refused by Discord: {exc}") from None
            except _gateway_closed() as exc:
                from bot.app.client import shard_refusal

                # Discord refused our shards (4010/4011): retrying cannot help; say why.
                refusal = shard_refusal(exc)
                if refusal is None:
                    raise
                raise ConfigError(refusal) from None
            except NETWORK_ERRORS as exc:
                if self.stopping.is_set():  # the stop closed it mid-start: nothing to report
                    break
                if bot.ready_at is not None:  # it had been up: start the backoff afresh
                    attempt, delay = 1, first
                problem = connection_problem(exc)
                log.warning(
                    "cannot reach Discord (%s): %s; attempt %d failed, retrying in %s s",
                    self.settings.discord_api_base,
                    problem,
                    attempt,
                    f"{delay:g}",
                )
                self.set_phase("retrying", f"{problem}; attempt {attempt}, next in {delay:g} s")
            except Exception:
                # A stop requested mid-start closes the bot under its own start-up (its HTTP
                # session, say): what that start then fails with is the stop, not an error.
                if self.stopping.is_set():
                    log.debug("start-up ended by the stop", exc_info=True)
                    break
                raise
            finally:
                watcher.cancel()
                self.bot = None
            await _wait(self.stopping, delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)
            if not self.stopping.is_set():
                self.set_phase("starting")

    async def attempt(self, bot: LinerNotesBot) -> None:
        """Run one bot until it ends, or until a stop is requested (then close it).

        The stop is handled here, not in the signal handler, so a stop that arrives at any
        point of the start-up (before the login, during the sync, while shards connect) closes
        the bot that is starting, and a start-up cut short by it is not reported as an error.
        """
        async with bot:
            starting = asyncio.create_task(bot.start(self.settings.discord_token or ""))
            stop = asyncio.create_task(self.stopping.wait())
            try:
                await asyncio.wait({starting, stop}, return_when=asyncio.FIRST_COMPLETED)
            except BaseException:
                starting.cancel()
                raise
            finally:
                stop.cancel()
            if starting.done():
                starting.result()  # raises what ended it
                return
            await bot.close()
            # A closed client ends its start-up. Past its setup (the store, the cogs, the sync),
            # what is left of it is connecting: discord.py may be sleeping out a reconnect's
            # backoff (up to minutes in a long outage) before it sees the close, so it is
            # cancelled at once. Before that, its setup may be finishing a write: it gets the grace.
            if not bot.set_up:
                await asyncio.wait({starting}, timeout=STOP_GRACE_SECONDS)
            if not starting.done():
                starting.cancel()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await starting

    async def _note_ready(self, bot: LinerNotesBot) -> None:
        await bot.wait_ready()
        self.set_phase("running")

    def start_metrics(self) -> None:
        """Serve /metrics from the start of the process (METRICS_ADDR), Discord or not."""
        if self.settings.metrics_addr is None:
            return
        host, port = self.settings.metrics_addr
        try:
            self.metrics_server = metrics.serve(host, port)
        except OSError as exc:
            raise ConfigError(f"METRICS_ADDR {host}:{port} cannot be used: {exc}") from None

    async def finish(self) -> None:
        """Record the stop, close the store and the metrics endpoint."""
        store = self.store
        if store is not None and not store.closed:
            try:
                await StatusStore(store).mark_stopped(
                    datetime.now(UTC),
                    process=self.process,
                    started_at=self.started_at,
                    pid=os.getpid(),
                )
            except Exception as exc:  # a failed note must not keep the store open
                log.warning("could not record the stop in the heartbeat: %s", exc)
            await store.close()
        if self.metrics_server is not None:
            self.metrics_server.close()
            self.metrics_server = None


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Wait until ``event`` is set or ``seconds`` have passed, whichever comes first.

    Not ``asyncio.wait_for(event.wait(), seconds)``: before Python 3.12 it returns the event
    instead of a cancellation that lands with it, and a heartbeat cancelled as the bot became
    ready kept beating, holding a stopping process for ever.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


def _gateway_closed() -> type[Exception]:
    import discord

    return discord.ConnectionClosed


def _login_failure() -> type[Exception]:
    import discord

    return discord.LoginFailure


async def run_bot(settings: Settings) -> int:
    """Run the bot until a signal; keep trying while Discord cannot be reached."""
    from bot.discord_io.discord_urls import apply_discord_urls

    apply_discord_urls(settings)
    return await Runner(settings).run()
