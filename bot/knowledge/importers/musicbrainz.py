"""Import MusicBrainz web-service (ws/2) JSON: releases, release groups, recordings, artists.

Each fact cites the MusicBrainz page of the entity it was read from: a recording's producer
cites https://musicbrainz.org/recording/<mbid>; a composer, found on the recording's
"performance" work, cites the work's page. MusicBrainz rows have origin 'musicbrainz' and
are replaced per entity on re-import, so importing files one at a time adds up and
re-importing a file never duplicates. An entity already in the catalog (matched by a
`musicbrainz = "<mbid>"` key in its TOML entry) receives MusicBrainz facts, but its own
values win.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.errors import NotFoundError, UserError
from bot.knowledge import platforms, vocab
from bot.knowledge.importers.report import CatalogError, ImportReport, display_path
from bot.knowledge.normalize import has_hangul, normalize
from bot.knowledge.online.limiter import RateLimiter, shared_limiter
from bot.knowledge.romanize import clear_romanized_names, refresh_romanized_names
from bot.knowledge.sources import DATABASE_ORIGINS
from bot.store import catalog as db
from bot.store import media as media_db
from bot.store.catalog import provenance
from bot.store.core import Store

log = logging.getLogger(__name__)

ORIGIN = "musicbrainz"
SITE = "https://musicbrainz.org"
DEFAULT_BASE_URL = "https://musicbrainz.org/ws/2"
DEFAULT_USER_AGENT = "LinerNotes/0.1 ( https://github.com/linernotes/linernotes )"
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


INC = {
    "recording": "artist-credits+aliases+artist-rels+work-rels+recording-rels+"
    "work-level-rels+url-rels+releases",
    "release": "artist-credits+labels+recordings+release-groups+aliases+artist-rels+"
    "recording-level-rels+work-rels+work-level-rels+recording-rels+url-rels",
    "release-group": "artist-credits+releases+aliases+artist-rels+url-rels",
    "artist": "aliases+artist-rels+recording-rels+url-rels",
}
# Aliases read per entity, in the document's order, and the longest one kept: MusicBrainz's
# most-aliased artists have about a hundred; a document with a million must not cost a million rows.
MAX_ALIASES = 100
MAX_ALIAS_LENGTH = 300
# Artist credits joined with one of these name featured artists ("IU feat. SUGA").
FEATURING = ("feat.", "feat ", "ft.", "featuring", "with ")


# A store writer of rows of one table (``db.add_credits``, …), as ``_Writer.later`` holds them.
_RowWriter = Callable[[db.Conn, list[Any]], Awaitable[None]]


class MusicBrainzError(UserError):
    """MusicBrainz could not be asked, or answered with an error."""


def _date(value: Any) -> str | None:
    return (
        value if isinstance(value, str) and re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", value) else None
    )


def _full_date(value: Any) -> str | None:
    return value if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value) else None


def document_kind(doc: Any) -> str | None:
    """Tell what a ws/2 JSON document is: recording, release, release-group, artist, releases."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("releases"), list) and "release-count" in doc:
        return "releases"
    if not isinstance(doc.get("id"), str):
        return None
    if "video" in doc and "media" not in doc and "release-group" not in doc:
        return "recording"
    if "primary-type" in doc or "primary-type-id" in doc:
        return "release-group"
    if "sort-name" in doc and "life-span" in doc:
        return "artist"
    if "media" in doc or "release-events" in doc or "status" in doc or "release-group" in doc:
        return "release"
    return None


def _stub_key(data: dict[str, Any]) -> tuple[Any, ...]:
    """Return what an artist stub writes, to tell whether writing it again would change anything."""
    life = data.get("life-span") or {}
    aliases = data.get("aliases") or []
    return (
        data["id"],
        data.get("name"),
        data.get("sort-name"),
        data.get("type"),
        data.get("disambiguation"),
        life.get("begin") if isinstance(life, dict) else repr(life),
        life.get("end") if isinstance(life, dict) else None,
        repr(aliases) if aliases else None,
    )


