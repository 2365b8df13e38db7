"""A real PostgreSQL for the tests: a fresh database per test on the server that
``LINERNOTES_TEST_POSTGRES_URL`` names (``.ci/run`` starts a throwaway cluster and sets it).
The fixtures that use these helpers (``postgres_url``, ``database``) are in tests/conftest.py.

Without that variable the PostgreSQL tests are skipped, saying why; with
``LINERNOTES_REQUIRE_POSTGRES=1`` (``.ci/run`` sets it) a missing server fails them instead.
Each database is a copy of a template migrated once per run, shared by xdist's workers
(``CREATE DATABASE … TEMPLATE``); given back when the test ends, it is emptied for the
worker's next test (``release_database``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
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


# One id for the whole test run, shared by pytest-xdist's workers (one process: its own).
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex


async def _built_once(
    server: str,
    what: str,
    build: Callable[[str], Awaitable[None]],
    *,
    template: str | None = None,
) -> str:
    """Return the name of a database that ``build(url)`` fills once per test run.

    Shared by xdist's workers like ``built_once`` files (tests/support/shared.py): the first
    worker to ask builds it under a PostgreSQL advisory lock, under a name of its own, and
    renames it when complete; the others wait for the lock and use it. It starts empty, or
    as a copy of ``template``. Nobody connects to a template after that (``CREATE DATABASE``
    refuses a template in use); the read-only databases are the ones tests connect to.
    """
    digest = hashlib.sha256(f"{_RUN} {what}".encode()).digest()
    name = f"lnt_template_{digest.hex()[:16]}"
    lock = int.from_bytes(digest[:8], "big", signed=True)
    admin = await asyncpg.connect(server)
    try:
        await admin.execute("SELECT pg_advisory_lock($1)", lock)
        try:
            exists = "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)"
            if not await admin.fetchval(exists, name):
                building = f"{name}_{uuid.uuid4().hex[:8]}"
                copied = f' TEMPLATE "{template}"' if template is not None else ""
                await admin.execute(f'CREATE DATABASE "{building}"{copied}')
                try:
                    await build(database_url(server, building))
                except BaseException:
                    await admin.execute(f'DROP DATABASE "{building}" WITH (FORCE)')
                    raise
                await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            await admin.execute("SELECT pg_advisory_unlock($1)", lock)
    finally:
        await admin.close()
    return name


@dataclass(frozen=True)
class _Template:
    """A migrated template database, and what a database copied from it looks like unused."""

    name: str
    seeded: tuple[str, ...]  # the tables the migrations wrote rows into
    fingerprint: str  # its schema and those rows (``_fingerprint``)
    reset: str  # the statements that empty a copy of it again ("" where it cannot be reused)


_TemplateKey = tuple[str, tuple[int, ...]]
_templates: dict[_TemplateKey, _Template] = {}
_spare: dict[_TemplateKey, list[str]] = {}  # copies given back, emptied, ready for the next test
_given: dict[str, _TemplateKey] = {}  # URL of each copy a test holds -> its template

# What a test could change in a database besides its rows: any object of the database (tables,
# columns and their defaults, indexes, constraints, triggers, functions, types, schemas,
# extensions, sequences, views, policies) and the database's own settings. Every such change
# writes rows of the system catalogs in a transaction of its own, so each catalog's row count
# and the sum of its rows' creating transactions (xmin) tell a changed schema from the template's
# in one cheap scan each, where rendering every definition (pg_get_indexdef and the like) cost the
# server some 20-40 ms per test. (ANALYZE and VACUUM update pg_class in place, leaving xmin.)
_CATALOGS = (
    "pg_class",
    "pg_attribute",
    "pg_attrdef",
    "pg_constraint",
    "pg_index",
    "pg_trigger",
    "pg_event_trigger",
    "pg_proc",
    "pg_type",
    "pg_namespace",
    "pg_extension",
    "pg_rewrite",
    "pg_sequence",
    "pg_policy",
    "pg_collation",
    "pg_operator",
)
_SCHEMA_ITEMS = (
    "SELECT concat_ws(E'\\n', "
    + ", ".join(
        f"(SELECT '{c} ' || count(*) || ' ' || coalesce(sum(xmin::text::bigint), 0) FROM {c})"
        for c in _CATALOGS
    )
    + ", (SELECT 'settings ' || coalesce(string_agg(array_to_string(setconfig, ','), ';' "
    "ORDER BY setrole), '') FROM pg_db_role_setting "
    "WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())))"
)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _fingerprint(conn: asyncpg.Connection, seeded: Sequence[str]) -> str:
    """Return what identifies the database's schema and the rows of its ``seeded`` tables."""
    parts = [str(await conn.fetchval(_SCHEMA_ITEMS))]
    for table in seeded:
        rows = await conn.fetchval(
            f"SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM {_ident(table)} t"
        )
        parts.append(f"{table} {rows}")
    return "\n".join(parts)


