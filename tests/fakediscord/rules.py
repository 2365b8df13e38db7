"""Discord's request validation rules and error shapes.

Errors are raised as :class:`ApiError`; form validation collects every problem in an
:class:`ErrorTree` and raises ``400 {"code": 50035, "message": "Invalid Form Body",
"errors": {...}}`` with the same nested ``_errors`` layout Discord uses, e.g.
``{"embeds": {"0": {"title": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", ...}]}}}}``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from .state import FLAG_COMPONENTS_V2, FLAG_EPHEMERAL, walk_components

Path = tuple[str | int, ...]


class ApiError(Exception):
    """An HTTP error response in Discord's JSON shape."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


# Common errors, with Discord's exact codes and messages.
def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


def not_found_route() -> ApiError:
    return ApiError(404, 0, "404: Not Found")


def method_not_allowed() -> ApiError:
    return ApiError(405, 0, "405: Method Not Allowed")


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel")


def unknown_guild() -> ApiError:
    return ApiError(404, 10004, "Unknown Guild")


def unknown_member() -> ApiError:
    return ApiError(404, 10007, "Unknown Member")


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message")


def unknown_user() -> ApiError:
    return ApiError(404, 10013, "Unknown User")


def unknown_webhook() -> ApiError:
    return ApiError(404, 10015, "Unknown Webhook")


def unknown_interaction() -> ApiError:
    return ApiError(404, 10062, "Unknown interaction")


def unknown_command() -> ApiError:
    return ApiError(404, 10063, "Unknown application command")


def already_acknowledged() -> ApiError:
    return ApiError(400, 40060, "Interaction has already been acknowledged.")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def cannot_dm_user() -> ApiError:
    return ApiError(403, 50007, "Cannot send messages to this user")


def non_text_channel() -> ApiError:
    return ApiError(400, 50008, "Cannot send messages in a non-text channel")


def invalid_webhook_token() -> ApiError:
    return ApiError(401, 50027, "Invalid Webhook Token")


def wrong_channel_type() -> ApiError:
    return ApiError(400, 50024, "Cannot execute action on this channel type")


def archived_thread() -> ApiError:
    return ApiError(400, 50083, "Thread is archived")


def invalid_json() -> ApiError:
    return ApiError(400, 50109, "The request body contains invalid JSON.")


def thread_already_created() -> ApiError:
    return ApiError(400, 160004, "A thread has already been created for this message")


def thread_locked() -> ApiError:
    return ApiError(403, 160005, "Thread is locked")


class ErrorTree:
    """Collects form errors under JSON paths; ``raise_if_any`` raises the 50035 error."""

    def __init__(self, prefix: Path = ()) -> None:
        self.prefix = prefix
        self.tree: dict[str, Any] = {}

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.tree
        for part in (*self.prefix, *path):
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def sub(self, *path: str | int) -> ErrorTree:
        child = ErrorTree((*self.prefix, *path))
        child.tree = self.tree
        return child

    def __bool__(self) -> bool:
        return bool(self.tree)

    def raise_if_any(self) -> None:
        if self.tree:
            raise ApiError(400, 50035, "Invalid Form Body", self.tree)

    # -- common checks ------------------------------------------------------------------
    def required(self, path: Path) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def max_len(self, path: Path, value: Any, limit: int) -> bool:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
            return False
        return True

    def bad_len(self, path: Path, value: Any, low: int, high: int) -> bool:
        if value is None or not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
            return False
        return True

    def choices(self, path: Path, value: Any, allowed: Sequence[Any]) -> bool:
        if value not in allowed:
            shown = ", ".join(str(a) for a in allowed)
            self.add(path, "BASE_TYPE_CHOICES", f"Value must be one of {{{shown}}}.")
            return False
        return True

    def string(self, path: Path, value: Any) -> bool:
        if value is not None and not isinstance(value, str):
            self.add(path, "BASE_TYPE_STRING", "Must be a string.")
            return False
        return True


# --------------------------------------------------------------------------------------
# Messages, embeds, components
# --------------------------------------------------------------------------------------

MAX_CONTENT = 2000
MAX_EMBEDS = 10
EMBED_TOTAL = 6000


