"""The bot: a sharded discord.py bot that owns the store and loads every cog."""

from __future__ import annotations

import asyncio
import errno
import logging
import math
import os
import pkgutil
import random
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

import cogs
from bot import __version__
from bot.core import metrics
from bot.core.clock import Clock, utc_now
from bot.core.errors import ConfigError
from bot.core.i18n import pick_lang
from bot.core.settings import Settings
from bot.core.shards import ShardScope, process_key
from bot.core.useragent import user_agent
from bot.discord_io.error_replies import describe_error, send_error
from bot.discord_io.threads import ThreadOpener
from bot.discord_io.translator import CatalogueTranslator, lang_of
from bot.knowledge.online.commons import CommonsClient
from bot.knowledge.online.coverart import CoverArtClient
from bot.knowledge.online.limiter import DatabaseRateLimiter
from bot.knowledge.online.lookup import OnlineLookup
from bot.knowledge.online.musicbrainz import MusicBrainzClient
from bot.knowledge.online.pictures import Pictures
from bot.knowledge.online.wikidata import WikidataClient
from bot.store import Store
from bot.store.guilds import GuildStore
from bot.store.status import Heartbeat, StatusStore

log = logging.getLogger(__name__)

# Discord allows max_concurrency IDENTIFYs per 5 s, one per bucket (shard_id % max_concurrency).
IDENTIFY_WINDOW_SECONDS = 5.0
# Discord times an IDENTIFY when it arrives; we note it before sending, so keep a margin.
IDENTIFY_MARGIN_SECONDS = 1.0

StartupHook = Callable[["LinerNotesBot"], Coroutine[Any, Any, None]]


def discover_extensions() -> list[str]:
    """Return every loadable extension in ``cogs/``; names starting with ``_`` are helpers."""
    return sorted(
        f"cogs.{module.name}"
        for module in pkgutil.iter_modules(cogs.__path__)
        if not module.name.startswith("_")
    )


# What the bot asks for when invited: View Channels, Send Messages, Send Messages in Threads,
# Embed Links, Create Public Threads, Manage Threads, Read Message History (see README).
INVITE_PERMISSIONS = 326417599488


def invite_url(application_id: int) -> str:
    """Return the link that adds the bot to a server, with its commands and permissions."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS}"
    )


# What a start-up that cannot reach Discord raises: retried with backoff, never fatal.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    asyncio.TimeoutError,
    discord.GatewayNotFound,
    discord.DiscordServerError,
)


def connection_problem(exc: BaseException) -> str:
    """Say in a few words why Discord could not be reached."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve {exc.host} ({exc.os_error.strerror or 'no DNS answer'})"
    if isinstance(exc, aiohttp.ClientConnectorError):
        error = exc.os_error
        if isinstance(error, ConnectionRefusedError) or error.errno == errno.ECONNREFUSED:
            return "connection refused"
        # The system's words for the error number, not asyncio's "Connect call failed (...)".
        if error.errno:
            return os.strerror(error.errno).lower()
        return error.strerror or str(error) or type(error).__name__
    if isinstance(exc, asyncio.TimeoutError):
        return "the connection timed out"
    if isinstance(exc, discord.DiscordServerError):
        return f"Discord answered {exc.status} (a problem on Discord's side)"
    return f"{type(exc).__name__}: {exc}"


def silence_voice_warnings() -> None:
    """Turn off discord.py's two start-up warnings about missing voice libraries.

    The bot never joins voice, so PyNaCl and davey are not needed. discord.py warns once per
    process through these two flags; clearing them touches no other warning.
    """
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


