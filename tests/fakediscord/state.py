"""In-memory world of the emulator: users, guilds, roles, channels, threads, messages.

Objects here know how to render themselves as Discord API v10 JSON (``to_dict``) and how
Discord computes permissions. Mutating helpers on :class:`Guild` (``add_text_channel``,
``deny_bot`` …) emit the gateway events Discord would send, through ``World.emit``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types)
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15
THREAD_TYPES = (10, PUBLIC_THREAD, PRIVATE_THREAD)
CHANNEL_TYPE_NAMES = {
    "text": GUILD_TEXT,
    "category": GUILD_CATEGORY,
    "announcement": GUILD_ANNOUNCEMENT,
    "forum": GUILD_FORUM,
}

# Message flags
FLAG_HAS_THREAD = 1 << 5
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_COMPONENTS_V2 = 1 << 15


# Gateway intents
class Intents(enum.IntFlag):
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_EXPRESSIONS = 1 << 3
    GUILD_INTEGRATIONS = 1 << 4
    GUILD_WEBHOOKS = 1 << 5
    GUILD_INVITES = 1 << 6
    GUILD_VOICE_STATES = 1 << 7
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16
    AUTO_MODERATION_CONFIGURATION = 1 << 20
    AUTO_MODERATION_EXECUTION = 1 << 21
    GUILD_MESSAGE_POLLS = 1 << 24
    DIRECT_MESSAGE_POLLS = 1 << 25


PRIVILEGED_INTENTS = Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.MESSAGE_CONTENT


class Permissions(enum.IntFlag):
    """Discord permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
    USE_SOUNDBOARD = 1 << 42
    CREATE_GUILD_EXPRESSIONS = 1 << 43
    CREATE_EVENTS = 1 << 44
    USE_EXTERNAL_SOUNDS = 1 << 45
    SEND_VOICE_MESSAGES = 1 << 46
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50
    PIN_MESSAGES = 1 << 51

    @classmethod
    def all(cls) -> int:
        return int(sum(p.value for p in cls))

    @classmethod
    def parse(cls, value: Any) -> int:
        """Accept an int, a ``discord.Permissions`` (``.value``), a name or names."""
        if value is None:
            return 0
        if isinstance(value, int):
            return int(value)
        if hasattr(value, "value") and isinstance(value.value, int):
            return int(value.value)
        if isinstance(value, str):
            return int(cls[_perm_name(value)])
        total = 0
        for item in value:
            total |= cls.parse(item)
        return total


def _perm_name(name: str) -> str:
    upper = name.strip().upper()
    # discord.py spells a few permissions differently from the API docs.
    aliases = {
        "READ_MESSAGES": "VIEW_CHANNEL",
        "MANAGE_PERMISSIONS": "MANAGE_ROLES",
        "USE_SLASH_COMMANDS": "USE_APPLICATION_COMMANDS",
        "MANAGE_EMOJIS": "MANAGE_GUILD_EXPRESSIONS",
        "MANAGE_EXPRESSIONS": "MANAGE_GUILD_EXPRESSIONS",
        "EXTERNAL_EMOJIS": "USE_EXTERNAL_EMOJIS",
        "EXTERNAL_STICKERS": "USE_EXTERNAL_STICKERS",
        "CREATE_PUBLIC_THREADS": "CREATE_PUBLIC_THREADS",
    }
    return aliases.get(upper, upper)


