"""Pictures for cards: a release's front cover, an artist's Commons image, fetched and cached.

A picture is asked for once and remembered in the store with its source and fetched date,
found or not (a 404 from the archive is remembered as "none"), and asked again after
``refresh_after``. Curated pictures (a catalog file's ``image``) are never replaced. A fetch
runs as its own task: a card may wait for it a few seconds and be shown without the picture
if it takes longer; the task still stores what it finds, for the next time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.knowledge.online.commons import CommonsClient
from bot.knowledge.online.coverart import SITE, CoverArtClient, FrontCover
from bot.knowledge.online.http import ServiceUnavailable
from bot.store import catalog as db
from bot.store import media as media_db
from bot.store.core import Store

log = logging.getLogger(__name__)

COVER_ORIGIN = "coverartarchive"
COMMONS_ORIGIN = "commons"


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


class Pictures:
    """Fetch and cache the pictures cards show."""

    def __init__(
        self,
        store: Store,
        coverart: CoverArtClient | None,
        commons: CommonsClient | None,
        *,
        refresh_after: timedelta = timedelta(days=30),
        retry_after: timedelta = timedelta(minutes=10),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.coverart = coverart
        self.commons = commons
        self.refresh_after = refresh_after
        self.now = now
        self._running: dict[tuple[str, int], asyncio.Task[None]] = {}
        # A service that did not answer is not asked about the same picture again for a while
        # (kept in memory only: nothing is remembered about a picture nobody could read).
        self._resting: dict[tuple[str, int], datetime] = {}
        self.retry_after = retry_after
        self.fetches = 0  # fetches actually started (for tests and the benchmark)

    async def close(self) -> None:
        """Stop running fetches and close the HTTP sessions."""
        for task in list(self._running.values()):
            task.cancel()
        for task in list(self._running.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):  # closing: nothing to tell
                await task
        for client in (self.coverart, self.commons):
            if client is not None:
                await client.close()

    async def settled(self) -> None:
        """Wait until every running fetch has stored what it found (a card shown without it)."""
        while self._running:
            await asyncio.wait(list(self._running.values()))

    # -- what a card would wait for ------------------------------------------------------
    async def cover_target(self, entity_id: int, kind: str) -> int | None:
        """Return the release whose cover a card of this entity shows (a song: its first)."""
        if kind == "release":
            return entity_id
        if kind == "song":
            releases = await db.song_releases(self.store, entity_id)
            return releases[0].release.entity.id if releases else None
        return None

    async def _stale(self, row: media_db.ImageRow | None) -> bool:
        if row is None:
            return True
        if row.origin not in media_db.FETCHED_ORIGINS:
            return False  # curated: the catalog is the authority
        if row.status == "pending":
            return True
        return row.fetched_at < _utc(self.now() - self.refresh_after)

    async def wanted(self, entity_id: int, kind: str) -> tuple[str, int] | None:
        """Return the fetch a card of this entity needs now, or None (all cached, or none)."""
        job = await self._wanted(entity_id, kind)
        until = self._resting.get(job) if job is not None else None
        if until is not None and until > self.now():
            return None  # the service failed a moment ago: the card goes out without waiting
        return job

    async def _wanted(self, entity_id: int, kind: str) -> tuple[str, int] | None:
        if kind in ("release", "song") and self.coverart is not None:
            release = await self.cover_target(entity_id, kind)
            if release is None:
                return None
            row = await media_db.image(self.store, release, "cover")
            if await self._stale(row) and await self._release_ids(release):
                return ("cover", release)
        elif kind == "artist" and self.commons is not None:
            row = await media_db.image(self.store, entity_id, "portrait")
            if row is not None and row.asked and await self._stale(row):
                return ("portrait", entity_id)
        return None

    def start(self, job: tuple[str, int]) -> asyncio.Task[None]:
        """Start (or join) the fetch of one picture; it stores what it finds."""
        task = self._running.get(job)
        if task is None:
            self.fetches += 1
            work = self._cover(job[1]) if job[0] == "cover" else self._portrait(job[1])
            task = asyncio.create_task(work, name=f"picture {job[0]} {job[1]}")
            self._running[job] = task
            task.add_done_callback(lambda done: self._finished(job, done))
        return task

    def _finished(self, job: tuple[str, int], task: asyncio.Task[None]) -> None:
        """Forget a finished fetch; log what went wrong (nobody may be awaiting it)."""
        self._running.pop(job, None)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("fetching the %s of entity %d failed", *job, exc_info=exc)

    async def fetch_within(self, entity_id: int, kind: str, seconds: float) -> bool:
        """Fetch what a card of this entity needs, waiting at most ``seconds``; True if done."""
        job = await self.wanted(entity_id, kind)
        if job is None:
            return True
        task = self.start(job)
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if not done:
            log.info("%s for entity %d still loading after %.1f s", job[0], job[1], seconds)
        return bool(done)

    # -- fetching ------------------------------------------------------------------------
    async def _release_ids(self, release_id: int) -> list[tuple[str, str]]:
        """Return (kind, mbid) to ask the archive about: release groups first, then releases."""
        known: dict[str, str] = {}
        for source in await db.entity_sources(self.store, release_id):
            for kind in ("release-group", "release"):
                prefix = f"mb:{kind}:"
                if source.key.startswith(prefix):
                    known.setdefault(source.key[len(prefix) :], kind)
        out: list[tuple[str, str]] = []
        for mbid in await db.external_ids_of(self.store, release_id, "musicbrainz"):
            known_kind = known.get(mbid)
            # A curated entry's id may be either: the group's index is tried first.
            out.extend(
                [(known_kind, mbid)] if known_kind else [("release-group", mbid), ("release", mbid)]
            )
        out.sort(key=lambda pair: (pair[0] != "release-group", pair[1]))
        return out

    async def _cover(self, release_id: int) -> None:
        assert self.coverart is not None
        asked: list[str] = []
        found: FrontCover | None = None
        try:
            for kind, mbid in await self._release_ids(release_id):
                asked.append(f"{kind}:{mbid}")
                found = await self.coverart.front(kind, mbid)
                if found is not None:
                    break
        except ServiceUnavailable as exc:
            # Not stored: the archive did not answer; a card asks again after a rest.
            log.warning("cover art for release %d: %s", release_id, exc)
            self._resting[("cover", release_id)] = self.now() + self.retry_after
            return
        stamp = _utc(self.now())
        async with self.store.transaction() as conn:
            if found is None:
                await media_db.set_image(
                    conn,
                    release_id,
                    "cover",
                    "none",
                    origin=COVER_ORIGIN,
                    fetched_at=stamp,
                    asked=", ".join(asked) or None,
                )
                return
            kind, mbid = asked[-1].split(":", 1)
            source = await db.ensure_source(
                conn,
                f"caa:{kind}:{mbid}",
                COVER_ORIGIN,
                f"{SITE}/{kind}/{mbid}/cover-art",
                "Cover Art Archive",
                None,
            )
            await media_db.set_image(
                conn,
                release_id,
                "cover",
                "found",
                origin=COVER_ORIGIN,
                fetched_at=stamp,
                asked=asked[-1],
                url=found.thumbnail,
                page_url=found.image,
                source_id=source,
            )

    async def _portrait(self, artist_id: int) -> None:
        assert self.commons is not None
        row = await media_db.image(self.store, artist_id, "portrait")
        if row is None or not row.asked:
            return
        try:
            found = await self.commons.image(row.asked)
        except ServiceUnavailable as exc:
            log.warning("Commons image for artist %d: %s", artist_id, exc)
            self._resting[("portrait", artist_id)] = self.now() + self.retry_after
            return
        stamp = _utc(self.now())
        async with self.store.transaction() as conn:
            # The Wikidata item stays the source: it is what says this is the artist's image.
            await media_db.set_image(
                conn,
                artist_id,
                "portrait",
                "found" if found else "none",
                origin=row.origin,
                fetched_at=stamp,
                asked=row.asked,
                url=found.thumbnail if found else None,
                page_url=found.page_url if found else None,
                licence=found.licence if found else None,
                author=found.author if found else None,
                source_id=row.source.id if row.source else None,
            )
