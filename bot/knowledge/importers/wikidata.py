"""Map Wikidata items (``wbgetentities`` / entity-dump JSON) to catalog facts.

``facts_from_entity`` is pure: it reads one item and says what it states that the catalog can
use (Korean and English labels and aliases, publication dates, music-video director P57 and
cast P161, "based on" P144 and "inspired by" P941, MusicBrainz ids, sitelink count). It is the
one mapping of an item: the on-demand lookups and the dump importer (``wikidata_dump``) both
read items through it. Of a property's statements it reads the best-ranked ones, as Wikidata's
own "truthy" values do: the preferred ones when there are any, else the normal ones, never the
deprecated ones. ``store_facts`` writes
them about one catalog entity with origin 'wikidata', each citing the item's page. Curated rows
are never overwritten: names and dates only fill gaps, credits and references are added beside
the catalog's own.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from bot.knowledge import platforms
from bot.knowledge.importers.musicbrainz import MAX_ALIAS_LENGTH, MAX_ALIASES
from bot.knowledge.normalize import has_hangul, normalize
from bot.store import catalog as db
from bot.store import media as media_db
from bot.store.catalog import provenance

ORIGIN = "wikidata"
SITE = "https://www.wikidata.org/wiki"
HUMAN = "Q5"
# Wikidata properties -> what they mean here.
DIRECTOR, CAST, BASED_ON, INSPIRED_BY = "P57", "P161", "P144", "P941"
PUBLISHED, INSTANCE_OF, IMAGE = "P577", "P31", "P18"
# The MusicBrainz ids the catalog records (external_ids), most specific entity first: a
# recording, a release (P5813; a release group's releases are recorded on it), a release
# group, an artist. Works (P435) are not: the catalog keeps none of their ids to match.
MUSICBRAINZ_PROPERTIES = (
    ("P4404", "recording"),
    ("P5813", "release"),
    ("P436", "release-group"),
    ("P434", "artist"),
)
# Languages whose labels and aliases become names, in the order they are written.
LANGUAGES = ("ko", "en")
REFERENCE_RELATIONS = {BASED_ON: "based on", INSPIRED_BY: "inspired by"}
_QID = re.compile(r"^Q[1-9][0-9]*$")


class Alias(NamedTuple):
    """Another name of an item, in the language Wikidata lists it under ("ko" or "en")."""

    text: str
    language: str


@dataclass(frozen=True, slots=True)
class WikidataFacts:
    """What one Wikidata item states that the catalog can use (read by ``facts_from_entity``;
    a SPARQL result row gives the few of them it holds)."""

    qid: str
    label_en: str | None = None
    label_ko: str | None = None
    aliases: tuple[Alias, ...] = ()
    instance_of: tuple[str, ...] = ()
    published: str | None = None
    directors: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    based_on: tuple[str, ...] = ()
    inspired_by: tuple[str, ...] = ()
    musicbrainz: tuple[tuple[str, str], ...] = ()  # (kind, MBID), most specific kind first
    sitelinks: int | None = None  # None: the document does not say (not "on no wiki")
    listen: tuple[str, ...] = ()  # listening pages its identifiers name (Spotify, YouTube…)
    image: str | None = None  # a Wikimedia Commons file name (P18)

    @property
    def url(self) -> str:
        """Return the item's page."""
        return f"{SITE}/{self.qid}"

    @property
    def name(self) -> str:
        """Return the best display name (English, else Korean, else the id)."""
        return self.label_en or self.label_ko or self.qid

    @property
    def names(self) -> tuple[Alias, ...]:
        """Return the labels and aliases, a language's label before its aliases, Korean first."""
        labels = {"ko": self.label_ko, "en": self.label_en}
        out: list[Alias] = []
        for language in LANGUAGES:
            label = labels[language]
            if label:
                out.append(Alias(label, language))
            out.extend(a for a in self.aliases if a.language == language)
        return tuple(out)

    @property
    def referenced(self) -> tuple[str, ...]:
        """Return every item this one points at (to fetch their names), sorted."""
        ids = {*self.directors, *self.cast, *self.based_on, *self.inspired_by}
        return tuple(sorted(ids, key=lambda q: int(q[1:])))


