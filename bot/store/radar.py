"""SQL of the release radar: upcoming releases, members' alerts and their deliveries, closed
DMs, each server's calendar message, artist roles and the daily MusicBrainz refresh record.

Alerts and calendar posts follow the claim -> attempt -> sent/failed protocol of
``bot/store/posts.py``: ``claim_delivery`` writes the intent with its nonce before anything is
sent, ``mark_delivery_attempt`` records the send about to start, ``mark_delivery_sent`` /
``mark_delivery_failed`` the outcome. Times are UTC ISO 8601 text, passed in by the caller
(the bot's clock), so tests can move time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.store.catalog.rows import (
    Conn,
    EntityRow,
    SourceRow,
    entity_cols,
    entity_of,
    qmarks,
    source_cols,
    source_of,
)
from bot.store.core import Store


def iso(moment: datetime) -> str:
    """Return the storage form of a time (UTC, seconds)."""
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class UpcomingRow:
    """A release with a full date on or after a day, with who performs it and its sources."""

    entity: EntityRow
    type: str
    date: str
    time: str | None
    date_source: SourceRow | None
    time_source: SourceRow | None
    artists: tuple[EntityRow, ...]
    disputed_dates: tuple[tuple[str, SourceRow], ...] = ()


@dataclass(frozen=True, slots=True)
class Alert:
    """An artist a member asked to be alerted about, in one server."""

    guild_id: int
    user_id: int
    artist_key: str
    label: str
    lang: str
    added_at: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """One alert that must go out once (see the module docstring)."""

    guild_id: int
    user_id: int
    release_key: str
    kind: str
    nonce: str
    due_at: str
    state: str
    channel_id: int | None
    message_id: int | None
    attempts: int
    last_attempt_at: str | None
    next_attempt_at: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class ClosedDm:
    """A member whose DMs the bot cannot reach (Discord error 50007)."""

    user_id: int
    recorded_at: str
    told_at: str | None


@dataclass(frozen=True, slots=True)
class Calendar:
    """A server's calendar message: where it is and what it last showed."""

    guild_id: int
    channel_id: int
    generation: int
    nonce: str
    message_id: int | None
    thread_id: int | None
    content_hash: str | None
    last_attempt_at: str | None
    edited_at: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class ArtistRole:
    """A server's role for an artist (pinged in the alerts channel, given by the role menu)."""

    guild_id: int
    artist_key: str
    label: str
    role_id: int


_DELIVERY_COLS = (
    "guild_id, user_id, release_key, kind, nonce, due_at, state, channel_id, message_id, "
    "attempts, last_attempt_at, next_attempt_at, created_at"
)
_CALENDAR_COLS = (
    "guild_id, channel_id, generation, nonce, message_id, thread_id, content_hash, "
    "last_attempt_at, edited_at, attempts"
)


