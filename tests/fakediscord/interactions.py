"""Interactions: INTERACTION_CREATE payloads, the callback endpoint and interaction webhooks.

Rules enforced like Discord: the initial response must arrive within
``fd.interaction_timeout`` seconds (default 3.0) of dispatch, else 404/10062; only one
initial response (400/40060); callback types must fit the interaction type; followups and
@original edits only while the token lives (``fd.token_lifetime``, 15 min) → 401/50027.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import rules
from .api import (
    apply_message_fields,
    delete_message_common,
    edit_message_common,
    new_message,
    store_message,
)
from .rules import ApiError, ErrorTree
from .server import Ctx, route
from .state import (
    DM_PERMISSIONS,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
)

if TYPE_CHECKING:
    from .client import FakeDiscord

# Interaction types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Callback types
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE = 4, 5, 6
UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL, LAUNCH_ACTIVITY = 7, 8, 9, 12

# Option types
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 6, 7, 8, 9, 10, 11
OPTION_TYPE_NAMES = {
    1: "SUB_COMMAND",
    2: "SUB_COMMAND_GROUP",
    3: "STRING",
    4: "INTEGER",
    5: "BOOLEAN",
    6: "USER",
    7: "CHANNEL",
    8: "ROLE",
    9: "MENTIONABLE",
    10: "NUMBER",
    11: "ATTACHMENT",
}

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


@dataclass(eq=False)
class InteractionRecord:
    """Server-side state of one interaction."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    guild: Guild | None
    channel: Channel
    user: User
    member: Member | None
    created_at: float
    label: str
    source_message: Message | None = None
    modal_origin: InteractionRecord | None = None
    response_type: int | None = None
    responded_at: float | None = None
    original: Message | None = None
    original_edits_at_ack: int = 0
    followups: list[Message] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    rejected: list[str] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None


# --------------------------------------------------------------------------------------
# Building INTERACTION_CREATE payloads
# --------------------------------------------------------------------------------------


def base_payload(
    fd: FakeDiscord,
    itype: int,
    *,
    guild: Guild | None,
    channel: Channel,
    user: User,
    member: Member | None,
    data: dict[str, Any] | None,
    locale: str,
    message: Message | None = None,
) -> tuple[dict[str, Any], int, str]:
    iid = fd.world.snowflake()
    token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
    payload: dict[str, Any] = {
        "id": str(iid),
        "application_id": str(fd.application_id),
        "type": itype,
        "token": token,
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "channel_id": str(channel.id),
    }
    if data is not None:
        payload["data"] = data
    if guild is not None:
        assert member is not None
        perms = guild.permissions_for(member, channel)
        payload.update(
            {
                "guild_id": str(guild.id),
                "guild": guild.partial_dict(),
                "guild_locale": guild.locale,
                "member": member.to_dict() | {"permissions": str(perms)},
                "app_permissions": str(guild.bot_permissions(channel)),
                "channel": channel.to_dict() | {"permissions": str(perms)},
                "authorizing_integration_owners": {"0": str(guild.id)},
                "context": 0,
            }
        )
    else:
        payload.update(
            {
                "user": user.to_dict(),
                "app_permissions": str(DM_PERMISSIONS),
                "channel": channel.to_dict(),
                "authorizing_integration_owners": {"0": "0"},
                "context": 1,
            }
        )
    if message is not None:
        payload["message"] = message.to_dict()
    return payload, iid, token


