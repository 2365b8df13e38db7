"""Import MusicBrainz JSON data dumps: one entity per line in the ws/2 format, filtered to a scope.

MusicBrainz publishes one tarball per entity type (``artist.tar.xz`` holds ``mbdump/artist``,
``recording.tar.xz`` holds ``mbdump/recording``, …), each line a complete ws/2 JSON document.
This reads them as a stream (``.tar.xz``, or a plain file of JSON lines, optionally .xz/.gz)
and writes every line through the same ws/2 mapping as ``linernotes import musicbrainz``
(``importers.musicbrainz``), so every fact cites the MusicBrainz page of its entity, and
curated values are never overwritten.

Scope: ``--area KR`` and ``--tag k-pop`` select artists (their area's ISO code or country, their
tags); ``--artist MBID`` names artists outright. The artists a scope selected are remembered in
the store, so import the artist dump first: recordings, releases and release groups are kept
when one of their credited artists is in the scope (or, with ``--tag``, when they carry the
tag themselves). Without a scope everything is imported.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.errors import UserError
from bot.knowledge.importers.musicbrainz import _MBID, ORIGIN, _Writer, document_kind
from bot.knowledge.importers.report import ImportReport, display_path
from bot.knowledge.importers.streaming import (
    MALFORMED,
    BadRecord,
    StreamStats,
    json_lines,
    parse_json,
    record_bytes,
    stream_file,
)
from bot.store import catalog as db
from bot.store import imports as imports_db
from bot.store.core import Store

log = logging.getLogger(__name__)

SOURCE = "musicbrainz-dump"
# An MBID a line names as an "id", found without parsing the line (for ``look_ahead``; an id
# written another way is looked up when met, as it would be without this).
_ID = re.compile(rb'"id"\s*:\s*"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"')
# Tarball members worth reading; the others (work, label, area, event, …) are skipped unread.
MEMBERS = ("artist", "recording", "release", "release-group")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which part of MusicBrainz to import: areas (ISO 3166-1 codes), tags, artist MBIDs."""

    areas: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    artists: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, areas: Sequence[str] = (), tags: Sequence[str] = (), artists: Sequence[str] = ()
    ) -> Scope:
        """Return a scope in canonical form; raise UserError for an id that is not an MBID."""
        bad = [a for a in artists if not _MBID.match(a.strip().lower())]
        if bad:
            raise UserError(f"not a MusicBrainz id (a UUID): {', '.join(bad)}")
        return cls(
            tuple(sorted({a.strip().upper() for a in areas if a.strip()})),
            tuple(sorted({t.strip().lower() for t in tags if t.strip()})),
            tuple(sorted({a.strip().lower() for a in artists})),
        )

    @property
    def everything(self) -> bool:
        """Whether no filter is set."""
        return not (self.areas or self.tags or self.artists)

    @property
    def key(self) -> str:
        """Return the scope as text ("area=KR;tag=k-pop"), '' for everything."""
        parts = [f"area={a}" for a in self.areas] + [f"tag={t}" for t in self.tags]
        return ";".join(parts + [f"artist={a}" for a in self.artists])

    def has_tag(self, doc: dict[str, Any]) -> bool:
        """Tell whether the document carries one of the scope's tags (or genres)."""
        if not self.tags:
            return False
        names = {
            str(t.get("name") or "").lower()
            for field in ("tags", "genres")
            for t in doc.get(field) or []
            if isinstance(t, dict)
        }
        return any(t in names for t in self.tags)

    def selects_artist(self, doc: dict[str, Any]) -> bool:
        """Tell whether an artist line is in the scope."""
        if self.everything or doc.get("id") in self.artists or self.has_tag(doc):
            return True
        if not self.areas:
            return False
        area = doc.get("area") or {}
        codes = {str(c).upper() for c in area.get("iso-3166-1-codes") or []}
        codes.add(str(doc.get("country") or "").upper())
        return any(a in codes for a in self.areas)


