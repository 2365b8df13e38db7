"""Future releases of followed artists, read from MusicBrainz once a day per artist.

Every artist a server follows or a member has an alert on, that has a MusicBrainz id, gets
one search a day (its release groups first released today or later, through the one
MusicBrainz queue and its rate limit); a release group the store does not have yet is
fetched and stored with MusicBrainz as its source. A curated date is never overwritten: a
different MusicBrainz date is noted beside it (the importer's disputed values).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.errors import NotFoundError
from bot.knowledge.entities import EntityKey
from bot.knowledge.online.http import ServiceUnavailable
from bot.knowledge.online.lookup import OnlineLookup
from bot.knowledge.release_time import KST
from bot.store import catalog as db
from bot.store.core import Store
from bot.store.radar import RadarStore

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(days=1)
# At most this many artists per round (a round a minute): 1,000 artists take under 17
# minutes, about what MusicBrainz's one request a second allows anyway.
ARTISTS_PER_ROUND = 60


class FutureReleases:
    """Refreshes followed artists' future MusicBrainz releases, once a day each."""

    def __init__(self, store: Store, lookup: OnlineLookup, now: Callable[[], datetime]) -> None:
        self.store = store
        self.lookup = lookup
        self.radar = RadarStore(store)
        self.now = now

    async def run(self, limit: int = ARTISTS_PER_ROUND) -> int:
        """Refresh up to ``limit`` artists whose day is up; return how many release groups
        were stored. Stops the round when MusicBrainz is unavailable (tried again later)."""
        now = self.now()
        keys = await self.radar.followed_artist_keys()
        due = await self.radar.refresh_due(keys, now - REFRESH_EVERY)
        stored = 0
        for artist_key in due[:limit]:
            try:
                stored += await self.refresh(artist_key, now)
            except ServiceUnavailable as exc:
                log.warning("future releases of %s: %s; trying later", artist_key, exc)
                await self.radar.record_refresh(artist_key, "failed", 0, now - REFRESH_EVERY / 2)
                break
        return stored

    async def refresh(self, artist_key: str, now: datetime) -> int:
        """Look up one artist's future release groups; return how many were new."""
        key = EntityKey.parse(artist_key)
        mbids = await db.external_ids_of(self.store, key.id, "musicbrainz") if key else []
        if not mbids:
            await self.radar.record_refresh(artist_key, "no id", 0, now)
            return 0
        today = now.astimezone(KST).date().isoformat()
        hits = await self.lookup.musicbrainz.future_release_groups(mbids[0], today)
        stored = 0
        for hit in sorted(hits, key=lambda h: (str(h.get("first-release-date") or ""), h["id"])):
            async with self.store.transaction() as conn:
                owner = await db.external_entity(conn, "musicbrainz", hit["id"])
            known = owner[0] if owner else None
            if known is not None and not await self._date_changed(known, hit):
                continue
            try:
                await self.lookup.fetch("release-group", hit["id"], force=known is not None)
            except NotFoundError:
                continue
            stored += 1
        await self.radar.record_refresh(artist_key, "found" if hits else "nothing", len(hits), now)
        return stored

    async def _date_changed(self, entity_id: int, hit: dict[str, object]) -> bool:
        """Whether MusicBrainz now gives a release group a date the store does not hold (as
        its date, or noted beside a curated one)."""
        date = hit.get("first-release-date")
        return bool(date) and str(date) not in await self.radar.known_dates(entity_id)