def build_online(settings: Settings, store: Store) -> OnlineLookup | None:
    """Return the lookup service the settings ask for (None when ONLINE_LOOKUPS is false)."""
    if not settings.online_lookups:
        return None
    if settings.musicbrainz_contact is None:
        log.warning(
            "MUSICBRAINZ_CONTACT is not set: MusicBrainz asks every client for a contact in its "
            "User-Agent and may throttle clients without one"
        )
    agent = user_agent(settings.musicbrainz_contact)
    # Processes sharing PostgreSQL keep MusicBrainz's one request a second between them.
    limiter = DatabaseRateLimiter(store, "musicbrainz") if store.is_postgres else None
    return OnlineLookup(
        store,
        MusicBrainzClient(
            settings.musicbrainz_api_base,
            agent,
            limiter=limiter,
            on_request=metrics.online_lookup,
        ),
        WikidataClient(settings.wikidata_api_base, agent, on_request=metrics.online_lookup),
    )


def build_pictures(settings: Settings, store: Store) -> Pictures | None:
    """Return the picture fetcher (covers, Commons images); None when lookups are off."""
    if not settings.online_lookups:
        return None
    agent = user_agent(settings.musicbrainz_contact)
    return Pictures(
        store,
        CoverArtClient(settings.coverart_api_base, agent, on_request=metrics.online_lookup),
        CommonsClient(settings.commons_api_base, agent, on_request=metrics.online_lookup),
    )


