"""An installed (non-editable) bot has every package and its bundled data."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_listed_for_installation() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("bot", "cogs")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk <= listed, sorted(on_disk - listed)
    assert config["package-dir"]["bot.bundled"] == "data"


def test_bundled_data_patterns_match_the_files() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = config["package-data"]["bot.bundled"]
    shipped = {p for pattern in patterns for p in (ROOT / "data").glob(pattern)}
    assert any(p.suffix == ".toml" for p in shipped)
    assert (ROOT / "data" / "kpopnet" / "kpopnet.json") in shipped
    assert (ROOT / "data" / "kpopnet" / "COPYING") in shipped


def test_the_installed_distribution_claims_the_folders_it_is_imported_as() -> None:
    # The code is imported as its folders are named, so the distribution claims exactly those two
    # top-level names (it installs into its own virtual environment or image; README says so).
    owners = importlib.metadata.packages_distributions()
    claimed = sorted(name for name, dists in owners.items() if "linernotes" in dists)
    assert claimed == ["bot", "cogs"]
