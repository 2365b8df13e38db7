"""Name search: exact, prefix and trigram lookups over every name of every entity.

The resolver in ``bot.knowledge.search`` ranks what these return; entity linking reads the
whole name list once per catalog version.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from bot.store.catalog.rows import KIND_BITS, NameHit, NameRow, Row, band_of, kind_codes, qmarks
from bot.store.core import Store
from bot.store.dialect import Dialect

# Homonyms are ranked by importance, but at most this many are looked at, so a name shared
# by thousands of entries stays cheap.
_EXACT_SCAN = 1000
# Every band of names.band, best first (migration 0010): `band IN (...)` with an ORDER BY on
# it lets SQLite read the (band, <form>) index band by band and stop at the LIMIT (on SQLite the
# band's expression, ``band_of``, which its indexes hold: migration 0023), so the names
# read are the most important ones, not the first ones in alphabetical order.
_BAND_ORDER = (7, 6, 5, 4, 3, 2, 1, 0)
_BANDS = "(" + ", ".join(map(str, _BAND_ORDER)) + ")"
_HIT_COLS = (
    "n.entity_id, n.kind, n.name, n.norm, n.is_primary, e.name AS entity_name, e.label, "
    "n.importance"
)
_FORM_COLUMNS = ("norm", "jamo", "choseong")
# How many more entities a caller needs, and the ids of the ones it has (names_prefix).
Entities = tuple[int, Collection[int]]
# With a kind filter, trigram matches are read in a window this many times the limit.
_MATCH_WINDOW = 10


def _kind_filter(kinds: Sequence[str] | None, alias: str = "n") -> tuple[str, list[str]]:
    if not kinds:
        return "", []
    return f" AND {alias}.kind IN ({qmarks(kinds)})", list(kinds)


def _hits(rows: Iterable[Row]) -> list[NameHit]:
    # By position, in _HIT_COLS' order (hundreds of rows a search: cheaper than by name); a
    # statement may add columns after them (a step, a position), never before.
    return [
        NameHit(
            int(r[0]), str(r[1]), str(r[2]), str(r[3]), bool(r[4]), str(r[5]), str(r[6]), int(r[7])
        )
        for r in rows
    ]


def _band_arms(
    dialect: Dialect,
    condition: str,
    params: Sequence[Any],
    kinds: Sequence[str] | None,
    limit: int,
    scan: int | None,
    form: str,
    exact: bool,
) -> tuple[str, list[Any]]:
    """Return the SQL reading names meeting ``condition`` best band first, and its parameters.

    Its rows are (id, importance[, entity_id on PostgreSQL]), at most ``scan`` (default
    ``limit``) per kind, unordered. With kinds, one index range per kind ((kind, band, norm)),
    so a kind filter never applies after the LIMIT and a rare kind is not crowded out by a
    common one. ``exact``: ``condition`` is ``n.norm = ?`` (one search form).
    """
    postgres = dialect.is_postgres
    arms: list[str] = []
    args: list[Any] = []
    for kind in kinds or (None,):
        where = "" if kind is None else " AND n.kind = ?"
        if postgres and exact and kind is not None:
            # One form of one kind: the (norm, kind, band, id) index (migration 0024) holds
            # its names in the bands' order, so one range read backwards replaces eight.
            arms.append(
                "SELECT * FROM (SELECT n.id, n.importance, n.entity_id FROM names n "
                f"WHERE {condition}{where} ORDER BY n.band DESC, n.id DESC LIMIT ?) AS arm"
            )
            args.extend([*params, kind, scan or limit])
            continue
        if postgres:
            # PostgreSQL does not read an IN list of the index's first column in order, so a
            # common prefix would read every band's whole range: one arm per band instead,
            # best first, each read backwards in its (band, form, id) index's order as SQLite
            # reads its (band, form) index (migration 0019), so it stops at the LIMIT; the
            # outer LIMIT stops reading at the first arms that suffice. The index holds each
            # name's importance too (migration 0024): the arms read no table row.
            bands = []
            for band in _BAND_ORDER:
                bands.append(
                    f"(SELECT n.id, n.importance, n.entity_id FROM names n "
                    f"WHERE n.band = {band}{where} "
                    f"AND {condition} ORDER BY n.{form} DESC, n.id DESC LIMIT ?)"
                )
                args.extend([*([kind] if kind is not None else []), *params, scan or limit])
            arms.append(f"SELECT * FROM ({' UNION ALL '.join(bands)} LIMIT ?) AS arm")
            args.append(scan or limit)
            continue
        in_band = band_of(dialect)
        arms.append(
            f"SELECT * FROM (SELECT n.id, n.importance FROM names n WHERE {in_band} IN {_BANDS}"
            f"{where} AND {condition} ORDER BY {in_band} DESC LIMIT ?) AS arm"
        )
        args.extend([*([kind] if kind is not None else []), *params, scan or limit])
    return " UNION ALL ".join(arms), args


# The names read, joined to their rows and entities (``{best}``: (id, importance) rows).
_BEST_HITS = (
    f"SELECT {_HIT_COLS}, best.id AS name_id FROM ({{best}}) AS best "
    "JOIN names n ON n.id = best.id JOIN entities e ON e.id = n.entity_id"
)


def _most_important(arms: str) -> str:
    """SQL for the ``?`` most important names of ``arms``, by importance then id."""
    return f"SELECT id, importance FROM ({arms}) c ORDER BY importance DESC, id LIMIT ?"


def _most_wanted(arms: str, known: str, count: str) -> str:
    """``_most_important``, less names of entities ranked below ``count`` new ones (PostgreSQL).

    Of the ``?`` most important names, a name is kept unless ``count`` entities not in
    ``known`` (SQL for an array of entity ids) have names strictly more important (its entity
    ranks below them all); an entity counts once, and ties in importance are all kept.

    Importance is an integer, so "strictly more important" is the frame up to ``1
    PRECEDING``: a running sum, computed once for the window. ``EXCLUDE GROUP`` said the
    same, but makes PostgreSQL sum each row's whole frame again (quadratic: a one-letter
    prefix's 200 names cost it 10-15 ms).
    """
    return (
        "SELECT id, importance FROM (SELECT id, importance, sum(fresh) OVER (ORDER BY "
        "importance DESC RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) "
        f"AS ahead FROM (SELECT id, importance, CASE WHEN entity_id = ANY({known}) OR "
        "row_number() OVER (PARTITION BY entity_id ORDER BY id) > 1 THEN 0 ELSE 1 END AS fresh "
        "FROM (SELECT id, importance, entity_id FROM "
        f"({arms}) c ORDER BY importance DESC, id LIMIT ?) AS t) AS f"
        f") AS r WHERE COALESCE(ahead, 0) < {count}"
    )


async def _names_by_band(
    store: Store,
    condition: str,
    params: Sequence[Any],
    kinds: Sequence[str] | None,
    limit: int,
    scan: int | None = None,
    form: str = "norm",
    wanted: Entities | None = None,
    exact: bool = False,
) -> list[NameHit]:
    """Return up to ``limit`` names meeting ``condition``, read best band first.

    At most ``scan`` names (default ``limit``) are read per kind (``_band_arms``); the most
    important ``limit`` of them are returned. With ``wanted`` (PostgreSQL), see
    ``names_prefix``.
    """
    postgres = store.dialect.is_postgres
    arms, args = _band_arms(store.dialect, condition, params, kinds, limit, scan, form, exact)
    # Each arm reads its names' importance with the name (SQLite: from the row it looks up
    # anyway, the index's band being a virtual column; PostgreSQL: from the index): the names
    # read are sorted without a second lookup each, and only the ``limit`` kept are joined to
    # their rows and entities (a name shared by thousands reads ``scan`` names per kind).
    if postgres and wanted is not None:
        count, known = wanted
        best, args = _most_wanted(arms, "?", "?"), [list(known), *args, limit, count]
    else:
        best, args = _most_important(arms), [*args, limit]
    rows = await store.fetchall(
        _BEST_HITS.format(best=best) + " ORDER BY best.importance DESC, best.id", args
    )
    return _hits(rows)


async def names_exact(
    store: Store, norm: str, kinds: Sequence[str] | None, limit: int
) -> list[NameHit]:
    """Return names whose search form equals ``norm``, most important first (index seeks)."""
    scan = max(limit, _EXACT_SCAN // max(len(kinds or ()), 1))
    return await _names_by_band(store, "n.norm = ?", (norm,), kinds, limit, scan, exact=True)


async def names_exact_and_prefix(
    store: Store,
    norm: str,
    kinds: Sequence[str] | None,
    limit: int,
    *,
    needed: int,
    enough_if_any: bool,
) -> tuple[list[NameHit], list[NameHit] | None]:
    """Return ``names_exact`` and, when the caller still needs them, ``names_prefix`` of ``norm``.

    The caller ranks entities (an exact match above any prefix one) and needs ``needed`` of
    them: the prefix names are read unless the exact names' entities are that many, or
    (``enough_if_any``) any exact name was found; then the second item is None. The prefix
    names are ``names_prefix`` with ``wanted`` (``needed`` less the exact names' entities,
    those entities known). On PostgreSQL both reads are one statement (one round trip), unless
    ``enough_if_any``: a caller resolving one entity (a typed title) is mostly answered by the
    exact names alone, and the joined statement's prefix part (eight band ranges per kind) costs
    the server about 0.5 ms to set up even when it does not run, more than a second round
    trip costs the few calls that need it.
    """
    if not store.dialect.is_postgres or enough_if_any:
        exact = await names_exact(store, norm, kinds, limit)
        entities = {hit.entity_id for hit in exact}
        if len(entities) >= needed or (enough_if_any and exact):
            return exact, None
        wanted = (needed - len(entities), sorted(entities))
        return exact, await names_prefix(store, norm, kinds, limit, wanted=wanted)
    scan = max(limit, _EXACT_SCAN // max(len(kinds or ()), 1))
    exact_arms, exact_args = _band_arms(
        store.dialect, "n.norm = ?", (norm,), kinds, limit, scan, "norm", exact=True
    )
    upper = norm[:-1] + chr(ord(norm[-1]) + 1)
    prefix_arms, prefix_args = _band_arms(
        store.dialect,
        "n.norm > ? AND n.norm < ?",
        (norm, upper),
        kinds,
        limit,
        None,
        "norm",
        exact=False,
    )
    found = "(SELECT count(DISTINCT entity_id) FROM x)"
    prefix = _most_wanted(prefix_arms, "ARRAY(SELECT entity_id FROM x)", f"(? - {found})")
    rows = await store.fetchall(
        f"WITH x AS MATERIALIZED ({_BEST_HITS.format(best=_most_important(exact_arms))}) "
        "SELECT *, 0 AS step FROM x UNION ALL SELECT p.*, 1 AS step FROM "
        f"({_BEST_HITS.format(best=prefix)}) AS p WHERE {found} < ? "
        "AND NOT (? AND EXISTS (SELECT FROM x)) ORDER BY step, importance DESC, name_id",
        [*exact_args, limit, *prefix_args, limit, needed, needed, enough_if_any],
    )
    exact = _hits(r for r in rows if r["step"] == 0)
    entities = {hit.entity_id for hit in exact}
    if len(entities) >= needed or (enough_if_any and exact):
        return exact, None
    return exact, _hits(r for r in rows if r["step"] == 1)


async def names_near_length(
    store: Store, first: str, min_len: int, max_len: int, kinds: Sequence[str] | None, limit: int
) -> list[NameHit]:
    """Return names starting with ``first`` whose search form has a length in the range.

    Typo candidates for short queries, which share too few trigrams to be found by FTS5.
    """
    upper = first[:-1] + chr(ord(first[-1]) + 1)
    # Read best band first through the (kind, band, norm) index and stop at the limit: sorting
    # every name of that first letter (tens of thousands in a large catalog) cost 100 ms.
    return await _names_by_band(
        store,
        "n.norm >= ? AND n.norm < ? AND length(n.norm) BETWEEN ? AND ?",
        (first, upper, min_len, max_len),
        kinds,
        limit,
    )


# Forms looked up at once: SQLite allows 500 terms in a compound SELECT.
_FORMS_MAX = 400
# From how many forms names_exact_many first asks which of them any name has (SQLite).
_FORMS_CHECKED_FROM = 8


def _padded(count: int) -> int:
    """Return the power of two at or above ``count``."""
    return 1 << max(count - 1, 0).bit_length()


async def names_exact_many(
    store: Store,
    norms: Sequence[str],
    kinds: Sequence[str] | None,
    limit: int,
    *,
    per_form: int = _EXACT_SCAN,
) -> list[NameHit]:
    """Return names whose search form is any of ``norms`` (one indexed query).

    Longest forms first, then the most important. At most ``per_form`` names of each form are
    read, best band first (then the newest): a question made of common words ("Love", "사랑",
    each the title of hundreds of songs) reads a bounded number of rows, whatever the catalog's
    size. Only ids and sort keys are read before the ``limit``; names and labels after it.
    """
    norms = list(dict.fromkeys(n for n in norms if n))[:_FORMS_MAX]
    if not norms or limit <= 0:
        return []
    if len(norms) > _FORMS_CHECKED_FROM and not store.dialect.is_postgres:
        # Most of many forms name nothing (a typo's swapped spellings, a question's word
        # windows): which ones any name has is one seek each in the (norm, kind) index, where
        # the statement below seeks every band for each form (a fifth of the CPU, and no
        # results, for 200 forms). SQLite only: on PostgreSQL it would be one more round trip.
        found = await store.fetchall(
            f"SELECT DISTINCT norm FROM names WHERE norm IN ({qmarks(range(_padded(len(norms))))})",
            (*norms, *[""] * (_padded(len(norms)) - len(norms))),
        )
        present = {str(r[0]) for r in found}
        norms = [n for n in norms if n in present]
        if not norms:
            return []
    where, params = _kind_filter(kinds)
    scan = max(1, min(per_form, _EXACT_SCAN))
    band = band_of(store.dialect)
    if store.dialect.is_postgres:
        # The forms as one array, each read by a lateral arm: one statement text, planned
        # once, whatever their number. (A UNION ALL of 512 arms cost the server some 0.7 s of
        # CPU to plan, and PostgreSQL plans a prepared statement's first executions anew.)
        rows = await store.fetchall(
            f"SELECT {_HIT_COLS} FROM (SELECT arm.* FROM unnest(?::text[]) AS f(norm) "
            "CROSS JOIN LATERAL (SELECT n.id, n.importance, length(n.norm) AS form_len "
            f"FROM names n WHERE {band} IN {_BANDS} AND n.norm = f.norm{where} "
            f"ORDER BY {band} DESC, n.id DESC LIMIT {scan}) AS arm "
            "ORDER BY arm.form_len DESC, arm.importance DESC, arm.id LIMIT ?) AS c "
            "JOIN names n ON n.id = c.id JOIN entities e ON e.id = n.entity_id "
            "ORDER BY c.form_len DESC, c.importance DESC, c.id",
            (norms, *params, limit),
        )
        return _hits(rows)
    # The statement's size goes up in powers of two, padded with the empty form (no name
    # has it): a few statement texts serve every question, so they stay prepared.
    norms += [""] * (min(_padded(len(norms)), _FORMS_MAX) - len(norms))
    one = (
        "SELECT * FROM (SELECT n.id, n.importance, length(n.norm) AS form_len FROM names n "
        f"WHERE {band} IN {_BANDS} AND n.norm = ?{where} ORDER BY {band} DESC, n.id DESC "
        f"LIMIT {scan}) AS arm"
    )
    rows = await store.fetchall(
        f"SELECT {_HIT_COLS} FROM (SELECT * FROM ({' UNION ALL '.join([one] * len(norms))}) "
        "AS found ORDER BY form_len DESC, importance DESC, id LIMIT ?) AS c "
        "JOIN names n ON n.id = c.id JOIN entities e ON e.id = n.entity_id "
        "ORDER BY c.form_len DESC, c.importance DESC, c.id",
        (*(p for norm in norms for p in (norm, *params)), limit),
    )
    return _hits(rows)


async def names_prefix(
    store: Store,
    prefix: str,
    kinds: Sequence[str] | None,
    limit: int,
    *,
    form: str = "norm",
    include_equal: bool = False,
    wanted: Entities | None = None,
) -> list[NameHit]:
    """Return names whose ``form`` (norm, jamo or choseong) starts with ``prefix``.

    The most important names come first: the range is read best band first and stops at
    ``limit``, so a short prefix does not mean the first names in alphabetical order.

    ``wanted`` = (count, known entity ids): the caller ranks entities by importance and
    needs ``count`` more than ``known``; names of an entity with ``count`` new entities
    strictly more important are of no use to it, and PostgreSQL leaves them out (they would
    cross the connection only to be dropped). SQLite returns them (read in-process).
    """
    if form not in _FORM_COLUMNS:
        raise ValueError(f"unknown name form {form!r}")
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    condition = f"n.{form} {'>=' if include_equal else '>'} ? AND n.{form} < ?"
    if form != "norm":
        condition += f" AND n.{form} IS NOT NULL"
    return await _names_by_band(
        store, condition, (prefix, upper), kinds, limit, form=form, wanted=wanted
    )


async def names_matching(
    store: Store,
    fts_query: str,
    kinds: Sequence[str] | None,
    limit: int,
    *,
    ranked: bool,
    lengths: tuple[int, int] | None = None,
) -> list[NameHit]:
    """Return names matching an FTS5 trigram query (already quoted by the caller).

    The kind filter applies to a window of ``_MATCH_WINDOW`` times ``limit`` matches, not to
    the first ``limit`` only, so a song is found even when many artist names share its
    trigrams; the window keeps a query of common trigrams from reading every match.

    ``lengths`` (least, most): the caller drops names whose search form is not of a length in
    that range; PostgreSQL leaves them out of the ``limit`` found (they would cross the
    connection only to be dropped), SQLite returns them (read in-process).
    """
    if store.dialect.is_postgres:
        return await _names_matching_postgres(
            store, fts_query, kinds, limit, ranked=ranked, lengths=lengths
        )
    window = limit * (_MATCH_WINDOW if kinds else 1)
    # One phrase (no operator, so no space: the search's phrases are normalised names).
    groups = parse_fts_query(fts_query) if " " not in fts_query else []
    if not ranked and len(groups) == 1 and len(groups[0]) == 1:
        phrase = groups[0][0]
        grams = [phrase[i : i + 3] for i in range(len(phrase) - 2)]
        if len(grams) >= _SPARSE_GRAMS:
            return await _names_containing(store, phrase, grams, kinds, window, limit)
    if not ranked:
        return await _names_fts(store, fts_query, kinds, limit)
    where, params = _kinds_of_rowid(kinds, "f")
    rows = await store.fetchall(
        f"SELECT {_HIT_COLS} FROM (SELECT f.rowid >> {KIND_BITS} AS id, f.rank FROM "
        "(SELECT rowid, rank FROM names_fts WHERE names_fts MATCH ? ORDER BY rank LIMIT ?) f "
        f"WHERE 1{where} ORDER BY f.rank LIMIT ?) c "
        "JOIN names n ON n.id = c.id JOIN entities e ON e.id = n.entity_id ORDER BY c.rank",
        (fts_query, window, *params, limit),
    )
    return _hits(rows)


def _kinds_of_rowid(kinds: Sequence[str] | None, alias: str) -> tuple[str, list[int]]:
    """Return SQL keeping the FTS5 matches (``alias``) of ``kinds``, read from their rowids."""
    if not kinds:
        return "", []
    codes = kind_codes(kinds)
    return f" AND {alias}.rowid & {(1 << KIND_BITS) - 1} IN ({qmarks(codes)})", codes


async def _names_fts(
    store: Store, fts_query: str, kinds: Sequence[str] | None, limit: int
) -> list[NameHit]:
    """Return the first ``limit`` names (of ``kinds``) an FTS5 query matches, in rowid order.

    With kinds, out of a window of ``_MATCH_WINDOW`` times ``limit`` matches.
    """
    where, params = _kinds_of_rowid(kinds, "f")
    window = limit * (_MATCH_WINDOW if kinds else 1)
    # The matches are read as FTS5 yields them (a co-routine, not materialised first), each
    # match's kind from its rowid (migration 0025): the kind filter stops reading at the
    # ``limit``-th match of its kinds, and no name's row is read before it.
    rows = await store.fetchall(
        f"SELECT {_HIT_COLS} FROM (SELECT f.rowid >> {KIND_BITS} AS id FROM "
        "(SELECT rowid FROM names_fts WHERE names_fts MATCH ? LIMIT ?) f "
        f"WHERE 1{where} LIMIT ?) c JOIN names n ON n.id = c.id "
        "JOIN entities e ON e.id = n.entity_id",
        (fts_query, window, *params, limit),
    )
    return _hits(rows)


def _fts_quoted(text: str) -> str:
    """Return ``text`` as one FTS5 phrase (a string, never syntax)."""
    return '"' + text.replace('"', '""') + '"'


def _two_of(grams: Sequence[str]) -> str:
    """Return an FTS5 expression matching the names holding at least two of ``grams``.

    Not every pair ORed (each trigram's doclist read once per pair it is in), but by halves:
    two of the first half, or two of the second, or one of each. The same names, in the same
    rowid order; about a quarter less of FTS5's work for six trigrams.
    """
    if len(grams) <= 3:
        # Two of (a, b, c): a with b or c, or b with c.
        parts = [
            f"({_fts_quoted(a)} AND ({' OR '.join(_fts_quoted(b) for b in grams[i + 1 :])}))"
            for i, a in enumerate(grams[:-1])
        ]
        return " OR ".join(parts)
    half = len(grams) // 2
    first, second = grams[:half], grams[half:]
    either = [f"({_two_of(side)})" for side in (first, second) if len(side) >= 2]
    one_each = (
        f"(({' OR '.join(map(_fts_quoted, first))}) AND ({' OR '.join(map(_fts_quoted, second))}))"
    )
    return " OR ".join([*either, one_each])


async def names_sharing_two(
    store: Store, grams: Sequence[str], kinds: Sequence[str] | None, limit: int
) -> list[NameHit]:
    """Return names holding at least two of ``grams`` (trigrams), as ``names_matching`` does.

    The typo step's candidates: the same names ``names_matching`` returns for every pair of
    ``grams`` ORed, in the same order (the lowest name ids, with the same window for kinds).
    """
    grams = list(dict.fromkeys(grams))
    if len(grams) < 2:
        raise ValueError("names sharing two trigrams need two trigrams at least")
    if store.dialect.is_postgres:
        window = limit * (_MATCH_WINDOW if kinds else 1)
        sql, args = _sharing_sql(grams, 2, kinds, window, limit, None)
        return _hits(await store.fetchall(f"{sql} ORDER BY pos", args))
    return await _names_fts(store, _two_of(grams), kinds, limit)


# A phrase of this many trigrams or more is looked up by a few of them (see _names_containing).
_SPARSE_GRAMS = 6


async def _names_containing(
    store: Store,
    phrase: str,
    grams: Sequence[str],
    kinds: Sequence[str] | None,
    window: int,
    limit: int,
) -> list[NameHit]:
    """``names_matching`` for one long phrase on SQLite: the same names, read more cheaply.

    FTS5 matches a phrase by the positions of every one of its trigrams, and for a long
    romanised name ("songgyeongseon") the common ones ("ong", "eon") cost most of the step.
    Every third trigram and the last one find the names holding the phrase and a few more;
    ``instr`` keeps exactly the names holding it, in the same (rowid) order, before the window.
    """
    where, params = _kind_filter(kinds, "w")
    sparse = [*grams[::3], *([grams[-1]] if (len(grams) - 1) % 3 else [])]
    query = " AND ".join(map(_fts_quoted, sparse))
    rows = await store.fetchall(
        f"SELECT {_HIT_COLS} FROM (SELECT w.id FROM (SELECT t.id, t.kind FROM "
        "(SELECT rowid FROM names_fts WHERE names_fts MATCH ?) f "
        f"JOIN names t ON t.id = f.rowid >> {KIND_BITS} WHERE instr(t.norm, ?) > 0 LIMIT ?) w "
        f"WHERE 1{where} LIMIT ?) c "
        "JOIN names n ON n.id = c.id JOIN entities e ON e.id = n.entity_id",
        (query, phrase, window, *params, limit),
    )
    return _hits(rows)


def _like_literal(text: str) -> str:
    """Return ``text`` as a LIKE pattern matching it anywhere (wildcards escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def parse_fts_query(fts_query: str) -> list[list[str]]:
    """Read the FTS5 queries the search builds: quoted phrases joined by AND, groups by OR.

    Returns the groups (any matches) of phrases (all must occur). Anything else is refused,
    so user text never reaches SQL as syntax.
    """
    groups: list[list[str]] = []
    current: list[str] = []
    index = 0
    text = fts_query
    expect_phrase = True
    while index < len(text):
        char = text[index]
        if char in " ()":
            index += 1
            continue
        if char == '"':
            end = index + 1
            phrase = ""
            while True:
                close = text.find('"', end)
                if close < 0:
                    raise ValueError(f"unterminated phrase in {fts_query!r}")
                phrase += text[end:close]
                if text.startswith('""', close):
                    phrase += '"'
                    end = close + 2
                    continue
                index = close + 1
                break
            if not expect_phrase:
                raise ValueError(f"two phrases without an operator in {fts_query!r}")
            current.append(phrase)
            expect_phrase = False
            continue
        word = text[index : index + 3]
        if text.startswith("AND", index) and not expect_phrase:
            index += 3
            expect_phrase = True
        elif text.startswith("OR", index) and not expect_phrase:
            groups.append(current)
            current = []
            index += 2
            expect_phrase = True
        else:
            raise ValueError(f"unexpected {word!r} in {fts_query!r}")
    if expect_phrase or not current:
        raise ValueError(f"incomplete query {fts_query!r}")
    groups.append(current)
    return groups


async def _names_matching_postgres(
    store: Store,
    fts_query: str,
    kinds: Sequence[str] | None,
    limit: int,
    *,
    ranked: bool,
    lengths: tuple[int, int] | None,
) -> list[NameHit]:
    """``names_matching`` on PostgreSQL (``_matching_sql``)."""
    sql, args = _matching_sql(fts_query, kinds, limit, ranked=ranked, lengths=lengths)
    return _hits(await store.fetchall(f"{sql} ORDER BY pos", args))


def _matching_sql(
    fts_query: str,
    kinds: Sequence[str] | None,
    limit: int,
    *,
    ranked: bool,
    lengths: tuple[int, int] | None,
) -> tuple[str, list[Any]]:
    """Return SQL for ``names_matching`` on PostgreSQL, and its parameters: the same matches.

    Its rows are the hits with ``pos``, their order. FTS5's trigram tokenizer matches a phrase
    as a substring; ``LIKE '%…%'`` is that, and pg_trgm's GIN index serves it (trigram-only
    queries are read from ``name_grams``: ``_sharing_sql``). Unranked, FTS5 returns matches in
    rowid order, so the window here is the lowest name ids too: both backends offer the same
    candidates. Ranked (bm25 on SQLite) orders by trigram similarity to the first phrase here.
    """
    groups = parse_fts_query(fts_query)
    window = limit * (_MATCH_WINDOW if kinds else 1)
    shared = None if ranked else _trigram_shape(groups)
    if shared is not None:
        grams, need = shared
        return _sharing_sql(grams, need, kinds, window, limit, lengths)
    where, params = _kind_filter(kinds, "m")
    conditions = " OR ".join(
        "(" + " AND ".join("m.norm LIKE ?" for _ in group) + ")" for group in groups
    )
    patterns = [_like_literal(phrase) for group in groups for phrase in group]
    # One phrase (a substring search) is rare text as a rule: ordering by ``m.id + 0`` keeps a
    # cached generic plan, which cannot see the pattern, from reading names in id order
    # through the whole table; the trigram index finds the few matches, sorted after.
    single = len(groups) == 1 and len(groups[0]) == 1
    by_id = "m.id + 0" if single else "m.id"
    order = f"similarity(m.norm, ?) DESC, {by_id}" if ranked else by_id
    order_params = [groups[0][0]] if ranked else []
    sql = (
        f"SELECT {_HIT_COLS}, c.ord AS pos FROM (SELECT id, ord FROM (SELECT m.id, m.kind, "
        f"row_number() OVER (ORDER BY {order}) AS ord FROM names m WHERE {conditions} "
        f"ORDER BY {order} LIMIT ?) AS w WHERE TRUE{where.replace('m.kind', 'w.kind')} "
        "ORDER BY ord LIMIT ?) AS c JOIN names n ON n.id = c.id "
        "JOIN entities e ON e.id = n.entity_id"
    )
    args = [*order_params, *patterns, *order_params, window, *params, limit]
    if lengths is not None:
        sql += " WHERE length(n.norm) BETWEEN ? AND ?"
        args += list(lengths)
    return sql, args


def _trigram_shape(groups: Sequence[Sequence[str]]) -> tuple[list[str], int] | None:
    """Return (trigrams, how many a name must hold) when a query asks only that, else None.

    Two shapes the search builds: one group of distinct trigrams (a name holds them all), and
    every pair of a set of distinct trigrams (a name holds at least two of them: the typo
    step's ``fuzzy_query``). A three-character phrase matches a name exactly when it is one
    of the name's trigrams, so ``name_grams`` (migration 0024) answers both.
    """
    if not groups or any(len(p) != 3 for group in groups for p in group):
        return None
    if len(groups) == 1:
        grams = list(groups[0])
        return (grams, len(grams)) if len(set(grams)) == len(grams) else None
    grams = list(dict.fromkeys(p for group in groups for p in group))
    pairs = [list(pair) for pair in itertools.combinations(grams, 2)]
    if len(grams) >= 2 and [list(group) for group in groups] == pairs:
        return grams, 2
    return None


def _sharing_sql(
    grams: Sequence[str],
    need: int,
    kinds: Sequence[str] | None,
    window: int,
    limit: int,
    lengths: tuple[int, int] | None,
) -> tuple[str, list[Any]]:
    """SQL for names holding at least ``need`` of ``grams`` (rows as ``_matching_sql``'s): the
    first ``window`` by id, then kinds, then (of those ``limit``) those of a length in ``lengths``.

    Each trigram's names are read from ``name_grams`` in id order (an index-only range each);
    the ranges are merged in id order and counted per name, and the read stops once
    ``window`` names hold enough of them, as FTS5 stops reading its doclists on SQLite. The
    candidates are the ones the trigram query finds there (the lowest ids), in the same order.
    """
    where, params = _kind_filter(kinds, "m")
    # Each range in parentheses with its own ORDER BY: that is what makes PostgreSQL merge
    # them in order (a plain UNION ALL of one table's ranges is read whole and sorted).
    ranges = " UNION ALL ".join(
        "(SELECT id FROM name_grams WHERE gram = ? ORDER BY id)" for _ in grams
    )
    found = (
        f"SELECT g.id FROM ({ranges}) AS g GROUP BY g.id HAVING count(*) >= ? ORDER BY g.id LIMIT ?"
    )
    if where:
        found = (
            f"SELECT w.id FROM ({found}) AS w JOIN names m ON m.id = w.id "
            f"WHERE TRUE{where} ORDER BY w.id LIMIT ?"
        )
        args: list[Any] = [*grams, need, window, *params, limit]
    else:  # without kinds the window is the limit
        args = [*grams, need, min(window, limit)]
    long = ""
    if lengths is not None:
        long = " WHERE length(n.norm) BETWEEN ? AND ?"
        args += list(lengths)
    sql = (
        f"SELECT {_HIT_COLS}, c.id AS pos FROM ({found}) AS c JOIN names n ON n.id = c.id "
        f"JOIN entities e ON e.id = n.entity_id{long}"
    )
    return sql, args


async def names_substring_then_typos(
    store: Store,
    phrase_query: str,
    typo_grams: Sequence[str],
    kinds: Sequence[str] | None,
    limits: tuple[int, int],
    *,
    known: Collection[int],
    needed: int,
    lengths: tuple[int, int],
) -> tuple[list[NameHit], list[NameHit] | None]:
    """Return ``names_matching`` of ``phrase_query`` and, when still needed, the typo names:
    ``names_sharing_two`` of ``typo_grams`` (the phrase's matches if they are one trigram).

    ``limits``: the two reads' limits; ``lengths`` the typo read's. The caller has found the
    entities ``known`` and needs ``needed``: the typo names are read unless the substring
    names bring the entities found to that many; then the second item is None. On PostgreSQL
    both reads are one statement (one round trip).
    """
    grams = list(dict.fromkeys(typo_grams))
    if not store.dialect.is_postgres:
        found = await names_matching(store, phrase_query, kinds, limits[0], ranked=False)
        if len(set(known) | {hit.entity_id for hit in found}) >= needed:
            return found, None
        if len(grams) >= 2:
            return found, await _names_fts(store, _two_of(grams), kinds, limits[1])
        typos = await names_matching(
            store, phrase_query, kinds, limits[1], ranked=False, lengths=lengths
        )
        return found, typos
    phrase_sql, phrase_args = _matching_sql(
        phrase_query, kinds, limits[0], ranked=False, lengths=None
    )
    if len(grams) >= 2:
        window = limits[1] * (_MATCH_WINDOW if kinds else 1)
        typo_sql, typo_args = _sharing_sql(grams, 2, kinds, window, limits[1], lengths)
    else:  # "aaaa": one distinct trigram
        typo_sql, typo_args = _matching_sql(
            phrase_query, kinds, limits[1], ranked=False, lengths=lengths
        )
    known_ids = sorted(set(known))
    rows = await store.fetchall(
        f"WITH s AS MATERIALIZED ({phrase_sql}) SELECT *, 0 AS step FROM s UNION ALL "
        f"SELECT t.*, 1 AS step FROM ({typo_sql}) AS t WHERE (SELECT count(DISTINCT entity_id) "
        "FROM s WHERE entity_id <> ALL(?)) < ? ORDER BY step, pos",
        [*phrase_args, *typo_args, known_ids, needed - len(known_ids)],
    )
    found = _hits(r for r in rows if r["step"] == 0)
    if len(set(known_ids) | {hit.entity_id for hit in found}) >= needed:
        return found, None
    return found, _hits(r for r in rows if r["step"] == 1)


async def names_of(store: Store, entity_id: int) -> list[NameRow]:
    """Return every name of an entity, primary names first."""
    rows = await store.fetchall(
        "SELECT entity_id, name, type, locale, is_primary, origin FROM names WHERE entity_id = ? "
        "ORDER BY is_primary DESC, CASE WHEN locale = 'en' THEN 1 ELSE 0 END DESC, id",
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
