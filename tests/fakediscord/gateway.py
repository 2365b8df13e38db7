"""Gateway websocket (v10): HELLO/IDENTIFY/READY/RESUME, heartbeats, dispatch, chunking.

Honours the connection's query string the way Discord does: ``encoding=json`` only (no ETF)
and ``compress=zlib-stream`` (one zlib context per connection, each payload ending with a
Z_SYNC_FLUSH) or ``zstd-stream`` when a zstd implementation is importable.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .state import PRIVILEGED_INTENTS, Channel, Guild, Intents, Permissions

if TYPE_CHECKING:
    from .client import FakeDiscord

log = logging.getLogger(__name__)

# Opcodes
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO = 6, 7, 8, 9, 10
HEARTBEAT_ACK = 11

# Gateway docs, "Rate Limiting": 120 events a connection every 60 s, else close 4008.
SEND_LIMIT, SEND_WINDOW = 120, 60.0
# Gateway docs, "Gateway URL Query String Params"/"API Versioning": others close with 4012.
GATEWAY_VERSIONS = ("9", "10")
# Sharding (docs: events/gateway#sharding): at most 2,500 servers per session, identify
# buckets of shard_id % max_concurrency, one IDENTIFY per bucket every 5 seconds.
MAX_GUILDS_PER_SESSION = 2500
IDENTIFY_WINDOW_SECONDS = 5.0

# Intent needed to receive each event (None: always sent).
_GUILDS_EVENTS = (
    "GUILD_CREATE",
    "GUILD_UPDATE",
    "GUILD_DELETE",
    "GUILD_ROLE_CREATE",
    "GUILD_ROLE_UPDATE",
    "GUILD_ROLE_DELETE",
    "CHANNEL_CREATE",
    "CHANNEL_UPDATE",
    "CHANNEL_DELETE",
    "CHANNEL_PINS_UPDATE",
    "THREAD_CREATE",
    "THREAD_UPDATE",
    "THREAD_DELETE",
    "THREAD_LIST_SYNC",
    "THREAD_MEMBER_UPDATE",
    "THREAD_MEMBERS_UPDATE",
)
_MESSAGE_EVENTS = ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK")
_REACTION_EVENTS = ("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE")
_VISIBILITY_EVENTS = (*_MESSAGE_EVENTS, *_REACTION_EVENTS, "THREAD_CREATE", "THREAD_UPDATE")


def required_intent(event: str, guild: Guild | None) -> int | None:
    if event in _GUILDS_EVENTS:
        return Intents.GUILDS
    if event in _MESSAGE_EVENTS:
        return Intents.GUILD_MESSAGES if guild else Intents.DIRECT_MESSAGES
    if event in _REACTION_EVENTS:
        return Intents.GUILD_MESSAGE_REACTIONS if guild else Intents.DIRECT_MESSAGE_REACTIONS
    if event.startswith("GUILD_MEMBER"):
        return Intents.GUILD_MEMBERS
    return None


class _Compressor:
    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        self._z = zlib.compressobj() if kind == "zlib-stream" else None
        self._zstd: Callable[[bytes], bytes] | None = None
        if kind == "zstd-stream":
            self._zstd = _zstd_stream()

    def encode(self, text: str) -> str | bytes:
        raw = text.encode()
        if self._z is not None:
            return self._z.compress(raw) + self._z.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:
            return self._zstd(raw)
        return text


def _zstd_stream() -> Callable[[bytes], bytes]:
    """A streaming zstd compressor flushing one block per message (what discord.py expects
    when it finds ``zstandard`` or ``compression.zstd``)."""
    try:
        import zstandard  # type: ignore[import-not-found]

        cobj = zstandard.ZstdCompressor().compressobj()
        return lambda data: cobj.compress(data) + cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    except ImportError:
        from compression import zstd  # type: ignore[import-not-found]

        comp = zstd.ZstdCompressor()
        return lambda data: comp.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)


def zstd_available() -> bool:
    try:
        _zstd_stream()
    except ImportError:
        return False
    return True


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    shard: tuple[int, int] | None
    properties: dict[str, Any]
    seq: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)
    conn: Connection | None = None
    ready: bool = False  # READY and the initial GUILD_CREATEs have been written
    invalid: bool = False
    identify_payload: dict[str, Any] = field(default_factory=dict)

    def sees_guild(self, guild_id: int | None) -> bool:
        """Whether this session gets the guild's events; events without a guild (DMs) go
        to shard 0 only."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


