"""Where the tests' own data lives (written for the tests; nothing outside the repository)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "knowledge" / "fixtures"
SMALL_CATALOG = FIXTURES / "catalog"
SNAPSHOT_CATALOG = FIXTURES / "catalog_snapshot"
KPOPNET = ROOT / "data" / "kpopnet" / "kpopnet.json"