class _Writer:
    """Writes one import's documents through one connection."""

    def __init__(self, conn: db.Conn, *, lazy: bool = False) -> None:
        self.conn = conn
        # Lazy: look MBIDs up one by one instead of loading every known one (on-demand
        # lookups write a few entities into a store that may hold millions).
        self.lazy = lazy
        self.external: dict[str, int] = {}
        self.origins: dict[int, str] = {}
        self.replaced: set[int] = set()
        self.tracked_releases: set[int] = set()
        self.touched: set[int] = set()
        self.counts = {"artist": 0, "release": 0, "song": 0, "video": 0, "credit": 0}
        # Search forms of the titles and artist names in the document being written: what an
        # imported entity must share with a curated one of its name to be that one.
        self.related: set[str] = set()
        # Listening pages per entity: {entity: {url: source}}, written once at the end (a
        # release and its group are one entity, and each may list links).
        self.links: dict[int, dict[str, int]] = {}
        # Within one writer (one transaction): source ids by key, and the artist stubs already
        # written (a credited artist recurs on many lines; writing it again changes nothing).
        self.sources: dict[str, int] = {}
        self.stubs: dict[tuple[Any, ...], int] = {}
        self.stubs_of: dict[int, list[tuple[Any, ...]]] = {}  # the same, by entity
        # Lazy mode, looked up ahead (a dump batch's MBIDs, in one statement): what the store
        # held for each then, None for an MBID it did not have. Valid for an MBID until the
        # writer notes it in ``external``, which is read first.
        self.ahead: dict[str, tuple[int, str] | None] = {}
        # ``later``'s rows held back (``defer``, a dump batch), by writer, in first-use order.
        self.defer = False
        self.pending: dict[_RowWriter, list[Any]] = {}
        self.line_marks: dict[_RowWriter, int] = {}
        self.carried: dict[_RowWriter, list[Any]] = {}
        self.pending_subjects: set[int] = set()  # subjects of the performers and credits held
        # The search forms curated entities' names may have (None: not known, ask each time):
        # a name outside it matches no curated entity, so ``reconcile`` need not ask.
        self.curated: set[str] | None = None

    async def later(self, write: _RowWriter, rows: list[Any]) -> None:
        """Write rows of a table nothing reads back while documents are written (entity
        sources, external ids, performers, credits); with ``defer``, hold them for ``flush``:
        one statement per table for a whole batch instead of one per entity."""
        if not self.defer:
            await write(self.conn, rows)
            return
        self.pending.setdefault(write, []).extend(rows)
        if write is db.add_performers or write is db.add_credits:
            self.pending_subjects.update(row.subject_id for row in rows)

    async def flush(self) -> None:
        """Write the rows held back, table by table, each table's in the order they came.

        Called before anything that reads or deletes those tables' rows, so what it finds is
        what it would find had they been written at once.
        """
        for write, rows in self.pending.items():
            if rows:
                await write(self.conn, rows)
                # Rows of earlier documents written now, inside the current document's
                # savepoint: if that document is undone, they must be written again.
                self.carried.setdefault(write, []).extend(rows[: self.line_marks.get(write, 0)])
                self.line_marks[write] = 0
                rows.clear()
        self.pending_subjects.clear()

    def begin_document(self) -> None:
        """Mark where the rows held back by the next document start (``undo_document``)."""
        self.line_marks = {write: len(rows) for write, rows in self.pending.items()}
        self.carried = {}

    def undo_document(self) -> None:
        """After the current document's savepoint was rolled back: drop its held rows, and hold
        again the earlier documents' rows that were written inside it (the rollback undid them)."""
        for write, rows in self.pending.items():
            del rows[self.line_marks.get(write, 0) :]
            rows[:0] = self.carried.get(write, [])
        self.pending_subjects = {
            row.subject_id
            for write in (db.add_performers, db.add_credits)
            for row in self.pending.get(write, [])
        }
        self.carried = {}
        self.line_marks = {}

    def relate(self, doc: dict[str, Any]) -> None:
        """Note the titles and artists a document names (for reconciling, on demand)."""
        names: list[Any] = [doc.get("title"), doc.get("name")]
        group = doc.get("release-group")
        if isinstance(group, dict):
            names.append(group.get("title"))
        for credit in doc.get("artist-credit") or []:
            if isinstance(credit, dict):
                artist = credit.get("artist")
                names += [credit.get("name"), artist.get("name") if isinstance(artist, dict) else 0]
        for release in doc.get("releases") or []:
            if isinstance(release, dict):
                names.append(release.get("title"))
                group = release.get("release-group")
                if isinstance(group, dict):
                    names.append(group.get("title"))
        self.related = {n for n in (normalize(x) for x in names if isinstance(x, str)) if n}

    async def reconcile(self, kind: str, mbid: str, name: str) -> int | None:
        """Return the curated entity an unknown MBID is, by name plus a shared release/credit.

        An IU song the catalog lacks names IU, and its release The Winning, which the curated
        IU performs: that IU is the curated one, not a second "IU". The MBID is then recorded
        on the curated entity, whose own values win (as for a ``musicbrainz`` key in TOML).
        """
        norm = normalize(name)
        if self.curated is not None and norm not in self.curated:
            return None
        await self.flush()  # it reads performers and credits
        curated = await db.curated_match(self.conn, kind, norm, self.related)
        if curated is None:
            return None
        self.external[mbid] = curated
        self.origins.update(await db.entity_origins(self.conn, [curated]))
        await self.later(
            db.add_external_ids, [db.ExternalIdInsert("musicbrainz", mbid, curated, ORIGIN)]
        )
        return curated

    def listen_links(self, entity_id: int, doc: dict[str, Any], source: int) -> list[str]:
        """Note the listening pages among a document's URL relationships; return them."""
        rels = [
            rel
            for rel in doc.get("relations") or []
            if isinstance(rel, dict) and rel.get("target-type") == "url"
        ]
        if not rels:
            return []  # asked without url-rels (or none at all): what is stored stays
        found = self.links.setdefault(entity_id, {})
        urls = []
        for rel in rels:
            url = str((rel.get("url") or {}).get("resource") or "")
            if platforms.is_listening_link(url, str(rel.get("type") or "")):
                found.setdefault(url, source)
                urls.append(url)
        return urls

    async def write_links(self, fetched_at: str) -> None:
        """Replace what MusicBrainz says about the links of every entity this import read."""
        for entity_id in sorted(self.links):
            rows = sorted(self.links[entity_id].items())
            await media_db.replace_links(self.conn, entity_id, ORIGIN, rows, fetched_at)

    async def load(self) -> None:
        if self.lazy:
            return
        self.external = await db.external_id_map(self.conn, ORIGIN)
        if self.external:
            self.origins = await db.entity_origins(self.conn, list(set(self.external.values())))

    async def source(self, kind: str, mbid: str, title: str | None) -> int:
        key = f"mb:{kind}:{mbid}"
        source_id = self.sources.get(key)
        if source_id is None:  # ensure_source never updates: the first title stays either way
            source_id = await db.ensure_source(
                self.conn, key, ORIGIN, f"{SITE}/{kind}/{mbid}", "MusicBrainz", title
            )
            self.sources[key] = source_id
        return source_id

    async def known(self, mbid: str) -> int | None:
        """Return the entity an MBID already points at, if any."""
        entity_id = self.external.get(mbid)
        if entity_id is None and self.lazy:
            if mbid in self.ahead:
                found = self.ahead[mbid]
            else:
                await self.flush()
                found = await db.external_entity(self.conn, "musicbrainz", mbid)
            if found is not None:
                entity_id, origin = found
                self.external[mbid] = entity_id
                self.origins[entity_id] = origin
        return entity_id

    def own(self, entity_id: int) -> bool:
        return self.origins.get(entity_id) == ORIGIN

    async def entity(
        self,
        kind: str,
        mbid: str,
        name: str,
        *,
        full: bool,
        replace: bool = False,
        named: bool = False,
    ) -> int:
        """Return the entity for an MBID, creating a stub (or updating our own when full).

        With ``replace``, what MusicBrainz said about it before is dropped (``replace``).
        A new entity gets ``name`` as its primary name, unless ``named``: the caller writes
        its names, that one first (writing it here too would be a second, conflicting insert).
        """
        entity_id = await self.known(mbid)
        created = False
        if entity_id is None and self.lazy:
            entity_id = await self.reconcile(kind, mbid, name)
        if entity_id is None:
            entity_id, created = await db.ensure_entity(self.conn, kind, f"mb:{mbid}", ORIGIN, name)
            self.origins[entity_id] = ORIGIN
            self.external[mbid] = entity_id
            await self.later(
                db.add_external_ids, [db.ExternalIdInsert("musicbrainz", mbid, entity_id, ORIGIN)]
            )
            if created:
                self.counts[kind] += 1
                if not named:
                    await self.add_names(entity_id, kind, [(name, True)])
        elif full and self.own(entity_id):
            await db.upsert_entity(self.conn, kind, f"mb:{mbid}", ORIGIN, name)
        self.touched.add(entity_id)
        if replace:
            if created:
                # Nothing to drop: the caller writes its names.
                self.replaced.add(entity_id)
            await self.replace(entity_id)
        return entity_id

    async def release_count(self, entity_id: int, doc: dict[str, Any]) -> None:
        """Record how many releases carry a recording or release group (a search signal)."""
        releases = doc.get("releases")
        if isinstance(releases, list) and releases:
            await db.set_importance_signals(self.conn, entity_id, release_count=len(releases))

    async def replace(self, entity_id: int) -> None:
        """Drop what MusicBrainz said about an entity before saying it again (once per run)."""
        if entity_id not in self.replaced:
            self.replaced.add(entity_id)
            if entity_id in self.pending_subjects:  # the rows held are not its otherwise
                await self.flush()
            await db.delete_facts_for(self.conn, ORIGIN, [entity_id])
            # Stubs written earlier may have had their names dropped: write them again if met.
            for stub in self.stubs_of.pop(entity_id, ()):
                del self.stubs[stub]

    async def add_names(
        self,
        entity_id: int,
        kind: str,
        names: Iterable[tuple[str, bool]],
        aliases: Iterable[dict[str, Any]] = (),
    ) -> None:
        base = "stage" if kind == "artist" else "title"
        rows: list[db.NameInsert] = []
        for text, primary in names:
            ko = has_hangul(text)
            rows.append(
                db.NameInsert(
                    entity_id,
                    kind,
                    text,
                    normalize(text),
                    "hangul" if ko else base,
                    "ko" if ko else "en",
                    primary and self.own(entity_id),
                    ORIGIN,
                )
            )
        for alias in itertools.islice(aliases, MAX_ALIASES):
            alias_name = alias.get("name") if isinstance(alias, dict) else None
            if not isinstance(alias_name, str) or len(alias_name) > MAX_ALIAS_LENGTH:
                continue
            text = alias_name
            type_ = vocab.MUSICBRAINZ_NAME_TYPES.get(str(alias.get("type") or "").lower(), "hint")
            locale = str(alias.get("locale") or "")[:2] or None
            if has_hangul(text):
                type_, locale = ("hangul" if type_ != "legal" else "legal"), "ko"
            rows.append(
                db.NameInsert(
                    entity_id,
                    kind,
                    text,
                    normalize(text),
                    type_,
                    locale if locale in ("en", "ko") else None,
                    False,
                    ORIGIN,
                )
            )
        rows = [r for r in rows if r[3]]
        if self.curated is not None and self.origins.get(entity_id) not in DATABASE_ORIGINS:
            # Names given to a curated entity (reconciled) may be what a later document's
            # name matches (the set grows only with the curated catalog's entities).
            self.curated.update(r[3] for r in rows)
        if self.lazy:
            # An alias never equals another entity's primary name: a MusicBrainz search hint
            # "Love wins all" on another recording must not make the curated title ambiguous.
            taken = await db.primary_elsewhere(
                self.conn, [r[3] for r in rows if not r[6]], entity_id
            )
            rows = [r for r in rows if r[6] or r[3] not in taken]
        await db.add_names(self.conn, rows, overwrite=False)

    async def artist(self, data: dict[str, Any], *, full: bool = False) -> int:
        mbid, name = data["id"], data.get("name") or "?"
        stub = None
        if not full:
            stub = _stub_key(data)
            known = self.stubs.get(stub)
            if known is not None:
                self.touched.add(known)
                return known
        entity_id = await self.entity("artist", mbid, name, full=full, replace=full, named=True)
        kind = vocab.MUSICBRAINZ_ARTIST_KINDS.get(str(data.get("type") or "").lower(), "other")
        life = data.get("life-span") or {}
        await db.upsert_artist(
            self.conn,
            entity_id,
            kind,
            disambiguation=data.get("disambiguation") or None,
            birth_date=_full_date(life.get("begin")) if kind == "person" else None,
            debut_date=_full_date(life.get("begin")) if kind == "group" else None,
            end_date=_full_date(life.get("end")),
            fill_only=not (full and self.own(entity_id)),
        )
        names = [(name, True)]
        if data.get("sort-name") and data["sort-name"] != name:
            names.append((data["sort-name"], False))
        await self.add_names(entity_id, "artist", names, data.get("aliases") or [])
        source = await self.source("artist", mbid, name)
        await self.later(db.add_entity_sources, [db.EntitySourceInsert(entity_id, source, ORIGIN)])
        await provenance.set_attribute_sources(
            self.conn,
            "artist",
            entity_id,
            dict.fromkeys(("birth_date", "debut_date", "end_date"), source),
            fill_only=not (full and self.own(entity_id)),
        )
        if full:
            await self.artist_credits(data, source)
            self.listen_links(entity_id, data, source)
        if stub is not None:
            self.stubs[stub] = entity_id
            self.stubs_of.setdefault(entity_id, []).append(stub)
        return entity_id

    async def artist_credits(self, data: dict[str, Any], source: int) -> None:
        """Credit an artist on the recordings its page relates it to (producer of …)."""
        for rel in data.get("relations") or []:
            recording: Any = rel.get("recording") if isinstance(rel, dict) else None
            if rel.get("target-type") != "recording" or not (recording or {}).get("id"):
                continue
            kind = "video" if recording.get("video") is True else "song"
            subject = await self.entity(
                kind, recording["id"], recording.get("title") or "?", full=False
            )
            if kind == "song":
                await db.upsert_song(self.conn, subject, None, fill_only=True)
            else:
                await db.upsert_video(
                    self.conn, subject, None, "music video", None, None, None, fill_only=True
                )
            src = await self.source("recording", recording["id"], recording.get("title"))
            await self.later(db.add_entity_sources, [db.EntitySourceInsert(subject, src, ORIGIN)])
            await self.credit(kind, subject, {**rel, "artist": data}, source)

    async def performers(
        self, subject: int, credits: Any, source: int, subject_kind: str | None = None
    ) -> None:
        """Add the artist credit as performers; artists after "feat." are featured artists."""
        rows: list[db.PerformerInsert] = []
        featuring = False
        for position, credit in enumerate(credits or [], start=1):
            artist = credit.get("artist") or {}
            if not artist.get("id"):
                continue
            artist_id = await self.artist(artist)
            shown = credit.get("name")
            if featuring and subject_kind is not None:
                await self.credit(
                    subject_kind,
                    subject,
                    {"artist": artist, "type": "featured artist", "target-credit": shown},
                    source,
                )
            joiner = str(credit.get("joinphrase") or "").strip().lower() + " "
            featuring = featuring or any(joiner.startswith(f) for f in FEATURING)
            rows.append(
                db.PerformerInsert(
                    subject,
                    position,
                    artist_id,
                    shown if shown and shown != artist.get("name") else None,
                    source,
                    ORIGIN,
                )
            )
        await self.later(db.add_performers, rows)

    async def credit(
        self, subject_kind: str, subject: int, rel: dict[str, Any], source: int
    ) -> None:
        artist = rel.get("artist") or {}
        if not artist.get("id"):
            return
        artist_id = await self.artist(artist)
        role = vocab.MUSICBRAINZ_ROLES.get(rel.get("type") or "", rel.get("type") or "contributor")
        detail = ", ".join(str(a) for a in rel.get("attributes") or []) or None
        await self.later(
            db.add_credits,
            [
                db.CreditInsert(
                    subject_kind,
                    subject,
                    artist_id,
                    role,
                    rel.get("target-credit") or None,
                    detail,
                    "A",
                    source,
                    ORIGIN,
                    None,
                )
            ],
        )
        self.counts["credit"] += 1

    async def recording(self, doc: dict[str, Any]) -> int:
        self.relate(doc)
        mbid, title = doc["id"], doc.get("title") or "?"
        is_video = doc.get("video") is True
        kind = "video" if is_video else "song"
        entity_id = await self.entity(kind, mbid, title, full=True, replace=True, named=True)
        source = await self.source("recording", mbid, title)
        await self.later(db.add_entity_sources, [db.EntitySourceInsert(entity_id, source, ORIGIN)])
        # The rank first: the names then carry it as they are written (no trigger rewrites them).
        await self.release_count(entity_id, doc)
        await self.add_names(entity_id, kind, [(title, True)], doc.get("aliases") or [])
        length = doc.get("length")
        length_s = round(length / 1000) if isinstance(length, int | float) else None
        song_for_video: int | None = None
        relations = doc.get("relations") or []
        for rel in relations:
            if rel.get("target-type") == "recording" and rel.get("type") == "music video":
                other = rel.get("recording") or {}
                if not other.get("id"):
                    continue
                if is_video:
                    song_for_video = await self.entity(
                        "song", other["id"], other.get("title") or title, full=False
                    )
                    await db.upsert_song(self.conn, song_for_video, None, fill_only=True)
                    src = await self.source("recording", other["id"], other.get("title"))
                    await self.later(
                        db.add_entity_sources, [db.EntitySourceInsert(song_for_video, src, ORIGIN)]
                    )
                else:
                    video_id = await self.entity(
                        "video", other["id"], other.get("title") or title, full=False
                    )
                    src = await self.source("recording", other["id"], other.get("title"))
                    await self.later(
                        db.add_entity_sources, [db.EntitySourceInsert(video_id, src, ORIGIN)]
                    )
                    await db.upsert_video(
                        self.conn,
                        video_id,
                        entity_id,
                        "music video",
                        None,
                        None,
                        None,
                        fill_only=True,
                    )
        fill = not self.own(entity_id)
        if is_video:
            await db.upsert_video(
                self.conn,
                entity_id,
                song_for_video,
                "music video",
                None,
                _date(doc.get("first-release-date")),
                length_s,
                fill_only=fill,
            )
            await provenance.set_attribute_sources(
                self.conn, "video", entity_id, {"premiere": source}, fill_only=fill
            )
            if fill:
                await db.note_disputes(
                    self.conn,
                    entity_id,
                    "video",
                    {"premiere": _date(doc.get("first-release-date"))},
                    source,
                    ORIGIN,
                )
        else:
            await db.upsert_song(self.conn, entity_id, length_s, fill_only=fill)
        for url in self.listen_links(entity_id, doc, source):
            youtube = platforms.youtube_id(url) if is_video else None
            if youtube:
                # A music video's own YouTube page: its id gives the card its thumbnail.
                await media_db.fill_youtube(self.conn, entity_id, youtube)
        await self.performers(entity_id, doc.get("artist-credit"), source, kind)
        for rel in relations:
            target = rel.get("target-type")
            if target == "artist":
                await self.credit(kind, entity_id, rel, source)
            elif target == "work" and rel.get("type") == "performance":
                work = rel.get("work") or {}
                if not work.get("id"):
                    continue
                work_source = await self.source("work", work["id"], work.get("title"))
                subject_kind, subject = (
                    ("song", song_for_video) if song_for_video else (kind, entity_id)
                )
                if song_for_video:
                    await self.replace(song_for_video)
                for wrel in work.get("relations") or []:
                    if (
                        wrel.get("target-type") == "artist"
                        and wrel.get("type") in vocab.MUSICBRAINZ_WORK_ROLES
                    ):
                        await self.credit(subject_kind, subject, wrel, work_source)
        return entity_id

    async def release(self, doc: dict[str, Any]) -> int:
        self.relate(doc)
        group = doc.get("release-group") or {}
        mbid = group.get("id") or doc["id"]
        title = doc.get("title") or group.get("title") or "?"
        entity_id = await self.entity("release", mbid, title, full=True, replace=True, named=True)
        if doc["id"] != mbid:
            self.external.setdefault(doc["id"], entity_id)
            await self.later(
                db.add_external_ids,
                [db.ExternalIdInsert("musicbrainz", doc["id"], entity_id, ORIGIN)],
            )
        source = await self.source("release", doc["id"], title)
        await self.later(db.add_entity_sources, [db.EntitySourceInsert(entity_id, source, ORIGIN)])
        await self.add_names(entity_id, "release", [(title, True)], doc.get("aliases") or [])
        type_ = vocab.MUSICBRAINZ_RELEASE_TYPES.get(
            str(group.get("primary-type") or "").lower(), "other"
        )
        label = next(
            (
                (info.get("label") or {}).get("name")
                for info in doc.get("label-info") or []
                if isinstance(info, dict) and (info.get("label") or {}).get("name")
            ),
            None,
        )
        date = _date(doc.get("date")) or _date(group.get("first-release-date"))
        await db.upsert_release(
            self.conn, entity_id, type_, date, label, None, fill_only=not self.own(entity_id)
        )
        await provenance.set_attribute_sources(
            self.conn,
            "release",
            entity_id,
            {"date": source, "label": source},
            fill_only=not self.own(entity_id),
        )
        if not self.own(entity_id):
            await db.note_disputes(
                self.conn, entity_id, "release", {"date": date, "label": label}, source, ORIGIN
            )
        await self.performers(entity_id, doc.get("artist-credit"), source, "release")
        self.listen_links(entity_id, doc, source)
        for rel in doc.get("relations") or []:
            if rel.get("target-type") == "artist":
                await self.credit("release", entity_id, rel, source)
        if entity_id not in self.tracked_releases and doc.get("media"):
            self.tracked_releases.add(entity_id)
            position, rows = 0, []
            for medium in doc.get("media") or []:
                for track in (medium or {}).get("tracks") or []:
                    recording = track.get("recording") or {}
                    if not recording.get("id"):
                        continue
                    position += 1
                    if "relations" in recording:
                        song = await self.recording(recording)
                    else:
                        song = await self.entity(
                            "song",
                            recording["id"],
                            recording.get("title") or track.get("title") or "?",
                            full=False,
                        )
                        length = recording.get("length") or track.get("length")
                        await db.upsert_song(
                            self.conn,
                            song,
                            round(length / 1000) if isinstance(length, int | float) else None,
                            fill_only=True,
                        )
                        src = await self.source(
                            "recording", recording["id"], recording.get("title")
                        )
                        await self.later(
                            db.add_entity_sources, [db.EntitySourceInsert(song, src, ORIGIN)]
                        )
                        if song in self.pending_subjects:
                            await self.flush()
                        if not await db.performers_exist(self.conn, song):
                            await self.performers(
                                song,
                                track.get("artist-credit")
                                or recording.get("artist-credit")
                                or doc.get("artist-credit"),
                                src,
                                "song",
                            )
                    rows.append(db.TrackInsert(entity_id, position, song, source, ORIGIN))
            await db.add_tracks(self.conn, rows)
        return entity_id

    async def release_group(self, doc: dict[str, Any]) -> int:
        self.relate(doc)
        mbid, title = doc["id"], doc.get("title") or "?"
        entity_id = await self.entity("release", mbid, title, full=True, replace=True, named=True)
        source = await self.source("release-group", mbid, title)
        await self.later(db.add_entity_sources, [db.EntitySourceInsert(entity_id, source, ORIGIN)])
        await self.release_count(entity_id, doc)  # before the names, which carry the rank
        await self.add_names(entity_id, "release", [(title, True)], doc.get("aliases") or [])
        type_ = vocab.MUSICBRAINZ_RELEASE_TYPES.get(
            str(doc.get("primary-type") or "").lower(), "other"
        )
        await db.upsert_release(
            self.conn,
            entity_id,
            type_,
            _date(doc.get("first-release-date")),
            None,
            None,
            fill_only=not self.own(entity_id),
        )
        await provenance.set_attribute_sources(
            self.conn, "release", entity_id, {"date": source}, fill_only=not self.own(entity_id)
        )
        if not self.own(entity_id):
            await db.note_disputes(
                self.conn,
                entity_id,
                "release",
                {"date": _date(doc.get("first-release-date"))},
                source,
                ORIGIN,
            )
        await self.performers(entity_id, doc.get("artist-credit"), source, "release")
        self.listen_links(entity_id, doc, source)
        return entity_id


