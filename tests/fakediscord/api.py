"""REST handlers: users, gateway, applications/commands, guilds, channels, messages, threads."""

from __future__ import annotations

import re
import urllib.parse
from typing import TYPE_CHECKING, Any

from . import rules
from .rules import ApiError, ErrorTree
from .server import Ctx, Reply, UploadedFile, route
from .state import (
    DM_PERMISSIONS,
    FLAG_HAS_THREAD,
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_FORUM,
    GUILD_TEXT,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Attachment,
    Channel,
    Guild,
    Intents,
    Member,
    Message,
    Permissions,
    Role,
    User,
    iso,
    walk_components,
)

if TYPE_CHECKING:
    from .client import FakeDiscord

P = Permissions


# --------------------------------------------------------------------------------------
# Lookup and permission helpers
# --------------------------------------------------------------------------------------


def get_guild(ctx: Ctx, name: str = "guild_id") -> Guild:
    guild = ctx.fd.world.guilds.get(ctx.snowflake(name))
    if guild is None:
        raise rules.unknown_guild()
    return guild


def get_channel(ctx: Ctx, name: str = "channel_id", *, need_view: bool = True) -> Channel:
    ch = ctx.fd.world.get_channel(ctx.snowflake(name))
    if ch is None:
        raise rules.unknown_channel()
    if need_view and not bot_perms(ch) & P.VIEW_CHANNEL:
        raise rules.missing_access()
    return ch


def bot_perms(ch: Channel) -> int:
    if ch.guild is None:
        return DM_PERMISSIONS
    return ch.guild.bot_permissions(ch)


def require(ch: Channel, *perms: Permissions) -> None:
    have = bot_perms(ch)
    for perm in perms:
        if not have & perm:
            raise rules.missing_permissions()


def get_message(ch: Channel, message_id: int) -> Message:
    for msg in ch.messages:
        if msg.id == message_id and not msg.deleted:
            return msg
    raise rules.unknown_message()


# --------------------------------------------------------------------------------------
# Message building (shared with interaction responses and forum posts)
# --------------------------------------------------------------------------------------


