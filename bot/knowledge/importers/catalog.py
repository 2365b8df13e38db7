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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.knowledge import sources as source_policy
from bot.knowledge import vocab
from bot.knowledge.importers.catalog_spec import (
    REF_KINDS,
    SOURCED_ATTRIBUTES,
    SPECS,
    Entry,
)
from bot.knowledge.importers.catalog_write import write_entries
from bot.knowledge.importers.report import (
    ImportReport,
    Problems,
    Progress,
    display_path,
    no_progress,
)
from bot.knowledge.release_time import parse_release_time
from bot.store.core import Conn, Store

log = logging.getLogger(__name__)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
LENGTH = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


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
    if kind == "time":
        if isinstance(value, dt.time):
            value = value.isoformat(timespec="minutes")
        if not isinstance(value, str):
            return None, f'must be a time written "HH:MM" (KST) or "HH:MM+09:00", not {value!r}'
        try:
            return parse_release_time(value), None
        except ValueError as exc:
            return None, str(exc)
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
    if kind == "url":
        verdict = source_policy.judge(value)
        if verdict.refused:
            return None, verdict.message
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
    for attribute, keys in SOURCED_ATTRIBUTES.get(table, {}).items():
        own = values.get(f"{attribute}_source")
        present = any(k in values for k in keys)
        if own and not present:
            problems.add(where, f"{attribute}_source is given but {attribute} is not")
        elif present and not own and len(sources) > 1:
            warnings.append(
                f"{where}: {attribute} is stored unsourced: it has {len(sources)} possible "
                f'sources; say which page states it with {attribute}_source = "<source id>"'
            )
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


async def import_catalog(
    store: Store,
    paths: Iterable[Path | str],
    *,
    progress: Progress = no_progress,
    romanize: bool = True,
) -> ImportReport:
    """Validate and import catalog files (or directories of them) in one transaction.

    ``romanize=False`` leaves the romanized names to an import that follows in the same
    transaction and rebuilds them all anyway (kpopnet, in ``bundled._one_unit``).
    """
    started = time.perf_counter()
    files = catalog_files(paths)
    progress(0, len(files) + 1)
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
        progress(len(names_seen), len(files) + 1)
    problems.raise_if_any()
    origins = sorted({p.name for p in files})

    async def write(conn: Conn) -> tuple[dict[str, int], int]:
        written = await write_entries(conn, entries, origins, problems, romanize=romanize)
        problems.raise_if_any()
        return written

    # One transaction on the database's thread: thousands of statements, one hand-over.
    report = await store.batch(write)
    progress(len(files) + 1, len(files) + 1)
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
