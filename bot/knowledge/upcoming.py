"""What comes out next: releases from now on, each with when, what, by whom and its source.

A release is upcoming while it has not come out: a release with a time until that instant,
a release with a date alone until its KST day is over. Sources travel with each date (the
date's own source; the time's when it has one), and a date a database gives differently
from the curated or approved one is noted beside it (the curated value wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.knowledge.cards import SourceRef
from bot.knowledge.entities import EntityKey, EntityRef
from bot.knowledge.release_time import KST, release_instant
from bot.store.core import Store
from bot.store.radar import RadarStore, UpcomingRow

# How far ahead the calendar and the alerts look.
CALENDAR_DAYS = 60


@dataclass(frozen=True, slots=True)
class Upcoming:
    """One release that has not come out yet."""

    release: EntityRef
    hangul: str | None
    type: str
    date: str  # YYYY-MM-DD, KST
    time: str | None  # "18:00+09:00" when known
    instant: datetime  # UTC: the time, else the start of the KST day
    artists: tuple[EntityRef, ...]
    sources: tuple[SourceRef, ...]  # the date's source, then the time's (when another)
    disputed: tuple[tuple[str, SourceRef], ...] = ()

    @property
    def has_time(self) -> bool:
        """Whether the release's time (not only its day) is known."""
        return self.time is not None

    @property
    def artist_keys(self) -> tuple[str, ...]:
        """Return the "artist:N" values of its performers."""
        return tuple(a.value for a in self.artists)


def _upcoming_of(row: UpcomingRow) -> Upcoming | None:
    instant = release_instant(row.date, row.time)
    if instant is None:
        return None
    sources = [SourceRef.of(s) for s in (row.date_source, row.time_source) if s is not None]
    return Upcoming(
        release=EntityRef.of(row.entity),
        hangul=row.entity.hangul,
        type=row.type,
        date=row.date,
        time=row.time,
        instant=instant,
        artists=tuple(EntityRef.of(a) for a in row.artists),
        sources=tuple(dict.fromkeys(sources)),
        disputed=tuple((value, SourceRef.of(s)) for value, s in row.disputed_dates),
    )


def still_ahead(item: Upcoming, now: datetime) -> bool:
    """Whether a release has not come out at ``now`` (a date alone: its KST day is not over)."""
    if item.has_time:
        return item.instant > now
    return item.date >= now.astimezone(KST).date().isoformat()


async def upcoming(
    store: Store,
    now: datetime,
    *,
    artist_keys: Sequence[str] | None = None,
    type_: str | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[Upcoming]:
    """Return releases from ``now`` on (to ``until``), soonest first.

    ``artist_keys`` ("artist:N") keeps those performed by one of them; ``type_`` one release
    type. Ties are broken by time, name and id, so the order is the same on every start.
    """
    artist_ids = None
    if artist_keys is not None:
        parsed = [EntityKey.parse(k) for k in artist_keys]
        artist_ids = sorted({k.id for k in parsed if k is not None and k.kind == "artist"})
    today = now.astimezone(KST).date().isoformat()
    rows = await RadarStore(store).upcoming(today, artist_ids=artist_ids, type_=type_, limit=limit)
    found = []
    for row in rows:
        item = _upcoming_of(row)
        if item is None or not still_ahead(item, now):
            continue
        if until is not None and item.instant > until:
            continue
        found.append(item)
    found.sort(key=lambda u: (u.instant, u.release.name, u.release.id))
    return found


async def release_item(store: Store, key: str) -> Upcoming | None:
    """Return one release ("release:N") with its day, time and sources, past or future."""
    parsed = EntityKey.parse(key)
    if parsed is None or parsed.kind != "release":
        return None
    rows = await RadarStore(store).upcoming("0000-00-00", release_ids=[parsed.id], limit=1)
    return _upcoming_of(rows[0]) if rows else None


def calendar_window(now: datetime) -> datetime:
    """Return how far ahead the calendar looks from ``now``."""
    return now + timedelta(days=CALENDAR_DAYS)