async def _describe_template(url: str, name: str) -> _Template:
    """Read what a fresh copy of the template holds, and how to empty a used copy again.

    The migrations write rows into a few tables (the applied versions): those are part of the
    fingerprint and never deleted. Every other table is emptied with triggers and foreign keys
    off (``session_replication_role``, a superuser's setting: without it nothing is reused),
    and every sequence set back to where the template left it.
    """
    conn = await asyncpg.connect(url)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        seeded = [
            t for t in tables if await conn.fetchval(f"SELECT EXISTS (SELECT FROM {_ident(t)})")
        ]
        fingerprint = await _fingerprint(conn, seeded)
        sequences = await conn.fetch(
            "SELECT sequencename, start_value, last_value FROM pg_sequences "
            "WHERE schemaname = 'public' ORDER BY sequencename"
        )
        if await conn.fetchval("SELECT current_setting('is_superuser') = 'on'"):
            reset = "".join(
                [
                    "SET session_replication_role = replica;",
                    *(f"DELETE FROM {_ident(t)};" for t in tables if t not in seeded),
                    *(
                        f"SELECT setval('{_ident(s['sequencename'])}', {s['start_value']}, false);"
                        if s["last_value"] is None
                        else f"SELECT setval('{_ident(s['sequencename'])}', {s['last_value']});"
                        for s in sequences
                    ),
                    "RESET session_replication_role;",
                ]
            )
        else:
            reset = ""
    finally:
        await conn.close()
    return _Template(name, tuple(seeded), fingerprint, reset)


async def _template(server: str, migrations: Sequence[Migration] | None) -> _Template:
    """Return a database migrated with ``migrations`` (all bundled ones: None), made once per
    run; the first copy of it this process makes is read for its description, then kept
    spare for the first test."""
    key = (server, tuple(m.version for m in migrations) if migrations is not None else ())
    template = _templates.get(key)
    if template is not None:
        return template

    async def migrate(url: str) -> None:
        async with Store.open(url, migrations=migrations):
            pass

    name = await _built_once(server, f"migrated {key[1]}", migrate)
    first = await _copy(server, name)
    template = await _describe_template(database_url(server, first), name)
    _templates[key] = template
    _spare.setdefault(key, []).append(first)
    return template


async def _copy(server: str, template: str) -> str:
    """Make a new database copied from ``template``; return its name."""
    name = f"lnt_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return name


async def fresh_database(migrations: Sequence[Migration] | None = None) -> str:
    """Return the URL of an empty migrated database on the test server, the test's own.

    Give it back with ``release_database`` when the test ends. A database given back unchanged
    but for its rows is emptied and handed to the next test of this process: making one
    (``CREATE DATABASE … TEMPLATE``) and the first connections to it, which build the server's
    caches of a new database, cost the server about ten times what emptying one does.
    """
    server = server_url()
    key = (server, tuple(m.version for m in migrations) if migrations is not None else ())
    template = await _template(server, migrations)
    spare = _spare.get(key)
    url = database_url(server, spare.pop() if spare else await _copy(server, template.name))
    _given[url] = key
    return url