class Connection:
    """One websocket. Outgoing payloads go through a queue so sync code can dispatch and
    ordering is preserved."""

    def __init__(
        self, gateway: Gateway, ws: web.WebSocketResponse, compress: str | None, path: str
    ) -> None:
        self.gateway = gateway
        self.ws = ws
        self.path = path
        self.compressor = _Compressor(compress)
        self.queue: asyncio.Queue[dict[str, Any] | Callable[[], None] | None] = asyncio.Queue()
        self.session: Session | None = None
        self.received: list[dict[str, Any]] = []
        self.sent_at: collections.deque[float] = collections.deque()
        self.heartbeats = 0
        self._writer = asyncio.create_task(self._write_loop())

    def send(self, payload: dict[str, Any] | Callable[[], None]) -> None:
        self.queue.put_nowait(payload)

    async def _write_loop(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            if callable(item):
                item()
                continue
            if self.ws.closed:
                continue
            data = self.compressor.encode(json.dumps(item, ensure_ascii=False))
            try:
                if isinstance(data, bytes):
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(data)
            except (ConnectionError, RuntimeError):
                return

    async def flush(self) -> None:
        """Wait until everything queued so far has been written."""
        if self._writer.done():
            return
        done = asyncio.get_running_loop().create_future()
        self.send(lambda: done.done() or done.set_result(None))
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(done), 2.0)

    async def close(self, code: int, reason: str = "") -> None:
        await self.flush()
        if not self.ws.closed:
            await self.ws.close(code=code, message=reason.encode())

    async def stop(self) -> None:
        self.queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(self._writer, 1.0)


