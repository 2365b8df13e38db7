"""Find the data shipped with the package and load it into an empty database."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar, cast

import bot
from bot.knowledge.importers.report import ImportReport, Progress, no_progress
from bot.store import catalog as db
from bot.store.core import Conn, Store

log = logging.getLogger(__name__)

T = TypeVar("T")


def bundled_data_dir() -> Path:
    """Return the bundled data folder: installed ``bot.bundled``, or ./data."""
    try:
        root = resources.files("bot.bundled")
    except ModuleNotFoundError:
        root = None
    if root is not None:
        # A namespace package (no __init__.py) yields a MultiplexedPath; take its folders.
        paths = getattr(root, "_paths", None) or [root]
        for candidate in paths:
            path = Path(str(candidate))
            if (path / "catalog").is_dir():
                return path
    return Path(bot.__file__).resolve().parent.parent / "data"


def bundled_catalog_dir() -> Path:
    """Return the folder of the bundled catalog TOML files."""
    return bundled_data_dir() / "catalog"


def bundled_kpopnet_path() -> Path:
    """Return the path of the bundled kpopnet.json."""
    return bundled_data_dir() / "kpopnet" / "kpopnet.json"


class _Joined:
    """A store whose ``transaction()`` joins the one already open around it.

    Importers open their own transaction (or batch); run inside ``_one_unit`` they all write
    into one, so the catalog and kpopnet are committed together or not at all.
    """

    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """Yield the open transaction's connection (the outer block commits)."""
        yield self._conn

    async def batch(self, work: Callable[[Conn], Awaitable[T]]) -> T:
        """Run ``work`` in the open transaction (already on the database's thread)."""
        return await work(self._conn)


async def _one_unit(
    store: Store,
    catalog: list[Path] | None,
    kpopnet: Path | None,
    *,
    progress: Progress = no_progress,
) -> list[ImportReport]:
    """Import catalog files, then kpopnet, in one transaction: a kill leaves none of it."""
    # Imported here, not with the module: a bot whose database holds the catalog only checks
    # that (``ensure_bundled_loaded``) and never loads the importers (0.8 MiB of its memory).
    from bot.knowledge.importers.catalog import import_catalog
    from bot.knowledge.importers.kpopnet import import_kpopnet

    async def load(conn: Conn) -> list[ImportReport]:
        reports: list[ImportReport] = []
        joined = cast(Store, _Joined(conn))  # importers only call transaction()
        if catalog:
            # kpopnet, next in this transaction, rebuilds every romanized name: once is enough.
            romanize = kpopnet is None
            reports.append(
                await import_catalog(joined, catalog, progress=progress, romanize=romanize)
            )
        if kpopnet is not None:
            reports.append(await import_kpopnet(joined, kpopnet, progress=progress))
        return reports

    # On the database's thread in one hand-over: some 30,000 statements, each otherwise two
    # thread switches (the first answer on an empty database waits for this).
    reports = await store.batch(load)
    await db.optimize_name_search(store)
    return reports


async def ensure_bundled_loaded(
    store: Store, *, progress: Progress = no_progress, use_snapshot: bool = True
) -> list[ImportReport]:
    """Load the bundled catalog and kpopnet, as one unit, if the catalog is empty.

    The rows come from the bundled snapshot (``snapshot.py``: the same importers, run once at
    build time, into a SQLite file that SQLite and PostgreSQL databases alike copy), built first
    where no current one is there; ``use_snapshot=False`` runs the importers here instead. A
    database left by an older version killed between its two load steps (the bundled catalog
    without kpopnet) is completed here, once. Processes sharing one database (PostgreSQL) take
    turns: the first loads, the others then find the catalog there.
    """
    async with store.exclusive("bundled catalog"):
        return await _ensure_bundled_loaded(store, progress, use_snapshot)


async def load_bundled(store: Store, progress: Progress = no_progress) -> list[ImportReport]:
    """Run the importers over the bundled catalog and kpopnet, as one unit (what a snapshot
    holds)."""
    catalog_dir = bundled_catalog_dir()
    catalog = [catalog_dir] if catalog_dir.is_dir() and any(catalog_dir.glob("*.toml")) else None
    kpopnet = bundled_kpopnet_path()
    return await _one_unit(
        store, catalog, kpopnet if kpopnet.is_file() else None, progress=progress
    )


async def build_bundled_snapshot(
    target: Path | None = None, *, progress: Progress = no_progress
) -> Path:
    """Build the bundled snapshot (at ``target``, by default beside the bundled data)."""
    from bot.knowledge.importers import snapshot

    data_dir = bundled_data_dir()
    target = target or snapshot.snapshot_paths(data_dir)[0]
    await snapshot.build_snapshot(target, data_dir, load_bundled, progress=progress)
    return target


async def _ensure_bundled_loaded(
    store: Store, progress: Progress, use_snapshot: bool
) -> list[ImportReport]:
    if await store.get_meta("hangul_forms_pending") is not None:
        async with store.transaction() as conn:
            filled = await db.fill_hangul_forms(conn)
            await db.bump_catalog_version(conn)  # names read differently: drop kept reads
        log.info("Hangul search forms written for %d stored names", filled)
    kpopnet = bundled_kpopnet_path()
    if await db.count_entities(store) > 0:
        if await _missing_bundled_kpopnet(store) and kpopnet.is_file():
            log.warning("the bundled load was interrupted before kpopnet; loading kpopnet now")
            return await _one_unit(store, None, kpopnet, progress=progress)
        return []
    reports = None
    if use_snapshot:
        from bot.knowledge.importers import snapshot  # as the importers in _one_unit

        reports = await snapshot.load_snapshot(
            store, bundled_data_dir(), load_bundled, progress=progress
        )
    if reports is None:
        reports = await load_bundled(store, progress)
    for report in reports:
        log.info("bundled data loaded: %s", report.summary())
    return reports


async def _missing_bundled_kpopnet(store: Store) -> bool:
    """Whether the catalog holds only bundled catalog files and no kpopnet (a cut-off load)."""
    if await db.count_entities(store, origin="kpopnet") > 0:
        return False
    bundled = {p.name for p in bundled_catalog_dir().glob("*.toml")}
    origins = set(await db.catalog_origins(store))
    return bool(origins) and origins <= bundled


async def reimport_catalog(
    store: Store, paths: list[Path], *, progress: Progress = no_progress
) -> list[ImportReport]:
    """Import catalog files and refresh kpopnet if it was loaded, as one unit.

    A catalog import rewrites the artists it names, which clears what kpopnet had filled in
    on merged artists (agency, dates); importing kpopnet again in the same transaction puts
    it back, so no moment (and no kill) leaves merged artists without their fields.
    """
    kpopnet = bundled_kpopnet_path()
    refresh = await db.count_entities(store, origin="kpopnet") > 0 and kpopnet.is_file()
    return await _one_unit(store, paths, kpopnet if refresh else None, progress=progress)
