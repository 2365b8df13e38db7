"""Write validated catalog entries, in steps: index ids, check them, write, delete the stale.

``importers/catalog.py`` parses and validates the files (against ``catalog_spec.py``);
``write_entries`` runs inside its one transaction, so a problem found here (an unknown id, a
person listed as a group) still changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.knowledge import sources as source_policy
from bot.knowledge import vocab
from bot.knowledge.importers.catalog_spec import (
    ENTITY_TABLES,
    SOURCED_ATTRIBUTES,
    SPECS,
    Entry,
)
from bot.knowledge.importers.report import Problems
from bot.knowledge.normalize import has_hangul, normalize
from bot.knowledge.romanize import refresh_romanized_names
from bot.store import catalog as db
from bot.store import media as media_db
from bot.store.catalog import provenance

log = logging.getLogger(__name__)
# Catalog tables that may name a picture (`image` with `image_source`), and its role.
PICTURE_ROLES = {"release": "cover", "artist": "portrait"}


def _is_image_url(url: str) -> bool:
    """Tell whether a curated picture's address is one Discord shows (https, short, no spaces)."""
    return url.startswith("https://") and len(url) <= 2048 and not any(c.isspace() for c in url)


def _alias_rows(
    entity_id: int,
    kind: str,
    entry: Entry,
    origin: str,
    base: list[tuple[str, str, str | None, bool]],
) -> list[db.NameInsert]:
    """Build name rows: the base names (name, type, locale, primary) then the aliases."""
    rows: list[db.NameInsert] = []
    seen: set[str] = set()
    primary_locales: set[str] = set()
    has_ko = bool(entry.values.get("hangul"))
    extra: list[tuple[str, str, str | None, bool]] = []
    for alias in entry.values.get("aliases", []):
        text = alias["name"]
        if alias.get("type"):
            type_ = alias["type"]
        elif has_hangul(text):
            type_ = "hangul"
        elif kind == "artist":
            type_ = "romanization" if has_ko else "hint"
        else:
            type_ = "title"
        locale = alias.get("locale") or ("ko" if has_hangul(text) else "en")
        extra.append((text, type_, locale, False))
    for text, type_, locale, wants_primary in [*base, *extra]:
        norm = normalize(text)
        if not norm or norm in seen:
            continue
        seen.add(norm)
        primary = wants_primary and locale not in primary_locales
        if primary and locale:
            primary_locales.add(locale)
        rows.append(db.NameInsert(entity_id, kind, text, norm, type_, locale, primary, origin))
    return rows


def _confidence(url: str) -> str:
    """Return the legacy A/B/C column value for a credit cited by ``url`` (labels use grades)."""
    return vocab.GRADE[source_policy.judge(url).grade or "fan"].confidence


def _attribute_sources(entry: Entry, source_ids: dict[str, int]) -> dict[str, int | None]:
    """Return {attribute: source id}: its own `<attribute>_source`, else the entry's only one.

    An attribute of an entry with several sources and no `<attribute>_source` is unsourced
    (None): which page states it cannot be told.
    """
    out: dict[str, int | None] = {}
    for attribute in SOURCED_ATTRIBUTES.get(entry.table, {}):
        own = entry.values.get(f"{attribute}_source")
        if own:
            out[attribute] = source_ids[own]
        elif len(entry.sources) == 1:
            out[attribute] = source_ids[entry.sources[0]]
        else:
            out[attribute] = None
    return out


async def write_entries(
    conn: db.Conn,
    entries: list[Entry],
    origins: Sequence[str],
    problems: Problems,
    *,
    romanize: bool = True,
) -> tuple[dict[str, int], int]:
    """Check the files against each other and the database, then write them; return
    (entries per table, entities and reviews deleted). ``romanize=False``: an import that
    follows in the same transaction rebuilds the romanized names."""
    writer = _CatalogWrite(conn, entries, origins, problems)
    await writer.index_ids()
    writer.check_ids_exist()
    problems.raise_if_any()
    await writer.check_consistency()
    problems.raise_if_any()
    await writer.write_sources()
    await writer.write_entities()
    # Names are compared, not rewritten: a re-import keeps each unchanged name's row.
    await db.delete_facts_by_origin(conn, origins, names=False)
    await writer.write_entity_details()
    await writer.write_performers_and_tracks()
    await writer.write_memberships_and_credits()
    await writer.write_reviews_and_references()
    deleted = await writer.delete_stale()
    problems.raise_if_any()
    await writer.finish(romanize=romanize)
    return {t: len(writer.by_table[t]) for t in SPECS}, deleted