class Gateway:
    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.connects = 0
        self.identifies = 0
        self.resumes = 0
        self.refused_identifies = 0  # op 9 for an IDENTIFY over the max_concurrency limit
        self._bucket_identified_at: dict[int, float] = {}

    # -- public state -------------------------------------------------------------------
    @property
    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if not s.invalid]

    def ready_session(
        self, guild: Guild | None = None, *, any_guild: bool = True
    ) -> Session | None:
        """A connected, ready session; with *guild* (or ``any_guild=False`` for a DM), one
        on the shard that receives that guild's events."""
        for s in self.live_sessions:
            if not (s.ready and s.conn is not None and not s.conn.ws.closed):
                continue
            if guild is None and any_guild:
                return s
            if s.sees_guild(guild.id if guild is not None else None):
                return s
        return None

    def ready_shards(self) -> list[tuple[int, int] | None]:
        """The ``[shard_id, num_shards]`` of every ready session (None: unsharded), sorted."""
        shards = [
            s.shard
            for s in self.live_sessions
            if s.ready and s.conn is not None and not s.conn.ws.closed
        ]
        return sorted(shards, key=lambda sh: (-1, -1) if sh is None else sh)

    def recommended_shards(self) -> int:
        """What GET /gateway/bot recommends: Discord's figure is about one shard per 1,000
        servers (undocumented; each shard may hold at most 2,500)."""
        if self.fd.recommended_shards is not None:
            return self.fd.recommended_shards
        count = max(1, -(-len(self.fd.world.guilds) // 1000))
        multiple = self.fd.large_bot_shards
        if multiple is not None:  # "always returns the correct amount of shards"
            count = -(-count // multiple) * multiple
        return count

    def session_start_limit(self) -> dict[str, int]:
        """The session start limit object (docs: events/gateway#session-start-limit-object)."""
        fd = self.fd
        elapsed_ms = int((fd.clock() - fd.started_clock) * 1000)
        return {
            "total": fd.session_start_total,
            "remaining": max(0, fd.session_start_total - self.identifies),
            "reset_after": max(0, 86_400_000 - elapsed_ms),
            "max_concurrency": fd.max_concurrency,
        }

    # -- dispatch ----------------------------------------------------------------------
    def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild: Guild | None = None,
        intent: int | str | None = "auto",
        channel: Channel | None = None,
        session: Session | None = None,
    ) -> None:
        """Send a DISPATCH to every identified session allowed to receive it."""
        need = required_intent(event, guild) if intent == "auto" else intent
        targets = [session] if session else self.live_sessions
        for s in targets:
            if not s.ready and session is None:
                continue
            if need is not None and not s.intents & int(need):
                continue
            if not s.sees_guild(guild.id if guild is not None else None):
                continue
            if (
                guild is not None
                and channel is not None
                and event in _VISIBILITY_EVENTS
                and not guild.bot_permissions(channel) & Permissions.VIEW_CHANNEL
            ):
                continue
            payload_data = data
            if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
                payload_data = self._apply_content_intent(s, data, guild)
            self._send_dispatch(s, event, payload_data)
        self.fd._notify()

    def _apply_content_intent(
        self, s: Session, data: dict[str, Any], guild: Guild | None
    ) -> dict[str, Any]:
        """Without MESSAGE_CONTENT, guild messages arrive with empty content/embeds/
        attachments/components unless the bot wrote them or is mentioned."""
        if guild is None or s.intents & Intents.MESSAGE_CONTENT:
            return data
        bot_id = str(self.fd.bot_user_id)
        author = (data.get("author") or {}).get("id")
        mentioned = f"<@{bot_id}>" in (data.get("content") or "")
        if author == bot_id or mentioned or "author" not in data:
            return data
        stripped = dict(data)
        stripped.update(content="", embeds=[], attachments=[], components=[])
        stripped.pop("poll", None)
        return stripped

    def _send_dispatch(self, s: Session, event: str, data: dict[str, Any]) -> None:
        s.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": s.seq, "d": data}
        s.buffer.append(payload)
        del s.buffer[:-1000]  # resume window
        if s.conn is not None:
            s.conn.send(payload)

    # -- websocket handler ------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.connects += 1
        q = request.query
        compress = q.get("compress")
        conn = Connection(
            self, ws, compress if compress in ("zlib-stream", "zstd-stream") else None, request.path
        )
        self.connections.add(conn)
        self.fd._notify()
        try:
            if q.get("encoding", "json") != "json":
                await conn.close(4002, "Error while decoding payload.")
                return ws
            if q.get("v") not in GATEWAY_VERSIONS:
                await conn.close(4012, "Invalid API version.")
                return ws
            if compress == "zstd-stream" and not zstd_available():
                await conn.close(4000, "zstd-stream is not available on this emulator.")
                return ws
            if compress not in (None, "zlib-stream", "zstd-stream"):
                await conn.close(4000, "Unknown compression.")
                return ws
            conn.send(
                {
                    "op": HELLO,
                    "s": None,
                    "t": None,
                    "d": {
                        "heartbeat_interval": self.fd.heartbeat_interval_ms,
                        "_trace": ['["fakediscord-gateway",{"micros":0}]'],
                    },
                }
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    if msg.type == WSMsgType.BINARY:
                        await conn.close(4002, "Error while decoding payload.")
                    break
                try:
                    payload = json.loads(msg.data)
                    op = payload["op"]
                except (ValueError, KeyError, TypeError):
                    await conn.close(4002, "Error while decoding payload.")
                    break
                conn.received.append(payload)
                if self._over_send_limit(conn):
                    await conn.close(4008, "Rate limited.")
                    break
                await self._on_payload(conn, op, payload.get("d"))
        finally:
            s = conn.session
            if s is not None and s.conn is conn:
                s.conn = None
                # A client closing with 1000/1001 ends its session; anything else may resume.
                if ws.close_code in (1000, 1001) and not self.fd._closing:
                    s.invalid = True
            await conn.stop()
            self.connections.discard(conn)
            self.fd._notify()
        return ws

    def _over_send_limit(self, conn: Connection) -> bool:
        """Count one payload from the client; true past 120 in the last 60 s."""
        now = self.fd.clock()
        conn.sent_at.append(now)
        while conn.sent_at and conn.sent_at[0] <= now - SEND_WINDOW:
            conn.sent_at.popleft()
        return len(conn.sent_at) > SEND_LIMIT

    async def _on_payload(self, conn: Connection, op: int, d: Any) -> None:
        if op == HEARTBEAT:
            conn.heartbeats += 1
            conn.send({"op": HEARTBEAT_ACK, "s": None, "t": None, "d": None})
            return
        if op == IDENTIFY:
            await self._identify(conn, d or {})
            return
        if op == RESUME:
            await self._resume(conn, d or {})
            return
        if conn.session is None:
            await conn.close(4003, "Not authenticated.")
            return
        if op == REQUEST_GUILD_MEMBERS:
            self._request_members(conn.session, d or {})
            return
        if op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
            return
        await conn.close(4001, "Unknown opcode.")

    async def _identify(self, conn: Connection, d: dict[str, Any]) -> None:
        fd = self.fd
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        token = str(d.get("token", ""))
        token = token.removeprefix("Bot ")
        if token != fd.token:
            await conn.close(4004, "Authentication failed.")
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents >= (1 << 26):
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~fd.privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        shard = d.get("shard")
        if shard is not None:
            if (
                not isinstance(shard, list)
                or len(shard) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
                or shard[1] < 1
                or not 0 <= shard[0] < shard[1]
            ):
                await conn.close(4010, "Invalid shard.")
                return
            shard = (int(shard[0]), int(shard[1]))
        multiple = fd.large_bot_shards
        if multiple is not None and (shard is None or shard[1] % multiple):
            await conn.close(4010, "Invalid shard.")
            return
        guilds = [
            g
            for g in fd.world.guilds.values()
            if shard is None or (g.id >> 22) % shard[1] == shard[0]
        ]
        if len(guilds) > MAX_GUILDS_PER_SESSION:
            await conn.close(4011, "Sharding required.")
            return
        # max_concurrency IDENTIFYs per 5 s: one per bucket; over it, Invalid Session.
        bucket = (shard[0] if shard else 0) % fd.max_concurrency
        last = self._bucket_identified_at.get(bucket)
        now = fd.clock()
        if last is not None and now - last < fd.identify_window:
            self.refused_identifies += 1
            conn.send({"op": INVALID_SESSION, "s": None, "t": None, "d": False})
            fd._notify()
            return
        self._bucket_identified_at[bucket] = now
        self.identifies += 1
        s = Session(
            secrets.token_hex(16), intents, shard, d.get("properties") or {}, identify_payload=d
        )
        self.sessions[s.id] = s
        s.conn = conn
        conn.session = s
        ready: dict[str, Any] = {
            "v": 10,
            "user_settings": {},
            "user": fd.world.bot_user.to_dict()
            | {"verified": True, "mfa_enabled": False, "email": None, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": s.id,
            "session_type": "normal",
            "resume_gateway_url": fd.resume_gateway_url,
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["seoul", "japan", "hongkong"],
            "application": {"id": str(fd.application_id), "flags": fd.application_flags},
            "auth": {},
            "_trace": ['["fakediscord-gateway",{"micros":0}]'],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        self._send_dispatch(s, "READY", ready)
        if intents & Intents.GUILDS:
            for g in guilds:
                self._send_guild_create(s, g)

        def mark_ready() -> None:
            s.ready = True
            fd._notify()

        conn.send(mark_ready)

    def _send_guild_create(self, s: Session, guild: Guild, *, joined: bool = False) -> None:
        full = bool(s.intents & Intents.GUILD_PRESENCES)
        data = guild.gateway_dict(include_all_members=full)
        if joined:
            # A guild joined after READY comes without "unavailable" (discord.py: guild_join);
            # lazily loaded guilds from READY carry "unavailable": false (guild_available).
            data.pop("unavailable", None)
        self._send_dispatch(s, "GUILD_CREATE", data)

    def guild_added(self, guild: Guild) -> None:
        """Bot joined a guild after connecting: GUILD_CREATE (with GUILDS intent)."""
        for s in self.live_sessions:
            if s.ready and s.intents & Intents.GUILDS and s.sees_guild(guild.id):
                self._send_guild_create(s, guild, joined=True)
        self.fd._notify()

    async def _resume(self, conn: Connection, d: dict[str, Any]) -> None:
        s = self.sessions.get(str(d.get("session_id")))
        token = str(d.get("token", "")).removeprefix("Bot ")
        if token != self.fd.token:
            await conn.close(4004, "Authentication failed.")
            return
        if s is None or s.invalid:
            # Not resumable: op 9 with d=false tells the client to IDENTIFY again.
            conn.send({"op": INVALID_SESSION, "s": None, "t": None, "d": False})
            return
        self.resumes += 1
        if s.conn is not None and s.conn is not conn:
            old = s.conn
            s.conn = None
            old.session = None
            asyncio.create_task(old.close(4000, "Session resumed elsewhere."))  # noqa: RUF006
        s.conn = conn
        conn.session = s
        seq = d.get("seq") or 0
        for payload in s.buffer:
            if payload["s"] > seq:
                conn.send(payload)
        s.seq += 1
        conn.send(
            {
                "op": DISPATCH,
                "t": "RESUMED",
                "s": s.seq,
                "d": {"_trace": ['["fakediscord-gateway",{"micros":0}]']},
            }
        )
        conn.send(self.fd._notify)

    def _request_members(self, s: Session, d: dict[str, Any]) -> None:
        gids = d.get("guild_id")
        gids = gids if isinstance(gids, list) else [gids]
        query = d.get("query")
        limit = d.get("limit") or 0
        user_ids = d.get("user_ids")
        if user_ids is not None and not isinstance(user_ids, list):
            user_ids = [user_ids]
        for gid in gids:
            guild = self.fd.world.guilds.get(int(gid))
            if guild is None:
                continue
            members = list(guild.members.values())
            not_found: list[str] = []
            if user_ids is not None:
                wanted = {int(u) for u in user_ids}
                members = [m for m in members if m.id in wanted]
                not_found = [str(u) for u in wanted - {m.id for m in members}]
            elif query:
                q = query.lower()
                members = [
                    m
                    for m in members
                    if m.user.username.lower().startswith(q) or (m.nick or "").lower().startswith(q)
                ]
            if limit:
                members = members[:limit]
            data: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [m.to_dict() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
            }
            if not_found:
                data["not_found"] = not_found
            if d.get("presences"):
                data["presences"] = []
            if d.get("nonce") is not None:
                data["nonce"] = d["nonce"]
            self._send_dispatch(s, "GUILD_MEMBERS_CHUNK", data)

    # -- helpers for tests --------------------------------------------------------------
    async def send_reconnect(self) -> None:
        """Ask connected clients to reconnect (op 7); discord.py then RESUMEs."""
        for s in self.live_sessions:
            if s.conn is not None:
                s.conn.send({"op": RECONNECT, "s": None, "t": None, "d": None})

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every socket with a resumable close code (simulates a network blip)."""
        for conn in list(self.connections):
            await conn.close(code, "Unknown error.")

    async def invalidate_sessions(self) -> None:
        for s in self.live_sessions:
            s.invalid = True
            if s.conn is not None:
                s.conn.send({"op": INVALID_SESSION, "s": None, "t": None, "d": False})

    async def close_all(self) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.close(1001, "Going away.")