class RadarStore:
    """SQL for everything the release radar reads and records."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- upcoming releases ----------------------------------------------------------------
    async def upcoming(
        self,
        since_day: str,
        *,
        artist_ids: Sequence[int] | None = None,
        type_: str | None = None,
        release_ids: Sequence[int] | None = None,
        limit: int = 200,
    ) -> list[UpcomingRow]:
        """Return releases dated ``since_day`` or later, soonest first (full dates only)."""
        where = ["r.date >= ?", "length(r.date) = 10"]
        params: list[object] = [since_day]
        if release_ids is not None:
            if not release_ids:
                return []
            where.append(f"r.entity_id IN ({qmarks(release_ids)})")
            params.extend(release_ids)
        if type_ is not None:
            where.append("r.type = ?")
            params.append(type_)
        if artist_ids is not None:
            if not artist_ids:
                return []
            where.append(
                "EXISTS (SELECT 1 FROM performers p WHERE p.subject_id = r.entity_id "
                f"AND p.artist_id IN ({qmarks(artist_ids)}))"
            )
            params.extend(artist_ids)
        rows = await self.store.fetchall(
            f"SELECT {entity_cols('e')}, r.type, r.date, r.time, "
            f"{source_cols('ds')}, {source_cols('ts')} FROM releases r "
            "JOIN entities e ON e.id = r.entity_id "
            "LEFT JOIN sources ds ON ds.id = r.date_source_id "
            "LEFT JOIN sources ts ON ts.id = r.time_source_id "
            f"WHERE {' AND '.join(where)} "
            "ORDER BY r.date, coalesce(r.time, ''), e.name, e.id LIMIT ?",
            (*params, limit),
        )
        if not rows:
            return []
        ids = [int(r["e_id"]) for r in rows]
        artists: dict[int, list[EntityRow]] = {i: [] for i in ids}
        for r in await self.store.fetchall(
            f"SELECT p.subject_id, {entity_cols('a')} FROM performers p "
            f"JOIN entities a ON a.id = p.artist_id WHERE p.subject_id IN ({qmarks(ids)}) "
            "ORDER BY p.subject_id, p.position",
            ids,
        ):
            artists[int(r["subject_id"])].append(entity_of(r, "a"))
        disputed: dict[int, list[tuple[str, SourceRow]]] = {i: [] for i in ids}
        for r in await self.store.fetchall(
            f"SELECT d.entity_id, d.value, {source_cols('s')} FROM disputed_values d "
            "JOIN sources s ON s.id = d.source_id "
            f"WHERE d.field = 'date' AND d.entity_id IN ({qmarks(ids)}) "
            "ORDER BY d.entity_id, d.origin",
            ids,
        ):
            disputed[int(r["entity_id"])].append((str(r["value"]), source_of(r, "s")))
        return [
            UpcomingRow(
                entity_of(r, "e"),
                str(r["type"]),
                str(r["date"]),
                r["time"],
                None if r["ds_id"] is None else source_of(r, "ds"),
                None if r["ts_id"] is None else source_of(r, "ts"),
                tuple(artists[int(r["e_id"])]),
                tuple(disputed[int(r["e_id"])]),
            )
            for r in rows
        ]

    async def known_dates(self, entity_id: int) -> set[str]:
        """Return the dates stored for a release: its own, and those noted from other sources."""
        rows = await self.store.fetchall(
            "SELECT date FROM releases WHERE entity_id = ? AND date IS NOT NULL "
            "UNION SELECT value FROM disputed_values WHERE entity_id = ? AND field = 'date'",
            (entity_id, entity_id),
        )
        return {str(r[0]) for r in rows}

    async def video_with_youtube_id(self, youtube_id: str) -> int | None:
        """Return the catalog video with this YouTube id, if there is one."""
        row = await self.store.fetchone(
            "SELECT entity_id FROM videos WHERE youtube = ? ORDER BY entity_id LIMIT 1",
            (youtube_id,),
        )
        return None if row is None else int(row[0])

    # -- alerts ---------------------------------------------------------------------------
    async def add_alert(
        self,
        guild_id: int,
        user_id: int,
        artist_key: str,
        label: str,
        lang: str,
        now: datetime,
    ) -> bool:
        """Add a member's alert; False when they already have it."""
        return (
            await self.store.execute(
                "INSERT INTO member_alerts (guild_id, user_id, artist_key, label, lang, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, user_id, artist_key, label, lang, iso(now)),
            )
            == 1
        )

    async def remove_alert(self, guild_id: int, user_id: int, artist_key: str) -> bool:
        """Remove a member's alert; False when they did not have it."""
        return (
            await self.store.execute(
                "DELETE FROM member_alerts WHERE guild_id = ? AND user_id = ? AND artist_key = ?",
                (guild_id, user_id, artist_key),
            )
            == 1
        )

    async def alerts_of(self, guild_id: int, user_id: int) -> list[Alert]:
        """Return a member's alerts in a server, by name."""
        rows = await self.store.fetchall(
            "SELECT guild_id, user_id, artist_key, label, lang, added_at FROM member_alerts "
            "WHERE guild_id = ? AND user_id = ? ORDER BY label, artist_key",
            (guild_id, user_id),
        )
        return [Alert(*r) for r in rows]

    async def alerts_for(self, artist_keys: Sequence[str]) -> list[Alert]:
        """Return every member alert on these artists (earliest added first per member)."""
        if not artist_keys:
            return []
        rows = await self.store.fetchall(
            "SELECT guild_id, user_id, artist_key, label, lang, added_at FROM member_alerts "
            f"WHERE artist_key IN ({qmarks(artist_keys)}) "
            "ORDER BY user_id, added_at, guild_id, artist_key",
            list(artist_keys),
        )
        return [Alert(*r) for r in rows]

    async def member_lang(self, user_id: int) -> str:
        """Return the language a member used when they last added an alert ("en" if none)."""
        row = await self.store.fetchone(
            "SELECT lang FROM member_alerts WHERE user_id = ? "
            "ORDER BY added_at DESC, guild_id LIMIT 1",
            (user_id,),
        )
        return str(row[0]) if row else "en"

    async def followed_artist_keys(self) -> list[str]:
        """Return every artist a server follows or a member has an alert on, once each."""
        rows = await self.store.fetchall(
            "SELECT artist_key FROM guild_follows UNION SELECT artist_key FROM member_alerts "
            "UNION SELECT artist_key FROM artist_roles ORDER BY artist_key"
        )
        return [str(r[0]) for r in rows]

    # -- deliveries (claim -> attempt -> sent/failed) -------------------------------------
    async def claim_delivery(
        self,
        guild_id: int,
        user_id: int,
        release_key: str,
        kind: str,
        nonce: str,
        due_at: datetime,
        now: datetime,
    ) -> Delivery:
        """Record the intent to alert (idempotent) and return the row, sent or not."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO alert_deliveries (guild_id, user_id, release_key, kind, nonce, "
                "due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, user_id, release_key, kind, nonce, iso(due_at), iso(now)),
            )
            cursor = await conn.execute(
                f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE user_id = ? "
                "AND release_key = ? AND kind = ? AND guild_id = ?",
                (user_id, release_key, kind, guild_id),
            )
            row = await cursor.fetchone()
        assert row is not None
        return Delivery(*row)

    async def pending_deliveries(self, now: datetime) -> list[Delivery]:
        """Return claimed alerts not yet sent whose time (and retry time) has come."""
        stamp = iso(now)
        rows = await self.store.fetchall(
            f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE state = 'pending' "
            "AND due_at <= ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
            "ORDER BY due_at, user_id, release_key, kind, guild_id",
            (stamp, stamp),
        )
        return [Delivery(*r) for r in rows]

    async def deliveries_of(self, release_key: str) -> list[Delivery]:
        """Return every alert claimed for a release (for tests and the status report)."""
        rows = await self.store.fetchall(
            f"SELECT {_DELIVERY_COLS} FROM alert_deliveries WHERE release_key = ? "
            "ORDER BY kind, user_id, guild_id",
            (release_key,),
        )
        return [Delivery(*r) for r in rows]

    def _where(self, d: Delivery) -> tuple[object, ...]:
        return (d.user_id, d.release_key, d.kind, d.guild_id)

    async def mark_delivery_attempt(self, d: Delivery, channel_id: int, now: datetime) -> None:
        """Record that a send is about to start, and where it goes."""
        await self.store.execute(
            "UPDATE alert_deliveries SET last_attempt_at = ?, channel_id = ? "
            "WHERE user_id = ? AND release_key = ? AND kind = ? AND guild_id = ? "
            "AND state = 'pending'",
            (iso(now), channel_id, *self._where(d)),
        )

    async def mark_delivery_sent(self, d: Delivery, message_id: int | None, now: datetime) -> None:
        """Record that an alert went out (message_id None: it was deleted before we knew)."""
        await self.store.execute(
            "UPDATE alert_deliveries SET state = 'sent', message_id = ?, sent_at = ?, "
            "attempts = attempts + 1 WHERE user_id = ? AND release_key = ? AND kind = ? "
            "AND guild_id = ?",
            (message_id, iso(now), *self._where(d)),
        )

    async def mark_delivery_failed(
        self, d: Delivery, error: str, retry_at: datetime | None, now: datetime
    ) -> None:
        """Count a failed attempt: pending again at ``retry_at``, or failed for good."""
        await self.store.execute(
            "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ?, "
            "next_attempt_at = ?, state = ? WHERE user_id = ? AND release_key = ? "
            "AND kind = ? AND guild_id = ?",
            (
                f"{iso(now)} {error}"[:500],
                None if retry_at is None else iso(retry_at),
                "pending" if retry_at is not None else "failed",
                *self._where(d),
            ),
        )

    async def mark_delivery_skipped(self, d: Delivery, why: str) -> None:
        """Give up an alert that will not be sent (DMs closed, release gone)."""
        await self.store.execute(
            "UPDATE alert_deliveries SET state = 'skipped', last_error = ? "
            "WHERE user_id = ? AND release_key = ? AND kind = ? AND guild_id = ?",
            (why[:500], *self._where(d)),
        )

    # -- closed DMs -----------------------------------------------------------------------
    async def record_closed_dm(self, user_id: int, now: datetime) -> bool:
        """Record that a member's DMs are closed; False when it was already recorded."""
        return (
            await self.store.execute(
                "INSERT INTO closed_dms (user_id, recorded_at) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
                (user_id, iso(now)),
            )
            == 1
        )

    async def closed_dm(self, user_id: int) -> ClosedDm | None:
        """Return the closed-DM record of a member, if any."""
        row = await self.store.fetchone(
            "SELECT user_id, recorded_at, told_at FROM closed_dms WHERE user_id = ?", (user_id,)
        )
        return None if row is None else ClosedDm(*row)

    async def mark_closed_dm_told(self, user_id: int, now: datetime) -> bool:
        """Record that the member was told; False if they had been told already."""
        return (
            await self.store.execute(
                "UPDATE closed_dms SET told_at = ? WHERE user_id = ? AND told_at IS NULL",
                (iso(now), user_id),
            )
            == 1
        )

    async def forget_closed_dm(self, user_id: int) -> None:
        """Try a member's DMs again (they re-added an alert after being told)."""
        await self.store.execute(
            "DELETE FROM closed_dms WHERE user_id = ? AND told_at IS NOT NULL", (user_id,)
        )

    # -- calendars ------------------------------------------------------------------------
    async def calendar(self, guild_id: int) -> Calendar | None:
        """Return a server's calendar, if it has one."""
        row = await self.store.fetchone(
            f"SELECT {_CALENDAR_COLS} FROM calendars WHERE guild_id = ?", (guild_id,)
        )
        return None if row is None else Calendar(*row)

    async def calendars(self) -> list[Calendar]:
        """Return every server's calendar."""
        rows = await self.store.fetchall(
            f"SELECT {_CALENDAR_COLS} FROM calendars ORDER BY guild_id"
        )
        return [Calendar(*r) for r in rows]

    async def set_calendar(
        self, guild_id: int, channel_id: int, nonce_of: Callable[[int], str], now: datetime
    ) -> Calendar:
        """Claim a server's calendar in a channel: kept as it is when the channel is the same,
        a new post (next generation, new nonce) when it moves. ``nonce_of(generation)`` makes
        the nonce."""
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "SELECT channel_id, generation FROM calendars WHERE guild_id = ?", (guild_id,)
            )
            row = await cursor.fetchone()
            if row is None:
                await conn.execute(
                    "INSERT INTO calendars (guild_id, channel_id, nonce, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (guild_id, channel_id, nonce_of(0), iso(now)),
                )
            elif int(row[0]) != channel_id:
                generation = int(row[1]) + 1
                await conn.execute(
                    "UPDATE calendars SET channel_id = ?, generation = ?, nonce = ?, "
                    "message_id = NULL, thread_id = NULL, content_hash = NULL, "
                    "last_attempt_at = NULL, attempts = 0 WHERE guild_id = ?",
                    (channel_id, generation, nonce_of(generation), guild_id),
                )
        found = await self.calendar(guild_id)
        assert found is not None
        return found

    async def lose_calendar_message(self, cal: Calendar, nonce_of: Callable[[int], str]) -> None:
        """The message was deleted on Discord: the next round posts a new one."""
        generation = cal.generation + 1
        await self.store.execute(
            "UPDATE calendars SET generation = ?, nonce = ?, message_id = NULL, thread_id = NULL, "
            "content_hash = NULL, last_attempt_at = NULL WHERE guild_id = ? AND generation = ?",
            (generation, nonce_of(generation), cal.guild_id, cal.generation),
        )

    async def mark_calendar_attempt(self, guild_id: int, now: datetime) -> None:
        """Record that a calendar post or edit is about to start."""
        await self.store.execute(
            "UPDATE calendars SET last_attempt_at = ? WHERE guild_id = ?", (iso(now), guild_id)
        )

    async def mark_calendar_posted(
        self,
        guild_id: int,
        message_id: int,
        thread_id: int | None,
        content_hash: str,
        now: datetime,
    ) -> None:
        """Record the calendar's message (posted once; every later change is an edit)."""
        await self.store.execute(
            "UPDATE calendars SET message_id = ?, thread_id = ?, content_hash = ?, edited_at = ?, "
            "attempts = attempts + 1, last_error = NULL WHERE guild_id = ?",
            (message_id, thread_id, content_hash, iso(now), guild_id),
        )

    async def mark_calendar_edited(self, guild_id: int, content_hash: str, now: datetime) -> None:
        """Record what the calendar shows after an edit."""
        await self.store.execute(
            "UPDATE calendars SET content_hash = ?, edited_at = ?, attempts = attempts + 1, "
            "last_error = NULL WHERE guild_id = ?",
            (content_hash, iso(now), guild_id),
        )

    async def mark_calendar_failed(self, guild_id: int, error: str) -> None:
        """Count a failed post or edit; the next round tries again."""
        await self.store.execute(
            "UPDATE calendars SET attempts = attempts + 1, last_error = ? WHERE guild_id = ?",
            (error[:500], guild_id),
        )

    async def remove_calendar(self, guild_id: int) -> Calendar | None:
        """Stop a server's calendar; return what it was."""
        found = await self.calendar(guild_id)
        if found is not None:
            await self.store.execute("DELETE FROM calendars WHERE guild_id = ?", (guild_id,))
        return found

    # -- artist roles ---------------------------------------------------------------------
    async def set_artist_role(
        self, guild_id: int, artist_key: str, label: str, role_id: int
    ) -> None:
        """Map an artist to a role in a server."""
        await self.store.execute(
            "INSERT INTO artist_roles (guild_id, artist_key, label, role_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id, artist_key) DO UPDATE SET label = excluded.label, "
            "role_id = excluded.role_id",
            (guild_id, artist_key, label, role_id),
        )

    async def remove_artist_role(self, guild_id: int, artist_key: str) -> bool:
        """Unmap an artist's role; False when none was mapped."""
        return (
            await self.store.execute(
                "DELETE FROM artist_roles WHERE guild_id = ? AND artist_key = ?",
                (guild_id, artist_key),
            )
            == 1
        )

    async def artist_roles(self, guild_id: int) -> list[ArtistRole]:
        """Return a server's artist roles, by name."""
        rows = await self.store.fetchall(
            "SELECT guild_id, artist_key, label, role_id FROM artist_roles WHERE guild_id = ? "
            "ORDER BY label, artist_key",
            (guild_id,),
        )
        return [ArtistRole(*r) for r in rows]

    # -- the daily MusicBrainz refresh ----------------------------------------------------
    async def refresh_due(self, artist_keys: Sequence[str], before: datetime) -> list[str]:
        """Return the artists not refreshed since ``before``, in key order."""
        if not artist_keys:
            return []
        rows = await self.store.fetchall(
            "SELECT artist_key FROM radar_refreshes WHERE refreshed_at >= ? "
            f"AND artist_key IN ({qmarks(artist_keys)})",
            (iso(before), *artist_keys),
        )
        fresh = {str(r[0]) for r in rows}
        return sorted(k for k in artist_keys if k not in fresh)

    async def refreshed(self, artist_key: str) -> datetime | None:
        """Return when an artist's future releases were last looked up, if ever."""
        row = await self.store.fetchone(
            "SELECT refreshed_at FROM radar_refreshes WHERE artist_key = ?", (artist_key,)
        )
        return None if row is None else datetime.fromisoformat(str(row[0]))

    async def record_refresh(
        self, artist_key: str, outcome: str, found: int, now: datetime
    ) -> None:
        """Remember that an artist's future releases were looked up, and what came back."""
        await self.store.execute(
            "INSERT INTO radar_refreshes (artist_key, refreshed_at, outcome, found) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (artist_key) DO UPDATE SET "
            "refreshed_at = excluded.refreshed_at, outcome = excluded.outcome, "
            "found = excluded.found",
            (artist_key, iso(now), outcome, found),
        )