def validate_embeds(errs: ErrorTree, embeds: Any) -> None:
    if embeds is None:
        return
    if not isinstance(embeds, list):
        errs.add(("embeds",), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if not errs.max_len(("embeds",), embeds, MAX_EMBEDS):
        return
    total = 0
    for i, emb in enumerate(embeds):
        p: Path = ("embeds", i)
        if not isinstance(emb, dict):
            errs.add(p, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        title, desc = emb.get("title"), emb.get("description")
        errs.max_len((*p, "title"), title, 256)
        errs.max_len((*p, "description"), desc, 4096)
        total += len(title or "") + len(desc or "")
        fields = emb.get("fields") or []
        errs.max_len((*p, "fields"), fields, 25)
        for j, fld in enumerate(fields[:25]):
            fp: Path = (*p, "fields", j)
            name, value = fld.get("name"), fld.get("value")
            if not name:
                errs.required((*fp, "name"))
            else:
                errs.max_len((*fp, "name"), name, 256)
            if not value:
                errs.required((*fp, "value"))
            else:
                errs.max_len((*fp, "value"), value, 1024)
            total += len(name or "") + len(value or "")
        footer = emb.get("footer") or {}
        if footer:
            if not footer.get("text"):
                errs.required((*p, "footer", "text"))
            errs.max_len((*p, "footer", "text"), footer.get("text"), 2048)
            total += len(footer.get("text") or "")
        author = emb.get("author") or {}
        if author:
            if not author.get("name"):
                errs.required((*p, "author", "name"))
            errs.max_len((*p, "author", "name"), author.get("name"), 256)
            total += len(author.get("name") or "")
        for key in ("url",):
            url = emb.get(key)
            if url and not re.match(r"^(https?|attachment)://", url):
                errs.add((*p, key), "URL_TYPE_INVALID_URL", "Not a well formed URL.")
        # Images and thumbnails: a well-formed http(s) or attachment URL is required.
        for key in ("image", "thumbnail"):
            media = emb.get(key)
            if media is None:
                continue
            url = media.get("url") if isinstance(media, dict) else None
            if not url:
                errs.required((*p, key, "url"))
            elif not re.match(r"^(https?|attachment)://\S+$", url) or len(url) > 2048:
                errs.add((*p, key, "url"), "URL_TYPE_INVALID_URL", "Not a well formed URL.")
        color = emb.get("color")
        if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
            errs.add((*p, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
    if total > EMBED_TOTAL:
        errs.add(
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL}",
        )


BUTTON, STRING_SELECT, TEXT_INPUT = 2, 3, 4
SELECT_TYPES = (3, 5, 6, 7, 8)
V2_ONLY_TYPES = (9, 10, 11, 12, 13, 14, 17)


def validate_components(errs: ErrorTree, components: Any, *, flags: int = 0) -> None:
    """Legacy messages: ≤5 action rows of ≤5 buttons or one select. Components V2 (flag
    32768): any layout, ≤40 components in total."""
    if components is None:
        return
    if not isinstance(components, list):
        errs.add(("components",), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    v2 = bool(flags & FLAG_COMPONENTS_V2)
    if not v2:
        errs.max_len(("components",), components, 5)
    seen_ids: set[str] = set()
    for i, comp in enumerate(components):
        p: Path = ("components", i)
        ctype = comp.get("type")
        if not v2 and ctype != 1:
            errs.add(
                (*p, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).'
            )
            continue
        if ctype == 1:
            _validate_row(errs, p, comp, seen_ids)
        else:
            _validate_component(errs, p, comp, seen_ids)
    if v2:
        count = sum(1 for _ in walk_components(components))
        if count > 40:
            errs.add(("components",), "BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length.")


def _validate_row(errs: ErrorTree, p: Path, row: dict[str, Any], seen: set[str]) -> None:
    children = row.get("components") or []
    if not children:
        errs.add((*p, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        return
    errs.max_len((*p, "components"), children, 5)
    types = [c.get("type") for c in children]
    if any(t in SELECT_TYPES for t in types) and len(children) > 1:
        errs.add(
            (*p, "components"),
            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            "The specified component exceeds the maximum width",
        )
    for j, child in enumerate(children):
        _validate_component(errs, (*p, "components", j), child, seen)


def _validate_component(errs: ErrorTree, p: Path, comp: dict[str, Any], seen: set[str]) -> None:
    ctype = comp.get("type")
    custom_id = comp.get("custom_id")
    if custom_id is not None:
        errs.bad_len((*p, "custom_id"), custom_id, 1, 100)
        if custom_id in seen:
            errs.add(
                (*p, "custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        seen.add(custom_id)
    if ctype == BUTTON:
        style = comp.get("style")
        errs.max_len((*p, "label"), comp.get("label"), 80)
        if style == 5:
            url = comp.get("url")
            if not url:
                errs.required((*p, "url"))
            elif not re.match(r"^(https?|discord)://\S+$", url):
                errs.add((*p, "url"), "URL_TYPE_INVALID_URL", "Not a well formed URL.")
            else:
                errs.max_len((*p, "url"), url, 512)
            if custom_id is not None:
                errs.add(
                    (*p, "custom_id"),
                    "BUTTON_COMPONENT_CUSTOM_ID_URL_INVALID",
                    "A custom id cannot be set on a link button",
                )
        elif style == 6:
            if not comp.get("sku_id"):
                errs.required((*p, "sku_id"))
        elif custom_id is None:
            errs.required((*p, "custom_id"))
        if not comp.get("label") and not comp.get("emoji") and style != 6:
            errs.add((*p,), "BUTTON_COMPONENT_INVALID", "A label or an emoji is required")
    elif ctype in SELECT_TYPES:
        if custom_id is None:
            errs.required((*p, "custom_id"))
        errs.max_len((*p, "placeholder"), comp.get("placeholder"), 150)
        if ctype == STRING_SELECT:
            options = comp.get("options") or []
            if errs.bad_len((*p, "options"), options, 1, 25):
                for k, opt in enumerate(options):
                    op: Path = (*p, "options", k)
                    errs.bad_len((*op, "label"), opt.get("label"), 1, 100)
                    errs.bad_len((*op, "value"), opt.get("value"), 1, 100)
                    errs.max_len((*op, "description"), opt.get("description"), 100)
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if not 0 <= lo <= 25:
            errs.add((*p, "min_values"), "NUMBER_TYPE_MAX", "int value should be <= 25.")
        if not 1 <= hi <= 25:
            errs.add((*p, "max_values"), "NUMBER_TYPE_MAX", "int value should be <= 25.")
    elif ctype == TEXT_INPUT:
        if custom_id is None:
            errs.required((*p, "custom_id"))
        if "label" in comp:
            errs.max_len((*p, "label"), comp.get("label"), 45)
        errs.max_len((*p, "placeholder"), comp.get("placeholder"), 100)
        errs.max_len((*p, "value"), comp.get("value"), 4000)
    elif ctype == 1:
        _validate_row(errs, p, comp, seen)
    else:
        for k, child in enumerate(comp.get("components") or []):
            _validate_component(errs, (*p, "components", k), child, seen)
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                _validate_component(errs, (*p, key), comp[key], seen)


def validate_message(
    errs: ErrorTree,
    body: dict[str, Any],
    *,
    has_files: bool = False,
    edit: bool = False,
    existing: Any = None,
) -> None:
    """Content/embeds/components/flags rules shared by every message-sending route."""
    content = body.get("content")
    if errs.string(("content",), content):
        errs.max_len(("content",), content, MAX_CONTENT)
    validate_embeds(errs, body.get("embeds"))
    flags = body.get("flags") or 0
    if existing is not None and "flags" not in body:
        flags = existing.flags
    validate_components(errs, body.get("components"), flags=flags)
    if flags & FLAG_COMPONENTS_V2 and (body.get("content") or body.get("embeds")):
        errs.add(
            ("content",),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using "
            "MessageFlags.IS_COMPONENTS_V2",
        )
    validate_allowed_mentions(errs, body.get("allowed_mentions"))
    nonce = body.get("nonce")
    if nonce is not None:
        if isinstance(nonce, str):
            errs.max_len(("nonce",), nonce, 25)
        elif not isinstance(nonce, int):
            errs.add(("nonce",), "BASE_TYPE_STRING", "Must be a string.")


MENTION_TYPES = ("roles", "users", "everyone")


def validate_allowed_mentions(errs: ErrorTree, allowed: Any) -> None:
    """Discord docs, Message resource, "Allowed Mentions Object": ``parse`` is mutually
    exclusive with a non-empty ``users`` (or ``roles``) list for the same type; each list
    holds at most 100 ids; ``parse`` holds only the three mention types."""
    if allowed is None:
        return
    p: Path = ("allowed_mentions",)
    if not isinstance(allowed, dict):
        errs.add(p, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    parse = allowed.get("parse")
    if parse is not None and (
        not isinstance(parse, list) or any(t not in MENTION_TYPES for t in parse)
    ):
        errs.add((*p, "parse"), "BASE_TYPE_CHOICES", f"Value must be one of {MENTION_TYPES}.")
        parse = []
    for kind in ("users", "roles"):
        ids = allowed.get(kind)
        if not ids:
            continue  # null or an empty list never conflicts (the docs say so)
        if len(ids) > 100:
            errs.add((*p, kind), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        if parse and kind in parse:
            errs.add(
                p,
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


def is_empty_message(body: dict[str, Any], *, has_files: bool) -> bool:
    return not (
        body.get("content")
        or body.get("embeds")
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
        or has_files
    )


def validate_ephemeral_flags(errs: ErrorTree, flags: int, allowed: int) -> None:
    if flags & ~allowed:
        errs.add(("flags",), "MESSAGE_FLAGS_INVALID", "Invalid message flags")


# --------------------------------------------------------------------------------------
# Threads
# --------------------------------------------------------------------------------------

AUTO_ARCHIVE = (60, 1440, 4320, 10080)


def validate_thread_fields(errs: ErrorTree, body: dict[str, Any], *, create: bool) -> None:
    if create or "name" in body:
        name = body.get("name")
        if name is None:
            errs.required(("name",))
        else:
            errs.bad_len(("name",), name.strip() if isinstance(name, str) else name, 1, 100)
    if body.get("auto_archive_duration") is not None:
        errs.choices(("auto_archive_duration",), body["auto_archive_duration"], AUTO_ARCHIVE)
    rl = body.get("rate_limit_per_user")
    if rl is not None and not (isinstance(rl, int) and 0 <= rl <= 21600):
        errs.add(("rate_limit_per_user",), "NUMBER_TYPE_MAX", "int value should be <= 21600.")
    tags = body.get("applied_tags")
    if tags is not None:
        errs.max_len(("applied_tags",), tags, 5)


# --------------------------------------------------------------------------------------
# Interactions
# --------------------------------------------------------------------------------------


def validate_autocomplete(errs: ErrorTree, data: dict[str, Any]) -> None:
    choices = data.get("choices")
    if choices is None:
        errs.required(("choices",))
        return
    if not errs.max_len(("choices",), choices, 25):
        return
    for i, choice in enumerate(choices):
        _validate_choice(errs, ("choices", i), choice)


def _validate_choice(
    errs: ErrorTree, p: Path, choice: dict[str, Any], option_type: int | None = None
) -> None:
    """A choice: 1-100 character name (and localized names), and a value whose type is the
    option's ("Application Command Option Choice Structure": string for STRING, integer
    for INTEGER, integer or double for NUMBER; strings up to 100 characters)."""
    errs.bad_len((*p, "name"), choice.get("name"), 1, 100)
    _localizations(
        errs, (*p, "name_localizations"), choice.get("name_localizations"), _check_text(errs, 100)
    )
    value = choice.get("value")
    if value is None:
        errs.required((*p, "value"))
        return
    if option_type == 3 and not isinstance(value, str):
        errs.add((*p, "value"), "BASE_TYPE_STRING", "Must be a string.")
    elif option_type == 4 and (isinstance(value, bool) or not isinstance(value, int)):
        errs.add((*p, "value"), "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
    elif option_type == 10 and (isinstance(value, bool) or not isinstance(value, int | float)):
        errs.add((*p, "value"), "NUMBER_TYPE_COERCE", f'Value "{value}" is not a number.')
    if isinstance(value, str):
        errs.max_len((*p, "value"), value, 100)


def validate_modal(errs: ErrorTree, data: dict[str, Any]) -> None:
    title = data.get("title")
    if title is None:
        errs.required(("title",))
    else:
        errs.bad_len(("title",), title, 1, 45)
    cid = data.get("custom_id")
    if cid is None:
        errs.required(("custom_id",))
    else:
        errs.bad_len(("custom_id",), cid, 1, 100)
    comps = data.get("components")
    if not errs.bad_len(("components",), comps or [], 1, 5):
        return
    seen: set[str] = set()
    for i, comp in enumerate(comps):
        p: Path = ("components", i)
        if comp.get("type") == 1:
            _validate_row(errs, p, comp, seen)
        else:
            _validate_component(errs, p, comp, seen)


# --------------------------------------------------------------------------------------
# Application commands
# --------------------------------------------------------------------------------------

MAX_GLOBAL_CHAT_INPUT = 100
MAX_USER_OR_MESSAGE = 15
_NAME_EXTRA = set("-_'")


def _valid_command_name(name: str, *, chat_input: bool) -> bool:
    """Discord's ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` plus the rule that
    chat-input names use the lowercase variant of letters that have one."""
    if not 1 <= len(name) <= 32:
        return False
    for ch in name:
        cat = unicodedata.category(ch)
        if not (ch in _NAME_EXTRA or cat[0] in ("L", "N") or cat in ("Mn", "Mc")):
            return False
        if chat_input and ch.lower() != ch:
            return False
    return True


# Discord docs, Reference, "Locales": the keys a localization dictionary may use.
LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)


def _localizations(errs: ErrorTree, p: Path, values: Any, check: Any) -> dict[str, str]:
    """Validate a ``*_localizations`` dictionary (Application Commands, "Localization"):
    keys from Discord's locale list, each value under the same rules as the default
    (``check(path, value)``). Returns the valid entries."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        errs.add(p, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return {}
    good: dict[str, str] = {}
    for locale, value in values.items():
        if locale not in LOCALES:
            errs.add((*p, locale), "LOCALE_INVALID", f"Invalid locale: {locale}")
        elif not isinstance(value, str):
            errs.add((*p, locale), "BASE_TYPE_STRING", "Must be a string.")
        elif check((*p, locale), value):
            good[locale] = value
    return good


def _check_name(errs: ErrorTree, *, chat_input: bool) -> Any:
    def check(path: Path, value: str) -> bool:
        if chat_input and not _valid_command_name(value, chat_input=True):
            errs.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            return False
        return errs.bad_len(path, value, 1, 32)

    return check


def _check_text(errs: ErrorTree, high: int) -> Any:
    def check(path: Path, value: str) -> bool:
        return errs.bad_len(path, value, 1, high)

    return check


def _longest(default: Any, localized: Any) -> int:
    """Size rule ("Slash commands can have a maximum of 8000 characters"): only the longest
    of a field's default and its localizations counts."""
    values = [str(default or "")]
    if isinstance(localized, dict):
        values += [str(v) for v in localized.values() if isinstance(v, str)]
    return max(len(v) for v in values)


def validate_commands(errs: ErrorTree, commands: Any, *, is_global: bool) -> None:
    if not isinstance(commands, list):
        errs.add((), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    counts = {1: 0, 2: 0, 3: 0}
    names: dict[tuple[int, str], int] = {}
    for i, cmd in enumerate(commands):
        ctype = cmd.get("type", 1)
        counts[ctype] = counts.get(ctype, 0) + 1
        key = (ctype, cmd.get("name"))
        if key in names:
            errs.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {cmd.get('name')}",
            )
        names[key] = i
        validate_command(errs.sub(i), cmd)
    if counts[1] > MAX_GLOBAL_CHAT_INPUT:
        errs.add((), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_GLOBAL_CHAT_INPUT} or fewer in length.")
    if counts.get(2, 0) > MAX_USER_OR_MESSAGE or counts.get(3, 0) > MAX_USER_OR_MESSAGE:
        errs.add(
            (),
            "APPLICATION_COMMANDS_TOO_MANY_CONTEXT_MENU",
            f"Maximum number of context menu commands reached ({MAX_USER_OR_MESSAGE})",
        )


def validate_command(errs: ErrorTree, cmd: dict[str, Any]) -> None:
    ctype = cmd.get("type", 1)
    if ctype not in (1, 2, 3, 4):
        errs.choices(("type",), ctype, (1, 2, 3, 4))
        return
    chat_input = ctype == 1
    name = cmd.get("name")
    if name is None:
        errs.required(("name",))
    elif chat_input and not _valid_command_name(name, chat_input=True):
        if not 1 <= len(name) <= 32:
            errs.bad_len(("name",), name, 1, 32)
        else:
            errs.add(("name",), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    elif not chat_input:
        errs.bad_len(("name",), name, 1, 32)
    _localizations(
        errs, ("name_localizations",), cmd.get("name_localizations"),
        _check_name(errs, chat_input=chat_input),
    )  # fmt: skip
    if chat_input:
        _localizations(
            errs, ("description_localizations",), cmd.get("description_localizations"),
            _check_text(errs, 100),
        )  # fmt: skip
    desc = cmd.get("description", "")
    if chat_input:
        errs.bad_len(("description",), desc or "", 1, 100)
    elif desc:
        errs.add(
            ("description",),
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID",
            "Context menu commands cannot have description",
        )
    options = cmd.get("options") or []
    if options and not chat_input:
        errs.add(
            ("options",),
            "APPLICATION_COMMAND_OPTIONS_INVALID",
            "Context menu commands cannot have options",
        )
    _validate_options(errs, ("options",), options, depth=0)
    if _command_size(cmd) > 8000:
        errs.add((), "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")


def _validate_options(errs: ErrorTree, p: Path, options: list[dict[str, Any]], depth: int) -> None:
    if not errs.max_len(p, options, 25):
        return
    kinds = {o.get("type") for o in options}
    if kinds & {1, 2} and kinds - {1, 2}:
        errs.add(
            p,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to "
            "all other types",
        )
    seen_optional = False
    names: set[str] = set()
    defaults = {str(o.get("name")) for o in options}
    per_locale: dict[str, set[str]] = {}
    for i, opt in enumerate(options):
        op: Path = (*p, i)
        otype = opt.get("type")
        name = opt.get("name")
        if name is None or not _valid_command_name(name, chat_input=True):
            errs.add((*op, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        elif name in names:
            errs.add(
                (*op, "name"),
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(name or "")
        errs.bad_len((*op, "description"), opt.get("description") or "", 1, 100)
        localized = _localizations(
            errs, (*op, "name_localizations"), opt.get("name_localizations"),
            _check_name(errs, chat_input=True),
        )  # fmt: skip
        _localizations(
            errs, (*op, "description_localizations"), opt.get("description_localizations"),
            _check_text(errs, 100),
        )  # fmt: skip
        # "Localized option names ... must be distinct from all other default option names
        # of that command, as well as all other option names within that locale."
        for locale, text in localized.items():
            taken = per_locale.setdefault(locale, set())
            if (text != name and text in defaults) or text in taken:
                errs.add(
                    (*op, "name_localizations", locale),
                    "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                )
            taken.add(text)
        if otype not in range(1, 12):
            errs.choices((*op, "type"), otype, tuple(range(1, 12)))
            continue
        if otype == 2 and depth > 0:
            errs.add(
                (*op, "type"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Sub-command groups can only be nested at the top level",
            )
        if otype == 1 and depth > 1:
            errs.add(
                (*op, "type"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Sub-commands cannot be nested this deep",
            )
        if otype == 2:
            children = opt.get("options") or []
            if any(c.get("type") != 1 for c in children):
                errs.add(
                    (*op, "options"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command groups can only contain sub-commands",
                )
            _validate_options(errs, (*op, "options"), children, depth + 1)
            continue
        if otype == 1:
            _validate_options(errs, (*op, "options"), opt.get("options") or [], depth + 1)
            continue
        if opt.get("required"):
            if seen_optional:
                errs.add(
                    (*op, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if choices:
            if opt.get("autocomplete"):
                errs.add(
                    (*op, "autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "Autocomplete cannot be set with choices",
                )
            if errs.max_len((*op, "choices"), choices, 25):
                for k, choice in enumerate(choices):
                    _validate_choice(errs, (*op, "choices", k), choice, otype)
        if otype == 3:
            lo, hi = opt.get("min_length"), opt.get("max_length")
            if lo is not None and not 0 <= lo <= 6000:
                errs.add((*op, "min_length"), "NUMBER_TYPE_MAX", "int value should be <= 6000.")
            if hi is not None and not 1 <= hi <= 6000:
                errs.add((*op, "max_length"), "NUMBER_TYPE_MAX", "int value should be <= 6000.")


def _command_size(cmd: dict[str, Any]) -> int:
    """Characters counted toward the 8,000 limit, localizations included (their longest)."""

    def named(o: dict[str, Any]) -> int:
        return _longest(o.get("name"), o.get("name_localizations")) + _longest(
            o.get("description"), o.get("description_localizations")
        )

    def walk(opts: list[dict[str, Any]]) -> int:
        size = 0
        for o in opts:
            size += named(o)
            for c in o.get("choices") or []:
                size += _longest(c.get("name"), c.get("name_localizations"))
                size += len(str(c.get("value") or ""))
            size += walk(o.get("options") or [])
        return size

    return named(cmd) + walk(cmd.get("options") or [])


def message_flags_allowed_on_send() -> int:
    """Flags a bot may set when creating a message (SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS,
    IS_VOICE_MESSAGE, IS_COMPONENTS_V2); EPHEMERAL only through interactions."""
    return (1 << 2) | (1 << 12) | (1 << 13) | FLAG_COMPONENTS_V2


def interaction_flags_allowed() -> int:
    return message_flags_allowed_on_send() | FLAG_EPHEMERAL