def _label(entity: Mapping[str, Any], field: str, language: str) -> str | None:
    value = (entity.get(field) or {}).get(language)
    text = value.get("value") if isinstance(value, dict) else None
    return text.strip() if isinstance(text, str) and text.strip() else None


def _statements(entity: Mapping[str, Any], prop: str) -> list[dict[str, Any]]:
    """Return a property's statements, preferred ones only when there are any."""
    claims = entity.get("claims") or {}
    items = [
        c for c in claims.get(prop) or [] if isinstance(c, dict) and c.get("rank") != "deprecated"
    ]
    preferred = [c for c in items if c.get("rank") == "preferred"]
    return preferred or items


def _value(statement: dict[str, Any]) -> Any:
    snak = statement.get("mainsnak") or {}
    if snak.get("snaktype", "value") != "value":
        return None
    return (snak.get("datavalue") or {}).get("value")


def _items(entity: Mapping[str, Any], prop: str) -> tuple[str, ...]:
    out: list[str] = []
    for statement in _statements(entity, prop):
        value = _value(statement)
        qid = value.get("id") if isinstance(value, dict) else None
        if qid is None and isinstance(value, dict) and isinstance(value.get("numeric-id"), int):
            qid = f"Q{value['numeric-id']}"
        if isinstance(qid, str) and _QID.match(qid) and qid not in out:
            out.append(qid)
    return tuple(out)


def _date(entity: Mapping[str, Any]) -> str | None:
    """Return the earliest publication date, as precise as Wikidata says (YYYY[-MM[-DD]])."""
    found: list[str] = []
    for statement in _statements(entity, PUBLISHED):
        value = _value(statement)
        if not isinstance(value, dict):
            continue
        match = re.match(r"^\+(\d{4})-(\d{2})-(\d{2})T", str(value.get("time") or ""))
        precision = value.get("precision")
        if not match or not isinstance(precision, int) or precision < 9:
            continue
        year, month, day = match.groups()
        if precision >= 11 and day != "00":
            found.append(f"{year}-{month}-{day}")
        elif precision >= 10 and month != "00":
            found.append(f"{year}-{month}")
        else:
            found.append(year)
    return min(found) if found else None


def facts_from_entity(entity: dict[str, Any]) -> WikidataFacts | None:
    """Read one Wikidata item (``wbgetentities`` or dump JSON); None if it is not an item."""
    qid = entity.get("id") if isinstance(entity, dict) else None
    if not isinstance(qid, str) or not _QID.match(qid):
        return None
    # Aliases as MusicBrainz's are read: the first ones of each language, none over-long (an
    # item listing a million must not cost a million names).
    aliases: dict[str, Alias] = {}
    for language in LANGUAGES:
        listed = (entity.get("aliases") or {}).get(language) or []
        for alias in itertools.islice(listed, MAX_ALIASES):
            value = alias.get("value") if isinstance(alias, dict) else None
            text = value.strip() if isinstance(value, str) else ""
            if text and len(text) <= MAX_ALIAS_LENGTH:
                aliases.setdefault(text, Alias(text, language))
    musicbrainz: list[tuple[str, str]] = []
    for prop, kind in MUSICBRAINZ_PROPERTIES:
        for statement in _statements(entity, prop):
            value = _value(statement)
            mbid = value.strip().lower() if isinstance(value, str) else ""
            if mbid and (kind, mbid) not in musicbrainz:
                musicbrainz.append((kind, mbid))
    sitelinks = entity.get("sitelinks")
    listen: list[str] = []
    for prop in sorted(platforms.WIKIDATA_LINKS, key=lambda p: int(p[1:])):
        for statement in _statements(entity, prop):
            value = _value(statement)
            url = platforms.wikidata_link(prop, value) if isinstance(value, str) else None
            if url and url not in listen:
                listen.append(url)
    images = [v for s in _statements(entity, IMAGE) if isinstance(v := _value(s), str) and v]
    return WikidataFacts(
        qid=qid,
        label_en=_label(entity, "labels", "en"),
        label_ko=_label(entity, "labels", "ko"),
        aliases=tuple(aliases.values()),
        instance_of=_items(entity, INSTANCE_OF),
        published=_date(entity),
        directors=_items(entity, DIRECTOR),
        cast=_items(entity, CAST),
        based_on=_items(entity, BASED_ON),
        inspired_by=_items(entity, INSPIRED_BY),
        musicbrainz=tuple(musicbrainz),
        sitelinks=len(sitelinks) if isinstance(sitelinks, dict) else None,
        listen=tuple(listen),
        image=images[0].strip() if images else None,
    )


