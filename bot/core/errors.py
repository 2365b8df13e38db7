"""Error types shared by every layer.

Three tiers (see CONTRIBUTING.md): ``UserError`` and its subclasses are expected
and shown to the user as they are; anything else is unexpected and gets an
apology with an error id; loop errors are logged and counted per item.
"""

from __future__ import annotations

ECHO_LIMIT = 100  # user text quoted back in a message: enough to recognise, never too long


class Untrusted(str):
    """Text from outside (what a member typed, a name from a database) placed in a message.

    A message template is ours; a field marked ``Untrusted`` is not, and is escaped where the
    message is shown (``bot.discord_io.escape.text``), so it cannot carry markdown, links or
    mentions.
    """

    __slots__ = ()


def echo(text: str, limit: int = ECHO_LIMIT) -> Untrusted:
    """Return user text to quote back in a message: stripped, one line, at most ``limit``."""
    flat = " ".join(str(text).split())
    return Untrusted(flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…")


class LinerNotesError(Exception):
    """Base class of every error this project raises on purpose."""


class UserError(LinerNotesError):
    """A problem the user can fix; its message is shown to them in their language.

    ``message`` is the English text with ``{field}`` placeholders (the catalogue's id, marked
    with ``N_`` where it is written); ``fields`` fill them in. ``str()`` is the English.
    """

    def __init__(self, message: str, /, **fields: object) -> None:
        self.template = message
        self.fields = fields
        super().__init__(message.format(**fields) if fields else message)


class NotFoundError(UserError):
    """Nothing matched; ``suggestions`` holds close alternatives to offer."""

    def __init__(
        self, message: str, suggestions: list[str] | None = None, /, **fields: object
    ) -> None:
        super().__init__(message, **fields)
        self.suggestions = suggestions or []


class ConfigError(LinerNotesError):
    """A setting is missing or invalid; the message names it."""


class StoreError(LinerNotesError):
    """The database cannot be used as it is (too new, corrupt, locked)."""


class DatabaseUnavailable(StoreError):
    """The database server cannot be reached just now (down or restarting): try again later."""


class DataFileError(UserError):
    """A data file could not be imported; the message names file, entry and problem."""