async def import_musicbrainz_documents(
    store: Store, documents: Sequence[tuple[str, Any]], *, on_demand: bool = False
) -> ImportReport:
    """Import already-parsed ws/2 documents, given as (name for messages, JSON value).

    ``on_demand`` (a lookup writing a few entities into a store that may be large) looks
    known MBIDs up one by one and recomputes only the touched entities' labels.
    """
    started = time.perf_counter()
    problems = []
    for name, doc in documents:
        if document_kind(doc) is None:
            problems.append(
                f"{name}: not a MusicBrainz recording, release, release group or "
                'artist (ws/2 JSON with an "id")'
            )
    if problems:
        raise CatalogError(problems)
    async with store.transaction() as conn:
        if not on_demand:  # an on-demand lookup regenerates only its own entities' forms
            await clear_romanized_names(conn)
        writer = _Writer(conn, lazy=on_demand)
        await writer.load()
        for name, doc in documents:
            kind = document_kind(doc)
            try:
                if kind == "recording":
                    await writer.recording(doc)
                elif kind == "release":
                    await writer.release(doc)
                elif kind == "release-group":
                    await writer.release_group(doc)
                elif kind == "artist":
                    await writer.artist(doc, full=True)
                else:
                    for item in doc["releases"]:
                        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                            raise TypeError("a release in the list has no id")
                        await writer.release(item)
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                raise CatalogError([f"{name}: unexpected {kind} shape ({exc!s})"]) from None
        await writer.write_links(datetime.now(UTC).isoformat(timespec="seconds"))
        touched = sorted(writer.touched) if on_demand else None
        await db.refresh_labels(conn, touched)
        await refresh_romanized_names(conn, touched)
        await db.bump_catalog_version(conn)
    return ImportReport(
        "musicbrainz",
        tuple(name for name, _ in documents),
        dict(writer.counts),
        0,
        (),
        time.perf_counter() - started,
    )