# Which fields of which tables name ids of which kind (checked before anything is written).
_ID_FIELDS = {
    "membership": (("person", "artist"), ("group", "artist")),
    "release": (("artists", "artist"), ("parent", "release"), ("tracks", "song")),
    "song": (("artists", "artist"),),
    "video": (("song", "song"),),
    "credit": (("artist", "artist"),),
    "reference": (("review", "review"),),
    "link": (("artist", "artist"), ("work", "work")),
}
_REF_FIELDS = ("subject", "from", "to", "discusses")


class _CatalogWrite:
    """One import's steps, in order: index ids, check, write, delete what was removed.

    ``defined`` are the ids these files define; ``outside`` the ids other catalog files
    (already in the database) define; ``ids``/``source_ids``/``review_ids`` map catalog ids
    to row ids as they are written.
    """

    def __init__(
        self, conn: db.Conn, entries: list[Entry], origins: Sequence[str], problems: Problems
    ) -> None:
        self.conn = conn
        self.entries = entries
        self.origins = origins
        self.problems = problems
        self.by_table: dict[str, list[Entry]] = {t: [] for t in SPECS}
        for entry in entries:
            self.by_table[entry.table].append(entry)
        self.defined: dict[str, dict[str, Entry]] = {}
        self.outside: dict[str, dict[str, int]] = {}
        self.source_ids: dict[str, int] = {}
        self.source_urls: dict[str, str] = {}
        self.ids: dict[str, dict[str, int]] = {}
        self.review_ids: dict[str, int] = {}

    def known(self, kind: str, key: str) -> bool:
        """Tell whether ``kind:key`` is defined here or by another catalog file."""
        return key in self.defined[kind] or key in self.outside[kind]

    # -- checks ------------------------------------------------------------------------
    async def index_ids(self) -> None:
        """Collect the ids these files define; refuse duplicates and ids of other files."""
        self.outside = await db.keys_by_kind(self.conn, exclude_origins=self.origins)
        self.defined = {k: {} for k in (*ENTITY_TABLES, "source", "review")}
        for table in (*ENTITY_TABLES, "source", "review"):
            for entry in self.by_table[table]:
                key = entry.values["id"]
                first = self.defined[table].get(key)
                if first is not None:
                    self.problems.add(
                        entry.where, f'duplicate {table} id "{key}" (first in {first.where})'
                    )
                elif key in self.outside[table] and table != "source":
                    self.problems.add(
                        entry.where, f'{table} id "{key}" is already used by another catalog file'
                    )
                else:
                    self.defined[table][key] = entry

    def check_ids_exist(self) -> None:
        """Report every id an entry names that nothing defines."""
        for entry in self.entries:
            own = [entry.values.get(f"{a}_source") for a in SOURCED_ATTRIBUTES.get(entry.table, {})]
            for source in [*entry.sources, *(s for s in own if s)]:
                if not self.known("source", source):
                    self.problems.add(entry.where, f'unknown source id "{source}"')
        for table, fields in _ID_FIELDS.items():
            for entry in self.by_table[table]:
                for name, kind in fields:
                    for item in _as_list(entry.values.get(name)):
                        if not self.known(kind, item):
                            self.problems.add(entry.where, f'unknown {kind} id "{item}"')
        for entry in self.by_table["credit"] + self.by_table["reference"] + self.by_table["review"]:
            for name in _REF_FIELDS:
                for kind, key in _as_list(entry.values.get(name)):
                    if not self.known(kind, key):
                        self.problems.add(entry.where, f'unknown {kind} id "{key}"')

    async def check_consistency(self) -> None:
        """Check what ids alone cannot: people in groups, one review per URL, no self-parent."""
        artist_kind = {e.values["id"]: e.values["kind"] for e in self.by_table["artist"]}
        outside_kinds = await db.artist_kinds(self.conn, list(self.outside["artist"].values()))
        for key, entity_id in self.outside["artist"].items():
            artist_kind.setdefault(key, outside_kinds.get(entity_id, "other"))
        for entry in self.by_table["membership"]:
            if artist_kind.get(entry.values["person"]) == "group":
                self.problems.add(entry.where, f'person "{entry.values["person"]}" is a group')
            if artist_kind.get(entry.values["group"]) not in ("group", None):
                self.problems.add(entry.where, f'group "{entry.values["group"]}" is not a group')
        review_urls: dict[str, Entry] = {}
        for entry in self.by_table["review"]:
            first = review_urls.setdefault(entry.values["url"], entry)
            if first is not entry:
                self.problems.add(entry.where, f"the same review URL as {first.where}")
        for entry in self.by_table["release"]:
            if entry.values.get("parent") == entry.values["id"]:
                self.problems.add(entry.where, "a release cannot be its own parent")
        for table in PICTURE_ROLES:
            for entry in self.by_table[table]:
                image, source = entry.values.get("image"), entry.values.get("image_source")
                if image is None and source is None:
                    continue
                if image is None:
                    self.problems.add(entry.where, "image_source is given but image is not")
                elif not _is_image_url(image):
                    self.problems.add(entry.where, "image must be an https:// address")
                elif source is None:
                    self.problems.add(
                        entry.where,
                        'image needs image_source = "<source id>": the page the picture is from',
                    )
                elif not self.known("source", source):
                    self.problems.add(entry.where, f'image_source "{source}" is not a source')

    # -- writes ------------------------------------------------------------------------
    async def write_sources(self) -> None:
        """Write sources first: everything else cites them."""
        self.source_ids = dict(self.outside["source"])
        urls = await db.source_urls(self.conn, list(self.source_ids.values()))
        self.source_urls = {key: urls.get(i, "") for key, i in self.source_ids.items()}
        self.source_urls.update({e.values["id"]: e.values["url"] for e in self.by_table["source"]})
        for entry in self.by_table["source"]:
            v = entry.values
            self.source_ids[v["id"]] = await db.upsert_source(
                self.conn,
                v["id"],
                entry.origin,
                v["url"],
                v["outlet"],
                v.get("title"),
                v.get("author"),
                v.get("published"),
            )

    async def write_entities(self) -> None:
        """Write every entity's identity row (ids stay stable across re-imports)."""
        self.ids = {k: dict(self.outside[k]) for k in ENTITY_TABLES}
        for table in ENTITY_TABLES:
            for entry in self.by_table[table]:
                v = entry.values
                name = v["name"] if table == "artist" else v["title"]
                self.ids[table][v["id"]] = await db.upsert_entity(
                    self.conn,
                    table,
                    v["id"],
                    entry.origin,
                    name,
                    v.get("hangul"),
                    v.get("importance", 0),
                )

    async def write_entity_details(self) -> None:
        """Write names, entity sources, external ids and each kind's detail row."""
        names: list[db.NameInsert] = []
        entity_sources: list[db.EntitySourceInsert] = []
        external: list[db.ExternalIdInsert] = []
        for table in ENTITY_TABLES:
            for entry in self.by_table[table]:
                v = entry.values
                entity_id = self.ids[table][v["id"]]
                entity_sources.extend(
                    db.EntitySourceInsert(entity_id, self.source_ids[s], entry.origin)
                    for s in entry.sources
                )
                for namespace in ("kpopnet", "musicbrainz"):
                    if v.get(namespace):
                        external.append(
                            db.ExternalIdInsert(namespace, v[namespace], entity_id, entry.origin)
                        )
                names.extend(
                    _alias_rows(entity_id, table, entry, entry.origin, _base_names(table, v))
                )
                await self._write_detail(table, entity_id, v)
                if table in PICTURE_ROLES:
                    await self._write_picture(table, entity_id, entry)
                if table in SOURCED_ATTRIBUTES:
                    await provenance.set_attribute_sources(
                        self.conn, table, entity_id, _attribute_sources(entry, self.source_ids)
                    )
        held = await db.names_by_origin(self.conn, self.origins)
        await db.replace_names(self.conn, held, names, overwrite=True)
        await db.add_entity_sources(self.conn, entity_sources)
        await db.add_external_ids(self.conn, external)

    async def _write_picture(self, table: str, entity_id: int, entry: Entry) -> None:
        """Write a curated picture (or drop one the file no longer names)."""
        role = PICTURE_ROLES[table]
        await media_db.delete_images(self.conn, entry.origin, [entity_id])
        image = entry.values.get("image")
        if not image:
            return
        await media_db.set_image(
            self.conn,
            entity_id,
            role,
            "found",
            origin=entry.origin,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            url=image,
            source_id=self.source_ids[entry.values["image_source"]],
            keep_curated=False,
        )

    async def _write_detail(self, table: str, entity_id: int, v: dict[str, Any]) -> None:
        if table == "artist":
            await db.upsert_artist(
                self.conn,
                entity_id,
                v["kind"],
                legal_name=v.get("legal_name"),
                legal_name_hangul=v.get("legal_name_hangul"),
                disambiguation=v.get("disambiguation"),
                birth_date=v.get("birth_date"),
                debut_date=v.get("debut_date"),
                agency=v.get("agency"),
            )
        elif table == "release":
            parent = self.ids["release"][v["parent"]] if v.get("parent") else None
            await db.upsert_release(
                self.conn, entity_id, v["type"], v["date"], v.get("label"), parent
            )
            await db.set_release_time(self.conn, entity_id, v.get("time"))
        elif table == "song":
            await db.upsert_song(self.conn, entity_id, v.get("length"))
        elif table == "video":
            song = self.ids["song"][v["song"]] if v.get("song") else None
            await db.upsert_video(
                self.conn,
                entity_id,
                song,
                v.get("kind", "music video"),
                v.get("youtube"),
                v.get("premiere"),
                v.get("length"),
            )
        elif table == "work":
            await db.upsert_work(
                self.conn, entity_id, v["kind"], v.get("creator"), v.get("year"), v.get("note")
            )

    async def write_performers_and_tracks(self) -> None:
        """Write who performs each release and song, and each release's tracklist."""
        performers: list[db.PerformerInsert] = []
        tracks: list[db.TrackInsert] = []
        for table in ("release", "song"):
            for entry in self.by_table[table]:
                v = entry.values
                subject = self.ids[table][v["id"]]
                first_source = self.source_ids[entry.sources[0]]
                for position, artist in enumerate(v["artists"], start=1):
                    performers.append(
                        db.PerformerInsert(
                            subject,
                            position,
                            self.ids["artist"][artist],
                            None,
                            first_source,
                            entry.origin,
                        )
                    )
                for position, song in enumerate(v.get("tracks", []), start=1):
                    tracks.append(
                        db.TrackInsert(
                            subject, position, self.ids["song"][song], first_source, entry.origin
                        )
                    )
        await db.add_performers(self.conn, performers)
        await db.add_tracks(self.conn, tracks)

    async def write_memberships_and_credits(self) -> None:
        """Write memberships and credits, one row per source."""
        artist = self.ids["artist"]
        await db.add_memberships(
            self.conn,
            [
                db.MembershipInsert(
                    person_id=artist[e.values["person"]],
                    group_id=artist[e.values["group"]],
                    stage_name=e.values.get("stage_name"),
                    since=e.values.get("since"),
                    until=e.values.get("until"),
                    current=None if e.values.get("until") is None else 0,
                    roles=None,
                    source_id=self.source_ids[s],
                    origin=e.origin,
                )
                for e in self.by_table["membership"]
                for s in e.sources
            ],
        )
        await db.add_credits(
            self.conn,
            [
                db.CreditInsert(
                    subject_kind=e.values["subject"][0],
                    subject_id=self.ids[e.values["subject"][0]][e.values["subject"][1]],
                    artist_id=artist[e.values["artist"]],
                    role=e.values["role"],
                    credited_as=e.values.get("credited_as"),
                    detail=None,
                    confidence=_confidence(self.source_urls[s]),
                    source_id=self.source_ids[s],
                    origin=e.origin,
                    approved_by=None,
                )
                for e in self.by_table["credit"]
                for s in e.sources
            ],
        )

    async def write_reviews_and_references(self) -> None:
        """Write reviews and what they discuss, then references (which may cite a review)."""
        self.review_ids = dict(self.outside["review"])
        subjects: list[db.ReviewSubjectInsert] = []
        for entry in self.by_table["review"]:
            v = entry.values
            await db.take_over_review_url(self.conn, v["url"], v["id"])
            review_id = await db.upsert_review(
                self.conn,
                v["id"],
                entry.origin,
                v["title"],
                v["url"],
                v["outlet"],
                self.source_ids[entry.sources[0]],
                v.get("author"),
                v.get("published"),
                v["summary"],
            )
            self.review_ids[v["id"]] = review_id
            subjects.extend(
                db.ReviewSubjectInsert(review_id, self.ids[k][key], entry.origin)
                for k, key in v["discusses"]
            )
        await db.add_review_subjects(self.conn, subjects)
        await db.add_references(
            self.conn,
            [
                db.ReferenceInsert(
                    from_id=self.ids[e.values["from"][0]][e.values["from"][1]],
                    to_id=self.ids[e.values["to"][0]][e.values["to"][1]],
                    relation=e.values["relation"],
                    status=e.values["status"],
                    timestamp_s=e.values.get("timestamp"),
                    note=e.values.get("note"),
                    review_id=self.review_ids[e.values["review"]]
                    if e.values.get("review")
                    else None,
                    source_id=self.source_ids[s],
                    origin=e.origin,
                    approved_by=None,
                )
                for e in self.by_table["reference"]
                for s in e.sources
            ],
        )
        await db.add_artist_works(
            self.conn,
            [
                db.ArtistWorkInsert(
                    self.ids["artist"][e.values["artist"]],
                    self.ids["work"][e.values["work"]],
                    e.values["role"],
                    self.source_ids[s],
                    e.origin,
                )
                for e in self.by_table["link"]
                for s in e.sources
            ],
        )

    async def delete_stale(self) -> int:
        """Delete what these files no longer define; report removed sources still cited."""
        keep = {t: set(self.defined[t]) for t in ENTITY_TABLES}
        deleted = await db.delete_stale_entities(self.conn, self.origins, keep)
        deleted += await db.delete_stale_reviews(
            self.conn, self.origins, set(self.defined["review"])
        )
        in_use = await db.stale_sources_in_use(self.conn, self.origins, set(self.defined["source"]))
        for key in in_use:
            self.problems.add(
                f'source "{key}"', "was removed from the catalog but other data still cites it"
            )
        return deleted

    async def finish(self, *, romanize: bool = True) -> None:
        """Merge kpopnet duplicates of catalog artists, recompute labels, romanize, bump the
        version."""
        from bot.knowledge.importers.kpopnet import merge_catalog_artists

        merged = await merge_catalog_artists(
            self.conn, [self.ids["artist"][k] for k in self.defined["artist"]]
        )
        if merged:
            log.info("merged %d kpopnet artists into catalog artists", merged)
        await db.refresh_labels(self.conn)
        if romanize:
            await refresh_romanized_names(self.conn)
        await db.bump_catalog_version(self.conn)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _base_names(table: str, v: dict[str, Any]) -> list[tuple[str, str, str | None, bool]]:
    """Return an entry's own names (name, type, locale, primary) before its aliases."""
    base: list[tuple[str, str, str | None, bool]]
    if table == "artist":
        base = [(v["name"], "stage", "ko" if has_hangul(v["name"]) else "en", True)]
        if v.get("hangul"):
            base.append((v["hangul"], "hangul", "ko", True))
        if v.get("legal_name"):
            base.append((v["legal_name"], "legal", "en", False))
        if v.get("legal_name_hangul"):
            base.append((v["legal_name_hangul"], "legal", "ko", False))
        return base
    base = [(v["title"], "title", "ko" if has_hangul(v["title"]) else "en", True)]
    if v.get("hangul"):
        base.append((v["hangul"], "hangul", "ko", True))
    return base
