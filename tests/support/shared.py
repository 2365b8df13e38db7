"""Files a whole test run builds once, even when pytest-xdist runs it in several workers.

``pytest -n 2`` starts two worker processes, and each would build its own copy of a
session-scoped database (the bundled template, the fixture catalogs). ``built_once`` builds the
file once per run in the directory every worker shares, under a file lock: the first worker
builds it, the others wait and then use it. Without xdist it is just built once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock


def run_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the temporary directory of this test run, shared by every xdist worker."""
    base = tmp_path_factory.getbasetemp()
    # A worker's base is <the run's base>/popen-gwN; without xdist it is the run's own.
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """Return ``<run directory>/shared/<name>``, made by ``build(path)`` once per test run.

    ``build`` makes a file or folder that does not exist yet; it is moved into place only when
    complete, so a build that fails is tried again rather than used half made.
    """
    folder = run_directory(tmp_path_factory) / "shared"
    folder.mkdir(exist_ok=True)
    path = folder / name
    with FileLock(folder / f"{name}.lock"):
        if not path.exists():
            partial = folder / f"{name}.partial"
            if partial.is_dir():
                shutil.rmtree(partial)
            partial.unlink(missing_ok=True)
            build(partial)
            partial.replace(path)
    return path
