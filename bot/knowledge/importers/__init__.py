"""Importers: the TOML catalog, kpopnet.json and MusicBrainz ws/2 JSON."""

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
