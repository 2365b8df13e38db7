"""What a catalog entry may hold (data/catalog/README.md is the contract), and a validated entry.

``importers/catalog.py`` parses and checks files against these specs; ``catalog_write.py``
writes the entries. Both read them here, so neither imports the other's module for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.knowledge import vocab
from bot.store.catalog import provenance

# key: (type, required). Types: str, slug, date, pdate, time, int, length, slugs, ref, aliases,
# or a tuple of allowed values. `source`/`sources` are handled for every table.
SPECS: dict[str, dict[str, tuple[Any, bool]]] = {
    "source": {
        "id": ("slug", True),
        "url": ("url", True),
        "outlet": ("str", True),
        "title": ("str", False),
        "author": ("str", False),
        "published": ("pdate", False),
    },
    "artist": {
        "id": ("slug", True),
        "name": ("str", True),
        "kind": (vocab.ARTIST_KINDS, True),
        "hangul": ("str", False),
        "legal_name": ("str", False),
        "legal_name_hangul": ("str", False),
        "aliases": ("aliases", False),
        "disambiguation": ("str", False),
        "birth_date": ("date", False),
        "debut_date": ("date", False),
        "agency": ("str", False),
        "importance": ("int", False),
        "birth_date_source": ("slug", False),
        "debut_date_source": ("slug", False),
        "agency_source": ("slug", False),
        "legal_name_source": ("slug", False),
        # Optional additions: ids in the datasets this catalog merges with.
        "kpopnet": ("str", False),
        "musicbrainz": ("str", False),
        "image": ("str", False),
        "image_source": ("slug", False),
    },
    "membership": {
        "person": ("slug", True),
        "group": ("slug", True),
        "stage_name": ("str", False),
        "since": ("date", False),
        "until": ("date", False),
    },
    "release": {
        "id": ("slug", True),
        "title": ("str", True),
        "hangul": ("str", False),
        "type": (vocab.CATALOG_RELEASE_TYPES, True),
        "artists": ("slugs", True),
        "date": ("date", True),
        "time": ("time", False),
        "label": ("str", False),
        "date_source": ("slug", False),
        "time_source": ("slug", False),
        "label_source": ("slug", False),
        "parent": ("slug", False),
        "tracks": ("slugs", False),
        "aliases": ("aliases", False),
        "importance": ("int", False),
        "musicbrainz": ("str", False),
        "image": ("str", False),
        "image_source": ("slug", False),
    },
    "song": {
        "id": ("slug", True),
        "title": ("str", True),
        "hangul": ("str", False),
        "aliases": ("aliases", False),
        "artists": ("slugs", True),
        "length": ("length", False),
        "importance": ("int", False),
        "musicbrainz": ("str", False),
    },
    "video": {
        "id": ("slug", True),
        "title": ("str", True),
        "song": ("slug", False),
        "kind": (vocab.VIDEO_KINDS, False),
        "youtube": ("str", False),
        "premiere": ("date", False),
        "premiere_source": ("slug", False),
        "length": ("length", False),
        "hangul": ("str", False),
        "aliases": ("aliases", False),
        "importance": ("int", False),
        "musicbrainz": ("str", False),
    },
    "credit": {
        "subject": ("ref", True),
        "artist": ("slug", True),
        "role": (vocab.CATALOG_ROLES, True),
        "credited_as": ("str", False),
    },
    "work": {
        "id": ("slug", True),
        "title": ("str", True),
        "hangul": ("str", False),
        "creator": ("str", False),
        "year": ("int", False),
        "kind": (vocab.WORK_KINDS, True),
        "note": ("str", False),
        "aliases": ("aliases", False),
        "importance": ("int", False),
    },
    "reference": {
        "from": ("ref", True),
        "to": ("ref", True),
        "relation": (vocab.RELATION_KEYS, True),
        "status": (vocab.CATALOG_STATUS_KEYS, True),
        "timestamp": ("length", False),
        "note": ("str", False),
        "review": ("slug", False),
    },
    "review": {
        "id": ("slug", True),
        "title": ("str", True),
        "url": ("url", True),
        "outlet": ("str", True),
        "author": ("str", False),
        "published": ("pdate", False),
        "summary": ("str", True),
        "discusses": ("refs", True),
    },
    "link": {
        "artist": ("slug", True),
        "work": ("slug", True),
        "role": (vocab.LINK_ROLES, True),
    },
}
# Which `kind:` prefixes a reference key accepts.
REF_KINDS = {
    ("credit", "subject"): ("song", "release", "video"),
    ("reference", "from"): ("song", "video"),
    ("reference", "to"): ("work", "song", "video", "release"),
    ("review", "discusses"): ("release", "song", "video", "artist", "work"),
}
ENTITY_TABLES = ("artist", "release", "song", "video", "work")
# Attributes an entry sources with `<attribute>_source`, and the keys each covers (the
# store's list, less end dates, which only imports write).
SOURCED_ATTRIBUTES: dict[str, dict[str, tuple[str, ...]]] = {
    kind: {name: keys for name, keys in attributes.items() if name != "end_date"}
    for kind, (_table, attributes) in provenance.ATTRIBUTES.items()
}


@dataclass(slots=True)
class Entry:
    """One `[[table]]` entry of one file, with the values it validated to."""

    origin: str
    where: str
    table: str
    values: dict[str, Any]
    sources: list[str] = field(default_factory=list)
