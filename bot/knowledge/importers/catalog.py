"""Import the TOML catalog (data/catalog/README.md is the contract): validate, then write.

Every file is parsed and every entry checked before anything is written; ids may refer to
entries of other files (or of catalog files already in the database). The write is one
transaction: a bad file changes nothing. Re-importing updates rows in place, keyed by
(kind, id); rows that disappeared from the imported files are deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linernotes.bot.knowledge import vocab
from linernotes.bot.knowledge.importers.report import ImportReport, Problems, display_path
from linernotes.bot.knowledge.normalize import has_hangul, normalize
from linernotes.bot.store import catalog as db
from linernotes.bot.store.core import Store

log = logging.getLogger(__name__)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
LENGTH = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


# key: (type, required). Types: str, slug, date, pdate, int, length, slugs, ref, aliases,
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
        # Optional additions: ids in the datasets this catalog merges with.
        "kpopnet": ("str", False),
        "musicbrainz": ("str", False),
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
        "label": ("str", False),
        "parent": ("slug", False),
        "tracks": ("slugs", False),
        "aliases": ("aliases", False),
        "importance": ("int", False),
        "musicbrainz": ("str", False),
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
        "confidence": (vocab.CONFIDENCE_KEYS, False),
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
        "status": (vocab.STATUS_KEYS, True),
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


@dataclass(slots=True)
class Entry:
    """One `[[table]]` entry of one file, with the values it validated to."""

    origin: str
    where: str
    table: str
    values: dict[str, Any]
    sources: list[str] = field(default_factory=list)


def _entry_label(table: str, raw: dict[str, Any]) -> str:
    def s(key: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) else "?"

    if table == "credit":
        return s("subject")
    if table == "membership":
        return f"{s('person')} in {s('group')}"
    if table == "reference":
        return f"{s('from')} -> {s('to')}"
    if table == "link":
        return f"{s('artist')} -> work:{s('work')}"
    return s("id")


def _check(kind: Any, value: Any) -> tuple[Any, str | None]:
    """Return (cleaned value, problem or None)."""
    if isinstance(kind, tuple):
        if value not in kind:
            allowed = ", ".join(f'"{k}"' for k in kind)
            return None, f"must be one of {allowed}, not {value!r}"
        return value, None
    if kind in ("date", "pdate"):
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat(), None
        pattern = DATE if kind == "date" else PARTIAL_DATE
        if not isinstance(value, str) or not pattern.match(value):
            return None, f"must be a date written YYYY-MM-DD, not {value!r}"
        try:
            if len(value) == 10:
                dt.date.fromisoformat(value)
        except ValueError:
            return None, f"{value!r} is not a real date"
        return value, None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"must be a whole number, not {value!r}"
        return value, None
    if kind == "length":
        if not isinstance(value, str) or not (m := LENGTH.match(value)):
            return None, f'must be a duration written "m:ss", not {value!r}'
        hours, minutes, seconds = int(m.group(1) or 0), int(m.group(2)), int(m.group(3))
        if seconds >= 60:
            return None, f"{value!r} has more than 59 seconds"
        return hours * 3600 + minutes * 60 + seconds, None
    if kind in ("slugs", "refs"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "must be a list of ids"
        if kind == "slugs":
            bad = [v for v in value if not SLUG.match(v)]
            if bad:
                return None, f'"{bad[0]}" is not a valid id (lowercase a-z, 0-9 and -)'
        return list(value), None
    if kind == "aliases":
        if not isinstance(value, list):
            return None, "must be a list of names"
        out = []
        for item in value:
            if isinstance(item, str) and item.strip():
                out.append({"name": item.strip()})
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                if item.get("type") is not None and item["type"] not in vocab.NAME_TYPES:
                    return None, f"alias type must be one of {', '.join(vocab.NAME_TYPES)}"
                if item.get("locale") not in (None, "en", "ko"):
                    return None, 'alias locale must be "en" or "ko"'
                out.append(dict(item))
            else:
                return None, f"contains {item!r}, which is not a name"
        return out, None
    if not isinstance(value, str) or not value.strip():
        return None, f"must be non-empty text, not {value!r}"
    value = value.strip()
    if kind == "slug" and not SLUG.match(value):
        return None, f'"{value}" is not a valid id (lowercase a-z, 0-9 and -)'
    if kind == "url" and not re.match(r"^https?://\S+$", value):
        return None, f'"{value}" is not an http(s) URL'
    if kind == "ref":
        kind_, _, key = value.partition(":")
        if not key or not SLUG.match(key):
            return None, f'"{value}" is not a reference written kind:id'
        return (kind_, key), None
    return value, None


def parse_file(path: Path, problems: Problems, warnings: list[str]) -> list[Entry]:
    """Parse one catalog file into validated entries, recording problems."""
    shown = display_path(path)
    origin = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.add(shown, f"cannot read the file ({exc.strerror or exc})")
        return []
    except UnicodeDecodeError:
        problems.add(shown, "is not UTF-8 text")
        return []
    except tomllib.TOMLDecodeError as exc:
        problems.add(shown, f"is not valid TOML: {exc}")
        return []
    entries: list[Entry] = []
    for table, items in data.items():
        if table not in SPECS:
            problems.add(
                shown,
                f"unknown table [[{table}]] (expected one of "
                f"{', '.join(f'[[{t}]]' for t in SPECS)})",
            )
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            problems.add(shown, f"[{table}] must be written as [[{table}]] entries")
            continue
        for index, raw in enumerate(items, start=1):
            where = f"{shown}: [[{table}]] #{index} ({_entry_label(table, raw)})"
            entry = _parse_entry(origin, where, table, raw, problems, warnings)
            if entry is not None:
                entries.append(entry)
    return entries


def _parse_entry(
    origin: str,
    where: str,
    table: str,
    raw: dict[str, Any],
    problems: Problems,
    warnings: list[str],
) -> Entry | None:
    spec = SPECS[table]
    before = len(problems.items)
    values: dict[str, Any] = {}
    for key, (kind, required) in spec.items():
        if key not in raw:
            if required:
                problems.add(where, f'missing required key "{key}"')
            continue
        value, problem = _check(kind, raw[key])
        if problem:
            problems.add(where, f"{key} {problem}")
        else:
            values[key] = value
    sources: list[str] = []
    if table != "source":
        for key in ("source", "sources"):
            if key not in raw:
                continue
            value = raw[key]
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
                problems.add(where, f"{key} must be a source id or a list of source ids")
                continue
            sources.extend(items)
        if not sources:
            problems.add(where, 'has no source: every entry needs "source" or "sources"')
    for key in raw:
        if key not in spec and key not in ("source", "sources"):
            warnings.append(f'{where}: unknown key "{key}" ignored')
    for (ref_table, ref_key), kinds in REF_KINDS.items():
        if ref_table != table or ref_key not in values:
            continue
        refs = values[ref_key]
        if ref_key == "discusses":
            parsed = []
            for text in refs:
                ref, problem = _check("ref", text)
                if problem:
                    problems.add(where, f"discusses {problem}")
                else:
                    parsed.append(ref)
            values[ref_key] = refs = parsed
        else:
            refs = [refs]
        for kind, key in refs:
            if kind not in kinds:
                problems.add(
                    where, f'{ref_key} must point at {" or ".join(kinds)}, not "{kind}:{key}"'
                )
    if len(problems.items) > before:
        return None
    return Entry(origin, where, table, values, sources)


# ------------------------------------------------------------------------------ import
def catalog_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand directories to their *.toml files (sorted); keep files as given."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out.extend(sorted(p for p in path.glob("*.toml") if p.is_file()))
        else:
            out.append(path)
    return out


async def import_catalog(store: Store, paths: Iterable[Path | str]) -> ImportReport:
    """Validate and import catalog files (or directories of them) in one transaction."""
    started = time.perf_counter()
    files = catalog_files(paths)
    problems = Problems()
    warnings: list[str] = []
    entries: list[Entry] = []
    names_seen: dict[str, Path] = {}
    for path in files:
        if path.name in names_seen and names_seen[path.name] != path:
            problems.add(
                display_path(path),
                f"has the same file name as {names_seen[path.name]}; "
                "file names identify where catalog rows come from",
            )
        names_seen[path.name] = path
        entries.extend(parse_file(path, problems, warnings))
    problems.raise_if_any()
    origins = sorted({p.name for p in files})
    async with store.transaction() as conn:
        report = await _write(conn, entries, origins, problems, warnings)
        problems.raise_if_any()
    for warning in warnings:
        log.warning("catalog: %s", warning)
    return ImportReport(
        "catalog",
        tuple(display_path(p) for p in files),
        report[0],
        report[1],
        tuple(warnings),
        time.perf_counter() - started,
    )


def _alias_rows(
    entity_id: int,
    kind: str,
    entry: Entry,
    origin: str,
    base: list[tuple[str, str, str | None, bool]],
) -> list[tuple[int, str, str, str, str, str | None, bool, str]]:
    """Build name rows: the base names (name, type, locale, primary) then the aliases."""
    rows: list[tuple[int, str, str, str, str, str | None, bool, str]] = []
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
        rows.append((entity_id, kind, text, norm, type_, locale, primary, origin))
    return rows


async def _write(
    conn: db.Conn,
    entries: list[Entry],
    origins: Sequence[str],
    problems: Problems,
    warnings: list[str],
) -> tuple[dict[str, int], int]:
    by_table: dict[str, list[Entry]] = {t: [] for t in SPECS}
    for entry in entries:
        by_table[entry.table].append(entry)

    # Symbol table: ids defined in these files, then ids in the database from other files.
    outside = await db.keys_by_kind(conn, exclude_origins=origins)
    defined: dict[str, dict[str, Entry]] = {k: {} for k in (*ENTITY_TABLES, "source", "review")}
    for table in (*ENTITY_TABLES, "source", "review"):
        for entry in by_table[table]:
            key = entry.values["id"]
            first = defined[table].get(key)
            if first is not None:
                problems.add(entry.where, f'duplicate {table} id "{key}" (first in {first.where})')
            elif key in outside[table] and table != "source":
                problems.add(
                    entry.where, f'{table} id "{key}" is already used by another catalog file'
                )
            else:
                defined[table][key] = entry

    def known(kind: str, key: str) -> bool:
        return key in defined[kind] or key in outside[kind]

    for entry in entries:
        for source in entry.sources:
            if not known("source", source):
                problems.add(entry.where, f'unknown source id "{source}"')
    checks = {
        "membership": (("person", "artist"), ("group", "artist")),
        "release": (("artists", "artist"), ("parent", "release"), ("tracks", "song")),
        "song": (("artists", "artist"),),
        "video": (("song", "song"),),
        "credit": (("artist", "artist"),),
        "reference": (("review", "review"),),
        "link": (("artist", "artist"), ("work", "work")),
    }
    for table, keys in checks.items():
        for entry in by_table[table]:
            for key, kind in keys:
                value = entry.values.get(key)
                for item in value if isinstance(value, list) else [value] if value else []:
                    if not known(kind, item):
                        problems.add(entry.where, f'unknown {kind} id "{item}"')
    for entry in by_table["credit"] + by_table["reference"] + by_table["review"]:
        for ref_key in ("subject", "from", "to", "discusses"):
            value = entry.values.get(ref_key)
            for kind, key in value if isinstance(value, list) else [value] if value else []:
                if not known(kind, key):
                    problems.add(entry.where, f'unknown {kind} id "{key}"')
    problems.raise_if_any()

    # Kinds of artists, for membership checks (person in group).
    artist_kind = {e.values["id"]: e.values["kind"] for e in by_table["artist"]}
    outside_kinds = await db.artist_kinds(conn, list(outside["artist"].values()))
    for key, entity_id in outside["artist"].items():
        artist_kind.setdefault(key, outside_kinds.get(entity_id, "other"))
    for entry in by_table["membership"]:
        if artist_kind.get(entry.values["person"]) == "group":
            problems.add(entry.where, f'person "{entry.values["person"]}" is a group')
        if artist_kind.get(entry.values["group"]) not in ("group", None):
            problems.add(entry.where, f'group "{entry.values["group"]}" is not a group')
    review_urls: dict[str, Entry] = {}
    for entry in by_table["review"]:
        first = review_urls.setdefault(entry.values["url"], entry)
        if first is not entry:
            problems.add(entry.where, f"the same review URL as {first.where}")
    for entry in by_table["release"]:
        if entry.values.get("parent") == entry.values["id"]:
            problems.add(entry.where, "a release cannot be its own parent")
    problems.raise_if_any()

    # Sources first: everything else cites them.
    source_ids = dict(outside["source"])
    for entry in by_table["source"]:
        v = entry.values
        source_ids[v["id"]] = await db.upsert_source(
            conn,
            v["id"],
            entry.origin,
            v["url"],
            v["outlet"],
            v.get("title"),
            v.get("author"),
            v.get("published"),
        )
    ids: dict[str, dict[str, int]] = {k: dict(outside[k]) for k in ENTITY_TABLES}
    for table in ENTITY_TABLES:
        for entry in by_table[table]:
            v = entry.values
            name = v["name"] if table == "artist" else v["title"]
            ids[table][v["id"]] = await db.upsert_entity(
                conn, table, v["id"], entry.origin, name, v.get("hangul"), v.get("importance", 0)
            )
    await db.delete_facts_by_origin(conn, origins)

    names: list[tuple[int, str, str, str, str, str | None, bool, str]] = []
    entity_sources: list[tuple[int, int, str]] = []
    external: list[tuple[str, str, int, str]] = []
    for table in ENTITY_TABLES:
        for entry in by_table[table]:
            v = entry.values
            entity_id = ids[table][v["id"]]
            entity_sources.extend((entity_id, source_ids[s], entry.origin) for s in entry.sources)
            for namespace in ("kpopnet", "musicbrainz"):
                if v.get(namespace):
                    external.append((namespace, v[namespace], entity_id, entry.origin))
            if table == "artist":
                base = [(v["name"], "stage", "ko" if has_hangul(v["name"]) else "en", True)]
                if v.get("hangul"):
                    base.append((v["hangul"], "hangul", "ko", True))
                if v.get("legal_name"):
                    base.append((v["legal_name"], "legal", "en", False))
                if v.get("legal_name_hangul"):
                    base.append((v["legal_name_hangul"], "legal", "ko", False))
                await db.upsert_artist(
                    conn,
                    entity_id,
                    v["kind"],
                    legal_name=v.get("legal_name"),
                    legal_name_hangul=v.get("legal_name_hangul"),
                    disambiguation=v.get("disambiguation"),
                    birth_date=v.get("birth_date"),
                    debut_date=v.get("debut_date"),
                    agency=v.get("agency"),
                )
            else:
                base = [(v["title"], "title", "ko" if has_hangul(v["title"]) else "en", True)]
                if v.get("hangul"):
                    base.append((v["hangul"], "hangul", "ko", True))
            names.extend(_alias_rows(entity_id, table, entry, entry.origin, base))
            if table == "release":
                parent = ids["release"][v["parent"]] if v.get("parent") else None
                await db.upsert_release(
                    conn, entity_id, v["type"], v["date"], v.get("label"), parent
                )
            elif table == "song":
                await db.upsert_song(conn, entity_id, v.get("length"))
            elif table == "video":
                song = ids["song"][v["song"]] if v.get("song") else None
                await db.upsert_video(
                    conn,
                    entity_id,
                    song,
                    v.get("kind", "music video"),
                    v.get("youtube"),
                    v.get("premiere"),
                    v.get("length"),
                )
            elif table == "work":
                await db.upsert_work(
                    conn, entity_id, v["kind"], v.get("creator"), v.get("year"), v.get("note")
                )
    await db.add_names(conn, names, overwrite=True)
    await db.add_entity_sources(conn, entity_sources)
    await db.add_external_ids(conn, external)

    performers, tracks = [], []
    for table in ("release", "song"):
        for entry in by_table[table]:
            v = entry.values
            subject = ids[table][v["id"]]
            first_source = source_ids[entry.sources[0]]
            for position, artist in enumerate(v["artists"], start=1):
                performers.append(
                    (subject, position, ids["artist"][artist], None, first_source, entry.origin)
                )
            for position, song in enumerate(v.get("tracks", []), start=1):
                tracks.append((subject, position, ids["song"][song], first_source, entry.origin))
    await db.add_performers(conn, performers)
    await db.add_tracks(conn, tracks)

    await db.add_memberships(
        conn,
        [
            (
                ids["artist"][e.values["person"]],
                ids["artist"][e.values["group"]],
                e.values.get("stage_name"),
                e.values.get("since"),
                e.values.get("until"),
                None if e.values.get("until") is None else 0,
                None,
                source_ids[s],
                e.origin,
            )
            for e in by_table["membership"]
            for s in e.sources
        ],
    )
    await db.add_credits(
        conn,
        [
            (
                e.values["subject"][0],
                ids[e.values["subject"][0]][e.values["subject"][1]],
                ids["artist"][e.values["artist"]],
                e.values["role"],
                e.values.get("credited_as"),
                None,
                e.values.get("confidence", "A"),
                source_ids[s],
                e.origin,
                None,
            )
            for e in by_table["credit"]
            for s in e.sources
        ],
    )
    review_ids: dict[str, int] = dict(outside["review"])
    subjects = []
    for entry in by_table["review"]:
        v = entry.values
        await db.take_over_review_url(conn, v["url"], v["id"])
        review_id = await db.upsert_review(
            conn,
            v["id"],
            entry.origin,
            v["title"],
            v["url"],
            v["outlet"],
            source_ids[entry.sources[0]],
            v.get("author"),
            v.get("published"),
            v["summary"],
        )
        review_ids[v["id"]] = review_id
        subjects.extend((review_id, ids[k][key], entry.origin) for k, key in v["discusses"])
    await db.add_review_subjects(conn, subjects)
    await db.add_references(
        conn,
        [
            (
                ids[e.values["from"][0]][e.values["from"][1]],
                ids[e.values["to"][0]][e.values["to"][1]],
                e.values["relation"],
                e.values["status"],
                e.values.get("timestamp"),
                e.values.get("note"),
                review_ids[e.values["review"]] if e.values.get("review") else None,
                source_ids[s],
                e.origin,
                None,
            )
            for e in by_table["reference"]
            for s in e.sources
        ],
    )
    await db.add_artist_works(
        conn,
        [
            (
                ids["artist"][e.values["artist"]],
                ids["work"][e.values["work"]],
                e.values["role"],
                source_ids[s],
                e.origin,
            )
            for e in by_table["link"]
            for s in e.sources
        ],
    )

    keep = {t: set(defined[t]) for t in ENTITY_TABLES}
    deleted = await db.delete_stale_entities(conn, origins, keep)
    deleted += await db.delete_stale_reviews(conn, origins, set(defined["review"]))
    in_use = await db.stale_sources_in_use(conn, origins, set(defined["source"]))
    for key in in_use:
        problems.add(
            f'source "{key}"', "was removed from the catalog but other data still cites it"
        )
    problems.raise_if_any()

    from linernotes.bot.knowledge.importers.kpopnet import merge_catalog_artists

    merged = await merge_catalog_artists(conn, [ids["artist"][k] for k in defined["artist"]])
    if merged:
        log.info("merged %d kpopnet artists into catalog artists", merged)
    await db.refresh_labels(conn)
    await db.bump_catalog_version(conn)
    counts = {t: len(by_table[t]) for t in SPECS}
    return counts, deleted
