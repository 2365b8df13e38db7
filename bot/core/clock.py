"""The one clock: the current time in UTC, to the second, and how a time is stored.

Everything that reads the time takes a ``Clock`` (the bot passes its own, ``LinerNotesBot.now``,
which tests move instead of sleeping); ``utc_now`` is the default. Timestamps are stored as
ISO 8601 text in UTC, to the second (CONTRIBUTING.md, "Store").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import overload

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


@overload
def stamp(value: datetime) -> str: ...
@overload
def stamp(value: None) -> None: ...
def stamp(value: datetime | None) -> str | None:
    """Return the stored form of a time: ISO 8601 in UTC, to the second (None stays None)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def parse_stamp(value: str | None) -> datetime | None:
    """Read a stored time (a naive one is UTC)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def now_stamp() -> str:
    """Return the current time in its stored form."""
    return stamp(utc_now())


def time_zone(name: str) -> tzinfo:
    """Return the IANA time zone ``name``; ValueError if there is none of that name.

    ``zoneinfo`` is imported on first use: it loads ``sysconfig`` and its data (about 1 MiB of
    a process's memory), which a bot whose servers never ask for a local day does not need.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:
        raise ValueError(f"no time zone {name!r}") from exc


def time_zone_names() -> set[str]:
    """Return the names of every IANA time zone this machine knows."""
    from zoneinfo import available_timezones

    return available_timezones()
