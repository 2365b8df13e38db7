"""When a release comes out: its date (KST) and, when known, its local time with an offset.

Catalog files write ``date = "2026-12-08"`` and ``time = "18:00"`` (KST unless an offset is
written: ``"18:00+09:00"``, ``"10:00-05:00"``). The store keeps the time with its offset
("18:00+09:00"), so the instant is known whatever zone wrote it. A release with a date and no
time is placed at the start of its KST day: dates are announced in KST.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?:(Z)|([+-])(\d{2}):?(\d{2}))?$")


def parse_release_time(text: str) -> str:
    """Return a release time as stored ("18:00+09:00"); raise ValueError naming the problem."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(
            f'must be a time written "HH:MM" (KST) or "HH:MM+09:00" with an offset, not {text!r}'
        )
    hour, minute, zulu, sign, off_h, off_m = match.groups()
    if zulu:
        offset = "+00:00"
    elif sign:
        if int(off_h) > 14 or int(off_m) >= 60:
            raise ValueError(f"{text!r} has an offset no time zone uses")
        offset = f"{sign}{off_h}:{off_m}"
    else:
        offset = "+09:00"
    return f"{int(hour):02d}:{minute}{offset}"


def release_instant(day: str | None, at: str | None) -> datetime | None:
    """Return the UTC instant a release comes out (its KST midnight without a time).

    ``day`` is the stored date ("2026-12-08"; a partial date "2026" or "2026-12" has no
    instant); ``at`` the stored time ("18:00+09:00").
    """
    if not day or len(day) != 10:
        return None
    try:
        when = date.fromisoformat(day)
    except ValueError:
        return None
    if at:
        try:
            clock = time.fromisoformat(at)
        except ValueError:
            clock = None
        if clock is not None and clock.tzinfo is not None:
            return datetime.combine(when, clock).astimezone(UTC)
    return datetime.combine(when, time(0, 0), KST).astimezone(UTC)


def is_future(day: str | None, at: str | None, now: datetime) -> bool:
    """Whether a release has not come out yet at ``now`` (a date alone: its KST day is ahead)."""
    instant = release_instant(day, at)
    if instant is None:
        return False
    if at:
        return instant > now
    return date.fromisoformat(day or "") > now.astimezone(KST).date()
