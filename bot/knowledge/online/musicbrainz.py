"""MusicBrainz web service (ws/2, JSON): searches and lookups with relationships."""

from __future__ import annotations

import re
from typing import Any

from bot.knowledge.importers.musicbrainz import INC
from bot.knowledge.online import shapes
from bot.knowledge.online.http import UNREADABLE, JsonService, ServiceUnavailable

SEARCH_TYPES = {
    "recording": "recordings",
    "release-group": "release-groups",
    "artist": "artists",
    "work": "works",
}
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Lucene's special characters: user text is searched as words, never as query syntax.
_LUCENE = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def lucene_escape(text: str) -> str:
    """Return ``text`` with Lucene's query syntax characters escaped."""
    return _LUCENE.sub(r"\\\1", " ".join(text.split()))


class MusicBrainzClient(JsonService):
    """Search and look up MusicBrainz entities as ws/2 JSON."""

    name = "MusicBrainz"

    async def search(self, entity: str, query: str, limit: int = 10) -> list[dict[str, Any]]:
        """Return the search hits (best first, each with a 0-100 ``score``)."""
        key = SEARCH_TYPES.get(entity)
        if key is None:
            raise ValueError(f"cannot search MusicBrainz for {entity!r}")
        data = await self.get_json(
            f"{self.base_url}/{entity}",
            # dismax: the words are matched against the usual fields (title, artist, …)
            # and any syntax left in them is taken literally.
            {"query": lucene_escape(query), "fmt": "json", "limit": str(limit), "dismax": "true"},
        )
        if data is None:
            return []
        data = shapes.document(data)
        hits = data.get(key) if data is not None else None
        if not isinstance(hits, list):
            raise ServiceUnavailable(UNREADABLE, service="MusicBrainz")
        return [h for h in hits if isinstance(h, dict) and isinstance(h.get("id"), str)]

    async def lookup(self, entity: str, mbid: str) -> dict[str, Any] | None:
        """Return one entity with its relationships, or None when MusicBrainz has no such id."""
        if entity not in INC:
            raise ValueError(f"cannot look up MusicBrainz {entity!r}")
        if not _MBID.match(mbid):
            raise ValueError(f"{mbid!r} is not a MusicBrainz id")
        data = await self.get_json(
            f"{self.base_url}/{entity}/{mbid}", {"inc": INC[entity], "fmt": "json"}
        )
        if data is None:
            return None
        doc = shapes.document(data)
        if doc is None or doc.get("id") != mbid:
            raise ServiceUnavailable(UNREADABLE, service="MusicBrainz")
        return doc

    async def future_release_groups(
        self, artist_mbid: str, since_day: str, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Return an artist's release groups first released on ``since_day`` or later.

        One search request (a field query, so not ``dismax``): ``arid`` is the artist's MBID
        and ``firstreleasedate`` a range; both are checked here, so no user text reaches it.
        """
        if not _MBID.match(artist_mbid):
            raise ValueError(f"{artist_mbid!r} is not a MusicBrainz id")
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", since_day):
            raise ValueError(f"{since_day!r} is not a date")
        data = await self.get_json(
            f"{self.base_url}/release-group",
            {
                "query": f"arid:{artist_mbid} AND firstreleasedate:[{since_day} TO *]",
                "fmt": "json",
                "limit": str(limit),
            },
        )
        if data is None:
            return []
        hits = data.get("release-groups") if isinstance(data, dict) else None
        if not isinstance(hits, list):
            raise ServiceUnavailable(UNREADABLE, service="MusicBrainz")
        return [h for h in hits if isinstance(h, dict) and isinstance(h.get("id"), str)]
