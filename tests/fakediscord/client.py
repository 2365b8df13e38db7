"""FakeDiscord: the test-facing API of the emulator."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web

from .gateway import Gateway
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    InteractionRecord,
    InteractionReply,
    Resolver,
    base_payload,
    build_options,
    find_command,
)
from .ratelimit import Fault, Hold, RateLimiter, Rule, path_pattern
from .server import RecordedRequest, build_app
from .state import (
    DEFAULT_BOT_PERMISSIONS,
    PRIVILEGED_INTENTS,
    Channel,
    Guild,
    Intents,
    Member,
    Message,
    Permissions,
    User,
    World,
)
from .waiters import Waiters

# Application flags Discord sets once privileged intents are enabled for an app under 100
# servers (the *_LIMITED variants).
_APP_FLAG_FOR_INTENT = {
    Intents.GUILD_PRESENCES: 1 << 13,
    Intents.GUILD_MEMBERS: 1 << 15,
    Intents.MESSAGE_CONTENT: 1 << 19,
}


class FakeDiscord:
    """A local Discord (REST v10 + gateway) for the real discord.py client.

    >>> fd = FakeDiscord(token="test-token"); await fd.start()
    >>> discord.http.Route.BASE = fd.api_base
    >>> discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fd.gateway_url)
    """

    def __init__(
        self,
        token: str = "test-token",
        *,
        bot_name: str = "Liner Notes",
        interaction_timeout: float = 3.0,
        token_lifetime: float = 15 * 60,
        default_timeout: float = 5.0,
        heartbeat_interval_ms: int = 41_250,
        privileged_intents: int = int(PRIVILEGED_INTENTS),
        nonce_window: float = 120.0,
        retry_after: float = 0.05,
        max_concurrency: int = 1,
        identify_window: float = 5.0,
        recommended_shards: int | None = None,
        session_start_total: int = 1000,
        large_bot_shards: int | None = None,
    ) -> None:
        self.token = token
        self.interaction_timeout = interaction_timeout  # Discord: 3 s to acknowledge
        self.token_lifetime = token_lifetime  # Discord: followups for 15 minutes
        self.default_timeout = default_timeout
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.privileged_intents = privileged_intents
        self.nonce_window = nonce_window
        self.default_retry_after = retry_after
        # Sharding: GET /gateway/bot's session_start_limit and shard recommendation (None:
        # one shard per 1,000 servers); identify_window is Discord's 5 s per bucket.
        self.max_concurrency = max_concurrency
        self.identify_window = identify_window
        self.recommended_shards = recommended_shards
        self.session_start_total = session_start_total
        # Large-bot sharding (docs: "Sharding for Large Bots"): the shard count must be a
        # multiple of the number Discord assigned, or IDENTIFY is closed with 4010.
        self.large_bot_shards = large_bot_shards
        self.world = World(bot_name)
        self.world.emit = self._emit
        self.app_owner = self.world.add_user("appowner")
        self.application_id = self.world.bot_user.id  # same id, as for modern apps
        self.gateway = Gateway(self)
        self.ratelimiter = RateLimiter()
        self.requests: list[RecordedRequest] = []
        self.rate_limited: list[RecordedRequest] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self._interactions_by_token: dict[str, InteractionRecord] = {}
        self.global_commands: dict[str, dict[str, Any]] = {}
        self.guild_commands: dict[int, dict[str, dict[str, Any]]] = {}
        self.command_syncs: list[tuple[Guild | None, list[dict[str, Any]]]] = []
        self._faults: list[Fault] = []
        self._holds: list[Hold] = []
        self._nonces: dict[tuple[int, str], tuple[float, Message]] = {}
        self._waiters = Waiters()
        self._clock_offset = 0.0
        self.started_clock = self.clock()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

    # ----------------------------------------------------------------------------------
    # lifecycle
    # ----------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeDiscord:
        """Bind the HTTP + websocket server (random port by default)."""
        self._runner = web.AppRunner(build_app(self), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._closing = True
        for hold in self._holds:  # answer what is still held, so the server can stop
            hold.release()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE`` (and the bot's DISCORD_API_BASE)."""
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY`` (and DISCORD_GATEWAY_URL)."""
        return f"ws://{self.host}:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/resume"

    @contextlib.contextmanager
    def patch_discord_py(self) -> Iterator[None]:
        """Point discord.py at the emulator (the two supported overrides) and restore."""
        import discord.gateway
        import discord.http
        import yarl

        saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved

    # ----------------------------------------------------------------------------------
    # identity
    # ----------------------------------------------------------------------------------
    @property
    def bot_user(self) -> User:
        return self.world.bot_user

    @property
    def bot_user_id(self) -> int:
        return self.world.bot_user.id

    @property
    def application_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        for intent, bit in _APP_FLAG_FOR_INTENT.items():
            if self.privileged_intents & intent:
                flags |= bit
        return flags

    # ----------------------------------------------------------------------------------
    # world building
    # ----------------------------------------------------------------------------------
    def add_user(
        self, name: str, *, dms_open: bool = True, bot: bool = False, locale: str = "en-US"
    ) -> User:
        return self.world.add_user(name, dms_open=dms_open, bot=bot, locale=locale)

    def add_guild(
        self,
        name: str,
        *,
        owner: User | str | None = None,
        bot_permissions: Any = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: Any = None,
        locale: str = "en-US",
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """Create a guild the bot is in (with @everyone, an owner, the bot's managed role
        and a #general system channel). Sends GUILD_CREATE if the bot is connected.
        ``shard=(shard_id, num_shards)`` picks an id that Discord routes to that shard."""
        if owner is None:
            owner = self.world.add_user(f"{name.split(maxsplit=1)[0].lower()}-owner")
        elif isinstance(owner, str):
            owner = self.world.add_user(owner)
        kw: dict[str, Any] = {}
        if everyone_permissions is not None:
            kw["everyone_permissions"] = Permissions.parse(everyone_permissions)
        guild = Guild(
            self.world,
            name,
            id=self.world.snowflake.on_shard(*shard) if shard is not None else None,
            owner=owner,
            locale=locale,
            bot_permissions=Permissions.parse(bot_permissions),
            **kw,
        )
        self.world.guilds[guild.id] = guild
        self.gateway.guild_added(guild)
        return guild

    def add_channel(self, guild: Guild, name: str, type: str | int = "text", **kw: Any) -> Channel:
        return guild.add_channel(name, type, **kw)

    def remove_guild(self, guild: Guild) -> None:
        """The bot is kicked / leaves: GUILD_DELETE without ``unavailable``."""
        if self.world.guilds.pop(guild.id, None) is None:
            return
        self.guild_commands.pop(guild.id, None)
        self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild=guild)

    def guild_outage(self, guild: Guild) -> None:
        """The guild becomes unavailable (GUILD_DELETE with ``unavailable: true``)."""
        guild.available = False
        self.gateway.dispatch(
            "GUILD_DELETE", {"id": str(guild.id), "unavailable": True}, guild=guild
        )

    @property
    def guilds(self) -> list[Guild]:
        return list(self.world.guilds.values())

    @property
    def guild(self) -> Guild:
        """The first guild (the default for slash/autocomplete)."""
        if not self.world.guilds:
            raise AssertionError("no guild yet: call fd.add_guild(...) first")
        return next(iter(self.world.guilds.values()))

    def _emit(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild: Guild | None = None,
        intent: Any = "auto",
        channel: Channel | None = None,
    ) -> None:
        if guild is not None and guild.id not in self.world.guilds:
            return  # not yet added, or the bot left it
        self.gateway.dispatch(event, data, guild=guild, intent=intent, channel=channel)

    # ----------------------------------------------------------------------------------
    # waiting & clock
    # ----------------------------------------------------------------------------------
    def _notify(self) -> None:
        self._waiters.notify()

    def clock(self) -> float:
        """Emulator time used for the 3-second and 15-minute interaction rules."""
        return time.monotonic() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Jump the emulator clock (e.g. past the 15-minute interaction token life)."""
        self._clock_offset += seconds

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        *,
        timeout: float | None = None,  # noqa: ASYNC109
        what: str = "a condition",
    ) -> Any:
        """Generic wait: the first truthy ``predicate()``, re-checked after every emulator
        change (and every 20 ms, for predicates over the bot's own state)."""
        return await self._waiters.wait(predicate, self._t(timeout), what, poll=0.02)

    def _t(self, timeout: float | None) -> float:
        return self.default_timeout if timeout is None else timeout

    @property
    def connected(self) -> bool:
        return self.gateway.ready_session() is not None

    async def wait_until_ready(
        self,
        timeout: float | None = None,  # noqa: ASYNC109
        *,
        shards: list[tuple[int, int]] | None = None,
    ) -> None:
        """Wait until the bot IDENTIFYed and READY + initial GUILD_CREATEs were written
        (on every ``(shard_id, num_shards)`` in *shards*, if given)."""
        if shards is None:
            await self._waiters.wait(
                self.gateway.ready_session,
                self._t(timeout),
                "the bot to connect (IDENTIFY → READY + GUILD_CREATE)",
            )
            return
        wanted = sorted(shards)
        await self._waiters.wait(
            lambda: all(sh in self.gateway.ready_shards() for sh in wanted),
            self._t(timeout),
            f"the bot to connect shards {wanted}",
        )

    async def wait_for_request(
        self,
        method: str,
        path: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
        check: Callable[[RecordedRequest], bool] | None = None,
    ) -> RecordedRequest:
        start = len(self.requests)

        def found() -> RecordedRequest | None:
            for r in self.requests_to(method, path)[::-1]:
                if r.status is not None and (check is None or check(r)):
                    return r
            return None

        del start
        return await self._waiters.wait(found, self._t(timeout), f"{method} {path}")

    # ----------------------------------------------------------------------------------
    # request log, faults, rate limits
    # ----------------------------------------------------------------------------------
    def requests_to(
        self, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests filtered by method and path. *path* may be a route template
        (``/channels/{channel_id}/messages``) or a concrete path; ``*`` is a wildcard."""
        if path is None and method is not None and " " in method:
            method, path = method.split(" ", 1)
        regex = path_pattern(path) if path is not None else None
        out = []
        for r in self.requests:
            if method is not None and r.method != method.upper():
                continue
            if path is not None and not (r.route == path or (regex and regex.match(r.path))):
                continue
            out.append(r)
        return out

    def fail_next(
        self,
        method: str,
        path: str | None = None,
        *,
        status: int = 500,
        count: int = 1,
        retry_after: float | None = None,
        global_: bool = False,
        code: int | None = None,
        message: str | None = None,
        body: Any = None,
    ) -> Fault:
        """Answer the next *count* matching requests with *status* before they are
        processed. ``fail_next("POST", "/channels/{channel_id}/messages", status=429)`` or
        ``fail_next("POST /channels/123/messages", status=503)``."""
        if path is None:
            if " " in method:
                method, path = method.split(" ", 1)
            else:
                method, path = "*", method
        fault = Fault(
            method.upper(),
            path,
            status,
            count,
            self.default_retry_after if retry_after is None else retry_after,
            global_,
            code,
            message,
            body,
        )
        self._faults.append(fault)
        return fault

    def hold_next(self, method: str, path: str) -> Hold:
        """Carry out the next matching request but hold its answer until ``release()``.

        ``await hold.arrived.wait()``: Discord has acted (the message exists) and the client
        is still waiting for the answer: the moment to kill it between send and record."""
        hold = Hold(method.upper(), path)
        self._holds.append(hold)
        return hold

    def _take_hold(self, method: str, path: str, template: str) -> Hold | None:
        for hold in self._holds:
            if not hold.arrived.is_set() and hold.matches(method, path, template):
                return hold
        return None

    def _take_fault(self, method: str, path: str, template: str) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, path, template):
                fault.count -= 1
                fault.hits += 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def enable_rate_limits(
        self,
        *,
        messages: tuple[int, float] = (5, 5.0),
        global_limit: tuple[int, float] | None = (50, 1.0),
    ) -> None:
        """Turn on Discord-like limits: *messages* = (limit, seconds) per channel for
        ``POST /channels/{id}/messages`` and the 50 req/s global limit."""
        self.ratelimiter.enforce = True
        self.ratelimiter.set_rule("POST", "/channels/{channel_id}/messages", *messages)
        self.ratelimiter.global_rule = Rule(*global_limit) if global_limit else None

    def set_rate_limit(self, method: str, template: str, limit: int, per: float) -> None:
        self.ratelimiter.enforce = True
        self.ratelimiter.set_rule(method, template, limit, per)

    def disable_rate_limits(self) -> None:
        self.ratelimiter.enforce = False
        self.ratelimiter.reset()

    # ----------------------------------------------------------------------------------
    # commands
    # ----------------------------------------------------------------------------------
    def commands(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        """Commands as synced by the bot (global, or for *guild*)."""
        store = self.global_commands if guild is None else self.guild_commands.get(guild.id, {})
        return list(store.values())

    def command(self, name: str, guild: Guild | None = None) -> dict[str, Any]:
        return find_command(self, name, guild)[0]

    # ----------------------------------------------------------------------------------
    # interactions
    # ----------------------------------------------------------------------------------
    def _context(
        self, user: User | Member, guild: Guild | None, channel: Channel | None, dm: bool
    ) -> tuple[Guild | None, Channel, User, Member | None]:
        base_user = user.user if isinstance(user, Member) else user
        if dm:
            return None, self.world.dm_channel(base_user), base_user, None
        if guild is None:
            if channel is not None and channel.guild is not None:
                guild = channel.guild
            elif isinstance(user, Member):
                guild = user.guild
            else:
                guild = (
                    next((g for g in self.world.guilds.values() if base_user.id in g.members), None)
                    or self.guild
                )
        if guild.id not in self.world.guilds:
            raise AssertionError(f"the bot is not in guild {guild.name!r}")
        member = guild.members.get(base_user.id)
        if member is None:
            raise AssertionError(f"{base_user.username} is not a member of {guild.name!r}")
        channel = channel or guild.general
        if channel.guild is not guild:
            raise AssertionError(f"#{channel.name} is not in {guild.name!r}")
        perms = guild.permissions_for(member, channel)
        if not perms & Permissions.VIEW_CHANNEL:
            raise AssertionError(f"{base_user.username} cannot see #{channel.name}")
        return guild, channel, base_user, member

    def _dispatch_interaction(
        self,
        itype: int,
        *,
        guild: Guild | None,
        channel: Channel,
        user: User,
        member: Member | None,
        data: dict[str, Any],
        label: str,
        locale: str | None = None,
        message: Message | None = None,
        modal_origin: InteractionRecord | None = None,
    ) -> InteractionRecord:
        # Discord delivers the interaction on the shard that receives the guild's events
        # (a DM's on shard 0); with none connected, nobody answers.
        session = self.gateway.ready_session(guild, any_guild=False)
        if session is None:
            where = f"server {guild.name!r}" if guild is not None else "a DM"
            raise AssertionError(
                f"the bot is not connected to the gateway on the shard of {where} "
                "(await fd.wait_until_ready() first)"
            )
        payload, iid, token = base_payload(
            self,
            itype,
            guild=guild,
            channel=channel,
            user=user,
            member=member,
            data=data,
            locale=locale or user.locale,
            message=message,
        )
        rec = InteractionRecord(
            iid,
            token,
            itype,
            payload,
            guild,
            channel,
            user,
            member,
            self.clock(),
            label,
            source_message=message,
            modal_origin=modal_origin,
        )
        self.interactions[iid] = rec
        self._interactions_by_token[token] = rec
        self.gateway.dispatch("INTERACTION_CREATE", payload, guild=guild, intent=None)
        return rec

    async def _await_ack(
        self,
        rec: InteractionRecord,
        timeout: float | None,  # noqa: ASYNC109
    ) -> InteractionReply:
        t = self._t(timeout)

        def settled() -> bool:
            # Acknowledged, or Discord refused the bot's answer (late, invalid…): fail fast.
            return rec.acknowledged or bool(rec.rejected)

        try:
            await self._waiters.wait(settled, t, rec.label)
        except AssertionError:
            raise AssertionError(
                f"the bot did not acknowledge {rec.label} within {t:g}s (Discord would show "
                f"'The application did not respond')"
            ) from None
        if not rec.acknowledged:
            raise AssertionError(
                f"Discord refused the bot's response to {rec.label}: {'; '.join(rec.rejected)}"
            )
        return InteractionReply(self, rec)

    async def slash(
        self,
        name: str,
        *,
        user: User | Member,
        guild: Guild | None = None,
        channel: Channel | None = None,
        dm: bool = False,
        locale: str | None = None,
        options: dict[str, Any] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
        wait: bool = True,
        force: bool = False,
        **kwargs: Any,
    ) -> InteractionReply:
        """Invoke ``/name`` (``"feed add"`` for sub-commands) as *user* and wait for the
        bot's acknowledgement. Options come as kwargs, or in *options* (needed for options
        named user/channel/guild/dm). ``force=True`` skips the Discord client's visibility
        checks (default_member_permissions, contexts) to test the bot's own checks;
        ``wait=False`` returns at once without waiting for the acknowledgement."""
        g, ch, u, member = self._context(user, guild, channel, dm)
        cmd, path = find_command(self, name, g)
        if not force:
            self._check_can_invoke(cmd, g, ch, member)
        values = dict(options or {}) | kwargs
        schema = (path[-1] if path else cmd).get("options") or []
        _check_reserved(
            name, schema, values, {"user": user, "guild": guild, "channel": channel, "dm": dm}
        )
        res = Resolver(self, g, ch, member)
        opts = build_options(path, schema, values, res, f"/{name}")
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if opts:
            data["options"] = opts
        if res.data:
            data["resolved"] = res.data
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        rec = self._dispatch_interaction(
            APPLICATION_COMMAND,
            guild=g,
            channel=ch,
            user=u,
            member=member,
            data=data,
            label=f"/{name}",
            locale=locale,
        )
        if not wait:
            return InteractionReply(self, rec)
        return await self._await_ack(rec, timeout)

    def _check_can_invoke(
        self, cmd: dict[str, Any], guild: Guild | None, channel: Channel, member: Member | None
    ) -> None:
        """What the Discord client enforces before letting a user run a command."""
        name = cmd["name"]
        if guild is None:
            contexts = cmd.get("contexts")
            if (
                cmd.get("guild_id")
                or (contexts is not None and 1 not in contexts)
                or cmd.get("dm_permission") is False
            ):
                raise AssertionError(f"/{name} cannot be used in DMs")
            return
        assert member is not None
        contexts = cmd.get("contexts")
        if contexts is not None and 0 not in contexts:
            raise AssertionError(f"/{name} cannot be used in servers")
        perms = guild.permissions_for(member, channel)
        if not perms & Permissions.USE_APPLICATION_COMMANDS:
            raise AssertionError(f"{member.name} lacks USE_APPLICATION_COMMANDS in #{channel.name}")
        override = guild.command_allowed(name, member, channel)
        if override is False and not perms & Permissions.ADMINISTRATOR:
            raise AssertionError(
                f"/{name} is disabled for {member.name} in #{channel.name} "
                "by the server's command permissions"
            )
        required = cmd.get("default_member_permissions")
        if override is None and required is not None and not perms & Permissions.ADMINISTRATOR:
            need = int(required)
            if need == 0 or (guild.base_permissions(member) & need) != need:
                raise AssertionError(
                    f"/{name} is hidden from {member.name} (default_member_permissions={required})"
                )
        if cmd.get("nsfw") and not channel.nsfw:
            raise AssertionError(f"/{name} is age-restricted; #{channel.name} is not NSFW")

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: str = "",
        *,
        user: User | Member,
        guild: Guild | None = None,
        channel: Channel | None = None,
        dm: bool = False,
        options: dict[str, Any] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
        **other: Any,
    ) -> list[dict[str, Any]]:
        """Type *value* into *option* of ``/command`` and return the suggested choices."""
        g, ch, u, member = self._context(user, guild, channel, dm)
        cmd, path = find_command(self, command, g)
        schema = (path[-1] if path else cmd).get("options") or []
        other = dict(options or {}) | other
        _check_reserved(
            command, schema, other, {"user": user, "guild": guild, "channel": channel, "dm": dm}
        )
        res = Resolver(self, g, ch, member)
        opts = build_options(
            path, schema, other, res, f"/{command}", focused=option, focused_value=value
        )
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": opts}
        if res.data:
            data["resolved"] = res.data
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        rec = self._dispatch_interaction(
            AUTOCOMPLETE,
            guild=g,
            channel=ch,
            user=u,
            member=member,
            data=data,
            label=f"autocomplete /{command} {option}={value!r}",
        )
        reply = await self._await_ack(rec, timeout)
        return list(reply.choices or [])

    async def click(
        self,
        target: InteractionReply | Message,
        custom_id: str | None = None,
        *,
        label: str | None = None,
        user: User | Member | None = None,
        values: list[Any] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> InteractionReply:
        """Click a button (by *custom_id* or *label*) or choose *values* in a select menu on
        *target* (a reply or a message), as *user* (default: whoever invoked the reply)."""
        msg = target.message if isinstance(target, InteractionReply) else target
        if msg is None:
            raise AssertionError(f"{target!r} has no message to click on")
        if user is None:
            if isinstance(target, InteractionReply):
                user = target.record.member or target.record.user
            else:
                raise AssertionError("click(message, ...) needs user=")
        comp = _find_component(msg, custom_id, label)
        ctype = comp["type"]
        if comp.get("disabled"):
            raise AssertionError(f"component {comp.get('custom_id')!r} is disabled")
        if ctype == 2 and comp.get("style") in (5, 6):
            raise AssertionError("link/premium buttons do not create interactions")
        if msg.ephemeral and isinstance(target, InteractionReply):
            owner = target.record.user
            if (user.user if isinstance(user, Member) else user).id != owner.id:
                raise AssertionError("only the invoking user can see an ephemeral message")
        g, ch, u, member = self._context(
            user, msg.channel.guild, msg.channel, msg.channel.guild is None
        )
        data: dict[str, Any] = {"custom_id": comp["custom_id"], "component_type": ctype}
        if ctype in (3, 5, 6, 7, 8):
            data["values"], resolved = self._select_values(comp, values or [], g, ch, member)
            if resolved:
                data["resolved"] = resolved
        elif values:
            raise AssertionError("values= is only for select menus")
        rec = self._dispatch_interaction(
            MESSAGE_COMPONENT,
            guild=g,
            channel=ch,
            user=u,
            member=member,
            data=data,
            message=msg,
            label=f"click {comp['custom_id']!r}",
        )
        return await self._await_ack(rec, timeout)

    async def select(
        self,
        target: InteractionReply | Message,
        custom_id: str | None = None,
        values: list[Any] | None = None,
        **kw: Any,
    ) -> InteractionReply:
        """Choose *values* in a select menu (alias of :meth:`click` with values)."""
        return await self.click(target, custom_id, values=values or [], **kw)

    def _select_values(
        self,
        comp: dict[str, Any],
        values: list[Any],
        guild: Guild | None,
        channel: Channel,
        member: Member | None,
    ) -> tuple[list[str], dict[str, Any]]:
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if not lo <= len(values) <= hi:
            raise AssertionError(
                f"select {comp['custom_id']!r} takes {lo}..{hi} values, got {len(values)}"
            )
        if comp["type"] == 3:
            allowed = [o["value"] for o in comp.get("options") or []]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise AssertionError(f"{bad} not among the options {allowed}")
            return [str(v) for v in values], {}
        res = Resolver(self, guild, channel, member)
        out = []
        for v in values:
            if isinstance(v, Channel):
                out.append(res.add_channel(v))
            elif isinstance(v, User | Member):
                out.append(res.add_user(v))
            else:
                out.append(res.add_role(v))
        return out, res.data

    async def submit_modal(
        self,
        reply: InteractionReply,
        values: dict[str, Any],
        *,
        user: User | Member | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> InteractionReply:
        """Fill in and submit the modal the bot opened in *reply* ({custom_id: value})."""
        modal = reply.modal
        if reply.type != MODAL or modal is None:
            raise AssertionError(f"{reply!r} did not open a modal")
        origin = reply.record
        user = user or origin.member or origin.user
        comps = _modal_submission(modal, values)
        g = origin.guild
        _, ch, u, member = self._context(user, g, origin.channel, g is None)
        data = {"custom_id": modal["custom_id"], "components": comps}
        rec = self._dispatch_interaction(
            MODAL_SUBMIT,
            guild=g,
            channel=ch,
            user=u,
            member=member,
            data=data,
            message=origin.source_message,
            modal_origin=origin,
            label=f"modal {modal['custom_id']!r}",
        )
        return await self._await_ack(rec, timeout)

    # ----------------------------------------------------------------------------------
    # messages & threads
    # ----------------------------------------------------------------------------------
    def channel_messages(self, channel: Channel) -> list[Message]:
        """Messages currently in *channel* (oldest first, deleted ones excluded)."""
        return channel.visible_messages

    async def wait_for_message(
        self,
        channel: Channel,
        *,
        check: Callable[[Message], bool] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
        after: Message | int | None = None,
    ) -> Message:
        """First message in *channel* (existing or future) matching *check*, newer than
        *after*."""
        after_id = after.id if isinstance(after, Message) else (after or 0)

        def found() -> Message | None:
            for m in channel.visible_messages:
                if m.id > after_id and (check is None or check(m)):
                    return m
            return None

        return await self._waiters.wait(found, self._t(timeout), f"a message in #{channel.name}")

    def threads(self, channel: Channel) -> list[Channel]:
        """Threads (and forum posts) whose parent is *channel*."""
        if channel.guild is None:
            return []
        return [t for t in channel.guild.threads.values() if t.parent is channel]

    async def wait_for_thread(
        self,
        channel: Channel,
        *,
        check: Callable[[Channel], bool] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> Channel:
        def found() -> Channel | None:
            return next((t for t in self.threads(channel) if check is None or check(t)), None)

        return await self._waiters.wait(found, self._t(timeout), f"a thread in #{channel.name}")

    def thread_for(self, message: Message) -> Channel | None:
        return message.thread

    async def post_message(
        self,
        channel: Channel,
        content: str,
        *,
        user: User | Member,
        embeds: list[dict[str, Any]] | None = None,
    ) -> Message:
        """A user writes in *channel*; the bot gets MESSAGE_CREATE (subject to intents)."""
        from .api import emit_message, store_message

        base_user = user.user if isinstance(user, Member) else user
        if channel.guild is not None:
            member = channel.guild.members.get(base_user.id)
            if member is None:
                raise AssertionError(f"{base_user.username} is not in {channel.guild.name!r}")
            need = (
                Permissions.SEND_MESSAGES_IN_THREADS
                if channel.is_thread
                else Permissions.SEND_MESSAGES
            )
            if not channel.guild.permissions_for(member, channel) & need:
                raise AssertionError(f"{base_user.username} cannot write in #{channel.name}")
        msg = Message(
            self.world.snowflake(), channel, base_user, content=content, embeds=embeds or []
        )
        store_message(self, msg, dispatch=False)
        emit_message(self, "MESSAGE_CREATE", msg)
        return msg

    def message(self, message_id: int) -> Message | None:
        return self.world.messages.get(message_id)

    def delete_message(self, message: Message) -> None:
        """Delete a message as a moderator would (MESSAGE_DELETE goes to the bot)."""
        from .api import delete_message_common

        delete_message_common(self, message)

    # ----------------------------------------------------------------------------------
    # gateway control
    # ----------------------------------------------------------------------------------
    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT; discord.py reconnects to resume_gateway_url and RESUMEs."""
        await self.gateway.send_reconnect()

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the bot's socket with a resumable code (network blip)."""
        await self.gateway.drop_connections(code)

    async def invalidate_session(self) -> None:
        await self.gateway.invalidate_sessions()