def read_documents(files: Iterable[Path | str]) -> list[tuple[str, Any]]:
    """Read and parse JSON files; raise a DataFileError naming every unreadable one."""
    documents = []
    problems = []
    for item in files:
        path = Path(item)
        shown = display_path(path)
        try:
            documents.append((shown, json.loads(path.read_text(encoding="utf-8"))))
        except OSError as exc:
            problems.append(f"{shown}: cannot read the file ({exc.strerror or exc})")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{shown}: is not valid JSON: {exc}")
    if problems:
        raise CatalogError(problems)
    return documents


async def import_musicbrainz(store: Store, files: Iterable[Path | str]) -> ImportReport:
    """Import MusicBrainz ws/2 JSON files (all in one transaction)."""
    return await import_musicbrainz_documents(store, read_documents(files))


# ------------------------------------------------------------------------------ fetching
async def fetch_musicbrainz(
    mbid: str,
    kind: str,
    base_url: str = DEFAULT_BASE_URL,
    user_agent: str = DEFAULT_USER_AGENT,
    *,
    limiter: RateLimiter | None = None,
    request_timeout: float = 30.0,
) -> dict[str, Any]:
    """Fetch one entity as ws/2 JSON, politely: a real User-Agent, at most 1 request/s."""
    import aiohttp  # only the fetch needs it (it comes with discord.py)

    if kind not in INC:
        raise MusicBrainzError(f"kind must be one of {', '.join(INC)}, not {kind!r}")
    if not _MBID.match(mbid or ""):
        raise MusicBrainzError(f"{mbid!r} is not a MusicBrainz id (a UUID)")
    # The same queue as the bot's on-demand lookups: one request per second per process.
    limiter = limiter or shared_limiter(base_url)
    url = f"{base_url.rstrip('/')}/{kind}/{mbid}"
    await limiter.wait()
    headers = {"User-Agent": user_agent, "Accept": "application/json"}
    try:
        async with (
            aiohttp.ClientSession(
                headers=headers, timeout=aiohttp.ClientTimeout(total=request_timeout)
            ) as session,
            session.get(url, params={"inc": INC[kind], "fmt": "json"}) as response,
        ):
            if response.status == 404:
                raise NotFoundError(f"MusicBrainz has no {kind} {mbid}.")
            if response.status == 503:
                raise MusicBrainzError("MusicBrainz is rate limiting us; try again in a minute.")
            if response.status != 200:
                raise MusicBrainzError(f"MusicBrainz answered {response.status} for {url}.")
            text = await response.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise MusicBrainzError(f"cannot reach MusicBrainz at {url}: {exc}") from None
    finally:
        # As the lookups do: the next request leaves an interval after this one was answered.
        limiter.hold(limiter.interval)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise MusicBrainzError(f"MusicBrainz sent something that is not JSON for {url}.") from None
    if not isinstance(data, dict):
        raise MusicBrainzError(f"MusicBrainz sent an unexpected answer for {url}.")
    return data
