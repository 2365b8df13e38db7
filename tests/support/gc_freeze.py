"""Keep what collection built out of the cyclic garbage collector (a pytest plugin).

A test process holds every test module, the bot's modules, discord.py and aiohttp, and every
collected test item; all of them live until the process ends. Each full collection of the
cyclic garbage collector walks them all again, and a test that builds many objects (the alias
index, a catalog import, the emulator's payloads) sets off such collections: in the cog tests
they were a sixth of the CPU. Frozen once collection is done (``gc.freeze``), they are left out
of every later collection, as ``linernotes run`` leaves out what it imports for good
(bot/app/cli.py, ``_import_for_good``). What a test makes is collected as before.
"""

from __future__ import annotations

import gc

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()
