"""``linernotes db copy --to URL``: every table of one database into an empty one.

The target is created with the same migrations, then filled table by table (a table after
the tables it references), all in one transaction on the target: a copy that fails or is
interrupted leaves the target as it was. Row ids, nonces and post states are copied as they
are, so a bot started on the copy posts nothing twice and keeps every server's settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from bot.core.clock import now_stamp
from bot.core.database_url import DatabaseUrl
from bot.core.errors import StoreError
from bot.store.core import (
    POSTGRES_VERSION_TABLE,
    Conn,
    Migration,
    Store,
    bundled_migrations,
)
from bot.store.core import split_statements as _split

if TYPE_CHECKING:
    from bot.store.postgres import PgConnection

log = logging.getLogger(__name__)

BATCH_ROWS = 1000
# SQLite keeps FTS5's own tables beside ours; PostgreSQL's indexes need no copy, nor does its
# trigram table (name_grams, migration 0024), filled from the copied names.
_SKIPPED_PREFIXES = ("sqlite_", "names_fts", "name_grams")
_GRAMS_TRIGGER = "names_to_grams"


class TargetNotEmpty(StoreError):
    """The target database already holds the bot's tables."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What a copy wrote: rows per table, in the order they were copied."""

    tables: tuple[tuple[str, int], ...]

    @property
    def rows(self) -> int:
        """Return the number of rows copied."""
        return sum(count for _, count in self.tables)


async def _tables(store: Store) -> list[str]:
    """Return the bot's tables in ``store``, by name."""
    if store.is_postgres:
        rows = await store.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' AND table_name <> ? "
            "ORDER BY table_name",
            (POSTGRES_VERSION_TABLE,),
        )
    else:
        rows = await store.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
    return [str(r[0]) for r in rows if not str(r[0]).startswith(_SKIPPED_PREFIXES)]


async def _references(store: Store, table: str) -> set[str]:
    """Return the tables ``table`` has foreign keys to."""
    if store.is_postgres:
        rows = await store.fetchall(
            "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = to_regclass(?)",
            (table,),
        )
        return {str(r[0]).strip('"') for r in rows}
    rows = await store.fetchall(
        f"SELECT DISTINCT \"table\" FROM pragma_foreign_key_list('{table}')"
    )
    return {str(r[0]) for r in rows}


async def _columns(store: Store, table: str) -> list[str]:
    """Return the columns of ``table`` a copy writes (generated ones are computed again)."""
    if store.is_postgres:
        rows = await store.fetchall(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 "
            "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
            (table,),
        )
        return [str(r[0]) for r in rows]
    # hidden: 0 a column, 1 hidden, 2 and 3 generated
    rows = await store.fetchall(f"SELECT name, hidden FROM pragma_table_xinfo('{table}')")
    return [str(r[0]) for r in rows if int(r[1]) == 0]


def _in_dependency_order(tables: list[str], refs: dict[str, set[str]]) -> list[str]:
    """Order tables so each comes after the tables it references (names break ties)."""
    done: list[str] = []
    left = sorted(tables)
    while left:
        ready = [t for t in left if not (refs.get(t, set()) - {t}) - set(done)]
        if not ready:  # a cycle: take the rest by name (foreign keys would then complain)
            ready = left[:1]
        done.extend(ready)
        left = [t for t in left if t not in ready]
    return done


async def target_is_empty(target: Store) -> bool:
    """Whether ``target`` holds none of the bot's tables (and no schema version)."""
    return not await _tables(target) and await target.user_version() == 0


async def _create_schema(conn: Conn, target: Store, migrations: Sequence[Migration]) -> None:
    """Run every migration on the target inside the open transaction."""
    if target.is_postgres:
        pg = cast("PgConnection", conn)
        await pg.script(
            f"CREATE TABLE IF NOT EXISTS {POSTGRES_VERSION_TABLE} "
            "(version INTEGER NOT NULL, applied_at TEXT NOT NULL)"
        )
        for migration in migrations:
            await pg.script(migration.script(target.dialect))
            await conn.execute(
                f"INSERT INTO {POSTGRES_VERSION_TABLE} (version, applied_at) VALUES (?, ?)",
                (migration.version, now_stamp()),
            )
        return
    for migration in migrations:
        for statement in _split(migration.sql):
            await conn.execute(statement)
    if migrations:
        await conn.execute(f"PRAGMA user_version = {int(migrations[-1].version)}")


