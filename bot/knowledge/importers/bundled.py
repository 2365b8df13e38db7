"""Find the data shipped with the package and load it into an empty database."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import linernotes.bot
from linernotes.bot.knowledge.importers.catalog import import_catalog
from linernotes.bot.knowledge.importers.kpopnet import import_kpopnet
from linernotes.bot.knowledge.importers.report import ImportReport, Progress, no_progress
from linernotes.bot.store import catalog as db
from linernotes.bot.store.core import Store

log = logging.getLogger(__name__)


def bundled_data_dir() -> Path:
    """Return the bundled data folder: installed ``linernotes.bot.bundled``, or ./data."""
    try:
        root = resources.files("linernotes.bot.bundled")
    except ModuleNotFoundError:
        root = None
    if root is not None:
        # A namespace package (no __init__.py) yields a MultiplexedPath; take its folders.
        paths = getattr(root, "_paths", None) or [root]
        for candidate in paths:
            path = Path(str(candidate))
            if (path / "catalog").is_dir():
                return path
    return Path(linernotes.bot.__file__).resolve().parent.parent / "data"


def bundled_catalog_dir() -> Path:
    """Return the folder of the bundled catalog TOML files."""
    return bundled_data_dir() / "catalog"


def bundled_kpopnet_path() -> Path:
    """Return the path of the bundled kpopnet.json."""
    return bundled_data_dir() / "kpopnet" / "kpopnet.json"


async def ensure_bundled_loaded(store: Store) -> list[ImportReport]:
    """Load the bundled catalog and kpopnet if the catalog is empty; return what ran."""
    if await db.count_entities(store) > 0:
        return []
    reports: list[ImportReport] = []
    catalog_dir = bundled_catalog_dir()
    if catalog_dir.is_dir() and any(catalog_dir.glob("*.toml")):
        reports.append(await import_catalog(store, [catalog_dir]))
    kpopnet = bundled_kpopnet_path()
    if kpopnet.is_file():
        reports.append(await import_kpopnet(store, kpopnet))
    for report in reports:
        log.info("bundled data loaded: %s", report.summary())
    return reports


async def reimport_catalog(
    store: Store, paths: list[Path], *, progress: Progress = no_progress
) -> list[ImportReport]:
    """Import catalog files, then refresh kpopnet if it was loaded.

    A catalog import rewrites the artists it names, which clears what kpopnet had filled in
    on merged artists (agency, dates); importing kpopnet again puts it back.
    """
    reports = [await import_catalog(store, paths, progress=progress)]
    kpopnet = bundled_kpopnet_path()
    if await db.count_entities(store, origin="kpopnet") > 0 and kpopnet.is_file():
        reports.append(await import_kpopnet(store, kpopnet, progress=progress))
    return reports
