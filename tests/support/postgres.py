"""A real PostgreSQL for the tests: a fresh database per test on the server that
``LINERNOTES_TEST_POSTGRES_URL`` names (``.ci/run`` starts a throwaway cluster and sets it).
The fixtures that use these helpers (``postgres_url``, ``database``) are in tests/conftest.py.

Without that variable the PostgreSQL tests are skipped, saying why; with
``LINERNOTES_REQUIRE_POSTGRES=1`` (``.ci/run`` sets it) a missing server fails them instead.
Each database is a copy of a template migrated once per run (``CREATE DATABASE … TEMPLATE``),
dropped when the test ends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.store import Migration, Store

URL_VARIABLE = "LINERNOTES_TEST_POSTGRES_URL"
REQUIRE_VARIABLE = "LINERNOTES_REQUIRE_POSTGRES"


def server_url() -> str:
    """Return the test server's URL, or skip (fail under CI) when there is none."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if url:
        return url
    reason = (
        f"PostgreSQL tests need a server: set {URL_VARIABLE} "
        "(`.ci/run` starts one; `.ci/postgres start DIR` prints a URL)"
    )
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(reason + f", and {REQUIRE_VARIABLE}=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


def database_url(server: str, name: str) -> str:
    """Return the URL of database ``name`` on the server of ``server``."""
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path="/" + name))


# A fixture's params for "on both backends" (the PostgreSQL one marked, so `-m postgres` runs it).
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

_templates: dict[tuple[str, tuple[int, ...]], str] = {}


async def _template(server: str, migrations: Sequence[Migration] | None) -> str:
    """Return a database migrated with ``migrations`` (all bundled ones: None), made once."""
    key = (server, tuple(m.version for m in migrations) if migrations is not None else ())
    name = _templates.get(key)
    if name is not None:
        return name
    name = f"lnt_template_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    async with Store.open(database_url(server, name), migrations=migrations):
        pass
    _templates[key] = name
    return name


async def fresh_database(migrations: Sequence[Migration] | None = None) -> str:
    """Create an empty migrated database on the test server; return its URL."""
    server = server_url()
    template = await _template(server, migrations)
    name = f"lnt_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return database_url(server, name)


_copies: dict[tuple[str, Path], str] = {}


async def database_like(sqlite_path: Path) -> str:
    """Create a PostgreSQL database holding what the SQLite file holds; return its URL.

    The SQLite file is copied once per run (``linernotes db copy``'s code) into a template;
    each call gets a fresh database made from that template.
    """
    from bot.core.database_url import parse_database_url
    from bot.store.copy import copy_database

    server = server_url()
    key = (server, sqlite_path)
    template = _copies.get(key)
    if template is None:
        template = f"lnt_template_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(server)
        try:
            await admin.execute(f'CREATE DATABASE "{template}"')
        finally:
            await admin.close()
        async with Store.open(sqlite_path) as source:
            await copy_database(source, parse_database_url(database_url(server, template)))
        _copies[key] = template
    name = f"lnt_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return database_url(server, name)


_read_only: dict[tuple[str, Path], str] = {}


async def read_only_database_like(sqlite_path: Path) -> str:
    """Return the URL of a read-only PostgreSQL database holding what the SQLite file holds.

    Made once per run of a worker and shared by the tests that only read it, instead of a copy
    each: a ``CREATE DATABASE`` and a ``DROP DATABASE`` cost the server about 0.3 s of CPU per
    test. Every transaction on it is read-only (``default_transaction_read_only``), so a test
    that writes fails instead of changing what the next test reads. Like the templates, it
    lives as long as the test server (a throwaway cluster).
    """
    server = server_url()
    key = (server, sqlite_path)
    url = _read_only.get(key)
    if url is None:
        url = await database_like(sqlite_path)
        name = urlsplit(url).path.lstrip("/")
        admin = await asyncpg.connect(server)
        try:
            await admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        finally:
            await admin.close()
        _read_only[key] = url
    return url


async def empty_database() -> str:
    """Create a database with no tables on the test server; return its URL."""
    server = server_url()
    name = f"lnt_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return database_url(server, name)


async def drop_database(url: str) -> None:
    """Drop a database made by ``fresh_database`` (closing what still holds it)."""
    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(server_url())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