def _check_reserved(
    command: str, schema: list[dict[str, Any]], values: dict[str, Any], reserved: dict[str, Any]
) -> None:
    """``user=``/``channel=``/``guild=``/``dm=`` say who invokes the command and where; an
    option with one of those names must be passed in ``options={...}``."""
    for opt in schema:
        name = opt["name"]
        if (
            name in reserved
            and name not in values
            and (reserved[name] not in (None, False) or opt.get("required"))
        ):
            raise AssertionError(
                f"/{command} has an option named {name!r}, but {name}= says "
                f"{'who invokes' if name == 'user' else 'where'} the command; pass the "
                f"option as options={{{name!r}: ...}}"
            )


def _find_component(msg: Message, custom_id: str | None, label: str | None) -> dict[str, Any]:
    for comp in msg.iter_components():
        if comp.get("type") not in (2, 3, 5, 6, 7, 8):
            continue
        if custom_id is not None and comp.get("custom_id") == custom_id:
            return comp
        if label is not None and (comp.get("label") == label or comp.get("placeholder") == label):
            return comp
    available = [
        (c.get("label") or c.get("placeholder"), c.get("custom_id"))
        for c in msg.iter_components()
        if c.get("type") in (2, 3, 5, 6, 7, 8)
    ]
    raise AssertionError(
        f"no component custom_id={custom_id!r} label={label!r} on message "
        f"{msg.id}; available: {available}"
    )