def find_command(
    fd: FakeDiscord, name: str, guild: Guild | None, *, cmd_type: int = 1
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Look up a synced command ("feed add" → root + the sub-command path)."""
    parts = name.strip().lstrip("/").split()
    stores: list[tuple[str, dict[str, dict[str, Any]]]] = []
    if guild is not None:
        stores.append((f"guild {guild.name!r}", fd.guild_commands.get(guild.id, {})))
    stores.append(("global", fd.global_commands))
    cmd = None
    for _, store in stores:
        cmd = next(
            (c for c in store.values() if c["name"] == parts[0] and c.get("type", 1) == cmd_type),
            None,
        )
        if cmd is not None:
            break
    if cmd is None:
        known = sorted({c["name"] for _, s in stores for c in s.values()})
        where = " or ".join(w for w, _ in stores)
        raise AssertionError(
            f"/{parts[0]} is not registered ({where} commands: {known}); "
            "did the bot sync its command tree?"
        )
    path: list[dict[str, Any]] = []
    schema = cmd.get("options") or []
    for part in parts[1:]:
        sub = next((o for o in schema if o["name"] == part and o["type"] in (1, 2)), None)
        if sub is None:
            subs = [o["name"] for o in schema if o["type"] in (1, 2)]
            raise AssertionError(f"/{' '.join(parts)}: no sub-command {part!r} (have {subs})")
        path.append(sub)
        schema = sub.get("options") or []
    if any(o["type"] in (1, 2) for o in schema):
        subs = [o["name"] for o in schema if o["type"] in (1, 2)]
        raise AssertionError(f"/{' '.join(parts)} needs a sub-command, one of {subs}")
    return cmd, path


class Resolver:
    """Fills ``data.resolved`` for user/member/role/channel/attachment options."""

    def __init__(
        self, fd: FakeDiscord, guild: Guild | None, channel: Channel, invoker: Member | None
    ) -> None:
        self.fd, self.guild, self.channel, self.invoker = fd, guild, channel, invoker
        self.data: dict[str, dict[str, Any]] = {}

    def add_user(self, target: User | Member) -> str:
        user = target.user if isinstance(target, Member) else target
        self.data.setdefault("users", {})[str(user.id)] = user.to_dict()
        member = self.guild.members.get(user.id) if self.guild else None
        if member is not None and self.guild is not None:
            perms = self.guild.permissions_for(member, self.channel)
            self.data.setdefault("members", {})[str(user.id)] = member.to_dict(with_user=False) | {
                "permissions": str(perms)
            }
            for key in ("deaf", "mute"):
                self.data["members"][str(user.id)].pop(key, None)
        return str(user.id)

    def add_role(self, role: Role) -> str:
        self.data.setdefault("roles", {})[str(role.id)] = role.to_dict()
        return str(role.id)

    def add_channel(self, ch: Channel) -> str:
        perms = 0
        if self.guild is not None and self.invoker is not None:
            perms = self.guild.permissions_for(self.invoker, ch)
        data: dict[str, Any] = {
            "id": str(ch.id),
            "name": ch.name,
            "type": ch.type,
            "permissions": str(perms),
            "flags": ch.flags,
        }
        if ch.parent is not None:
            data["parent_id"] = str(ch.parent.id)
        if ch.guild is not None:
            data["guild_id"] = str(ch.guild.id)
        if ch.is_thread:
            data["thread_metadata"] = ch.thread_metadata()
        self.data.setdefault("channels", {})[str(ch.id)] = data
        return str(ch.id)

    def add_attachment(self, value: Any) -> str:
        if isinstance(value, Attachment):
            att = value
        else:
            filename, content = value
            att = Attachment(self.fd.world.snowflake(), filename, bytes(content))
        self.data.setdefault("attachments", {})[str(att.id)] = att.to_dict()
        return str(att.id)


def convert_option(opt: dict[str, Any], value: Any, res: Resolver, where: str) -> Any:
    """Turn a test-side value into what the Discord client would send (client-side rules
    such as choices, min/max and channel types raise AssertionError)."""
    otype = opt["type"]
    name = f"{where} option {opt['name']!r} ({OPTION_TYPE_NAMES.get(otype)})"
    out: Any
    if otype == STRING:
        if not isinstance(value, str):
            raise AssertionError(f"{name} takes a str, got {value!r}")
        lo, hi = opt.get("min_length"), opt.get("max_length")
        if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
            raise AssertionError(f"{name}: length {len(value)} outside [{lo}, {hi}]")
        out = value
    elif otype == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise AssertionError(f"{name} takes an int, got {value!r}")
        out = value
    elif otype == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AssertionError(f"{name} takes a number, got {value!r}")
        out = value
    elif otype == BOOLEAN:
        if not isinstance(value, bool):
            raise AssertionError(f"{name} takes a bool, got {value!r}")
        out = value
    elif otype == USER:
        if not isinstance(value, User | Member):
            raise AssertionError(f"{name} takes a User/Member, got {value!r}")
        out = res.add_user(value)
    elif otype == ROLE:
        if not isinstance(value, Role):
            raise AssertionError(f"{name} takes a Role, got {value!r}")
        out = res.add_role(value)
    elif otype == MENTIONABLE:
        if isinstance(value, Role):
            out = res.add_role(value)
        elif isinstance(value, User | Member):
            out = res.add_user(value)
        else:
            raise AssertionError(f"{name} takes a User/Member/Role, got {value!r}")
    elif otype == CHANNEL:
        if not isinstance(value, Channel):
            raise AssertionError(f"{name} takes a Channel, got {value!r}")
        allowed = opt.get("channel_types")
        if allowed and value.type not in allowed:
            raise AssertionError(f"{name}: channel type {value.type} not in {allowed}")
        out = res.add_channel(value)
    elif otype == ATTACHMENT:
        out = res.add_attachment(value)
    else:
        raise AssertionError(f"{name}: unsupported option type")
    if otype in (INTEGER, NUMBER):
        lo, hi = opt.get("min_value"), opt.get("max_value")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise AssertionError(f"{name}: {value} outside [{lo}, {hi}]")
    choices = opt.get("choices")
    if choices and out not in [c["value"] for c in choices]:
        raise AssertionError(
            f"{name}: {value!r} is not one of the choices {[c['value'] for c in choices]}"
        )
    return out


def build_options(
    path: list[dict[str, Any]],
    schema: list[dict[str, Any]],
    values: dict[str, Any],
    res: Resolver,
    where: str,
    *,
    focused: str | None = None,
    focused_value: str = "",
) -> list[dict[str, Any]]:
    by_name = {o["name"]: o for o in schema}
    leaf: list[dict[str, Any]] = []
    for key, value in values.items():
        opt = by_name.get(key)
        if opt is None:
            raise AssertionError(f"{where} has no option {key!r} (options: {list(by_name)})")
        if value is None:
            continue
        leaf.append(
            {"name": key, "type": opt["type"], "value": convert_option(opt, value, res, where)}
        )
    if focused is not None:
        opt = by_name.get(focused)
        if opt is None:
            raise AssertionError(f"{where} has no option {focused!r}")
        if not opt.get("autocomplete"):
            raise AssertionError(f"{where} option {focused!r} has no autocomplete")
        leaf = [o for o in leaf if o["name"] != focused]
        # While typing, the focused value is the raw text the user typed.
        leaf.append({"name": focused, "type": opt["type"], "value": focused_value, "focused": True})
    else:
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
        if missing:
            raise AssertionError(f"{where}: required option(s) {missing} missing")
    for sub in reversed(path):
        leaf = [{"name": sub["name"], "type": sub["type"], "options": leaf}]
    return leaf


# --------------------------------------------------------------------------------------
# Callback endpoint
# --------------------------------------------------------------------------------------

_ALLOWED = {
    APPLICATION_COMMAND: (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL, LAUNCH_ACTIVITY),
    MESSAGE_COMPONENT: (
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    ),
    AUTOCOMPLETE: (AUTOCOMPLETE_RESULT,),
    MODAL_SUBMIT: (
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    ),
}


def _interaction_meta(rec: InteractionRecord) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": str(rec.id),
        "type": rec.type,
        "user": rec.user.to_dict(),
        "authorizing_integration_owners": rec.payload.get("authorizing_integration_owners", {}),
    }
    if rec.type == APPLICATION_COMMAND:
        meta["name"] = rec.label
        meta["command_type"] = 1
    if rec.source_message is not None:
        key = (
            "interacted_message_id"
            if rec.type == MESSAGE_COMPONENT
            else "original_response_message_id"
        )
        meta[key] = str(rec.source_message.id)
    return meta


def _response_message(fd: FakeDiscord, rec: InteractionRecord) -> Message:
    msg = new_message(fd, rec.channel, fd.world.bot_user)
    msg.webhook_id = fd.application_id
    msg.application_id = fd.application_id
    msg.interaction_metadata = _interaction_meta(rec)
    msg.interaction = {
        "id": str(rec.id),
        "type": rec.type,
        "name": rec.label,
        "user": rec.user.to_dict(),
    }
    msg.type = 20 if rec.type == APPLICATION_COMMAND else 0
    return msg


@route(
    "POST",
    "/interactions/{interaction_id}/{interaction_token}/callback",
    auth=False,
    global_exempt=True,
)
async def interaction_callback(ctx: Ctx) -> Any:
    fd = ctx.fd
    rec = fd.interactions.get(
        int(ctx.params["interaction_id"]) if ctx.params["interaction_id"].isdigit() else -1
    )
    if rec is None or rec.token != ctx.params["interaction_token"]:
        raise rules.unknown_interaction()
    try:
        return await _callback(ctx, rec)
    except ApiError as exc:
        # Remembered so the waiting test fails fast with Discord's reason.
        detail = f" {exc.errors}" if exc.errors else ""
        rec.rejected.append(f"{exc.status} {exc.code} {exc.message}{detail}")
        fd._notify()
        raise


async def _callback(ctx: Ctx, rec: InteractionRecord) -> Any:
    fd = ctx.fd
    if rec.acknowledged:
        raise rules.already_acknowledged()
    age = fd.clock() - rec.created_at
    if age > fd.interaction_timeout:
        raise ApiError(404, 10062, "Unknown interaction")
    body = ctx.json
    cb = body.get("type")
    errs = ErrorTree()
    if cb not in _ALLOWED[rec.type] or (
        cb in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE) and rec.source_message is None
    ):
        errs.add(
            ("type",),
            "INTERACTION_RESPONSE_TYPE_INVALID",
            f"Interaction response type {cb} is not valid for interaction type {rec.type}.",
        )
        errs.raise_if_any()
    data = body.get("data") or {}
    derr = errs.sub("data")
    msg: Message | None = None
    if cb == CHANNEL_MESSAGE:
        rules.validate_message(derr, data, has_files=bool(ctx.files))
        rules.validate_ephemeral_flags(
            derr, data.get("flags") or 0, rules.interaction_flags_allowed()
        )
        errs.raise_if_any()
        if rules.is_empty_message(data, has_files=bool(ctx.files)):
            raise rules.empty_message()
        msg = _response_message(fd, rec)
        apply_message_fields(msg, fd, data, ctx.files, edit=False)
        msg.flags = data.get("flags") or 0
        msg.tts = bool(data.get("tts"))
        store_message(fd, msg)
    elif cb == DEFERRED_CHANNEL_MESSAGE:
        rules.validate_ephemeral_flags(derr, data.get("flags") or 0, FLAG_EPHEMERAL)
        errs.raise_if_any()
        msg = _response_message(fd, rec)
        msg.flags = FLAG_LOADING | ((data.get("flags") or 0) & FLAG_EPHEMERAL)
        store_message(fd, msg)
    elif cb == DEFERRED_UPDATE_MESSAGE:
        msg = rec.source_message
    elif cb == UPDATE_MESSAGE:
        assert rec.source_message is not None
        msg = edit_message_common(
            fd, rec.source_message, data, ctx.files, check_channel=False, prefix=("data",)
        )
    elif cb == AUTOCOMPLETE_RESULT:
        rules.validate_autocomplete(derr, data)
        errs.raise_if_any()
        rec.choices = list(data["choices"])
    elif cb == MODAL:
        rules.validate_modal(derr, data)
        errs.raise_if_any()
        rec.modal = data
    elif cb == LAUNCH_ACTIVITY:
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {
                "type": {
                    "_errors": [
                        {
                            "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                            "message": "This application has no activity.",
                        }
                    ]
                }
            },
        )
    rec.response_type = cb
    rec.responded_at = fd.clock()
    rec.original = msg
    rec.original_edits_at_ack = msg.edits if msg is not None else 0
    fd._notify()
    if not ctx.flag("with_response"):
        return None
    inter: dict[str, Any] = {"id": str(rec.id), "type": rec.type}
    resource: dict[str, Any] = {"type": cb}
    if msg is not None and cb in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE):
        inter["response_message_id"] = str(msg.id)
        inter["response_message_loading"] = msg.loading
        inter["response_message_ephemeral"] = msg.ephemeral
        if cb != DEFERRED_CHANNEL_MESSAGE:
            resource["message"] = msg.to_dict()
    return {"interaction": inter, "resource": resource}


# --------------------------------------------------------------------------------------
# Interaction webhooks: followups and @original
# --------------------------------------------------------------------------------------


def _webhook_record(ctx: Ctx) -> InteractionRecord:
    fd = ctx.fd
    if ctx.params["webhook_id"] != str(fd.application_id):
        raise rules.unknown_webhook()
    rec = fd._interactions_by_token.get(ctx.params["webhook_token"])
    if rec is None:
        raise rules.unknown_webhook()
    if fd.clock() - rec.created_at > fd.token_lifetime:
        raise rules.invalid_webhook_token()
    if not rec.acknowledged:
        raise rules.unknown_webhook()
    return rec


def _record_message(rec: InteractionRecord, message_id: str) -> Message:
    if message_id == "@original":
        if rec.original is None or rec.original.deleted:
            raise rules.unknown_message()
        return rec.original
    for msg in [rec.original, *rec.followups]:
        if msg is not None and str(msg.id) == message_id and not msg.deleted:
            return msg
    raise rules.unknown_message()


@route("POST", "/webhooks/{webhook_id}/{webhook_token}", auth=False, global_exempt=True)
async def create_followup(ctx: Ctx) -> Any:
    fd = ctx.fd
    rec = _webhook_record(ctx)
    body = ctx.json
    orig = rec.original
    if rec.response_type == DEFERRED_CHANNEL_MESSAGE and orig is not None and orig.loading:
        # Documented legacy behaviour: the first followup after a deferred response edits
        # the loading message instead of creating a new one.
        body = {k: v for k, v in body.items() if k != "flags"}
        return edit_message_common(fd, orig, body, ctx.files, check_channel=False).to_dict()
    errs = ErrorTree()
    rules.validate_message(errs, body, has_files=bool(ctx.files))
    rules.validate_ephemeral_flags(errs, body.get("flags") or 0, rules.interaction_flags_allowed())
    errs.raise_if_any()
    if rules.is_empty_message(body, has_files=bool(ctx.files)):
        raise rules.empty_message()
    msg = _response_message(fd, rec)
    msg.type = 0
    apply_message_fields(msg, fd, body, ctx.files, edit=False)
    msg.flags = body.get("flags") or 0
    rec.followups.append(msg)
    store_message(fd, msg)
    return msg.to_dict()  # interaction followups always behave as wait=true


@route(
    "GET",
    "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
    auth=False,
    global_exempt=True,
)
@route(
    "GET",
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    auth=False,
    global_exempt=True,
)
async def get_webhook_message(ctx: Ctx) -> Any:
    rec = _webhook_record(ctx)
    return _record_message(rec, ctx.params.get("message_id", "@original")).to_dict()


@route(
    "PATCH",
    "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
    auth=False,
    global_exempt=True,
)
@route(
    "PATCH",
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    auth=False,
    global_exempt=True,
)
async def edit_webhook_message(ctx: Ctx) -> Any:
    rec = _webhook_record(ctx)
    msg = _record_message(rec, ctx.params.get("message_id", "@original"))
    # The ephemeral state of an existing message cannot change (edit_message_common keeps it).
    return edit_message_common(ctx.fd, msg, ctx.json, ctx.files, check_channel=False).to_dict()


@route(
    "DELETE",
    "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
    auth=False,
    global_exempt=True,
)
@route(
    "DELETE",
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    auth=False,
    global_exempt=True,
)
async def delete_webhook_message(ctx: Ctx) -> Any:
    rec = _webhook_record(ctx)
    msg = _record_message(rec, ctx.params.get("message_id", "@original"))
    delete_message_common(ctx.fd, msg)
    return None


# --------------------------------------------------------------------------------------
# Test-facing reply object
# --------------------------------------------------------------------------------------


class InteractionReply:
    """What the bot answered to an interaction the test sent (``fd.slash`` & co.).

    ``type`` is the callback type (4 message, 5 deferred, 6 deferred update, 7 update,
    8 autocomplete, 9 modal). Message accessors read the *current* original response."""

    def __init__(self, fd: FakeDiscord, rec: InteractionRecord) -> None:
        self._fd = fd
        self.record = rec
        self._followups_seen = 0

    def __repr__(self) -> str:
        return (
            f"<InteractionReply {self.record.label!r} type={self.type} "
            f"content={self.content!r} followups={len(self.followups)}>"
        )

    # -- basic facts ---------------------------------------------------------------------
    @property
    def id(self) -> int:
        return self.record.id

    @property
    def token(self) -> str:
        return self.record.token

    @property
    def type(self) -> int | None:
        return self.record.response_type

    @property
    def interaction(self) -> dict[str, Any]:
        """The INTERACTION_CREATE payload that was sent to the bot."""
        return self.record.payload

    @property
    def user(self) -> User:
        return self.record.user

    @property
    def deferred(self) -> bool:
        return self.type in (DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE)

    @property
    def message(self) -> Message | None:
        return self.record.original

    @property
    def content(self) -> str | None:
        return self.message.content if self.message else None

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds if self.message else []

    @property
    def embed(self) -> dict[str, Any] | None:
        return self.embeds[0] if self.embeds else None

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components if self.message else []

    @property
    def flags(self) -> int:
        return self.message.flags if self.message else 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def raw(self) -> dict[str, Any] | None:
        return self.message.to_dict() if self.message else None

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.record.modal

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        return self.record.choices

    @property
    def followups(self) -> list[Message]:
        return self.record.followups

    @property
    def rejected(self) -> list[str]:
        """Callback attempts Discord refused (late ack, double ack, …)."""
        return self.record.rejected

    # -- waiting -------------------------------------------------------------------------
    async def final(self, timeout: float | None = None) -> Message:  # noqa: ASYNC109
        """After a defer, wait for the real answer (edit of @original, or a followup)."""
        rec = self.record
        timeout = self._fd.default_timeout if timeout is None else timeout

        def done() -> Message | None:
            orig = rec.original
            if rec.response_type == DEFERRED_CHANNEL_MESSAGE:
                return orig if orig is not None and not orig.loading else None
            if rec.response_type == DEFERRED_UPDATE_MESSAGE:
                if orig is not None and orig.edits > rec.original_edits_at_ack:
                    return orig
                return rec.followups[0] if rec.followups else None
            return orig

        return await self._fd._waiters.wait(done, timeout, f"the final response to {rec.label}")

    async def next_followup(self, timeout: float | None = None) -> Message:  # noqa: ASYNC109
        """The next followup not yet returned by this method."""
        timeout = self._fd.default_timeout if timeout is None else timeout
        idx = self._followups_seen

        def ready() -> Message | None:
            return self.record.followups[idx] if len(self.record.followups) > idx else None

        msg = await self._fd._waiters.wait(
            ready, timeout, f"followup #{idx + 1} to {self.record.label}"
        )
        self._followups_seen = idx + 1
        return msg

    async def wait_edit(self, timeout: float | None = None) -> Message:  # noqa: ASYNC109
        """Wait for the next edit of the original response."""
        timeout = self._fd.default_timeout if timeout is None else timeout
        msg = self.message
        if msg is None:
            raise AssertionError(f"{self.record.label} has no response message")
        edits = msg.edits
        return await self._fd._waiters.wait(
            lambda: msg if msg.edits > edits else None,
            timeout,
            f"an edit of the reply to {self.record.label}",
        )

    def button(self, label: str | None = None, custom_id: str | None = None) -> dict[str, Any]:
        """The button component with *label* / *custom_id* on the response."""
        for comp in self.message.iter_components() if self.message else []:
            if comp.get("type") == 2 and (
                (label is not None and comp.get("label") == label)
                or (custom_id is not None and comp.get("custom_id") == custom_id)
            ):
                return comp
        raise AssertionError(f"no button {label or custom_id!r} on {self!r}")