P = Permissions
# Discord's default @everyone permissions for a new server (roughly; text-relevant bits exact).
DEFAULT_EVERYONE = int(
    P.CREATE_INSTANT_INVITE
    | P.ADD_REACTIONS
    | P.STREAM
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.MENTION_EVERYONE
    | P.USE_EXTERNAL_EMOJIS
    | P.CONNECT
    | P.SPEAK
    | P.USE_VAD
    | P.CHANGE_NICKNAME
    | P.USE_APPLICATION_COMMANDS
    | P.REQUEST_TO_SPEAK
    | P.CREATE_PUBLIC_THREADS
    | P.CREATE_PRIVATE_THREADS
    | P.USE_EXTERNAL_STICKERS
    | P.SEND_MESSAGES_IN_THREADS
    | P.USE_EMBEDDED_ACTIVITIES
    | P.SEND_VOICE_MESSAGES
    | P.SEND_POLLS
    | P.USE_EXTERNAL_APPS
)
# Discord docs, Permissions, "Permissions For Timed Out Members": all but these two are lost
# (owners and administrators are exempt).
TIMED_OUT_KEEP = int(P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
# What the bot's managed role gets by default (what an invite link for this bot would ask for).
DEFAULT_BOT_PERMISSIONS = int(
    P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.SEND_MESSAGES_IN_THREADS
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.ADD_REACTIONS
    | P.USE_EXTERNAL_EMOJIS
    | P.CREATE_PUBLIC_THREADS
    | P.MANAGE_THREADS
    | P.MANAGE_MESSAGES
)
# app_permissions Discord reports for DMs with the bot.
DM_PERMISSIONS = int(
    P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.READ_MESSAGE_HISTORY
    | P.ADD_REACTIONS
    | P.ATTACH_FILES
    | P.EMBED_LINKS
    | P.MENTION_EVERYONE
    | P.USE_EXTERNAL_EMOJIS
)


def iso(ts: float | None = None) -> str:
    """ISO-8601 timestamp the way Discord writes them."""
    moment = _dt.datetime.fromtimestamp(time.time() if ts is None else ts, _dt.UTC)
    return moment.isoformat(timespec="microseconds")


class SnowflakeFactory:
    """Real-looking, strictly increasing snowflakes (timestamp << 22 | worker | increment)."""

    def __init__(self) -> None:
        self._last = 0
        self._inc = itertools.count()

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (1 << 17) | (next(self._inc) & 0xFFF)
        value = max(value, self._last + 1)
        self._last = value
        return value

    def on_shard(self, shard_id: int, num_shards: int) -> int:
        """The next snowflake that Discord routes to ``shard_id`` of ``num_shards``
        (``(id >> 22) % num_shards``): the timestamp moves on a few milliseconds."""
        value = self()
        ms = value >> 22
        while ms % num_shards != shard_id:
            ms += 1
        value = (ms << 22) | (value & ((1 << 22) - 1))
        self._last = value
        return value


def snowflake_time(sf: int) -> float:
    return ((sf >> 22) + DISCORD_EPOCH_MS) / 1000


# --------------------------------------------------------------------------------------
# Entities
# --------------------------------------------------------------------------------------


@dataclass(eq=False)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True  # False → the bot gets 50007 when DMing this user
    locale: str = "en-US"

    @property
    def name(self) -> str:
        return self.username

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "avatar_decoration_data": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "primary_guild": None,
            "collectibles": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False)
class Role:
    id: int
    guild: Guild
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None  # set on a bot's managed integration role

    @property
    def is_everyone(self) -> bool:
        return self.id == self.guild.id

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
            "description": None,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso)
    communication_disabled_until: str | None = None  # ISO 8601: a timeout's end

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def timed_out(self) -> bool:
        until = self.communication_disabled_until
        return until is not None and _dt.datetime.fromisoformat(until) > _dt.datetime.now(_dt.UTC)

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    def to_dict(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": self.communication_disabled_until,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        return data


@dataclass(eq=False)
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(eq=False)
class ForumTag:
    id: int
    name: str
    moderated: bool = False
    emoji_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "moderated": self.moderated,
            "emoji_id": None,
            "emoji_name": self.emoji_name,
        }


