"""Name search: exact, prefix and trigram lookups over every name of every entity.

The resolver in ``bot.knowledge.search`` ranks what these return; entity linking reads the
whole name list once per catalog version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from linernotes.bot.store.catalog.rows import NameHit, NameRow, Row, qmarks
from linernotes.bot.store.core import Store

# Homonyms are ranked by importance, but at most this many are looked at, so a name shared
# by thousands of entries stays cheap.
_EXACT_SCAN = 1000
_HIT_COLS = (
    "n.entity_id, n.kind, n.name, n.norm, n.is_primary, e.name AS entity_name, e.label, "
    "e.importance"
)


def _kind_filter(kinds: Sequence[str] | None, alias: str = "n") -> tuple[str, list[str]]:
    if not kinds:
        return "", []
    return f" AND {alias}.kind IN ({qmarks(kinds)})", list(kinds)


def _hits(rows: Iterable[Row]) -> list[NameHit]:
    return [
        NameHit(
            int(r["entity_id"]),
            str(r["kind"]),
            str(r["name"]),
            str(r["norm"]),
            bool(r["is_primary"]),
            str(r["entity_name"]),
            str(r["label"]),
            int(r["importance"]),
        )
        for r in rows
    ]


async def names_exact(
    store: Store, norm: str, kinds: Sequence[str] | None, limit: int
) -> list[NameHit]:
    """Return names whose search form equals ``norm`` (index seek)."""
    where, params = _kind_filter(kinds)
    rows = await store.fetchall(
        f"SELECT * FROM (SELECT {_HIT_COLS} FROM names n JOIN entities e ON e.id = n.entity_id "
        f"WHERE n.norm = ?{where} LIMIT {_EXACT_SCAN}) ORDER BY importance DESC LIMIT ?",
        (norm, *params, limit),
    )
    return _hits(rows)


async def names_near_length(
    store: Store, first: str, min_len: int, max_len: int, kinds: Sequence[str] | None, limit: int
) -> list[NameHit]:
    """Return names starting with ``first`` whose search form has a length in the range.

    Typo candidates for short queries, which share too few trigrams to be found by FTS5.
    """
    where, params = _kind_filter(kinds)
    upper = first[:-1] + chr(ord(first[-1]) + 1)
    rows = await store.fetchall(
        f"SELECT {_HIT_COLS} FROM names n JOIN entities e ON e.id = n.entity_id "
        f"WHERE n.norm >= ? AND n.norm < ? AND length(n.norm) BETWEEN ? AND ?{where} "
        "ORDER BY e.importance DESC, n.id LIMIT ?",
        (first, upper, min_len, max_len, *params, limit),
    )
    return _hits(rows)


async def names_exact_many(
    store: Store, norms: Sequence[str], kinds: Sequence[str] | None, limit: int
) -> list[NameHit]:
    """Return names whose search form is any of ``norms`` (one indexed query)."""
    norms = list(dict.fromkeys(n for n in norms if n))[:400]
    if not norms:
        return []
    where, params = _kind_filter(kinds)
    # As in names_exact, at most _EXACT_SCAN homonyms per form: a question naming a long
    # title made of common words ("Love", "사랑") must not join and sort every "Love".
    one = (
        f"SELECT * FROM (SELECT {_HIT_COLS} FROM names n "
        f"JOIN entities e ON e.id = n.entity_id WHERE n.norm = ?{where} LIMIT {_EXACT_SCAN})"
    )
    rows = await store.fetchall(
        f"SELECT * FROM ({' UNION ALL '.join([one] * len(norms))}) "
        "ORDER BY length(norm) DESC, importance DESC LIMIT ?",
        (*(p for norm in norms for p in (norm, *params)), limit),
    )
    return _hits(rows)


async def names_prefix(
    store: Store, norm: str, kinds: Sequence[str] | None, limit: int
) -> list[NameHit]:
    """Return names starting with ``norm`` (index range scan, bounded by ``limit``)."""
    where, params = _kind_filter(kinds)
    upper = norm[:-1] + chr(ord(norm[-1]) + 1)
    rows = await store.fetchall(
        f"SELECT {_HIT_COLS} FROM names n JOIN entities e ON e.id = n.entity_id "
        f"WHERE n.norm > ? AND n.norm < ?{where} LIMIT ?",
        (norm, upper, *params, limit),
    )
    return _hits(rows)


async def names_matching(
    store: Store, fts_query: str, kinds: Sequence[str] | None, limit: int, *, ranked: bool
) -> list[NameHit]:
    """Return names matching an FTS5 trigram query (already quoted by the caller)."""
    where, params = _kind_filter(kinds)
    order = " ORDER BY f.rank" if ranked else ""
    rows = await store.fetchall(
        f"SELECT {_HIT_COLS} "
        f"FROM (SELECT rowid{', rank' if ranked else ''} FROM names_fts WHERE names_fts MATCH ?"
        f"{' ORDER BY rank' if ranked else ''} LIMIT ?) f "
        f"JOIN names n ON n.id = f.rowid JOIN entities e ON e.id = n.entity_id WHERE 1{where}"
        f"{order}",
        (fts_query, limit, *params),
    )
    return _hits(rows)


async def names_of(store: Store, entity_id: int) -> list[NameRow]:
    """Return every name of an entity, primary names first."""
    rows = await store.fetchall(
        "SELECT entity_id, name, type, locale, is_primary, origin FROM names WHERE entity_id = ? "
        "ORDER BY is_primary DESC, locale = 'en' DESC, id",
        (entity_id,),
    )
    return [
        NameRow(
            int(r["entity_id"]),
            r["name"],
            r["type"],
            r["locale"],
            bool(r["is_primary"]),
            r["origin"],
        )
        for r in rows
    ]


async def all_names(store: Store, kinds: Sequence[str]) -> list[tuple[int, str, str, str]]:
    """Return (entity_id, kind, name, norm) for every name of these kinds (for linking)."""
    return [
        (int(r["entity_id"]), str(r["kind"]), str(r["name"]), str(r["norm"]))
        for r in await store.fetchall(
            f"SELECT entity_id, kind, name, norm FROM names WHERE kind IN ({qmarks(kinds)})",
            list(kinds),
        )
    ]