def _modal_submission(modal: dict[str, Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    """Mirror the modal's layout with the user's input (what the client submits);
    client-side rules (required, min/max length) raise AssertionError."""
    known: set[str] = set()

    def fill(comp: dict[str, Any]) -> dict[str, Any] | None:
        ctype = comp.get("type")
        if ctype == 1:
            kids = [c for c in (fill(k) for k in comp.get("components") or []) if c]
            return {"type": 1, "id": comp.get("id"), "components": kids}
        if ctype == 18:  # label wrapping one interactive component
            inner = fill(comp["component"])
            return {"type": 18, "id": comp.get("id"), "component": inner} if inner else None
        cid = comp.get("custom_id")
        if cid is None:
            return None
        known.add(cid)
        value = values.get(cid)
        if ctype == 4:
            text = "" if value is None else str(value)
            if comp.get("required", True) and not text:
                raise AssertionError(f"modal field {cid!r} is required")
            lo, hi = comp.get("min_length"), comp.get("max_length")
            if text and ((lo and len(text) < lo) or (hi and len(text) > hi)):
                raise AssertionError(
                    f"modal field {cid!r}: length {len(text)} outside [{lo}, {hi}]"
                )
            return {"type": 4, "id": comp.get("id"), "custom_id": cid, "value": text}
        chosen = [] if value is None else (value if isinstance(value, list) else [value])
        return {
            "type": ctype,
            "id": comp.get("id"),
            "custom_id": cid,
            "values": [str(v) for v in chosen],
        }

    out = [c for c in (fill(c) for c in modal.get("components") or []) if c]
    unknown = set(values) - known
    if unknown:
        raise AssertionError(f"modal has no field(s) {sorted(unknown)}; fields: {sorted(known)}")
    return out
