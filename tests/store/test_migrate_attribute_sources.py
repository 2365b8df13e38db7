"""The attribute-sources migration keeps every fact of a database made by the release before it.

The old database is built from the bundled data: today's importers fill a fresh database,
then every row, restricted to the columns the previous schema has, is copied into a database
migrated only up to the migration before this one. Migrating it must keep every row and give
each attribute the entity's source only when the entity has exactly one.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from bot.knowledge.audit import audit
from bot.store import Store, bundled_migrations
from bot.store.catalog.provenance import ATTRIBUTES

NAME = "attribute_sources"


def _previous_migrations() -> list:
    migrations = bundled_migrations()
    index = next(i for i, m in enumerate(migrations) if NAME in m.name)
    return migrations[:index]


def _tables(conn: sqlite3.Connection, schema: str = "main") -> list[str]:
    rows = conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'names_fts%' ORDER BY name"
    )
    return [r[0] for r in rows]


def _columns(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def _rows(path: Path, table: str, columns: list[str]) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        cols = ", ".join(columns)
        return conn.execute(f"SELECT {cols} FROM {table} ORDER BY {cols}").fetchall()
    finally:
        conn.close()


async def test_migration_keeps_every_fact_of_a_database_from_the_previous_release(
    template_db: Path, tmp_path: Path
) -> None:
    current, old = tmp_path / "current.db", tmp_path / "old.db"
    shutil.copy(template_db, current)  # today's schema with the bundled data loaded
    store = await Store.open(current)
    expected_audit = await audit(store)
    await store.close()

    store = await Store.open(old, migrations=_previous_migrations())
    await store.close()
    conn = sqlite3.connect(old)
    try:
        conn.execute("ATTACH DATABASE ? AS cur", (str(current),))
        # Rows that others point at first (a trigger checks credits against entities).
        tables = sorted(_tables(conn), key=lambda t: (t not in ("sources", "entities"), t))
        # Columns both schemas have (a later migration may rebuild a table: the heartbeat's).
        old_columns = {
            t: [c for c in _columns(conn, t) if c in _columns(conn, t, "cur")] for t in tables
        }
        for table, columns in old_columns.items():
            cols = ", ".join(columns)
            conn.execute(f"DELETE FROM main.{table}")
            conn.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM cur.{table}")
        conn.commit()
        conn.execute("DETACH DATABASE cur")
        assert conn.execute("SELECT count(*) FROM artists").fetchone()[0] > 1000
    finally:
        conn.close()

    # Migrated to today's schema: the audit reads columns later migrations add (a release's
    # time, pictures); none of them changes a fact.
    store = await Store.open(old)
    try:
        migrated_audit = await audit(store)
    finally:
        await store.close()

    for table, columns in old_columns.items():
        if table == "meta":
            continue  # later migrations leave flags of their own there (a pending rebuild)
        assert _rows(old, table, columns) == _rows(current, table, columns), table

    # Every fact is still there; an attribute borrowed nothing: it has the entity's only
    # source, or none.
    assert migrated_audit.total == expected_audit.total
    conn = sqlite3.connect(old)
    try:
        for table, attributes in ATTRIBUTES.values():
            for attribute, value_columns in attributes.items():
                present = " OR ".join(f"t.{c} IS NOT NULL" for c in value_columns)
                rows = conn.execute(
                    f"SELECT t.{attribute}_source_id, "
                    "(SELECT count(*) FROM entity_sources es WHERE es.entity_id = t.entity_id), "
                    "(SELECT min(source_id) FROM entity_sources es "
                    "WHERE es.entity_id = t.entity_id)"
                    f" FROM {table} t WHERE {present}"
                ).fetchall()
                for source_id, count, only in rows:
                    assert source_id == (only if count == 1 else None), (table, attribute)
        moved = conn.execute(
            "SELECT count(*) FROM artists WHERE birth_date_source_id IS NOT NULL"
        ).fetchone()[0]
        assert moved > 800  # kpopnet profiles: one source each
    finally:
        conn.close()
