"""Importers: the TOML catalog, kpopnet.json and MusicBrainz ws/2 JSON.

The names below are loaded on first use (PEP 562), as in ``bot.feeds``: the bot's online
lookups need one importer (MusicBrainz documents), and importing this package no longer loads
the others (the TOML catalog's, kpopnet's, the bundled data's) into every running bot.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.knowledge.importers.bundled import (
        bundled_catalog_dir,
        bundled_data_dir,
        bundled_kpopnet_path,
        ensure_bundled_loaded,
    )
    from bot.knowledge.importers.catalog import catalog_files, import_catalog
    from bot.knowledge.importers.kpopnet import import_kpopnet
    from bot.knowledge.importers.musicbrainz import (
        MusicBrainzError,
        RateLimiter,
        fetch_musicbrainz,
        import_musicbrainz,
        import_musicbrainz_documents,
    )
    from bot.knowledge.importers.report import CatalogError, ImportReport

# Each public name and the module that defines it.
_HOMES = {
    "bundled_catalog_dir": "bundled",
    "bundled_data_dir": "bundled",
    "bundled_kpopnet_path": "bundled",
    "ensure_bundled_loaded": "bundled",
    "catalog_files": "catalog",
    "import_catalog": "catalog",
    "import_kpopnet": "kpopnet",
    "MusicBrainzError": "musicbrainz",
    "RateLimiter": "musicbrainz",
    "fetch_musicbrainz": "musicbrainz",
    "import_musicbrainz": "musicbrainz",
    "import_musicbrainz_documents": "musicbrainz",
    "CatalogError": "report",
    "ImportReport": "report",
}

__all__ = [
    "CatalogError",
    "ImportReport",
    "MusicBrainzError",
    "RateLimiter",
    "bundled_catalog_dir",
    "bundled_data_dir",
    "bundled_kpopnet_path",
    "catalog_files",
    "ensure_bundled_loaded",
    "fetch_musicbrainz",
    "import_catalog",
    "import_kpopnet",
    "import_musicbrainz",
    "import_musicbrainz_documents",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
