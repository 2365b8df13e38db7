"""The store's two backends, as the parameters of the fixtures that run a test on both.

Its own small module (pytest alone): tests/conftest.py names it at import, and pytest-xdist's
controller imports conftest without running a test, so nothing heavier is loaded there.
"""

from __future__ import annotations

import pytest

# A fixture's params for "on both backends" (the PostgreSQL one marked, so `-m postgres` runs it).
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