async def _source(conn: db.Conn, facts: WikidataFacts) -> int:
    return await db.ensure_source(
        conn, f"wd:{facts.qid}", ORIGIN, facts.url, "Wikidata", facts.name
    )


def _base_type(kind: str) -> str:
    return "stage" if kind == "artist" else "title"


async def _names(
    conn: db.Conn, entity_id: int, kind: str, facts: WikidataFacts, *, unique: bool = False
) -> None:
    """Add an item's labels and aliases as names (all non-primary: the entity has its own).

    With ``unique`` (on-demand lookups), a label or alias that is another entity's primary
    name is left out: it would make that entity's name ambiguous.
    """
    base = _base_type(kind)
    rows: list[db.NameInsert] = []
    for text in dict.fromkeys(text for text, _language in facts.names):
        ko = has_hangul(text)
        rows.append(
            db.NameInsert(
                entity_id,
                kind,
                text,
                normalize(text),
                "hangul" if ko else base,
                "ko" if ko else None,
                False,
                ORIGIN,
            )
        )
    rows = [r for r in rows if r[3]]
    if unique:
        taken = await db.primary_elsewhere(conn, [r[3] for r in rows], entity_id)
        rows = [r for r in rows if r[3] not in taken]
    await db.add_names(conn, rows, overwrite=False)


async def _linked_entity(
    conn: db.Conn, kind: str, facts: WikidataFacts, *, artist_kind: str = "other"
) -> int:
    """Return the catalog entity for a linked item: by MusicBrainz id, else a Wikidata stub."""
    for mb_kind, mbid in facts.musicbrainz:
        if (mb_kind == "artist") == (kind == "artist"):
            found = await db.external_entity(conn, "musicbrainz", mbid)
            if found is not None and await db.entity_kind(conn, found[0]) == kind:
                return found[0]
    entity_id, created = await db.ensure_entity(conn, kind, f"wd:{facts.qid}", ORIGIN, facts.name)
    if created:
        source = await _source(conn, facts)
        await db.add_entity_sources(conn, [db.EntitySourceInsert(entity_id, source, ORIGIN)])
        if kind == "artist":
            await db.upsert_artist(conn, entity_id, artist_kind, fill_only=True)
        elif kind == "work":
            await db.upsert_work(conn, entity_id, "other", None, None, None)
        primary = facts.name
        if normalize(primary):
            await db.add_names(
                conn,
                [
                    db.NameInsert(
                        entity_id,
                        kind,
                        primary,
                        normalize(primary),
                        "hangul" if has_hangul(primary) else _base_type(kind),
                        "ko" if has_hangul(primary) else "en",
                        True,
                        ORIGIN,
                    )
                ],
                overwrite=False,
            )
        await _names(conn, entity_id, kind, facts)
    return entity_id