async def release_database(url: str) -> None:
    """Give back a database from ``fresh_database``: emptied for reuse, or dropped.

    Connections a test left open are closed first. A database whose schema, settings or
    migration records differ from its template's (a test migrated it further, say) is dropped,
    so the next test always starts from the template's state.
    """
    key = _given.pop(url, None)
    template = _templates.get(key) if key is not None else None
    if key is None or template is None or not template.reset:
        await drop_database(url)
        return
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        reusable = await _fingerprint(conn, template.seeded) == template.fingerprint
        if reusable:
            await conn.execute(template.reset)
    finally:
        await conn.close()
    if reusable:
        _spare.setdefault(key, []).append(urlsplit(url).path.lstrip("/"))
    else:
        await drop_database(url)


_copies: dict[tuple[str, Path], str] = {}


async def database_like(sqlite_path: Path) -> str:
    """Create a PostgreSQL database holding what the SQLite file holds; return its URL.

    The SQLite file is copied once per run, for every worker (``linernotes db copy``'s code),
    into a template; each call gets a fresh database made from that template.
    """
    server = server_url()
    return database_url(server, await _copy(server, await _copy_template(server, sqlite_path)))


async def _copy_template(server: str, sqlite_path: Path) -> str:
    """Return the template holding what the SQLite file holds, made once per run."""
    from bot.core.database_url import parse_database_url
    from bot.store.copy import copy_database

    key = (server, sqlite_path)
    template = _copies.get(key)
    if template is None:

        async def copy(url: str) -> None:
            async with Store.open(sqlite_path) as source:
                await copy_database(source, parse_database_url(url))

        template = await _built_once(server, f"copy of {sqlite_path}", copy)
        _copies[key] = template
    return template


_read_only: dict[tuple[str, Path], str] = {}


async def read_only_database_like(sqlite_path: Path) -> str:
    """Return the URL of a read-only PostgreSQL database holding what the SQLite file holds.

    Made once per run, for every worker, and shared by the tests that only read it, instead
    of a copy each (a ``CREATE DATABASE`` and a ``DROP DATABASE`` cost the server about 0.3 s
    of CPU per test) or one per worker. Every transaction on it is read-only
    (``default_transaction_read_only``), so a test that writes fails instead of changing what
    the next test reads. Like the templates, it lives as long as the test server (a throwaway
    cluster).
    """
    server = server_url()
    key = (server, sqlite_path)
    url = _read_only.get(key)
    if url is None:

        async def read_only(building: str) -> None:
            name = urlsplit(building).path.lstrip("/")
            admin = await asyncpg.connect(server)
            try:
                await admin.execute(
                    f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'
                )
            finally:
                await admin.close()

        template = await _copy_template(server, sqlite_path)
        name = await _built_once(
            server, f"read-only copy of {sqlite_path}", read_only, template=template
        )
        url = _read_only[key] = database_url(server, name)
    return url


@asynccontextmanager
async def store_like(
    backend: str, sqlite_path: Path, tmp_path: Path, *, writable: bool
) -> AsyncIterator[Store]:
    """Open a store holding what the SQLite file holds, on ``backend`` ("sqlite" or "postgresql").

    SQLite: a copy in ``tmp_path``. PostgreSQL: the worker's shared read-only copy
    (``read_only_database_like``), or with ``writable`` a database of the test's own, dropped
    after the test.
    """
    if backend == "sqlite":
        target = tmp_path / sqlite_path.name
        shutil.copy(sqlite_path, target)
        async with Store.open(target) as store:
            yield store
        return
    if not writable:
        async with Store.open(await read_only_database_like(sqlite_path), migrate=False) as store:
            yield store
        return
    url = await database_like(sqlite_path)
    try:
        async with Store.open(url, migrate=False) as store:
            yield store
    finally:
        await drop_database(url)


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
    """Drop a database (closing what still holds it)."""
    _given.pop(url, None)
    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(server_url())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