def credited_artists(doc: dict[str, Any]) -> list[str]:
    """Return the MBIDs of the artists credited on a recording, release or release group."""
    return [
        str((credit.get("artist") or {}).get("id"))
        for credit in doc.get("artist-credit") or []
        if isinstance(credit, dict) and (credit.get("artist") or {}).get("id")
    ]


# What a dump import remembers from one batch to the next (sources and artist stubs written):
# at most this many entries, and stubs whose keys hold at most this many characters of aliases.
MEMO_ENTRIES = 20_000
MEMO_CHARS = 8 << 20


@dataclass(slots=True)
class _Memo:
    """Sources and artist stubs already written and committed, carried from batch to batch.

    A credited artist recurs on thousands of lines: written once, its stub is not written
    again (seven statements that would change nothing) until a full line replaces what
    MusicBrainz said about it (``_Writer.replace`` forgets its stubs). Bounded: emptied when
    it holds more than ``MEMO_ENTRIES`` entries or ``MEMO_CHARS`` characters of aliases.
    """

    sources: dict[str, int] = field(default_factory=dict)
    stubs: dict[tuple[Any, ...], int] = field(default_factory=dict)
    stubs_of: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget everything (after a rolled-back line, whose rows the memo may name)."""
        self.sources.clear()
        self.stubs.clear()
        self.stubs_of.clear()

    def bound(self) -> None:
        """Empty the memo if it grew past its bounds."""
        chars = sum(len(key[-1] or "") for key in self.stubs)
        if len(self.sources) + len(self.stubs) > MEMO_ENTRIES or chars > MEMO_CHARS:
            self.clear()


class _DumpWriter(_Writer):
    """The ws/2 writer in lazy mode: a batch's MBIDs looked up ahead (``look_ahead``), the
    rows nothing reads back held for one statement per table (``defer``), touched entities
    noted, the sources and stubs of earlier batches remembered (``_Memo``)."""

    def __init__(self, conn: db.Conn, memo: _Memo, curated: set[str] | None) -> None:
        super().__init__(conn, lazy=True)
        self.sources = memo.sources
        self.stubs = memo.stubs
        self.stubs_of = memo.stubs_of
        self.curated = curated
        self.defer = True

    async def look_ahead(self, lines: list[bytes | BadRecord]) -> None:
        """Look up the MBIDs a batch's lines name, in a few statements instead of one each."""
        found: set[str] = set()
        for line in lines:
            if not isinstance(line, BadRecord):
                found.update(m.decode() for m in _ID.findall(line))
        known = await db.external_entities(self.conn, "musicbrainz", found)
        self.ahead = {mbid: known.get(mbid) for mbid in found}


@dataclass(slots=True)
class _Importer:
    """Handles batches of dump lines; holds only the scope's artists (and the bounded memo of
    sources and stubs written) between batches."""

    scope: Scope
    scope_artists: set[str]
    counts: dict[str, int]
    memo: _Memo = field(default_factory=_Memo)
    curated: set[str] | None = None

    async def handle(
        self, conn: db.Conn, lines: list[bytes | BadRecord], member: str, first: int, stats: Any
    ) -> None:
        # One writer per batch: its caches (ids seen, entities replaced) end with the batch.
        self.memo.bound()
        if self.curated is None:
            self.curated = await db.curated_norms(conn)
        writer = _DumpWriter(conn, self.memo, self.curated)
        await writer.look_ahead(lines)
        selected: list[str] = []
        for number, line in enumerate(lines, start=first + 1):
            where = f"{member or 'line'} {number}" if member else f"line {number}"
            writer.begin_document()
            try:
                if not record_bytes(line).strip():
                    continue
                doc = parse_json(line)
                kind = document_kind(doc)
                if kind is None or kind == "releases":
                    self.counts["skipped line"] += 1
                    continue
                if not self.in_scope(kind, doc):
                    self.counts["out-of-scope line"] += 1
                    continue
                async with db.savepoint(conn):
                    if kind == "artist":
                        await writer.artist(doc, full=True)
                        if not self.scope.everything and doc["id"] not in self.scope_artists:
                            self.scope_artists.add(doc["id"])
                            selected.append(doc["id"])
                    elif kind == "recording":
                        await writer.recording(doc)
                    elif kind == "release":
                        await writer.release(doc)
                    else:
                        await writer.release_group(doc)
                self.counts["imported line"] += 1
            except MALFORMED as exc:
                stats.warn(f"{where}: skipped ({_reason(exc)})")
                log.warning("%s: %s: skipped (%s)", SOURCE, where, exc)
                # Its caches (and the memo) may name rows the savepoint rolled back; what it
                # looked up ahead misses what the batch's earlier lines wrote.
                self.memo.clear()
                writer.undo_document()
                await writer.flush()
                writer = _DumpWriter(conn, self.memo, self.curated)
        await writer.flush()
        await imports_db.add_scope_artists(conn, self.scope.key, selected)
        await db.fill_missing_labels(conn, writer.touched)
        for kind, n in writer.counts.items():
            self.counts[kind] += n

    def in_scope(self, kind: str, doc: dict[str, Any]) -> bool:
        if self.scope.everything:
            return True
        if kind == "artist":
            return self.scope.selects_artist(doc)
        if self.scope.has_tag(doc):
            return True
        return any(a in self.scope_artists for a in credited_artists(doc))