async def _media(
    conn: db.Conn, entity_id: int, kind: str, facts: WikidataFacts, source: int
) -> None:
    """Store the listening pages the item names, and an artist's image to look up on Commons."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    if kind in ("artist", "release", "song", "video"):
        await media_db.replace_links(
            conn, entity_id, ORIGIN, [(url, source) for url in facts.listen], stamp
        )
    if kind == "video":
        # A video item's YouTube id (P1651) gives a video the catalog has no id for its thumbnail.
        youtube = next((y for u in facts.listen if (y := platforms.youtube_id(u))), None)
        if youtube:
            await media_db.fill_youtube(conn, entity_id, youtube)
    if kind != "artist" or not facts.image:
        return
    known = await media_db.image_asked(conn, entity_id, "portrait")
    if known is not None:
        origin, status, asked = known
        if origin not in media_db.FETCHED_ORIGINS:
            return  # a curated picture stays
        if asked == facts.image and status != "pending":
            return  # the same file, already looked up: refreshed when it is stale
    await media_db.set_image(
        conn,
        entity_id,
        "portrait",
        "pending",
        origin=ORIGIN,
        fetched_at=stamp,
        asked=facts.image,
        source_id=source,
    )


async def store_facts(
    conn: db.Conn,
    entity_id: int,
    facts: WikidataFacts,
    linked: Mapping[str, WikidataFacts],
    touched: set[int] | None = None,
    *,
    unique_aliases: bool = False,
) -> dict[str, int]:
    """Write what ``facts`` says about catalog entity ``entity_id``; return counts by kind.

    ``linked`` holds the items ``facts`` points at (people, works), for their names. Earlier
    Wikidata statements about the entity are replaced; curated values are never touched.
    The ids of every entity written about are added to ``touched`` (to refresh labels).
    With ``unique_aliases`` (on-demand lookups) no alias equals another entity's primary name.
    """
    touched = set() if touched is None else touched
    touched.add(entity_id)
    kind = await db.entity_kind(conn, entity_id)
    if kind is None:
        raise ValueError(f"no entity {entity_id}")
    counts = {"name": 0, "credit": 0, "reference": 0}
    await db.delete_facts_for(conn, ORIGIN, [entity_id])
    await db.delete_references_from(conn, ORIGIN, entity_id)
    source = await _source(conn, facts)
    await db.add_entity_sources(conn, [db.EntitySourceInsert(entity_id, source, ORIGIN)])
    await _names(conn, entity_id, kind, facts, unique=unique_aliases)
    await _media(conn, entity_id, kind, facts, source)
    counts["name"] = len({text for text, _language in facts.names})
    if kind in ("release", "video"):
        field = "date" if kind == "release" else "premiere"
        if facts.published:
            await db.fill_date(conn, entity_id, kind, facts.published)
            # A date this fills cites the item; a date already there keeps its own source.
            await provenance.set_attribute_sources(
                conn, kind, entity_id, {field: source}, fill_only=True
            )
        await db.note_disputes(conn, entity_id, kind, {field: facts.published}, source, ORIGIN)
    # Director and cast belong to a music video: on a song's item they describe its video.
    subject_kind, subject = kind, entity_id
    if kind == "song":
        video = await db.first_video_of(conn, entity_id)
        if video is not None:
            subject_kind, subject = "video", video
    if subject_kind in ("song", "video"):
        if subject != entity_id:
            await db.delete_facts_for(conn, ORIGIN, [subject])
        for role, people in (("mv director", facts.directors), ("mv cast", facts.cast)):
            for qid in people:
                person = linked.get(qid)
                if person is None:
                    continue
                artist_kind = "person" if HUMAN in person.instance_of else "other"
                artist_id = await _linked_entity(conn, "artist", person, artist_kind=artist_kind)
                touched.add(artist_id)
                await db.add_credits(
                    conn,
                    [
                        db.CreditInsert(
                            subject_kind,
                            subject,
                            artist_id,
                            role,
                            None,
                            None,
                            "A",
                            source,
                            ORIGIN,
                            None,
                        )
                    ],
                )
                counts["credit"] += 1
    if kind in ("song", "video"):
        for prop, relation in REFERENCE_RELATIONS.items():
            targets = facts.based_on if prop == BASED_ON else facts.inspired_by
            for qid in targets:
                target = linked.get(qid)
                if target is None:
                    continue
                work_id = await _linked_entity(conn, "work", target)
                touched.add(work_id)
                if work_id == entity_id:
                    continue
                await db.add_references(
                    conn,
                    [
                        db.ReferenceInsert(
                            entity_id,
                            work_id,
                            relation,
                            "database",
                            None,
                            None,
                            None,
                            source,
                            ORIGIN,
                            None,
                        )
                    ],
                )
                counts["reference"] += 1
    return counts