def bot_intents() -> discord.Intents:
    """Return the minimal intents: guilds only (no privileged intents, no message content)."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


class LinerNotesBot(commands.AutoShardedBot):
    """Liner Notes: slash commands in cogs over one SQLite store, on one or more shards.

    ``SHARD_COUNT`` unset: Discord's recommended count from ``GET /gateway/bot``, as
    ``AutoShardedBot`` does (one shard for a small bot). ``SHARD_IDS`` unset: every shard.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        extensions: list[str] | None = None,
        store: Store | None = None,
        guild_ready_timeout: float = 2.0,
        metrics_server: metrics.MetricsServer | None = None,
    ) -> None:
        silence_voice_warnings()
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            help_command=None,
            tree_cls=LinerNotesTree,
            # discord.py waits this long after the last GUILD_CREATE before READY.
            guild_ready_timeout=guild_ready_timeout,
            shard_count=settings.shard_count,
            # discord.py's option type says list[int]; None (its default) means every shard.
            shard_ids=list(settings.shard_ids) if settings.shard_ids is not None else None,  # type: ignore[arg-type]
        )
        self.settings = settings
        self._max_concurrency: int | None = None
        self._identifies: list[tuple[int, float]] = []  # (shard id, loop time) of each IDENTIFY
        self._store = store  # opened in setup_hook when not given
        self.online: OnlineLookup | None = None  # built in setup_hook from the settings
        self.pictures: Pictures | None = None  # likewise
        self._own_store = store is None
        self._extensions = extensions
        self.failed_extensions: dict[str, str] = {}
        self.started_at = time.monotonic()
        self.started_wall = datetime.now(UTC)
        self.ready_at: float | None = None
        self.last_event: tuple[str, datetime] | None = None
        self.commands_state = "not checked"
        # True once setup_hook has finished (the store, the cogs, the sync): what a start-up does
        # after that is connecting, which a close leaves nothing of (app/runner.py, attempt).
        self.set_up = False
        # `linernotes run` serves the metrics from the start of the process and hands the
        # server in; a bot started on its own (tests) serves them from setup_hook.
        self.metrics_server: metrics.MetricsServer | None = metrics_server
        self._own_metrics = metrics_server is None
        self._ready_once = asyncio.Event()
        # The shards' launch while it runs (launch_shards), and whether close() stopped it.
        self._launching: asyncio.Future[None] | None = None
        self._launch_stopped = False
        # The one clock every scheduled job reads; tests replace it to simulate days passing.
        self.now: Clock = utc_now

    async def setup_hook(self) -> None:
        """Open the store, load the bundled data if empty, load cogs, sync to the dev guild."""
        if self._store is None:
            self._store = await Store.open(
                self.settings.database, pool_size=self.settings.database_pool_size
            )
        await self.prepare_store()
        self.online = build_online(self.settings, self.store)
        self.pictures = build_pictures(self.settings, self.store)
        if self.pictures is not None:
            # Read the bot's clock at each call: tests replace ``bot.now`` after start-up.
            self.pictures.now = lambda: self.now()  # noqa: PLW0108
        # One opener for every cog, so its per-subject locks keep one thread per release.
        self.threads = ThreadOpener(GuildStore(self.store))
        for name in self._extensions if self._extensions is not None else discover_extensions():
            try:
                await self.load_extension(name)
            except commands.ExtensionError as exc:
                cause = exc.__cause__ or exc
                self.failed_extensions[name] = f"{type(cause).__name__}: {cause}"
                log.exception("could not load extension %s; the others still load", name)
        # Before the sync: command names and descriptions go out with their translations.
        await self.tree.set_translator(CatalogueTranslator())
        self.commands_state = await self.sync_commands()
        if self.settings.metrics_addr is not None and self.metrics_server is None:
            host, port = self.settings.metrics_addr
            try:
                self.metrics_server = metrics.serve(host, port)
            except OSError as exc:
                raise ConfigError(f"METRICS_ADDR {host}:{port} cannot be used: {exc}") from None
        if self.application_id is not None:
            log.info("invite link: %s", invite_url(self.application_id))
        log.info("slash commands: %s", self.commands_state)
        self.set_up = True

    async def sync_commands(self) -> str:
        """Sync to DEV_GUILD_ID if set, else check the global commands; say how they stand.

        A refused sync (the bot was removed from that server, say) is a warning, not a reason
        to stop: the bot keeps answering wherever its commands are registered.
        """
        guild_id = self.settings.dev_guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException as exc:
                log.warning(
                    "could not sync commands to server %s (DEV_GUILD_ID): Discord answered "
                    "%s %s; is the bot still in that server? Running on without them",
                    guild_id,
                    exc.status,
                    exc.text or exc.response.reason,
                )
                return f"NOT synced to server {guild_id} (DEV_GUILD_ID): Discord refused"
            return f"synced {len(synced)} commands to server {guild_id} (DEV_GUILD_ID)"
        if self.application_id is None:
            return "not checked (not logged in)"
        try:
            registered = {c.name for c in await self.tree.fetch_commands()}
        except discord.HTTPException as exc:
            return f"could not check the global commands ({exc.status})"
        ours = {c.name for c in self.tree.get_commands()}
        if not registered:
            return "none registered yet: run `linernotes sync` (or set DEV_GUILD_ID)"
        if registered != ours:
            missing = ", ".join(sorted(ours - registered)) or "none"
            extra = ", ".join(sorted(registered - ours)) or "none"
            return (
                f"global commands differ from this version (missing: {missing}; extra: {extra}):"
                " run `linernotes sync`"
            )
        return f"{len(registered)} global commands registered"

    @property
    def shard_scope(self) -> ShardScope | None:
        """Return the shards this process runs (None until the shard count is known)."""
        if self.shard_count is None:
            return None
        return ShardScope.of(self.shard_count, self.shard_ids)

    async def launch_shards(self) -> None:
        """Ask Discord for the shard count if it is not set, then connect every shard.

        Like ``AutoShardedBot`` this reads ``GET /gateway/bot``; unlike it, the bot keeps the
        configured gateway URL (``DISCORD_GATEWAY_URL``) and remembers ``max_concurrency``.
        """
        if self.shard_count is None and not self.is_closed():
            count, _url, limits = await self.http.get_bot_gateway()
            self.shard_count = count
            self._max_concurrency = max(1, int(limits["max_concurrency"]))
            log.info(
                "Discord recommends %d shard(s); %d session start(s) left today",
                count,
                limits["remaining"],
            )
        # In a task of its own that close() cancels: discord.py retries a failed connection
        # every 5 s even once the client is closed, so a stop that came while a shard connected
        # logged that failure as an error and held the process for the runner's grace.
        launching = asyncio.ensure_future(super().launch_shards())
        self._launching = launching
        try:
            await launching
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self._launch_stopped and (current is None or not current.cancelling()):
                return  # stopped by close(): connect() ends with the closed client
            raise
        finally:
            self._launching = None

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's identify bucket instead of discord.py's flat 5 s per shard.

        A shard identifying again (its session was lost, or Discord refused an IDENTIFY that
        another process's shard in the same bucket had just made) waits the window plus a
        random part of it, so two processes do not keep colliding on the same 5 s beat.
        """
        shard = shard_id or 0
        loop = asyncio.get_running_loop()
        if any(s == shard for s, _ in self._identifies):
            await asyncio.sleep(IDENTIFY_WINDOW_SECONDS * (1 + random.random()))
        elif self._identifies:
            concurrency = await self._identify_concurrency()
            bucket = [t for s, t in self._identifies if s % concurrency == shard % concurrency]
            free_at = max(bucket, default=0.0) + IDENTIFY_WINDOW_SECONDS + IDENTIFY_MARGIN_SECONDS
            if bucket and (wait := free_at - loop.time()) > 0:
                await asyncio.sleep(wait)
        self._identifies.append((shard, loop.time()))

    async def _identify_concurrency(self) -> int:
        if self._max_concurrency is None:
            try:
                limits = await self.fetch_session_start_limits()
                self._max_concurrency = max(1, limits.max_concurrency)
            except discord.DiscordException:
                log.warning("could not read max_concurrency; identifying one shard per 5 s")
                self._max_concurrency = 1
        return self._max_concurrency

    @property
    def store(self) -> Store:
        """Return the bot's store (open from setup_hook until close)."""
        if self._store is None:
            raise RuntimeError("the store opens in setup_hook")
        return self._store

    async def prepare_store(self) -> None:
        """Load the bundled catalog into an empty database (a fresh install answers at once)."""
        from bot.knowledge.importers.bundled import ensure_bundled_loaded

        loaded = await ensure_bundled_loaded(self.store)
        if loaded:
            log.info("loaded the bundled catalog into %s", self.store.location)

    async def on_ready(self) -> None:
        """Record the first READY for the start-up figure."""
        if self.ready_at is None:
            self.ready_at = time.monotonic()
            scope = self.shard_scope
            log.info(
                "ready as %s in %d guild(s) on shard(s) %s of %s, %.2f s after start",
                self.user,
                len(self.guilds),
                ",".join(map(str, scope.ids)) if scope else "?",
                scope.count if scope else "?",
                self.ready_at - self.started_at,
            )
        self._ready_once.set()

    async def wait_ready(self) -> None:
        """Wait for the first READY (and its guilds)."""
        await self._ready_once.wait()

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Note the last gateway event (for `linernotes status`) and count a slash command
        that finished without error, then dispatch as usual.

        Counting here, not in an ``on_app_command_completion`` listener, spares every command
        the task discord.py starts for each listener of an event.
        """
        if event_name == "socket_event_type" and args:
            self.last_event = (str(args[0]), datetime.now(UTC))
        elif event_name == "app_command_completion" and args:
            record_interaction(args[0], "ok")
        super().dispatch(event_name, *args, **kwargs)

    def shard_states(self) -> tuple[int, int]:
        """Return how many shards the bot runs and how many are connected."""
        shards = getattr(self, "shards", None)
        if isinstance(shards, dict) and shards:
            return len(shards), sum(not shard.is_closed() for shard in shards.values())
        connected = self.ws is not None and self.is_ready() and not self.is_closed()
        return self.shard_count or 1, int(connected)

    def heartbeat(self, started_at: datetime | None = None) -> Heartbeat:
        """Return the bot's state as a heartbeat row (wall-clock times: status reads them)."""
        shard_count, connected = self.shard_states()
        latency = self.latency
        event, event_at = self.last_event if self.last_event else (None, None)
        return Heartbeat(
            written_at=datetime.now(UTC),
            started_at=started_at or self.started_wall,
            pid=os.getpid(),
            version=__version__,
            shard_count=shard_count,
            shards_connected=connected,
            guild_count=len(self.guilds),
            latency_ms=round(latency * 1000) if math.isfinite(latency) else None,
            last_event=event,
            last_event_at=event_at,
            process=process_key(self.settings.shard_count, self.settings.shard_ids),
        )

    async def write_heartbeat(self, started_at: datetime | None = None) -> Heartbeat:
        """Write the heartbeat row and update the gauges; return what was written."""
        beat = self.heartbeat(started_at)
        status = StatusStore(self.store)
        await status.write_heartbeat(beat)
        metrics.guilds(beat.guild_count)
        metrics.outbox_backlog(await status.outbox_backlog())
        return beat

    async def close(self) -> None:
        """Disconnect, let cogs stop their loops, then close the store after in-flight writes."""
        launching = self._launching
        if launching is not None and launching is not asyncio.current_task():
            self._launch_stopped = True
            launching.cancel()  # no shard connects (or retries) once the bot is closing
        try:
            for name in list(self.extensions):
                try:
                    await self.unload_extension(name)
                except commands.ExtensionError:
                    log.exception("error unloading %s", name)
            await super().close()
        finally:
            if self.metrics_server is not None and self._own_metrics:
                self.metrics_server.close()
                self.metrics_server = None
            store = self._store
            # A shared store belongs to `linernotes run` (app/runner.py), which records the stop.
            own = self._own_store
            if own and store is not None and not store.closed and self.ready_at is not None:
                try:
                    await StatusStore(store).mark_stopped(
                        datetime.now(UTC),
                        process=process_key(self.settings.shard_count, self.settings.shard_ids),
                    )
                except Exception:  # a failed note must not keep the store open
                    log.warning("could not record the stop in the heartbeat", exc_info=True)
            if self.online is not None:
                await self.online.close()
            if self.pictures is not None:
                await self.pictures.close()
            if store is not None and self._own_store:
                await store.close()


def shard_refusal(error: BaseException) -> str | None:
    """Return the one-line explanation when Discord refused our shards (close 4010/4011)."""
    if not isinstance(error, discord.ConnectionClosed):
        return None
    if error.code == 4010:
        return (
            f"Discord refused shard {error.shard_id} as invalid (close code 4010): check "
            "SHARD_COUNT and SHARD_IDS; a large bot's SHARD_COUNT must be a multiple of the "
            "number Discord assigned"
        )
    if error.code == 4011:
        return (
            f"Discord requires more shards (close code 4011 on shard {error.shard_id}: a shard "
            "holds at most 2,500 servers): raise SHARD_COUNT, or leave it unset to use "
            "Discord's recommendation"
        )
    return None


class LinerNotesTree(app_commands.CommandTree):
    """Command tree with the three-tier error handling (CONTRIBUTING.md, "Errors")."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Note when a command arrived and the language to answer in; every interaction goes on."""
        interaction.extras["received"] = time.perf_counter()
        # Autocomplete shows catalog names, in no language of ours: spare it the lookup.
        if interaction.type is not discord.InteractionType.autocomplete:
            interaction.extras["lang"] = await self.reply_lang(interaction)
        return True

    async def reply_lang(self, interaction: discord.Interaction) -> str:
        """Return the server's pinned language, else the member's Discord language."""
        pinned = None
        store = getattr(self.client, "store", None)
        if interaction.guild_id is not None and store is not None:
            pinned = (await GuildStore(store).config(interaction.guild_id))["language"]
        return pick_lang(pinned, interaction.locale)

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Tell the user what went wrong, without a traceback; log the unexpected."""
        await send_error(interaction, error)
        _, expected = describe_error(error, lang_of(interaction))
        record_interaction(interaction, "user_error" if expected else "error")


def record_interaction(interaction: discord.Interaction, outcome: str) -> None:
    """Count an answered slash command with its outcome and handler latency."""
    if interaction.type is not discord.InteractionType.application_command:
        return
    received = interaction.extras.get("received")
    seconds = time.perf_counter() - received if received is not None else 0.0
    command = interaction.command.qualified_name if interaction.command else "unknown"
    metrics.interaction(command, outcome, seconds)
