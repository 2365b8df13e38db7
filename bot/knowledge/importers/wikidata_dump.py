"""Import Wikidata in bulk: a SPARQL JSON result or the lines of a Wikidata JSON entity dump.

Wikidata adds to catalog entries it can be tied to by a MusicBrainz id on the item (artist
P434, release group P436, release P5813, recording P4404): Korean and English labels and
aliases as names, the number of sitelinks as an importance signal for search, and the item's
page as a source. Items with no such entry are counted ("unlinked") and skipped, so the import
stays in the scope of what the catalog holds. Nothing curated is overwritten (names are only added).
An entity line is read by ``wikidata.facts_from_entity``, the mapping the on-demand lookups use.

Two inputs, told apart by their first bytes:

- a SPARQL JSON result, ``{"head": {"vars": [...]}, "results": {"bindings": [...]}}``, read
  binding by binding without loading the document. Recognised variables: ``item`` (the
  entity URI), ``artistMBID``, ``releaseGroupMBID``, ``releaseMBID``, ``recordingMBID``,
  ``sitelinks``, and any literal with an ``xml:lang`` of ``ko`` or ``en`` (a label or alias);
- entity dump lines: ``[``, then one ``{...},`` entity per line, then ``]`` (``.json``,
  ``.json.gz`` or ``.json.bz2``).
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.core.errors import DataFileError
from bot.knowledge.importers import wikidata
from bot.knowledge.importers.musicbrainz import MAX_ALIAS_LENGTH
from bot.knowledge.importers.report import ImportReport, display_path
from bot.knowledge.importers.streaming import (
    MALFORMED,
    MAX_RECORD,
    BadRecord,
    StreamStats,
    _single_stream,
    json_lines,
    parse_json,
    record_bytes,
    stream_file,
)
from bot.knowledge.importers.wikidata import Alias, WikidataFacts
from bot.knowledge.normalize import has_hangul, normalize
from bot.store import catalog as db
from bot.store.core import Store

log = logging.getLogger(__name__)

SOURCE = "wikidata-dump"
ORIGIN = "wikidata"
SITE = "https://www.wikidata.org/wiki"
# SPARQL variables holding MusicBrainz ids (of wikidata.MUSICBRAINZ_PROPERTIES), most specific
# entity first.
SPARQL_MB_VARS = {
    "recordingMBID": "recording",
    "releaseMBID": "release",
    "releaseGroupMBID": "release-group",
    "artistMBID": "artist",
}
_QID = re.compile(r"(Q[0-9]+)$")
_BINDINGS = re.compile(r'"bindings"\s*:\s*\[')
_CHUNK = 1 << 16


# ------------------------------------------------------------------------------ mapping
def facts_from_dump_entity(entity: Any) -> WikidataFacts:
    """Map one entity of the JSON dump (the wbgetentities shape): ``wikidata.facts_from_entity``.

    Raises ValueError for a line that is not an item (a property, a lexeme, no id).
    """
    facts = wikidata.facts_from_entity(entity) if isinstance(entity, dict) else None
    if facts is None:
        raise ValueError("no item id")
    return facts


def facts_from_binding(binding: dict[str, Any]) -> WikidataFacts:
    """Map one SPARQL result row to the facts imported (the few a row holds).

    A literal whose variable ends in "label" is the item's label in its language (the first
    one; any further one is an alias), any other Korean or English literal an alias.
    """
    item = (binding.get("item") or {}).get("value")
    match = _QID.search(item) if isinstance(item, str) else None
    if match is None:
        raise ValueError('no "item" variable with a Wikidata entity URI')
    musicbrainz: list[tuple[str, str]] = []
    for var, kind in SPARQL_MB_VARS.items():  # most specific entity first
        value = (binding.get(var) or {}).get("value")
        if isinstance(value, str) and value.strip():
            musicbrainz.append((kind, value.strip().lower()))
    labels: dict[str, str] = {}
    aliases: list[Alias] = []
    sitelinks: int | None = None
    for var in sorted(binding):
        cell = binding[var]
        if not isinstance(cell, dict) or not isinstance(cell.get("value"), str):
            continue
        value, language = cell["value"].strip(), cell.get("xml:lang")
        if var == "sitelinks":
            sitelinks = int(value)
        elif language in wikidata.LANGUAGES and value and len(value) <= MAX_ALIAS_LENGTH:
            if var.lower().endswith("label") and language not in labels:
                labels[language] = value
            else:
                aliases.append(Alias(value, language))
    return WikidataFacts(
        match.group(1),
        label_en=labels.get("en"),
        label_ko=labels.get("ko"),
        aliases=tuple(aliases),
        musicbrainz=tuple(musicbrainz),
        sitelinks=sitelinks,
    )


async def write_facts(conn: db.Conn, facts: WikidataFacts) -> bool:
    """Add one item's facts to the catalog entry it is tied to; False when there is none."""
    target = None
    for _kind, mbid in facts.musicbrainz:
        target = await db.external_entity(conn, "musicbrainz", mbid)
        if target is not None:
            break
    if target is None:
        return False
    entity_id, _origin = target
    kind = await db.entity_kind(conn, entity_id)
    if kind is None:  # pragma: no cover  (an external id always points at an entity)
        return False
    label = facts.label_ko or facts.label_en or facts.qid
    source = await db.ensure_source(conn, f"wd:{facts.qid}", ORIGIN, facts.url, "Wikidata", label)
    await db.add_entity_sources(conn, [db.EntitySourceInsert(entity_id, source, ORIGIN)])
    rows: list[db.NameInsert] = []
    for text, lang in facts.names:
        norm = normalize(text)
        if not norm:
            continue
        ko = has_hangul(text)
        type_ = ("hangul" if ko else "stage") if kind == "artist" else ("hangul" if ko else "title")
        rows.append(db.NameInsert(entity_id, kind, text, norm, type_, lang, False, ORIGIN))
    await db.add_names(conn, rows, overwrite=False)
    if facts.sitelinks is not None:
        await db.set_importance_signals(conn, entity_id, sitelinks=facts.sitelinks)
    return True