@dataclass(eq=False)
class Channel:
    """A guild channel, a thread (``type`` 11/12) or a DM channel (``type`` 1)."""

    id: int
    type: int
    name: str | None
    guild: Guild | None = None
    position: int = 0
    parent: Channel | None = None
    topic: str | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    available_tags: list[ForumTag] = field(default_factory=list)
    flags: int = 0
    messages: list[Message] = field(default_factory=list)
    last_message_id: int | None = None
    recipient: User | None = None  # DMs
    # thread-only state
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    archive_timestamp: str = field(default_factory=iso)
    create_timestamp: str = field(default_factory=iso)
    applied_tags: list[int] = field(default_factory=list)
    member_ids: set[int] = field(default_factory=set)
    message_count: int = 0
    total_message_sent: int = 0
    starter_message: Message | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        return self.type == DM

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def tag(self, name: str) -> ForumTag:
        """The forum tag called *name* (forum channels)."""
        for t in self.available_tags:
            if t.name == name:
                return t
        raise KeyError(f"forum {self.name!r} has no tag {name!r}")

    @property
    def visible_messages(self) -> list[Message]:
        return [m for m in self.messages if not m.deleted]

    def thread_metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "archived": self.archived,
            "auto_archive_duration": self.auto_archive_duration,
            "archive_timestamp": self.archive_timestamp,
            "locked": self.locked,
            "create_timestamp": self.create_timestamp,
        }
        if self.type == PRIVATE_THREAD:
            meta["invitable"] = self.invitable
        return meta

    def to_dict(self) -> dict[str, Any]:
        if self.is_dm:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": DM,
                "flags": 0,
                "last_message_id": _opt_id(self.last_message_id),
                "recipients": [self.recipient.to_dict()],
            }
        assert self.guild is not None
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "flags": self.flags,
        }
        if self.is_thread:
            assert self.parent is not None
            data.update(
                {
                    "parent_id": str(self.parent.id),
                    "owner_id": _opt_id(self.owner_id),
                    "last_message_id": _opt_id(self.last_message_id),
                    "rate_limit_per_user": self.rate_limit_per_user,
                    "message_count": self.message_count,
                    "member_count": min(len(self.member_ids), 50),
                    "total_message_sent": self.total_message_sent,
                    "thread_metadata": self.thread_metadata(),
                    "applied_tags": [str(t) for t in self.applied_tags],
                }
            )
            return data
        data.update(
            {
                "position": self.position,
                "permission_overwrites": [o.to_dict() for o in self.overwrites],
                "parent_id": _opt_id(self.parent.id if self.parent else None),
                "nsfw": self.nsfw,
            }
        )
        if self.type != GUILD_CATEGORY:
            data.update(
                {
                    "topic": self.topic,
                    "rate_limit_per_user": self.rate_limit_per_user,
                    "last_message_id": _opt_id(self.last_message_id),
                    "default_auto_archive_duration": 1440,
                }
            )
        if self.type == GUILD_FORUM:
            data.update(
                {
                    "available_tags": [t.to_dict() for t in self.available_tags],
                    "default_reaction_emoji": None,
                    "default_thread_rate_limit_per_user": 0,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                }
            )
        return data

    def thread_member_dict(self, user_id: int) -> dict[str, Any]:
        return {"id": str(self.id), "user_id": str(user_id), "join_timestamp": iso(), "flags": 0}


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        url = f"https://cdn.discordapp.com/attachments/0/{self.id}/{self.filename}"
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
        }
        if self.description:
            data["description"] = self.description
        return data