async def write_approved_release_date(
    conn: Conn, release_id: int, day: str, time: str | None, source_id: int, origin: str
) -> None:
    """Set a release's date (and time) from an approved suggestion, inside the caller's
    transaction; a different date stated before by a source is kept as a noted value."""
    cursor = await conn.execute(
        "SELECT r.date, r.date_source_id, s.origin FROM releases r "
        "LEFT JOIN sources s ON s.id = r.date_source_id WHERE r.entity_id = ?",
        (release_id,),
    )
    row = await cursor.fetchone()
    if row is not None and row[0] and row[0] != day and row[1] is not None:
        await conn.execute(
            "INSERT INTO disputed_values (entity_id, field, value, source_id, origin) "
            "VALUES (?, 'date', ?, ?, ?) ON CONFLICT (entity_id, field, origin) DO UPDATE SET "
            "value = excluded.value, source_id = excluded.source_id",
            (release_id, row[0], row[1], row[2] or "catalog"),
        )
    await conn.execute(
        "UPDATE releases SET date = ?, date_source_id = ?, time = ?, time_source_id = ? "
        "WHERE entity_id = ?",
        (day, source_id, time, source_id if time else None, release_id),
    )
    await conn.execute(
        "DELETE FROM disputed_values WHERE entity_id = ? AND field = 'date' AND origin = ?",
        (release_id, origin),
    )
