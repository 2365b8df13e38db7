"""Wikidata's action API: ``wbgetentities`` as JSON."""

from __future__ import annotations

import re
from typing import Any

from bot.knowledge.online import shapes
from bot.knowledge.online.http import UNREADABLE, JsonService, ServiceUnavailable

_QID = re.compile(r"^Q[1-9][0-9]*$")
BATCH = 50  # wbgetentities takes at most 50 ids per request


def qid_from_url(url: str) -> str | None:
    """Return the item id of a Wikidata page URL (``https://www.wikidata.org/wiki/Q42``)."""
    match = re.match(r"^https?://(?:www\.|m\.)?wikidata\.org/(?:wiki|entity)/(Q[1-9][0-9]*)$", url)
    return match.group(1) if match else None


class WikidataClient(JsonService):
    """Fetch Wikidata items."""

    name = "Wikidata"

    async def entities(
        self, ids: list[str], props: str = "labels|aliases|claims|sitelinks"
    ) -> dict[str, dict[str, Any]]:
        """Return items by id (missing ones left out), asking at most 50 per request."""
        wanted = sorted({i for i in ids if _QID.match(i)}, key=lambda q: int(q[1:]))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            data = await self.get_json(
                self.base_url,
                {
                    "action": "wbgetentities",
                    "ids": "|".join(batch),
                    "props": props,
                    "languages": "ko|en",
                    "format": "json",
                },
            )
            data = shapes.document(data, typed=False)
            entities = data.get("entities") if data is not None else None
            if not isinstance(entities, dict):
                raise ServiceUnavailable(UNREADABLE, service="Wikidata")
            for qid, entity in entities.items():
                if isinstance(entity, dict) and "missing" not in entity and qid in batch:
                    found[qid] = entity
        return found