# ------------------------------------------------------------------------------ reading
@dataclass(slots=True)
class _ObjectScan:
    """Where a scan through one JSON object is: its depth, and inside a string or not."""

    depth: int = 0
    in_string: bool = False
    escaped_at: int = -1  # the index of a character escaped by a backslash before it


_SYNTAX = re.compile(r'[{}\[\]"\\]')


def _object_end(text: str, start: int, scan: _ObjectScan) -> int | None:
    """Scan ``text`` from ``start``; return the index after the object's end, or None."""
    for match in _SYNTAX.finditer(text, start):
        at = match.start()
        char = text[at]
        if scan.in_string:
            if at == scan.escaped_at:
                continue
            if char == "\\":
                scan.escaped_at = at + 1
            elif char == '"':
                scan.in_string = False
        elif char == '"':
            scan.in_string = True
        elif char in "{[":
            scan.depth += 1
        elif char in "}]":
            scan.depth -= 1
            if scan.depth == 0:
                return at + 1
    return None


def sparql_bindings(
    stream: IO[bytes], _offset: int, done: int, limit: int = MAX_RECORD
) -> Iterator[tuple[Any, int, int]]:
    """Yield (binding, bindings read, its size) from a SPARQL JSON result, one at a time.

    Each binding is found by scanning for its closing brace (one pass, whatever its size)
    and parsed once; one longer than ``limit`` characters is read past without being kept,
    and one that is not JSON, or is nested too deeply, is yielded as a ``BadRecord``.
    """
    reader = _text(stream)
    buffer = ""
    while (found := _BINDINGS.search(buffer)) is None:
        chunk = reader.read(_CHUNK)
        if not chunk:
            raise ValueError('not a SPARQL JSON result (no "results": {"bindings": [...]})')
        buffer = buffer[-64:] + chunk
    buffer = buffer[found.end() :]
    count = 0
    while True:
        position = 0
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,":
                position += 1
            if position < len(buffer):
                break
            buffer, position = reader.read(_CHUNK), 0
            if not buffer:
                raise ValueError("the SPARQL result ends in the middle of the bindings")
        if buffer[position] == "]":
            return
        if buffer[position] != "{":
            raise ValueError(f"binding {count + 1} is not a JSON object")
        scan = _ObjectScan()
        pieces: list[str] = []
        size = 0
        while (end := _object_end(buffer, position, scan)) is None:
            size += len(buffer) - position
            if size <= limit:
                pieces.append(buffer[position:])
            elif pieces:
                pieces = []  # over the limit: read past, not kept
            scan.escaped_at -= len(buffer)
            buffer, position = reader.read(_CHUNK), 0
            if not buffer:
                raise ValueError("the SPARQL result ends in the middle of a binding")
        size += end - position
        pieces.append(buffer[position:end])
        buffer = buffer[end:]
        count += 1
        if count <= done:
            continue
        if size > limit:
            yield BadRecord(f"longer than {limit:,} characters ({size:,})"), count, size
            continue
        value: Any
        try:
            value = json.loads("".join(pieces))
        except json.JSONDecodeError as exc:
            value = BadRecord(f"not valid JSON ({exc})")
        except RecursionError:
            value = BadRecord("nested too deeply")
        yield value, count, size