async def copy_database(
    source: Store,
    target_url: DatabaseUrl,
    *,
    pool_size: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> CopyReport:
    """Copy every table of ``source`` into the empty database at ``target_url``.

    ``source`` must be at this release's schema version (open it migrated). Refuses a
    target that holds the bot's tables (``TargetNotEmpty``), writing nothing.
    """
    migrations = bundled_migrations()
    version = await source.user_version()
    if migrations and version != migrations[-1].version:
        raise StoreError(
            f"the database at {source.location} is at schema version {version}: "
            "run `linernotes db migrate` first"
        )
    if target_url == source.database:
        raise TargetNotEmpty("the target is the database being copied")
    ordered = await tables_in_dependency_order(source, await _tables(source))
    counts = {}
    for table in ordered:
        row = await source.fetchone(f"SELECT count(*) FROM {table}")
        counts[table] = int(row[0]) if row else 0
    total = sum(counts.values())
    done = 0
    if progress is not None:
        progress(0, total)
    async with Store.open(target_url, migrate=False, pool_size=pool_size) as target:
        if not await target_is_empty(target):
            raise TargetNotEmpty(
                f"the database at {target.location} already holds Liner Notes tables: "
                "copy into an empty database"
            )
        copied: list[tuple[str, int]] = []

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, total)

        async with target.transaction() as conn:
            await _create_schema(conn, target, migrations)
            for table in ordered:
                source_columns = await _columns(source, table)
                target_columns = set(await _columns(target, table))
                columns = [c for c in source_columns if c in target_columns]
                quoted = ", ".join(f'"{c}"' for c in columns)
                rows = await source.fetchall(f"SELECT {quoted} FROM {table}")
                await write_table(conn, target, table, columns, rows, advance)
                copied.append((table, len(rows)))
            if target.is_postgres:
                await advance_identities(conn, ordered)
        if target.is_postgres:
            # New tables have no statistics until autovacuum's next round, so every search
            # would be planned blind meanwhile (wrong name-index plans): gather them now.
            await target.execute("ANALYZE")
    log.info("copied %d rows in %d tables to %s", done, len(copied), target_url)
    return CopyReport(tuple(copied))


async def write_table(
    conn: Conn,
    target: Store,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    advance: Callable[[int], None] | None = None,
) -> None:
    """Write ``rows`` (values in ``columns``' order) into ``table`` in the open transaction.

    On PostgreSQL by COPY, not an INSERT per row: the server parses and plans nothing per row
    (its CPU for the rows about a third of the INSERTs'). The trigram table of ``names``
    (name_grams) is filled after them in one statement: the trigger's PL/pgSQL, run once per
    written name, cost the server about as much as the rows did. ``advance(n)`` is called
    after each batch of ``n`` rows.
    """
    grams = target.is_postgres and table == "names"
    if grams:
        await conn.execute(f"ALTER TABLE names DISABLE TRIGGER {_GRAMS_TRIGGER}")
    quoted = ", ".join(f'"{c}"' for c in columns)
    insert = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' for _ in columns)})"
    for start in range(0, len(rows), BATCH_ROWS):
        batch: list[tuple[Any, ...]] = [tuple(r) for r in rows[start : start + BATCH_ROWS]]
        if target.is_postgres:
            from bot.store.postgres import guarded

            raw = cast("PgConnection", conn).raw
            await guarded(raw.copy_records_to_table(table, records=batch, columns=list(columns)))
        else:
            await conn.executemany(insert, batch)
        if advance is not None:
            advance(len(batch))
    if grams:
        await conn.execute(
            "INSERT INTO name_grams (gram, id) SELECT name_grams_of(norm), id FROM names"
        )
        await conn.execute(f"ALTER TABLE names ENABLE TRIGGER {_GRAMS_TRIGGER}")


async def tables_in_dependency_order(store: Store, tables: Sequence[str]) -> list[str]:
    """Return ``tables`` ordered so each comes after the tables it references in ``store``."""
    refs = {table: await _references(store, table) for table in tables}
    return _in_dependency_order(list(tables), refs)


async def advance_identities(conn: Conn, tables: list[str]) -> None:
    """Move each identity column's sequence past the copied ids (new rows get new ids)."""
    cursor = await conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name"
    )
    for row in await cursor.fetchall():
        table, column = str(row[0]), str(row[1])
        if table not in tables:
            continue
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f'COALESCE((SELECT max("{column}") FROM {table}), 0) + 1, false)'
        )