def _reason(exc: BaseException) -> str:
    """Say why a line was skipped, in a few words."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, ArithmeticError):
        return f"a number out of range: {exc}"
    return str(exc)


def _wanted(name: str) -> bool:
    parts = name.split("/")
    return len(parts) == 2 and parts[0] == "mbdump" and parts[1] in MEMBERS


async def finish_dump_import(store: Store) -> None:
    """Recount releases per song and artist, recompute labels: once, after the dumps.

    This pass is about the whole catalog, not the dump (its cost grows with the catalog);
    while the lines stream, new entries get their name as a provisional label.
    """
    async with store.transaction() as conn:
        await db.refresh_release_counts(conn, ORIGIN)
        await db.refresh_labels(conn)
        await db.bump_catalog_version(conn)


async def import_musicbrainz_dump(
    store: Store,
    path: Path | str,
    scope: Scope | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch: int | None = None,
    finish: bool = True,
) -> ImportReport:
    """Stream one MusicBrainz JSON dump into the store (resumable, idempotent).

    With ``finish=False`` the catalog-wide pass (``finish_dump_import``) is left to the
    caller, e.g. to run it once after importing several dump files.
    """
    started = time.perf_counter()
    path = Path(path)
    scope = scope or Scope()
    known = await imports_db.scope_artists(store, scope.key) if not scope.everything else set()
    importer = _Importer(
        scope,
        known | set(scope.artists),
        {
            "imported line": 0,
            "artist": 0,
            "release": 0,
            "song": 0,
            "video": 0,
            "credit": 0,
            "out-of-scope line": 0,
            "skipped line": 0,
        },
    )

    def refuse(stats: StreamStats) -> str | None:
        # Not one good line: this is not a MusicBrainz dump (and must not be marked done).
        read = importer.counts["imported line"] + importer.counts["out-of-scope line"]
        if stats.malformed and not read and not stats.resumed_at:
            return f"no MusicBrainz JSON line could be read; first problem: {stats.warnings[0]}"
        return None

    stats = await stream_file(
        store,
        path,
        source=SOURCE,
        scope=scope.key,
        wanted=_wanted,
        records=json_lines,
        handle=importer.handle,
        progress=progress,
        refuse=refuse,
        **({"batch": batch} if batch else {}),
    )
    if finish:
        await finish_dump_import(store)
    counts = dict(importer.counts)
    counts["read line"] = stats.records
    counts["resumed line"] = stats.resumed_at
    counts["malformed line"] = stats.malformed
    return ImportReport(
        SOURCE,
        (display_path(path),),
        counts,
        0,
        tuple(stats.warnings),
        time.perf_counter() - started,
    )