def _text(stream: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(stream, encoding="utf-8")


def _is_sparql(path: Path) -> bool:
    try:
        with path.open("rb") as raw, _single_stream(path, raw) as stream:
            head = stream.read(4096).decode("utf-8", errors="replace")
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    return re.match(r'\s*\{\s*"head"', head) is not None or (
        re.match(r"\s*\{", head) is not None and '"bindings"' in head
    )


# ------------------------------------------------------------------------------ import
@dataclass(slots=True)
class _Counts:
    items: int = 0
    linked: int = 0
    unlinked: int = 0


async def import_wikidata_dump(
    store: Store,
    path: Path | str,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch: int | None = None,
) -> ImportReport:
    """Stream a SPARQL JSON result or entity dump lines into the store (resumable)."""
    started = time.perf_counter()
    path = Path(path)
    sparql = _is_sparql(path)
    counts = _Counts()

    async def handle(
        conn: db.Conn, records: list[Any], member: str, first: int, stats: StreamStats
    ) -> None:
        for number, record in enumerate(records, start=first + 1):
            where = f"binding {number}" if sparql else f"line {number}"
            try:
                if sparql:
                    if isinstance(record, BadRecord):
                        raise ValueError(record.reason)
                    facts = facts_from_binding(record)
                else:
                    text = record_bytes(record).strip().rstrip(b",")
                    if text in (b"", b"[", b"]"):
                        continue
                    facts = facts_from_dump_entity(parse_json(text))
                counts.items += 1
                async with db.savepoint(conn):
                    linked = await write_facts(conn, facts)
                if linked:
                    counts.linked += 1
                else:
                    counts.unlinked += 1
            except MALFORMED as exc:
                reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
                stats.warn(f"{where}: skipped ({reason})")
                log.warning("%s: %s: skipped (%s)", SOURCE, where, exc)

    def refuse(stats: StreamStats) -> str | None:
        # Not one item: this is not a Wikidata file (and must not be marked done).
        if stats.malformed and not counts.items and not stats.resumed_at:
            return f"no Wikidata item could be read; first problem: {stats.warnings[0]}"
        return None

    try:
        stats = await stream_file(
            store,
            path,
            source=SOURCE,
            scope="",
            wanted=lambda _name: True,
            records=sparql_bindings if sparql else json_lines,
            handle=handle,
            progress=progress,
            refuse=refuse,
            **({"batch": batch} if batch else {}),
        )
    except ValueError as exc:
        raise DataFileError(f"{display_path(path)}: {exc}") from None
    async with store.transaction() as conn:
        await db.bump_catalog_version(conn)
    return ImportReport(
        "wikidata",
        (display_path(path),),
        {
            "item": counts.items,
            "linked item": counts.linked,
            "unlinked item": counts.unlinked,
            "resumed record": stats.resumed_at,
            "malformed record": stats.malformed,
        },
        0,
        tuple(stats.warnings),
        time.perf_counter() - started,
    )
