"""The bundled data as a prebuilt snapshot: the importers run once, every empty database copies.

A snapshot is a SQLite file the importers loaded (``bundled.sqlite``), made at build time
(``python -m bot.app.snapshot``: .ci/run and deploy/Dockerfile run it) or, where none is there,
on first use. It carries the schema version it was migrated to and a fingerprint of what made
its rows: the bundled data files and the code of the layers that write them (``bot/core``,
``bot/store`` with its migrations, ``bot/knowledge``). One whose version or fingerprint differs
from the running code's is stale and never loads; it is built again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict
from pathlib import Path

from platformdirs import user_cache_path

import bot
from bot.knowledge.importers.report import ImportReport, Progress, no_progress
from bot.store import snapshot as snapshot_db
from bot.store.core import Store, bundled_migrations

log = logging.getLogger(__name__)

SNAPSHOT_NAME = "bundled.sqlite"
# The packages whose code decides which rows the importers write (the fingerprint reads them).
CODE_PACKAGES = ("core", "store", "knowledge")
CODE_SUFFIXES = (".py", ".sql")

# Runs the importers into a fresh, migrated store (bundled.py passes its one-unit load).
Loader = Callable[[Store, Progress], Awaitable[list[ImportReport]]]


def _data_files(data_dir: Path) -> Iterator[Path]:
    yield from sorted((data_dir / "catalog").glob("*.toml"))
    yield from sorted(p for p in (data_dir / "kpopnet").glob("*") if p.is_file())


def _code_files() -> Iterator[tuple[str, Path]]:
    root = Path(bot.__file__).resolve().parent
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file():
                yield path.relative_to(root).as_posix(), path


def fingerprint(data_dir: Path) -> str:
    """Return the SHA-256 of the bundled data files and the code that imports them."""
    digest = hashlib.sha256()
    named = [(f"data/{p.relative_to(data_dir).as_posix()}", p) for p in _data_files(data_dir)]
    for name, path in [*named, *_code_files()]:
        content = path.read_bytes()
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def snapshot_paths(data_dir: Path) -> list[Path]:
    """Where a snapshot may be, in order: beside the bundled data, then the user's cache."""
    return [data_dir / SNAPSHOT_NAME, user_cache_path("linernotes") / SNAPSHOT_NAME]


def is_current(path: Path, schema_version: int, expected: str) -> bool:
    """Whether the snapshot at ``path`` was built from this code and data (else: stale)."""
    stamp = snapshot_db.snapshot_stamp(path) if path.is_file() else None
    if stamp is None:
        return False
    version, stamps = stamp
    return version == schema_version and stamps.get("snapshot_fingerprint") == expected


def current_snapshot(data_dir: Path, schema_version: int) -> Path | None:
    """Return the first snapshot built from this code and data, if there is one."""
    expected = fingerprint(data_dir)
    return next(
        (p for p in snapshot_paths(data_dir) if is_current(p, schema_version, expected)), None
    )


async def build_snapshot(
    target: Path, data_dir: Path, load: Loader, *, progress: Progress = no_progress
) -> list[ImportReport]:
    """Run the importers into a new database, stamp it, and move it to ``target`` at once."""
    expected = fingerprint(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    _remove(partial)
    try:
        async with Store.open(partial) as store:
            reports = await load(store, progress)
        stamps = {
            "snapshot_fingerprint": expected,
            "snapshot_reports": json.dumps([asdict(r) for r in reports], sort_keys=True),
        }
        snapshot_db.write_stamps(partial, stamps)
        partial.replace(target)  # readers see the old file or the new one, never half of one
    finally:
        _remove(partial)
    log.info("built the bundled snapshot %s", target)
    return reports


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _reports(path: Path, seconds: float) -> list[ImportReport]:
    """Return the import reports the snapshot was built with (timed as this load)."""
    stamp = snapshot_db.snapshot_stamp(path)
    raw = json.loads(stamp[1].get("snapshot_reports", "[]")) if stamp else []
    return [
        ImportReport(
            r["origin"],
            tuple(r["files"]),
            dict(r["counts"]),
            r["deleted"],
            tuple(r["warnings"]),
            seconds,
        )
        for r in raw
    ]


async def load_snapshot(
    store: Store, data_dir: Path, load: Loader, *, progress: Progress = no_progress
) -> list[ImportReport] | None:
    """Copy a current snapshot into the store's empty catalog, building one if none is current.

    Returns the reports the snapshot was built with, or None where no snapshot can serve (a
    store migrated to an older schema, or nowhere to write one): the caller then runs the
    importers itself. A PostgreSQL database loads the same SQLite snapshot, sent by COPY.
    """
    version = await store.user_version()
    if version != bundled_migrations()[-1].version:
        return None  # a snapshot has this code's latest schema; an older one imports as before
    started = time.perf_counter()
    found = current_snapshot(data_dir, version)
    if found is None:
        candidates = snapshot_paths(data_dir)
        for stale in (p for p in candidates if p.is_file()):
            log.info("the bundled snapshot %s is stale (other code or data); not loading it", stale)
        found = await _build_somewhere(candidates, data_dir, load, progress)
        if found is None:
            return None
        # Built by this process from this code and data; a concurrent builder wrote the same.
    progress(0, 1)
    await snapshot_db.copy_snapshot(store, found)
    progress(1, 1)
    seconds = time.perf_counter() - started
    log.info("bundled data loaded from the snapshot %s in %.2f s", found, seconds)
    return _reports(found, seconds)


async def _build_somewhere(
    candidates: list[Path], data_dir: Path, load: Loader, progress: Progress
) -> Path | None:
    """Build a snapshot at the first candidate that can be written; None if none can."""
    for target in candidates:
        if _writable(target.parent):
            await build_snapshot(target, data_dir, load, progress=progress)
            return target
        log.info("cannot write the bundled snapshot in %s", target.parent)
    return None


def _writable(folder: Path) -> bool:
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    return folder.is_dir() and os.access(folder, os.W_OK)
