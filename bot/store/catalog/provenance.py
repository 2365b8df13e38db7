"""SQL for where each fact comes from: the source of each attribute, and the audit's reads.

Dates, agency, label and legal name are columns of ``artists``, ``releases`` and ``videos``;
each has a ``<attribute>_source_id`` column beside it (migration ``*_attribute_sources.sql``).
A value whose source column is NULL is *unsourced*: nobody could tell which page states it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.store.catalog.rows import Conn, SourceRow, source_cols, source_of
from bot.store.core import Store

# kind -> table and {attribute: the value columns it covers}. The source column of an
# attribute is "<attribute>_source_id".
ATTRIBUTES: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "artist": (
        "artists",
        {
            "birth_date": ("birth_date",),
            "debut_date": ("debut_date",),
            "end_date": ("end_date",),
            "agency": ("agency",),
            "legal_name": ("legal_name", "legal_name_hangul"),
        },
    ),
    "release": ("releases", {"date": ("date",), "time": ("time",), "label": ("label",)}),
    "video": ("videos", {"premiere": ("premiere",)}),
}
# Fact tables whose rows cite one source each, with what to call one row in the audit.
ROW_FACTS = (
    ("credits", "credit"),
    ("memberships", "membership"),
    ("performers", "performer"),
    ("release_tracks", "track"),
    ("entity_references", "reference"),
    ("artist_works", "link"),
    ("reviews", "review"),
)


@dataclass(frozen=True, slots=True)
class AttributeFact:
    """One attribute value of an entity and the source that states it (None: unsourced)."""

    entity_id: int
    kind: str
    entity_name: str
    origin: str
    attribute: str
    value: str
    source: SourceRow | None


@dataclass(frozen=True, slots=True)
class CitedSource:
    """A source and how many facts cite it."""

    source: SourceRow
    facts: int


def _present(columns: Sequence[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return "(" + " OR ".join(f"{prefix}{c} IS NOT NULL" for c in columns) + ")"


async def set_attribute_sources(
    conn: Conn,
    kind: str,
    entity_id: int,
    sources: Mapping[str, int | None],
    *,
    fill_only: bool = False,
) -> None:
    """Record the source of each attribute just written.

    Without ``fill_only`` the writer owns the row: each attribute takes the given source, or
    none when it has no value. With ``fill_only`` (an import that only fills blanks) a source
    is recorded only where the attribute had none and its value is now present.
    """
    attributes = ATTRIBUTES[kind][1]
    # Filling blanks, an attribute without a source is left as it is.
    named = tuple(a for a in attributes if not fill_only or sources.get(a) is not None)
    if named:
        await conn.execute(
            _set_sources_sql(kind, named, fill_only),
            (*(sources.get(a) for a in named), entity_id),
        )


@functools.lru_cache(maxsize=64)
def _set_sources_sql(kind: str, named: tuple[str, ...], fill_only: bool) -> str:
    """Return ``set_attribute_sources``'s statement for these attributes (built once: an import
    runs it for every entity it writes)."""
    table, attributes = ATTRIBUTES[kind]
    sets: list[str] = []
    for attribute in named:
        column, columns = f"{attribute}_source_id", attributes[attribute]
        if fill_only:
            sets.append(
                f"{column} = CASE WHEN {column} IS NULL AND {_present(columns)} "
                f"THEN CAST(? AS BIGINT) ELSE {column} END"
            )
        else:
            # The cast types the parameter for PostgreSQL, which cannot infer it inside CASE.
            sets.append(f"{column} = CASE WHEN {_present(columns)} THEN CAST(? AS BIGINT) END")
    return f"UPDATE {table} SET {', '.join(sets)} WHERE entity_id = ?"


async def merge_attribute_sources(conn: Conn, from_id: int, into_id: int) -> None:
    """Before a merge fills blanks of ``into_id`` from ``from_id``, carry the sources along."""
    table, attributes = ATTRIBUTES["artist"]
    sets = []
    for attribute, columns in attributes.items():
        column = f"{attribute}_source_id"
        sets.append(
            f"{column} = CASE WHEN NOT {_present(columns)} THEN "
            f"(SELECT {column} FROM {table} WHERE entity_id = ?) ELSE {column} END"
        )
    await conn.execute(
        f"UPDATE {table} SET {', '.join(sets)} WHERE entity_id = ?",
        (*([from_id] * len(sets)), into_id),
    )


async def attribute_cites(conn: Conn, source_id: int) -> bool:
    """Tell whether any attribute cites this source."""
    for table, attributes in ATTRIBUTES.values():
        where = " OR ".join(f"{a}_source_id = ?" for a in attributes)
        cursor = await conn.execute(
            f"SELECT 1 FROM {table} WHERE {where} LIMIT 1", (source_id,) * len(attributes)
        )
        if await cursor.fetchone() is not None:
            return True
    return False


async def attribute_sources(store: Store, kind: str, entity_id: int) -> dict[str, SourceRow]:
    """Return {attribute: its source} for the sourced attributes of one entity."""
    if kind not in ATTRIBUTES:
        return {}
    table, attributes = ATTRIBUTES[kind]
    out: dict[str, SourceRow] = {}
    for attribute in attributes:
        row = await store.fetchone(
            f"SELECT {source_cols('s')} FROM {table} t JOIN sources s "
            f"ON s.id = t.{attribute}_source_id WHERE t.entity_id = ?",
            (entity_id,),
        )
        if row is not None:
            out[attribute] = source_of(row, "s")
    return out


async def attribute_facts(store: Store) -> list[AttributeFact]:
    """Return every attribute value in the store with its source, in a stable order."""
    out: list[AttributeFact] = []
    for kind, (table, attributes) in ATTRIBUTES.items():
        for attribute, columns in attributes.items():
            value = " || ' / ' || ".join(f"COALESCE(t.{c}, '')" for c in columns)
            rows = await store.fetchall(
                f"SELECT e.id, e.name, e.origin, {value} AS value, {source_cols('s')} "
                f"FROM {table} t JOIN entities e ON e.id = t.entity_id "
                f"LEFT JOIN sources s ON s.id = t.{attribute}_source_id "
                f"WHERE {_present(columns, 't')} ORDER BY e.id",
            )
            for r in rows:
                text = str(r["value"]).strip(" /")
                source = source_of(r, "s") if r["s_id"] is not None else None
                out.append(
                    AttributeFact(int(r[0]), kind, str(r[1]), str(r[2]), attribute, text, source)
                )
    out.sort(key=lambda f: (f.entity_id, f.attribute))
    return out


async def row_fact_sources(store: Store) -> list[tuple[str, str, str, int]]:
    """Return (table label, source url, fact origin, count) for every row fact, grouped."""
    out: list[tuple[str, str, str, int]] = []
    for table, label in ROW_FACTS:
        rows = await store.fetchall(
            f"SELECT s.url, s.origin, count(*) FROM {table} t JOIN sources s "
            "ON s.id = t.source_id GROUP BY s.url, s.origin ORDER BY s.url, s.origin"
        )
        out.extend((label, str(r[0]), str(r[1]), int(r[2])) for r in rows)
    return out


async def cited_sources(store: Store) -> list[CitedSource]:
    """Return every source with its origin and how many facts of any kind cite it."""
    counts: dict[int, int] = {}
    for table, _label in ROW_FACTS:
        for r in await store.fetchall(
            f"SELECT source_id, count(*) FROM {table} GROUP BY source_id"
        ):
            counts[int(r[0])] = counts.get(int(r[0]), 0) + int(r[1])
    for r in await store.fetchall(
        "SELECT source_id, count(*) FROM entity_sources GROUP BY source_id"
    ):
        counts[int(r[0])] = counts.get(int(r[0]), 0) + int(r[1])
    for table, attributes in ATTRIBUTES.values():
        for attribute in attributes:
            for r in await store.fetchall(
                f"SELECT {attribute}_source_id, count(*) FROM {table} "
                f"WHERE {attribute}_source_id IS NOT NULL GROUP BY 1"
            ):
                counts[int(r[0])] = counts.get(int(r[0]), 0) + int(r[1])
    rows = await store.fetchall(f"SELECT {source_cols('s')} FROM sources s ORDER BY s.id")
    return [CitedSource(source_of(r, "s"), counts.get(int(r["s_id"]), 0)) for r in rows]