def normalize_embeds(embeds: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    out = []
    for emb in embeds or []:
        e = {k: v for k, v in emb.items() if v is not None}
        e["type"] = "rich"  # Discord forces rich for bot-sent embeds
        for key in ("provider", "video"):
            e.pop(key, None)
        if "fields" in e:
            e["fields"] = [
                {"name": f["name"], "value": f["value"], "inline": bool(f.get("inline", False))}
                for f in e["fields"]
            ]
        if "color" in e and e["color"] is None:
            e.pop("color")
        out.append(e)
    return out


def normalize_components(components: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Copy components and give each a numeric ``id`` like Discord does in responses."""
    import copy

    comps = copy.deepcopy(components or [])
    used = {c["id"] for c in walk_components(comps) if isinstance(c.get("id"), int)}
    next_id = 1
    for comp in walk_components(comps):
        if not isinstance(comp.get("id"), int):
            while next_id in used:
                next_id += 1
            comp["id"] = next_id
            used.add(next_id)
    return comps


def build_attachments(
    fd: FakeDiscord,
    body: dict[str, Any],
    files: list[UploadedFile],
    keep: list[Attachment] | None = None,
) -> list[Attachment]:
    meta = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
    out: list[Attachment] = []
    if keep is not None and "attachments" in body:
        keep_ids = {str(a.get("id")) for a in body.get("attachments") or []}
        out.extend(a for a in keep if str(a.id) in keep_ids)
    elif keep is not None:
        out.extend(keep)
    for f in files:
        m = meta.get(str(f.index), {})
        out.append(
            Attachment(
                fd.world.snowflake(),
                m.get("filename") or f.filename,
                f.data,
                f.content_type,
                m.get("description"),
            )
        )
    return out


def apply_message_fields(
    msg: Message, fd: FakeDiscord, body: dict[str, Any], files: list[UploadedFile], *, edit: bool
) -> None:
    if "content" in body or not edit:
        msg.content = body.get("content") or ""
    if "embeds" in body or not edit:
        msg.embeds = normalize_embeds(body.get("embeds"))
    if "components" in body or not edit:
        msg.components = normalize_components(body.get("components"))
    if "attachments" in body or files or not edit:
        msg.attachments = build_attachments(fd, body, files, keep=msg.attachments if edit else None)
    if "poll" in body and not edit:
        msg.poll = body["poll"]
    if "allowed_mentions" in body:
        msg.allowed_mentions = body["allowed_mentions"]
    if "content" in body or not edit:
        compute_mentions(fd, msg, body.get("allowed_mentions"))


USER_MENTION = re.compile(r"<@!?(\d{1,20})>")
ROLE_MENTION = re.compile(r"<@&(\d{1,20})>")


def compute_mentions(fd: FakeDiscord, msg: Message, allowed: dict[str, Any] | None) -> None:
    """Fill ``mentions``, ``mention_roles`` and ``mention_everyone`` as Discord does.

    Discord docs, Message resource, "Allowed Mentions Object": only mentions present in the
    content are parsed; ``parse`` allows a whole type, ``users``/``roles`` list ids; without
    ``allowed_mentions`` regular messages parse everything, interactions and webhooks only
    users. A role pings only if it is mentionable or the author has MENTION_EVERYONE, and
    @everyone/@here only with MENTION_EVERYONE. On edit the arrays are rebuilt from the new
    content with the edit's own ``allowed_mentions`` (or the defaults).
    """
    content = msg.content or ""
    if allowed is None:
        automated = msg.webhook_id is not None or msg.interaction_metadata is not None
        allowed = {"parse": ["users"] if automated else ["users", "roles", "everyone"]}
    parse = set(allowed.get("parse") or ())
    users_ok = {int(u) for u in allowed.get("users") or ()}
    roles_ok = {int(r) for r in allowed.get("roles") or ()}
    guild = msg.channel.guild
    can_everyone = bool(bot_perms(msg.channel) & P.MENTION_EVERYONE) if guild else False
    mentioned: list[Any] = []
    for raw in dict.fromkeys(int(m) for m in USER_MENTION.findall(content)):
        user = fd.world.users.get(raw)
        if user is not None and ("users" in parse or raw in users_ok):
            mentioned.append(user)
    roles: list[int] = []
    if guild is not None:
        for raw in dict.fromkeys(int(m) for m in ROLE_MENTION.findall(content)):
            role = guild.roles.get(raw)
            if role is None or not ("roles" in parse or raw in roles_ok):
                continue
            if role.mentionable or can_everyone:
                roles.append(raw)
    msg.mention_users = mentioned
    msg.mention_role_ids = roles
    msg.mention_everyone = (
        ("@everyone" in content or "@here" in content) and "everyone" in parse and can_everyone
    )


def message_is_empty(msg: Message) -> bool:
    return not (msg.content or msg.embeds or msg.components or msg.attachments or msg.poll)


def new_message(
    fd: FakeDiscord, ch: Channel, author: User, *, msg_id: int | None = None
) -> Message:
    return Message(msg_id or fd.world.snowflake(), ch, author)


def store_message(fd: FakeDiscord, msg: Message, *, dispatch: bool = True) -> Message:
    """Put *msg* in its channel's history and send MESSAGE_CREATE (not for ephemerals)."""
    ch = msg.channel
    fd.world.messages[msg.id] = msg
    if msg.ephemeral:
        fd._notify()
        return msg
    ch.messages.append(msg)
    ch.last_message_id = msg.id
    if ch.is_thread:
        if msg.id != ch.id:  # the starter message doesn't count
            ch.message_count += 1
        ch.total_message_sent += 1
    elif ch.guild is None:
        pass
    if dispatch:
        emit_message(fd, "MESSAGE_CREATE", msg)
    fd._notify()
    return msg


def emit_message(fd: FakeDiscord, event: str, msg: Message) -> None:
    if msg.ephemeral:
        return
    data = msg.to_dict(with_member=True)
    fd.gateway.dispatch(event, data, guild=msg.channel.guild, channel=msg.channel)


def check_message_perms(ch: Channel, body: dict[str, Any], files: list[UploadedFile]) -> None:
    """Permission rules of Create Message for the bot in *ch* (raises 50013/160002)."""
    if ch.guild is None:
        return
    send = P.SEND_MESSAGES_IN_THREADS if ch.is_thread else P.SEND_MESSAGES
    require(ch, send)
    have = bot_perms(ch)
    if files and not have & P.ATTACH_FILES:
        raise rules.missing_permissions()
    if body.get("message_reference") and not have & P.READ_MESSAGE_HISTORY:
        ref = body["message_reference"]
        if ref.get("type", 0) == 0:
            raise ApiError(400, 160002, "Cannot reply without permission to read message history")


def strip_unpermitted(ch: Channel, body: dict[str, Any]) -> dict[str, Any]:
    """Without EMBED_LINKS Discord silently drops rich embeds; without SEND_TTS, tts."""
    if ch.guild is None:
        return body
    have = bot_perms(ch)
    out = dict(body)
    if out.get("embeds") and not have & P.EMBED_LINKS:
        out["embeds"] = []
    if out.get("tts") and not have & P.SEND_TTS_MESSAGES:
        out["tts"] = False
    return out


def resolve_reference(
    fd: FakeDiscord, ch: Channel, body: dict[str, Any], errs: ErrorTree
) -> tuple[dict[str, Any] | None, Message | None]:
    ref = body.get("message_reference")
    if not ref:
        return None, None
    mid = ref.get("message_id")
    target = fd.world.messages.get(int(mid)) if str(mid or "").isdigit() else None
    ref_channel = int(ref.get("channel_id") or ch.id)
    if target is None or target.deleted or target.channel.id != ref_channel:
        if ref.get("fail_if_not_exists", True):
            errs.add(("message_reference",), "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
        return None, None
    out = {
        "type": ref.get("type", 0),
        "channel_id": str(target.channel.id),
        "message_id": str(target.id),
    }
    if target.channel.guild is not None:
        out["guild_id"] = str(target.channel.guild.id)
    return out, target


# --------------------------------------------------------------------------------------
# Users, gateway, application
# --------------------------------------------------------------------------------------


@route("GET", "/users/@me")
async def get_me(ctx: Ctx) -> Any:
    return ctx.fd.world.bot_user.to_dict() | {
        "verified": True,
        "mfa_enabled": False,
        "locale": "en-US",
        "email": None,
        "flags": 0,
    }


@route("GET", "/users/{user_id}")
async def get_user(ctx: Ctx) -> Any:
    user = ctx.fd.world.users.get(ctx.snowflake("user_id"))
    if user is None:
        raise rules.unknown_user()
    return user.to_dict()


@route("GET", "/users/@me/guilds")
async def my_guilds(ctx: Ctx) -> Any:
    out = []
    for g in ctx.fd.world.guilds.values():
        out.append(
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(g.bot_permissions()),
                "features": g.features,
            }
        )
    return out


@route("DELETE", "/users/@me/guilds/{guild_id}")
async def leave_guild(ctx: Ctx) -> Any:
    guild = get_guild(ctx)
    ctx.fd.remove_guild(guild)
    return None


@route("POST", "/users/@me/channels")
async def create_dm(ctx: Ctx) -> Any:
    rid = ctx.json.get("recipient_id")
    user = ctx.fd.world.users.get(int(rid)) if str(rid or "").isdigit() else None
    if user is None:
        errs = ErrorTree()
        errs.add(("recipient_id",), "NUMBER_TYPE_COERCE", f'Value "{rid}" is not snowflake.')
        errs.raise_if_any()
        raise rules.unknown_user()
    return ctx.fd.world.dm_channel(user).to_dict()


@route("GET", "/gateway", auth=False)
async def get_gateway(ctx: Ctx) -> Any:
    return {"url": ctx.fd.gateway_url.rstrip("/")}


@route("GET", "/gateway/bot")
async def get_gateway_bot(ctx: Ctx) -> Any:
    gateway = ctx.fd.gateway
    return {
        "url": ctx.fd.gateway_url.rstrip("/"),
        "shards": gateway.recommended_shards(),
        "session_start_limit": gateway.session_start_limit(),
    }


def application_dict(fd: FakeDiscord) -> dict[str, Any]:
    return {
        "id": str(fd.application_id),
        "name": fd.world.bot_user.global_name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": fd.application_flags,
        "owner": fd.app_owner.to_dict(),
        "team": None,
        "bot": fd.world.bot_user.to_dict(),
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "tags": [],
        "approximate_guild_count": len(fd.world.guilds),
        "integration_types_config": {"0": {}, "1": {}},
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
    }


@route("GET", "/oauth2/applications/@me")
async def oauth_app(ctx: Ctx) -> Any:
    return application_dict(ctx.fd)


@route("GET", "/applications/@me")
async def current_app(ctx: Ctx) -> Any:
    return application_dict(ctx.fd)


# --------------------------------------------------------------------------------------
# Application commands
# --------------------------------------------------------------------------------------


def _app(ctx: Ctx) -> None:
    if ctx.snowflake("application_id") != ctx.fd.application_id:
        raise rules.missing_access()


def _command_scope(ctx: Ctx) -> tuple[dict[str, dict[str, Any]], Guild | None]:
    _app(ctx)
    if "guild_id" not in ctx.params:
        return ctx.fd.global_commands, None
    guild = ctx.fd.world.guilds.get(ctx.snowflake("guild_id"))
    if guild is None:  # the app isn't in that guild
        raise rules.missing_access()
    return ctx.fd.guild_commands.setdefault(guild.id, {}), guild


def _store_command(
    ctx: Ctx,
    store: dict[str, dict[str, Any]],
    guild: Guild | None,
    cmd: dict[str, Any],
    existing: dict[str, Any] | None,
) -> dict[str, Any]:
    fd = ctx.fd
    ctype = cmd.get("type", 1)
    out: dict[str, Any] = {
        "id": existing["id"] if existing else str(fd.world.snowflake()),
        "application_id": str(fd.application_id),
        "version": str(fd.world.snowflake()),
        "default_member_permissions": cmd.get("default_member_permissions"),
        "type": ctype,
        "name": cmd["name"],
        "name_localizations": cmd.get("name_localizations"),
        "description": cmd.get("description", ""),
        "description_localizations": cmd.get("description_localizations"),
        "nsfw": bool(cmd.get("nsfw", False)),
    }
    if existing and _same_definition(existing, out, cmd):
        out["version"] = existing["version"]
    if cmd.get("options"):
        out["options"] = cmd["options"]
    if guild is not None:
        out["guild_id"] = str(guild.id)
    else:
        out["dm_permission"] = cmd.get("dm_permission", True)
        out["contexts"] = cmd.get("contexts")
        out["integration_types"] = cmd.get("integration_types") or [0]
    if guild is not None:
        out["contexts"] = cmd.get("contexts")
        out["integration_types"] = cmd.get("integration_types") or [0]
    store[out["id"]] = out
    return out


def _same_definition(existing: dict[str, Any], out: dict[str, Any], cmd: dict[str, Any]) -> bool:
    keys = ("name", "description", "default_member_permissions", "nsfw")
    return all(existing.get(k) == out.get(k) for k in keys) and existing.get("options") == cmd.get(
        "options"
    )


def _find_by_name(store: dict[str, dict[str, Any]], cmd: dict[str, Any]) -> dict[str, Any] | None:
    for c in store.values():
        if c["name"] == cmd.get("name") and c["type"] == cmd.get("type", 1):
            return c
    return None


@route("GET", "/applications/{application_id}/commands")
@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
async def list_commands(ctx: Ctx) -> Any:
    store, _ = _command_scope(ctx)
    return list(store.values())


# Request bodies of command lists that passed the rules (raw bytes, and whether global).
_valid_command_lists: set[tuple[bytes, bool]] = set()


@route("PUT", "/applications/{application_id}/commands")
@route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
async def bulk_overwrite(ctx: Ctx) -> Any:
    store, guild = _command_scope(ctx)
    body = ctx.body if ctx.body is not None else []
    # The rules read the list alone: a body found valid before (each test's bot sends the same
    # commands) is not walked again.
    seen = (await ctx.request.read(), guild is None)
    if seen not in _valid_command_lists:
        errs = ErrorTree()
        rules.validate_commands(errs, body, is_global=guild is None)
        errs.raise_if_any()
        if len(_valid_command_lists) >= 64:
            _valid_command_lists.clear()
        _valid_command_lists.add(seen)
    old = dict(store)
    store.clear()
    result = []
    for cmd in body:
        existing = _find_by_name(old, cmd)
        result.append(_store_command(ctx, store, guild, cmd, existing))
    ctx.fd.command_syncs.append((guild, result))
    return result


@route("POST", "/applications/{application_id}/commands")
@route("POST", "/applications/{application_id}/guilds/{guild_id}/commands")
async def upsert_command(ctx: Ctx) -> Any:
    store, guild = _command_scope(ctx)
    errs = ErrorTree()
    rules.validate_command(errs, ctx.json)
    errs.raise_if_any()
    existing = _find_by_name(store, ctx.json)
    if existing is None:
        chat = [c for c in store.values() if c["type"] == 1]
        if ctx.json.get("type", 1) == 1 and len(chat) >= rules.MAX_GLOBAL_CHAT_INPUT:
            raise ApiError(400, 30032, "Maximum number of application commands reached (100)")
    out = _store_command(ctx, store, guild, ctx.json, existing)
    return Reply(200 if existing else 201, out)


@route("GET", "/applications/{application_id}/commands/{command_id}")
@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def get_command(ctx: Ctx) -> Any:
    store, _ = _command_scope(ctx)
    cmd = store.get(ctx.params["command_id"])
    if cmd is None:
        raise rules.unknown_command()
    return cmd


@route("PATCH", "/applications/{application_id}/commands/{command_id}")
@route("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def edit_command(ctx: Ctx) -> Any:
    store, guild = _command_scope(ctx)
    cmd = store.get(ctx.params["command_id"])
    if cmd is None:
        raise rules.unknown_command()
    merged = {k: v for k, v in cmd.items() if k not in ("id", "version")} | ctx.json
    errs = ErrorTree()
    rules.validate_command(errs, merged)
    errs.raise_if_any()
    return _store_command(ctx, store, guild, merged, cmd)


@route("DELETE", "/applications/{application_id}/commands/{command_id}")
@route("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def delete_command(ctx: Ctx) -> Any:
    store, _ = _command_scope(ctx)
    if store.pop(ctx.params["command_id"], None) is None:
        raise rules.unknown_command()
    return None


def _permissions_payload(ctx: Ctx, guild: Guild, key: str, cmd_id: str) -> dict[str, Any]:
    return {
        "id": cmd_id,
        "application_id": str(ctx.fd.application_id),
        "guild_id": str(guild.id),
        "permissions": guild.command_permissions[key],
    }


def _all_commands(ctx: Ctx, guild: Guild) -> list[dict[str, Any]]:
    return [*ctx.fd.global_commands.values(), *ctx.fd.guild_commands.get(guild.id, {}).values()]


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions")
async def command_permissions(ctx: Ctx) -> Any:
    _, guild = _command_scope(ctx)
    assert guild is not None
    out = []
    for key in guild.command_permissions:
        if key == "*":
            out.append(_permissions_payload(ctx, guild, key, str(ctx.fd.application_id)))
            continue
        out.extend(
            _permissions_payload(ctx, guild, key, cmd["id"])
            for cmd in _all_commands(ctx, guild)
            if cmd["name"] == key
        )
    return out


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions")
async def command_permission(ctx: Ctx) -> Any:
    _, guild = _command_scope(ctx)
    assert guild is not None
    cid = ctx.params["command_id"]
    cmd = next((c for c in _all_commands(ctx, guild) if c["id"] == cid), None)
    if cmd is None:
        raise rules.unknown_command()
    if cmd["name"] not in guild.command_permissions:
        raise ApiError(404, 10066, "Unknown application command permissions")
    return _permissions_payload(ctx, guild, cmd["name"], cid)


# --------------------------------------------------------------------------------------
# Guilds
# --------------------------------------------------------------------------------------


@route("GET", "/guilds/{guild_id}")
async def get_guild_route(ctx: Ctx) -> Any:
    guild = get_guild(ctx)
    data = guild.to_dict()
    if not ctx.flag("with_counts"):
        data.pop("approximate_member_count")
        data.pop("approximate_presence_count")
    return data


@route("GET", "/guilds/{guild_id}/channels")
async def guild_channels(ctx: Ctx) -> Any:
    return [c.to_dict() for c in get_guild(ctx).channels.values()]


@route("GET", "/guilds/{guild_id}/roles")
async def guild_roles(ctx: Ctx) -> Any:
    return [r.to_dict() for r in get_guild(ctx).roles.values()]


@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def guild_member(ctx: Ctx) -> Any:
    guild = get_guild(ctx)
    member = guild.members.get(ctx.snowflake("user_id"))
    if member is None:
        raise rules.unknown_member()
    return member.to_dict()


def _member_role(ctx: Ctx) -> tuple[Guild, Member, Role]:
    """Discord docs, Guild > Add/Remove Guild Member Role: needs MANAGE_ROLES, and (Topics >
    Permissions, "Permission Hierarchy") the role must sit below the bot's highest role;
    @everyone and integration-managed roles cannot be given or taken."""
    guild = get_guild(ctx)
    member = guild.members.get(ctx.snowflake("user_id"))
    if member is None:
        raise rules.unknown_member()
    role = guild.roles.get(ctx.snowflake("role_id"))
    if role is None:
        raise ApiError(404, 10011, "Unknown Role")
    if not guild.permissions_for(guild.bot_member) & P.MANAGE_ROLES:
        raise rules.missing_permissions()
    top = max((r.position for r in guild.bot_member.roles), default=0)
    if role.is_everyone or role.managed or role.position >= top:
        raise rules.missing_permissions()
    return guild, member, role


@route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def add_member_role(ctx: Ctx) -> Any:
    guild, member, role = _member_role(ctx)
    if role not in member.roles:
        member.roles.append(role)
        guild._member_updated(member)
    return None


@route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def remove_member_role(ctx: Ctx) -> Any:
    guild, member, role = _member_role(ctx)
    if role in member.roles:
        member.roles.remove(role)
        guild._member_updated(member)
    return None


@route("GET", "/guilds/{guild_id}/members")
async def list_members(ctx: Ctx) -> Any:
    guild = get_guild(ctx)
    if not ctx.fd.privileged_intents & Intents.GUILD_MEMBERS:
        raise rules.missing_access()
    limit = int(ctx.query.get("limit", "1"))
    after = int(ctx.query.get("after", "0"))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
    return [m.to_dict() for m in members[:limit]]


@route("GET", "/guilds/{guild_id}/members/search")
async def search_members(ctx: Ctx) -> Any:
    guild = get_guild(ctx)
    q = ctx.query.get("query", "").lower()
    limit = int(ctx.query.get("limit", "1"))
    found = [
        m
        for m in guild.members.values()
        if m.user.username.lower().startswith(q) or (m.nick or "").lower().startswith(q)
    ]
    return [m.to_dict() for m in found[:limit]]


@route("GET", "/guilds/{guild_id}/threads/active")
async def active_threads(ctx: Ctx) -> Any:
    guild = get_guild(ctx)
    bot_id = ctx.fd.bot_user_id
    threads = [
        t
        for t in guild.threads.values()
        if not t.archived and guild.bot_permissions(t) & P.VIEW_CHANNEL
    ]
    return {
        "threads": [t.to_dict() for t in threads],
        "members": [t.thread_member_dict(bot_id) for t in threads if bot_id in t.member_ids],
    }


# --------------------------------------------------------------------------------------
# Channels
# --------------------------------------------------------------------------------------


@route("GET", "/channels/{channel_id}")
async def get_channel_route(ctx: Ctx) -> Any:
    ch = get_channel(ctx)
    data = ch.to_dict()
    if ch.is_thread and ctx.fd.bot_user_id in ch.member_ids:
        data["member"] = ch.thread_member_dict(ctx.fd.bot_user_id)
    return data


@route("PATCH", "/channels/{channel_id}")
async def modify_channel(ctx: Ctx) -> Any:
    ch = get_channel(ctx)
    if ch.is_thread:
        return modify_thread(ctx, ch)
    if ch.guild is None:
        raise rules.wrong_channel_type()
    require(ch, P.MANAGE_CHANNELS)
    body = ctx.json
    errs = ErrorTree()
    if "name" in body:
        errs.bad_len(("name",), body["name"] or "", 1, 100)
    errs.max_len(("topic",), body.get("topic"), 4096 if ch.type == GUILD_FORUM else 1024)
    if body.get("available_tags") is not None:
        errs.max_len(("available_tags",), body["available_tags"], 20)
    errs.raise_if_any()
    if "permission_overwrites" in body:
        require(ch, P.MANAGE_ROLES)
    for key in ("name", "topic", "nsfw", "rate_limit_per_user", "position"):
        if key in body:
            setattr(ch, key, body[key])
    if "available_tags" in body and ch.type == GUILD_FORUM:
        from .state import ForumTag

        ch.available_tags = [
            ForumTag(
                int(t["id"]) if t.get("id") else ctx.fd.world.snowflake(),
                t["name"],
                bool(t.get("moderated")),
                t.get("emoji_name"),
            )
            for t in body["available_tags"]
        ]
    if "permission_overwrites" in body:
        from .state import Overwrite

        ch.overwrites = [
            Overwrite(
                int(o["id"]),
                int(o.get("type", 0)),
                int(o.get("allow") or 0),
                int(o.get("deny") or 0),
            )
            for o in body["permission_overwrites"]
        ]
    ctx.fd.gateway.dispatch("CHANNEL_UPDATE", ch.to_dict(), guild=ch.guild, channel=ch)
    return ch.to_dict()


def modify_thread(ctx: Ctx, th: Channel) -> Any:
    body = ctx.json
    errs = ErrorTree()
    rules.validate_thread_fields(errs, body, create=False)
    parent = th.parent
    assert parent is not None and th.guild is not None
    if "applied_tags" in body:
        valid = {t.id for t in parent.available_tags}
        for i, tag in enumerate(body["applied_tags"] or []):
            if not str(tag).isdigit() or int(tag) not in valid:
                errs.add(("applied_tags", i), "BASE_TYPE_CHOICES", "Value is not a valid tag.")
    errs.raise_if_any()
    have = bot_perms(th)
    manage = bool(have & P.MANAGE_THREADS)
    owner = th.owner_id == ctx.fd.bot_user_id
    unarchiving = body.get("archived") is False
    if th.archived and not unarchiving:
        raise rules.archived_thread()
    if th.archived and th.locked and not manage and body.get("locked") is not False:
        raise rules.thread_locked()
    if "locked" in body and bool(body["locked"]) != th.locked and not manage:
        raise rules.missing_permissions()
    for key in ("rate_limit_per_user", "invitable", "flags"):
        if key in body and body[key] != getattr(th, key, None) and not manage:
            raise rules.missing_permissions()
    if th.locked and not manage and any(k in body for k in ("name", "applied_tags")):
        raise rules.thread_locked()  # Threads, "Locked Threads": no title or tag changes
    owner_keys = ("name", "auto_archive_duration", "applied_tags")
    changes_owner_keys = any(k in body for k in owner_keys)
    if changes_owner_keys and not (manage or owner):
        raise rules.missing_permissions()
    if "archived" in body and bool(body["archived"]) != th.archived:
        # Unarchiving an unlocked thread only needs SEND_MESSAGES; archiving needs
        # ownership or MANAGE_THREADS.
        if body["archived"] and not (manage or owner):
            raise rules.missing_permissions()
        if not body["archived"] and not have & P.SEND_MESSAGES_IN_THREADS and not manage:
            raise rules.missing_permissions()
        # Threads, "Permissions": unarchiving "only requires the current user has already
        # been added to the thread" (MANAGE_THREADS aside).
        if not body["archived"] and not manage and ctx.fd.bot_user_id not in th.member_ids:
            raise rules.missing_access()
    if "applied_tags" in body:
        moderated = {t.id for t in parent.available_tags if t.moderated}
        added = {int(t) for t in body["applied_tags"] or []} - set(th.applied_tags)
        if added & moderated and not manage:
            raise rules.missing_permissions()
        th.applied_tags = [int(t) for t in body["applied_tags"] or []]
    for key in ("name", "auto_archive_duration", "rate_limit_per_user", "invitable", "flags"):
        if key in body and body[key] is not None:
            setattr(th, key, body[key])
    if "locked" in body:
        th.locked = bool(body["locked"])
    if "archived" in body and bool(body["archived"]) != th.archived:
        th.archived = bool(body["archived"])
        th.archive_timestamp = iso()
    ctx.fd.gateway.dispatch("THREAD_UPDATE", th.to_dict(), guild=th.guild, channel=th)
    data = th.to_dict()
    if ctx.fd.bot_user_id in th.member_ids:
        data["member"] = th.thread_member_dict(ctx.fd.bot_user_id)
    return data


@route("DELETE", "/channels/{channel_id}")
async def delete_channel(ctx: Ctx) -> Any:
    ch = get_channel(ctx)
    if ch.guild is None:
        return ch.to_dict()  # closing a DM
    require(ch, P.MANAGE_THREADS if ch.is_thread else P.MANAGE_CHANNELS)
    data = ch.to_dict()
    ch.guild.remove_channel(ch)
    return data


@route("POST", "/channels/{channel_id}/typing")
async def typing(ctx: Ctx) -> Any:
    ch = get_channel(ctx)
    if ch.guild is not None:
        require(ch, P.SEND_MESSAGES_IN_THREADS if ch.is_thread else P.SEND_MESSAGES)
    return None


# --------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------


def _check_sendable(fd: FakeDiscord, ch: Channel) -> None:
    if ch.type == GUILD_FORUM:
        raise ApiError(400, 40058, "Cannot send a message in a forum channel")
    if ch.type == GUILD_CATEGORY:
        raise rules.non_text_channel()
    if ch.is_dm:
        assert ch.recipient is not None
        if ch.recipient.bot or not ch.recipient.dms_open:
            raise rules.cannot_dm_user()


@route("POST", "/channels/{channel_id}/messages")
async def create_message(ctx: Ctx) -> Any:
    fd = ctx.fd
    ch = get_channel(ctx)
    body = ctx.json
    _check_sendable(fd, ch)
    errs = ErrorTree()
    rules.validate_message(errs, body, has_files=bool(ctx.files))
    rules.validate_ephemeral_flags(
        errs, body.get("flags") or 0, rules.message_flags_allowed_on_send()
    )
    ref, target = resolve_reference(fd, ch, body, errs)
    errs.raise_if_any()
    check_message_perms(ch, body, ctx.files)
    if ch.is_thread and (ch.locked and not bot_perms(ch) & P.MANAGE_THREADS):
        raise rules.thread_locked()
    # Nonce de-duplication: same author + same nonce within the window → the original.
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        hit = fd._nonces.get((fd.bot_user_id, str(nonce)))
        if hit is not None and fd.clock() - hit[0] <= fd.nonce_window:
            if hit[1].deleted:
                # Discord answers a re-send whose nonce's message was deleted this way.
                raise rules.unknown_message()
            return hit[1].to_dict()
    body = strip_unpermitted(ch, body)
    if rules.is_empty_message(body, has_files=bool(ctx.files)):
        raise rules.empty_message()
    if ch.is_thread and ch.archived:
        # Sending in an archived (unlocked) thread unarchives it, as on Discord.
        ch.archived = False
        ch.archive_timestamp = iso()
        fd.gateway.dispatch("THREAD_UPDATE", ch.to_dict(), guild=ch.guild, channel=ch)
    msg = new_message(fd, ch, fd.world.bot_user)
    apply_message_fields(msg, fd, body, ctx.files, edit=False)
    msg.nonce = nonce
    msg.tts = bool(body.get("tts"))
    msg.flags = body.get("flags") or 0
    if ref is not None:
        msg.message_reference, msg.referenced = ref, target
        msg.type = 19 if ref.get("type", 0) == 0 else 0
    if nonce is not None:
        fd._nonces[(fd.bot_user_id, str(nonce))] = (fd.clock(), msg)
    store_message(fd, msg)
    return msg.to_dict()


@route("GET", "/channels/{channel_id}/messages")
async def list_messages(ctx: Ctx) -> Any:
    ch = get_channel(ctx)
    limit_raw = ctx.query.get("limit", "50")
    errs = ErrorTree()
    try:
        limit = int(limit_raw)
    except ValueError:
        limit = -1
    if not 1 <= limit <= 100:
        errs.add(("limit",), "NUMBER_TYPE_MAX", "int value should be <= 100 and >= 1.")
    errs.raise_if_any()
    if not bot_perms(ch) & P.READ_MESSAGE_HISTORY:
        return []  # documented: no history permission → no messages
    msgs = sorted(ch.visible_messages, key=lambda m: m.id, reverse=True)
    if "before" in ctx.query:
        before = int(ctx.query["before"])
        msgs = [m for m in msgs if m.id < before]
    elif "after" in ctx.query:
        after = int(ctx.query["after"])
        msgs = sorted((m for m in msgs if m.id > after), key=lambda m: m.id)[:limit]
        msgs.reverse()
    elif "around" in ctx.query:
        around = int(ctx.query["around"])
        older = [m for m in msgs if m.id <= around][: (limit + 1) // 2]
        newer = sorted((m for m in msgs if m.id > around), key=lambda m: m.id)[: limit // 2]
        msgs = sorted(older + newer, key=lambda m: m.id, reverse=True)
    return [m.to_dict() for m in msgs[:limit]]


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_message_route(ctx: Ctx) -> Any:
    ch = get_channel(ctx)
    if not bot_perms(ch) & P.READ_MESSAGE_HISTORY:
        raise rules.missing_access()
    return get_message(ch, ctx.snowflake("message_id")).to_dict()


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_message(ctx: Ctx) -> Any:
    fd = ctx.fd
    ch = get_channel(ctx)
    msg = get_message(ch, ctx.snowflake("message_id"))
    body = ctx.json
    if msg.author.id != fd.bot_user_id:
        content_keys = {"content", "embeds", "components", "attachments", "poll"}
        if content_keys & body.keys() or ctx.files:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        require(ch, P.MANAGE_MESSAGES)
    check_thread_activity(ch, editing=True)
    return edit_message_common(fd, msg, body, ctx.files, check_channel=True).to_dict()


def edit_message_common(
    fd: FakeDiscord,
    msg: Message,
    body: dict[str, Any],
    files: list[UploadedFile],
    *,
    check_channel: bool,
    prefix: tuple[str | int, ...] = (),
) -> Message:
    errs = ErrorTree(prefix)
    rules.validate_message(errs, body, has_files=bool(files), edit=True, existing=msg)
    errs.raise_if_any()
    if check_channel:
        body = strip_unpermitted(msg.channel, body)
    before = (msg.content, msg.embeds, msg.components, msg.attachments)
    apply_message_fields(msg, fd, body, files, edit=True)
    if "flags" in body and body["flags"] is not None:
        keep = msg.flags & (rules.FLAG_EPHEMERAL | FLAG_HAS_THREAD)
        msg.flags = (int(body["flags"]) & ~rules.FLAG_EPHEMERAL) | keep
    msg.flags &= ~(1 << 7)  # an edit ends the "thinking…" state
    if message_is_empty(msg):
        msg.content, msg.embeds, msg.components, msg.attachments = before
        raise rules.empty_message()
    msg.edited_timestamp = iso()
    msg.edits += 1
    emit_message(fd, "MESSAGE_UPDATE", msg)
    fd._notify()
    return msg


def check_thread_activity(ch: Channel, *, editing: bool = False) -> None:
    """Discord docs, Threads, "Locked Threads" and "Active & Archived Threads": without
    MANAGE_THREADS nothing is created or edited in a locked thread, and deleting messages or
    reacting there needs the thread active; reacting and editing need it active anyway."""
    if not ch.is_thread:
        return
    manage = bool(bot_perms(ch) & P.MANAGE_THREADS)
    if ch.locked and not manage and (editing or ch.archived):
        raise rules.thread_locked()
    if editing and ch.archived:
        raise rules.archived_thread()


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_message(ctx: Ctx) -> Any:
    fd = ctx.fd
    ch = get_channel(ctx)
    msg = get_message(ch, ctx.snowflake("message_id"))
    check_thread_activity(ch)
    if msg.author.id != fd.bot_user_id:
        require(ch, P.MANAGE_MESSAGES)
    delete_message_common(fd, msg)
    return None


def delete_message_common(fd: FakeDiscord, msg: Message) -> None:
    msg.deleted = True
    if msg.channel.is_thread and msg.id != msg.channel.id:
        msg.channel.message_count = max(0, msg.channel.message_count - 1)
    if not msg.ephemeral:
        data: dict[str, Any] = {"id": str(msg.id), "channel_id": str(msg.channel.id)}
        if msg.channel.guild is not None:
            data["guild_id"] = str(msg.channel.guild.id)
        fd.gateway.dispatch("MESSAGE_DELETE", data, guild=msg.channel.guild, channel=msg.channel)
    fd._notify()


def _emoji(ctx: Ctx) -> str:
    return urllib.parse.unquote(ctx.params["emoji"])


@route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def add_reaction(ctx: Ctx) -> Any:
    fd = ctx.fd
    ch = get_channel(ctx)
    msg = get_message(ch, ctx.snowflake("message_id"))
    emoji = _emoji(ctx)
    require(ch, P.READ_MESSAGE_HISTORY)
    check_thread_activity(ch, editing=True)
    if not msg.reactions.get(emoji):
        require(ch, P.ADD_REACTIONS)
    msg.reactions.setdefault(emoji, set()).add(fd.bot_user_id)
    data: dict[str, Any] = {
        "user_id": str(fd.bot_user_id),
        "channel_id": str(ch.id),
        "message_id": str(msg.id),
        "emoji": {"id": None, "name": emoji},
        "burst": False,
        "type": 0,
    }
    if ch.guild is not None:
        data["guild_id"] = str(ch.guild.id)
    fd.gateway.dispatch("MESSAGE_REACTION_ADD", data, guild=ch.guild, channel=ch)
    return None


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def remove_reaction(ctx: Ctx) -> Any:
    fd = ctx.fd
    ch = get_channel(ctx)
    msg = get_message(ch, ctx.snowflake("message_id"))
    check_thread_activity(ch, editing=True)
    msg.reactions.get(_emoji(ctx), set()).discard(fd.bot_user_id)
    fd._notify()
    return None


# --------------------------------------------------------------------------------------
# Threads
# --------------------------------------------------------------------------------------


def _new_thread(
    fd: FakeDiscord,
    parent: Channel,
    name: str,
    body: dict[str, Any],
    *,
    thread_type: int,
    thread_id: int | None = None,
) -> Channel:
    guild = parent.guild
    assert guild is not None
    th = Channel(
        thread_id or fd.world.snowflake(),
        thread_type,
        name.strip(),
        guild,
        parent=parent,
        owner_id=fd.bot_user_id,
    )
    th.auto_archive_duration = body.get("auto_archive_duration") or 4320
    th.rate_limit_per_user = body.get("rate_limit_per_user") or 0
    th.invitable = body.get("invitable", True)
    th.member_ids.add(fd.bot_user_id)
    guild.threads[th.id] = th
    fd.world.channels[th.id] = th
    return th


def _emit_thread_create(fd: FakeDiscord, th: Channel) -> None:
    data = th.to_dict() | {"newly_created": True, "member": th.thread_member_dict(fd.bot_user_id)}
    fd.gateway.dispatch("THREAD_CREATE", data, guild=th.guild, channel=th)


def _thread_response(fd: FakeDiscord, th: Channel) -> dict[str, Any]:
    return th.to_dict() | {"member": th.thread_member_dict(fd.bot_user_id)}


@route("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def thread_from_message(ctx: Ctx) -> Any:
    fd = ctx.fd
    ch = get_channel(ctx)
    if ch.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
        raise rules.wrong_channel_type()
    msg = get_message(ch, ctx.snowflake("message_id"))
    errs = ErrorTree()
    rules.validate_thread_fields(errs, ctx.json, create=True)
    errs.raise_if_any()
    require(ch, P.CREATE_PUBLIC_THREADS)
    if msg.thread is not None:
        raise rules.thread_already_created()
    kind = 10 if ch.type == GUILD_ANNOUNCEMENT else PUBLIC_THREAD
    # A thread started from a message shares the message's id.
    th = _new_thread(fd, ch, ctx.json["name"], ctx.json, thread_type=kind, thread_id=msg.id)
    th.starter_message = msg
    msg.thread = th
    msg.flags |= FLAG_HAS_THREAD
    _emit_thread_create(fd, th)
    emit_message(fd, "MESSAGE_UPDATE", msg)
    fd._notify()
    return Reply(201, _thread_response(fd, th))


@route("POST", "/channels/{channel_id}/threads")
async def start_thread(ctx: Ctx) -> Any:
    fd = ctx.fd
    ch = get_channel(ctx)
    body = ctx.json
    if ch.type == GUILD_FORUM:
        return _forum_post(ctx, ch)
    if ch.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
        raise rules.wrong_channel_type()
    errs = ErrorTree()
    rules.validate_thread_fields(errs, body, create=True)
    kind = body.get("type", PRIVATE_THREAD)  # documented default
    errs.choices(("type",), kind, (10, PUBLIC_THREAD, PRIVATE_THREAD))
    errs.raise_if_any()
    require(ch, P.CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else P.CREATE_PUBLIC_THREADS)
    th = _new_thread(fd, ch, body["name"], body, thread_type=kind)
    _emit_thread_create(fd, th)
    fd._notify()
    return Reply(201, _thread_response(fd, th))


def _forum_post(ctx: Ctx, forum: Channel) -> Any:
    fd = ctx.fd
    body = ctx.json
    errs = ErrorTree()
    rules.validate_thread_fields(errs, body, create=True)
    message = body.get("message")
    if not isinstance(message, dict):
        errs.required(("message",))
    else:
        rules.validate_message(errs.sub("message"), message, has_files=bool(ctx.files))
    tags = body.get("applied_tags") or []
    valid = {t.id: t for t in forum.available_tags}
    for i, tag in enumerate(tags):
        if not str(tag).isdigit() or int(tag) not in valid:
            errs.add(("applied_tags", i), "BASE_TYPE_CHOICES", "Value is not a valid tag.")
    errs.raise_if_any()
    assert isinstance(message, dict)
    require(forum, P.SEND_MESSAGES)  # "Create Posts" in the client
    if ctx.files and not bot_perms(forum) & P.ATTACH_FILES:
        raise rules.missing_permissions()
    if forum.flags & 16 and not tags:
        raise ApiError(400, 40067, "A tag is required to create a forum post in this channel")
    if any(valid[int(t)].moderated for t in tags) and not bot_perms(forum) & P.MANAGE_THREADS:
        raise rules.missing_permissions()
    message = strip_unpermitted(forum, message)
    if rules.is_empty_message(message, has_files=bool(ctx.files)):
        raise rules.empty_message()
    th = _new_thread(fd, forum, body["name"], body, thread_type=PUBLIC_THREAD)
    th.applied_tags = [int(t) for t in tags]
    # The starter message has the same id as the post.
    msg = new_message(fd, th, fd.world.bot_user, msg_id=th.id)
    apply_message_fields(msg, fd, message, ctx.files, edit=False)
    msg.flags = message.get("flags") or 0
    th.starter_message = msg
    _emit_thread_create(fd, th)
    store_message(fd, msg)
    return Reply(201, _thread_response(fd, th) | {"message": msg.to_dict()})


def _thread(ctx: Ctx) -> Channel:
    th = get_channel(ctx)
    if not th.is_thread:
        raise rules.wrong_channel_type()
    return th


def _thread_members_update(
    fd: FakeDiscord,
    th: Channel,
    added: list[int] = (),  # type: ignore[assignment]
    removed: list[int] = (),
) -> None:  # type: ignore[assignment]
    assert th.guild is not None
    data: dict[str, Any] = {
        "id": str(th.id),
        "guild_id": str(th.guild.id),
        "member_count": min(len(th.member_ids), 50),
    }
    if added:
        data["added_members"] = [th.thread_member_dict(u) for u in added]
    if removed:
        data["removed_member_ids"] = [str(u) for u in removed]
    fd.gateway.dispatch("THREAD_MEMBERS_UPDATE", data, guild=th.guild, channel=th)


@route("PUT", "/channels/{channel_id}/thread-members/@me")
async def join_thread(ctx: Ctx) -> Any:
    th = _thread(ctx)
    if th.archived:
        raise rules.archived_thread()
    th.member_ids.add(ctx.fd.bot_user_id)
    _thread_members_update(ctx.fd, th, added=[ctx.fd.bot_user_id])
    return None


@route("DELETE", "/channels/{channel_id}/thread-members/@me")
async def leave_thread(ctx: Ctx) -> Any:
    th = _thread(ctx)
    if th.archived:  # Leave Thread: "Also requires the thread is not archived."
        raise rules.archived_thread()
    th.member_ids.discard(ctx.fd.bot_user_id)
    _thread_members_update(ctx.fd, th, removed=[ctx.fd.bot_user_id])
    return None


@route("PUT", "/channels/{channel_id}/thread-members/{user_id}")
async def add_thread_member(ctx: Ctx) -> Any:
    th = _thread(ctx)
    if th.archived:
        raise rules.archived_thread()
    require(th, P.SEND_MESSAGES_IN_THREADS)
    uid = ctx.snowflake("user_id")
    assert th.guild is not None
    if uid not in th.guild.members:
        raise rules.unknown_member()
    th.member_ids.add(uid)
    _thread_members_update(ctx.fd, th, added=[uid])
    return None


@route("DELETE", "/channels/{channel_id}/thread-members/{user_id}")
async def remove_thread_member(ctx: Ctx) -> Any:
    th = _thread(ctx)
    if th.archived:  # Remove Thread Member: "Also requires the thread is not archived."
        raise rules.archived_thread()
    require(th, P.MANAGE_THREADS)
    uid = ctx.snowflake("user_id")
    th.member_ids.discard(uid)
    _thread_members_update(ctx.fd, th, removed=[uid])
    return None


@route("GET", "/channels/{channel_id}/thread-members")
async def list_thread_members(ctx: Ctx) -> Any:
    th = _thread(ctx)
    return [th.thread_member_dict(u) for u in sorted(th.member_ids)]


@route("GET", "/channels/{channel_id}/thread-members/{user_id}")
async def get_thread_member(ctx: Ctx) -> Any:
    th = _thread(ctx)
    uid = ctx.snowflake("user_id")
    if uid not in th.member_ids:
        raise rules.unknown_member()
    return th.thread_member_dict(uid)