@dataclass(eq=False)
class Message:
    """A message as Discord stores it. ``raw`` is the JSON Discord would return."""

    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    nonce: str | int | None = None
    message_reference: dict[str, Any] | None = None
    referenced: Message | None = None
    timestamp: str = field(default_factory=iso)
    edited_timestamp: str | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    interaction: dict[str, Any] | None = None
    mention_everyone: bool = False
    tts: bool = False
    thread: Channel | None = None
    deleted: bool = False
    edits: int = 0
    reactions: dict[str, set[int]] = field(default_factory=dict)
    poll: dict[str, Any] | None = None
    allowed_mentions: dict[str, Any] | None = None
    mention_users: list[User] = field(default_factory=list)  # who the message pinged
    mention_role_ids: list[int] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & FLAG_LOADING)

    @property
    def guild(self) -> Guild | None:
        return self.channel.guild

    @property
    def raw(self) -> dict[str, Any]:
        return self.to_dict()

    @property
    def embed(self) -> dict[str, Any] | None:
        """The first embed, or None — handy in assertions."""
        return self.embeds[0] if self.embeds else None

    def iter_components(self) -> Iterable[dict[str, Any]]:
        return walk_components(self.components)

    def to_dict(self, *, with_member: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "type": self.type,
            "author": self.author.to_dict(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": self.tts,
            "mention_everyone": self.mention_everyone,
            "mentions": [u.to_dict() for u in self.mention_users],
            "mention_roles": [str(r) for r in self.mention_role_ids],
            "attachments": [a.to_dict() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
            if self.referenced is not None and not self.referenced.deleted:
                data["referenced_message"] = self.referenced.to_dict()
            else:
                data["referenced_message"] = None
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.interaction is not None:
            data["interaction"] = self.interaction
        if self.thread is not None:
            data["thread"] = self.thread.to_dict()
        if self.poll is not None:
            data["poll"] = self.poll
        if self.reactions:
            data["reactions"] = [
                {
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": False,
                    "me_burst": False,
                    "burst_colors": [],
                    "emoji": {"id": None, "name": name},
                }
                for name, users in self.reactions.items()
                if users
            ]
        guild = self.channel.guild
        if guild is not None:
            data["guild_id"] = str(guild.id)
            if with_member and self.webhook_id is None:
                member = guild.members.get(self.author.id)
                if member is not None:
                    data["member"] = member.to_dict(with_user=False)
        return data


def walk_components(components: Sequence[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Depth-first walk through action rows, containers, sections and labels."""
    for comp in components:
        yield comp
        yield from walk_components(comp.get("components") or [])
        for key in ("accessory", "component"):
            child = comp.get(key)
            if isinstance(child, dict):
                yield from walk_components([child])


def _opt_id(value: int | None) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------------------
# Guild
# --------------------------------------------------------------------------------------


class Guild:
    """A server. Created with :meth:`FakeDiscord.add_guild`; helper methods mutate it the
    way an admin would in the Discord client and emit the matching gateway events."""

    def __init__(
        self,
        world: World,
        name: str,
        *,
        owner: User,
        locale: str = "en-US",
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE,
        id: int | None = None,
    ) -> None:
        self.world = world
        self.id = id if id is not None else world.snowflake()
        self.name = name
        self.owner_id = owner.id
        self.locale = locale
        self.features: list[str] = ["COMMUNITY"]
        self.roles: dict[int, Role] = {}
        self.members: dict[int, Member] = {}
        self.channels: dict[int, Channel] = {}  # guild channels (no threads)
        self.threads: dict[int, Channel] = {}
        self.joined_at = iso()
        self.available = True
        # Server Settings > Integrations: command name (or "*" for the app-wide defaults)
        # → [{"id", "type" (1 role, 2 user, 3 channel), "permission"}]
        self.command_permissions: dict[str, list[dict[str, Any]]] = {}
        # @everyone shares the guild's id, as on Discord.
        self.roles[self.id] = Role(self.id, self, "@everyone", everyone_permissions, position=0)
        self.add_member(owner)
        self.bot_role = self._new_role(
            world.bot_user.username, bot_permissions, managed=True, bot_id=world.bot_user.id
        )
        self.bot_member = self.add_member(world.bot_user, roles=[self.bot_role])
        self.general = self.add_text_channel("general")
        self.system_channel_id: int | None = self.general.id

    # -- lookups ------------------------------------------------------------------
    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def owner(self) -> Member:
        return self.members[self.owner_id]

    @property
    def bot(self) -> Member:
        return self.bot_member

    def channel(self, name: str) -> Channel:
        for ch in itertools.chain(self.channels.values(), self.threads.values()):
            if ch.name == name:
                return ch
        raise KeyError(f"no channel {name!r} in {self.name!r}")

    def role(self, name: str) -> Role:
        for r in self.roles.values():
            if r.name == name:
                return r
        raise KeyError(f"no role {name!r} in {self.name!r}")

    def member(self, name_or_id: str | int) -> Member:
        for m in self.members.values():
            if name_or_id in (m.user.id, m.user.username):
                return m
        raise KeyError(f"no member {name_or_id!r} in {self.name!r}")

    def get_channel(self, channel_id: int) -> Channel | None:
        return self.channels.get(channel_id) or self.threads.get(channel_id)

    # -- mutation helpers (emit gateway events like Discord) -----------------------
    def _new_role(self, name: str, permissions: int, **kw: Any) -> Role:
        role = Role(self.world.snowflake(), self, name, permissions, position=len(self.roles), **kw)
        self.roles[role.id] = role
        return role

    def add_role(
        self,
        name: str,
        permissions: Any = 0,
        *,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
    ) -> Role:
        role = self._new_role(
            name, Permissions.parse(permissions), color=color, hoist=hoist, mentionable=mentionable
        )
        self.world.emit(
            "GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.to_dict()}, guild=self
        )
        return role

    def update_role(self, role: Role, *, permissions: Any = None, name: str | None = None) -> Role:
        if permissions is not None:
            role.permissions = Permissions.parse(permissions)
        if name is not None:
            role.name = name
        self.world.emit(
            "GUILD_ROLE_UPDATE", {"guild_id": str(self.id), "role": role.to_dict()}, guild=self
        )
        return role

    def add_member(
        self,
        user: User | str,
        *,
        roles: Sequence[Role] = (),
        nick: str | None = None,
        dms_open: bool = True,
    ) -> Member:
        """Add a user (an existing :class:`User` or a new one called *user*) to the guild."""
        if isinstance(user, str):
            user = self.world.add_user(user, dms_open=dms_open)
        member = Member(user, self, list(roles), nick)
        self.members[user.id] = member
        if hasattr(self, "bot_member"):  # not during construction
            data = member.to_dict() | {"guild_id": str(self.id)}
            self.world.emit("GUILD_MEMBER_ADD", data, guild=self, intent=Intents.GUILD_MEMBERS)
        return member

    def remove_member(self, member: Member) -> None:
        self.members.pop(member.id, None)
        self.world.emit(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(self.id), "user": member.user.to_dict()},
            guild=self,
            intent=Intents.GUILD_MEMBERS,
        )

    def set_roles(self, member: Member, roles: Sequence[Role]) -> None:
        member.roles = list(roles)
        self._member_updated(member)

    def time_out(self, member: Member, seconds: float | None) -> None:
        """Time a member out for *seconds* (None ends the timeout), as a moderator would."""
        member.communication_disabled_until = (
            None
            if seconds is None
            else (_dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=seconds)).isoformat()
        )
        self._member_updated(member)

    def give_role(self, member: Member, role: Role) -> None:
        if role not in member.roles:
            member.roles.append(role)
        self._member_updated(member)

    def _member_updated(self, member: Member) -> None:
        data = member.to_dict() | {"guild_id": str(self.id)}
        # Discord always sends GUILD_MEMBER_UPDATE for the bot's own member.
        intent = None if member is self.bot_member else Intents.GUILD_MEMBERS
        self.world.emit("GUILD_MEMBER_UPDATE", data, guild=self, intent=intent)

    def _add_channel(self, ch: Channel) -> Channel:
        self.channels[ch.id] = ch
        self.world.channels[ch.id] = ch
        if hasattr(self, "general"):
            self.world.emit("CHANNEL_CREATE", ch.to_dict(), guild=self, channel=ch)
        return ch

    def add_text_channel(
        self,
        name: str,
        *,
        category: Channel | None = None,
        topic: str | None = None,
        overwrites: Sequence[Overwrite] = (),
        nsfw: bool = False,
        slowmode: int = 0,
    ) -> Channel:
        ch = Channel(
            self.world.snowflake(),
            GUILD_TEXT,
            name,
            self,
            position=len(self.channels),
            parent=category,
            topic=topic,
            nsfw=nsfw,
            rate_limit_per_user=slowmode,
            overwrites=list(overwrites),
        )
        return self._add_channel(ch)

    def add_forum_channel(
        self,
        name: str,
        tags: Sequence[str] = (),
        *,
        category: Channel | None = None,
        require_tag: bool = False,
        overwrites: Sequence[Overwrite] = (),
        topic: str | None = None,
    ) -> Channel:
        ch = Channel(
            self.world.snowflake(),
            GUILD_FORUM,
            name,
            self,
            position=len(self.channels),
            parent=category,
            topic=topic,
            overwrites=list(overwrites),
            flags=16 if require_tag else 0,
        )
        ch.available_tags = [ForumTag(self.world.snowflake(), t) for t in tags]
        return self._add_channel(ch)

    def add_category(self, name: str, *, overwrites: Sequence[Overwrite] = ()) -> Channel:
        ch = Channel(
            self.world.snowflake(),
            GUILD_CATEGORY,
            name,
            self,
            position=len(self.channels),
            overwrites=list(overwrites),
        )
        return self._add_channel(ch)

    def add_channel(self, name: str, type: str | int = "text", **kw: Any) -> Channel:
        kind = CHANNEL_TYPE_NAMES.get(type, type) if isinstance(type, str) else type
        if kind == GUILD_FORUM:
            return self.add_forum_channel(name, **kw)
        if kind == GUILD_CATEGORY:
            return self.add_category(name, **kw)
        ch = self.add_text_channel(name, **kw)
        ch.type = int(kind)
        return ch

    def update_channel(self, channel: Channel, **changes: Any) -> Channel:
        for key, value in changes.items():
            setattr(channel, key, value)
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        self.world.emit(event, channel.to_dict(), guild=self, channel=channel)
        return channel

    def remove_channel(self, channel: Channel) -> None:
        self.channels.pop(channel.id, None)
        self.threads.pop(channel.id, None)
        self.world.emit(
            "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE",
            channel.to_dict(),
            guild=self,
            channel=channel,
        )

    def set_overwrite(
        self, channel: Channel, target: Role | Member | User, *, allow: Any = 0, deny: Any = 0
    ) -> Overwrite:
        """Set (replace) the channel permission overwrite for a role or member."""
        kind = 0 if isinstance(target, Role) else 1
        channel.overwrites = [o for o in channel.overwrites if o.id != target.id]
        ow = Overwrite(target.id, kind, Permissions.parse(allow), Permissions.parse(deny))
        channel.overwrites.append(ow)
        self.update_channel(channel)
        return ow

    def deny_bot(self, channel: Channel, *perms: str | int) -> Overwrite:
        """Deny the bot *perms* in *channel* with a member overwrite, as an admin would."""
        ow = self._bot_overwrite(channel)
        bits = Permissions.parse(list(perms))
        return self.set_overwrite(
            channel, self.bot_member, allow=ow.allow & ~bits, deny=ow.deny | bits
        )

    def allow_bot(self, channel: Channel, *perms: str | int) -> Overwrite:
        ow = self._bot_overwrite(channel)
        bits = Permissions.parse(list(perms))
        return self.set_overwrite(
            channel, self.bot_member, allow=ow.allow | bits, deny=ow.deny & ~bits
        )

    def _bot_overwrite(self, channel: Channel) -> Overwrite:
        for o in channel.overwrites:
            if o.id == self.world.bot_user.id:
                return o
        return Overwrite(self.world.bot_user.id, 1)

    def archive_thread(self, thread: Channel, *, locked: bool = False) -> Channel:
        """Archive (and optionally lock) a thread, as a moderator or auto-archive would."""
        if not thread.is_thread:
            raise ValueError(f"#{thread.name} is not a thread")
        thread.archive_timestamp = iso()
        return self.update_channel(thread, archived=True, locked=locked or thread.locked)

    def unarchive_thread(self, thread: Channel) -> Channel:
        thread.archive_timestamp = iso()
        return self.update_channel(thread, archived=False, locked=False)

    def set_command_permission(
        self, command: str, target: Role | Member | User | Channel, allowed: bool
    ) -> None:
        """Per-command override from Server Settings > Integrations (``command="*"``: the
        app-wide default for commands without their own overrides). Overrides beat the
        command's ``default_member_permissions``."""
        if isinstance(target, Role):
            kind = 1
        elif isinstance(target, Channel):
            kind = 3
        else:
            kind = 2
        entries = [
            e for e in self.command_permissions.get(command, []) if int(e["id"]) != target.id
        ]
        entries.append({"id": str(target.id), "type": kind, "permission": bool(allowed)})
        self.command_permissions[command] = entries
        self.world.emit(
            "APPLICATION_COMMAND_PERMISSIONS_UPDATE",
            {
                "id": str(self.world.bot_user.id),
                "guild_id": str(self.id),
                "application_id": str(self.world.bot_user.id),
                "permissions": entries,
            },
            guild=self,
            intent=None,
        )

    def allow_command_for_everyone(self, command: str) -> None:
        """An admin lets @everyone use *command* despite its default_member_permissions."""
        self.set_command_permission(command, self.everyone, True)

    def command_allowed(self, command: str, member: Member, channel: Channel) -> bool | None:
        """Discord's override resolution: channel, then user, then roles, then @everyone;
        the command's own overrides, else the app-wide ones. None: no override applies."""
        entries = self.command_permissions.get(command) or self.command_permissions.get("*")
        if not entries:
            return None
        target = channel.parent if channel.is_thread and channel.parent else channel
        by = {(int(e["id"]), e["type"]): e["permission"] for e in entries}
        for cid in (target.id, self.id - 1):
            if by.get((cid, 3)) is False:
                return False
        if (member.id, 2) in by:
            return by[(member.id, 2)]
        role_votes = [by[(r.id, 1)] for r in member.roles if (r.id, 1) in by]
        if role_votes:
            return any(role_votes)
        if (self.id, 1) in by:
            return by[(self.id, 1)]
        return None

    def set_bot_permissions(self, permissions: Any) -> None:
        """Replace the guild-wide permissions of the bot's managed role."""
        self.update_role(self.bot_role, permissions=permissions)

    # -- permissions (https://discord.com/developers/docs/topics/permissions) -----------
    def base_permissions(self, member: Member) -> int:
        if member.id == self.owner_id:
            return Permissions.all()
        perms = self.everyone.permissions
        for role in member.roles:
            perms |= role.permissions
        if perms & Permissions.ADMINISTRATOR:
            return Permissions.all()
        if member.timed_out:
            return perms & TIMED_OUT_KEEP
        return perms

    def permissions_for(self, member: Member | User | int, channel: Channel | None = None) -> int:
        """Computed permissions of *member* in *channel* (guild-level when channel is None)."""
        if not isinstance(member, Member):
            uid = member if isinstance(member, int) else member.id
            found = self.members.get(uid)
            if found is None:
                return 0
            member = found
        base = self.base_permissions(member)
        if channel is None or base & Permissions.ADMINISTRATOR:
            return base
        target = channel.parent if channel.is_thread and channel.parent else channel
        perms = base
        everyone_ow = next((o for o in target.overwrites if o.id == self.id), None)
        if everyone_ow:
            perms = (perms & ~everyone_ow.deny) | everyone_ow.allow
        role_ids = {r.id for r in member.roles}
        allow = deny = 0
        for o in target.overwrites:
            if o.type == 0 and o.id in role_ids:
                allow |= o.allow
                deny |= o.deny
        perms = (perms & ~deny) | allow
        member_ow = next((o for o in target.overwrites if o.type == 1 and o.id == member.id), None)
        if member_ow:
            perms = (perms & ~member_ow.deny) | member_ow.allow
        if member.timed_out and member.id != self.owner_id:
            perms &= TIMED_OUT_KEEP  # overwrites cannot give a timed-out member more
        # Implicit permissions: no VIEW_CHANNEL means nothing; no SEND_MESSAGES strips the
        # message-related extras.
        if not perms & Permissions.VIEW_CHANNEL:
            return 0
        if channel.is_thread:
            if (
                channel.type == PRIVATE_THREAD
                and member.id not in channel.member_ids
                and not perms & Permissions.MANAGE_THREADS
            ):
                return 0
            sending = perms & Permissions.SEND_MESSAGES_IN_THREADS
        else:
            sending = perms & Permissions.SEND_MESSAGES
        if not sending:
            perms &= ~int(
                Permissions.MENTION_EVERYONE
                | Permissions.SEND_TTS_MESSAGES
                | Permissions.ATTACH_FILES
                | Permissions.EMBED_LINKS
            )
        return perms

    def bot_permissions(self, channel: Channel | None = None) -> int:
        return self.permissions_for(self.bot_member, channel)

    # -- payloads -------------------------------------------------------------------
    def partial_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "locale": self.locale, "features": self.features}

    def to_dict(self) -> dict[str, Any]:
        """REST ``GET /guilds/{id}`` shape."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": self.features,
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": _opt_id(self.system_channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "approximate_member_count": len(self.members),
            "approximate_presence_count": len(self.members),
            "nsfw_level": 0,
            "nsfw": False,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
        }

    def gateway_dict(self, *, include_all_members: bool) -> dict[str, Any]:
        """GUILD_CREATE payload. Without GUILD_PRESENCES, Discord only includes the bot's own
        member (the client chunks the rest with op 8 if it has GUILD_MEMBERS)."""
        members = list(self.members.values()) if include_all_members else [self.bot_member]
        data = self.to_dict()
        for key in ("approximate_member_count", "approximate_presence_count"):
            data.pop(key)
        bot_user = self.world.bot_user
        data.update(
            {
                "joined_at": self.joined_at,
                "large": len(self.members) > 250,
                "unavailable": False,
                "member_count": len(self.members),
                "voice_states": [],
                "members": [m.to_dict() for m in members],
                "channels": [c.to_dict() for c in self.channels.values()],
                "threads": [
                    t.to_dict()
                    | (
                        {"member": t.thread_member_dict(bot_user.id)}
                        if bot_user.id in t.member_ids
                        else {}
                    )
                    for t in self.threads.values()
                    if not t.archived and self.bot_permissions(t) & Permissions.VIEW_CHANNEL
                ],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "embedded_activities": [],
                "lazy": True,
            }
        )
        return data


EmitFn = Callable[..., None]


class World:
    """Everything the emulator knows. ``emit`` is wired to the gateway by FakeDiscord."""

    def __init__(self, bot_name: str = "Liner Notes") -> None:
        self.snowflake = SnowflakeFactory()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.dm_channels: dict[int, Channel] = {}  # user id → DM channel with the bot
        self.bot_user = self.add_user(
            bot_name.lower().replace(" ", ""), bot=True, global_name=bot_name
        )
        self.emit: EmitFn = lambda *a, **kw: None

    def add_user(
        self,
        username: str,
        *,
        bot: bool = False,
        global_name: str | None = None,
        dms_open: bool = True,
        locale: str = "en-US",
    ) -> User:
        user = User(self.snowflake(), username, global_name or username, bot, dms_open, locale)
        self.users[user.id] = user
        return user

    def user(self, name: str) -> User:
        for u in self.users.values():
            if u.username == name:
                return u
        raise KeyError(name)

    def dm_channel(self, user: User) -> Channel:
        ch = self.dm_channels.get(user.id)
        if ch is None:
            ch = Channel(self.snowflake(), DM, None, recipient=user)
            self.dm_channels[user.id] = ch
            self.channels[ch.id] = ch
        return ch

    def get_channel(self, channel_id: int) -> Channel | None:
        ch = self.channels.get(channel_id)
        if ch is None:
            return None
        if ch.guild is not None and (
            ch.guild.id not in self.guilds or ch.guild.get_channel(ch.id) is None
        ):
            return None
        return ch
