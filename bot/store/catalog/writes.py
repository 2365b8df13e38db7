"""Writes to the catalog: upserts, bulk fact inserts, replacement by origin, merges, labels.

Writers take the connection of an open ``Store.transaction()`` so an importer can run a whole
import as one transaction (``record_review`` opens its own). The lookups importers make inside
that transaction live here too. Nothing here decides anything: validation is in
``bot.knowledge``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from bot.core.hangul import choseong_form, jamo_form
from bot.store.catalog import provenance
from bot.store.catalog.rows import (
    ENTITY_KINDS,
    FACT_TABLES,
    KIND_BITS,
    ArtistWorkInsert,
    Conn,
    CreditInsert,
    EntitySourceInsert,
    ExternalIdInsert,
    MembershipInsert,
    NameInsert,
    PerformerInsert,
    ReferenceInsert,
    ReviewSubjectInsert,
    TrackInsert,
    kind_code_sql,
    qmarks,
)
from bot.store.core import Store, chunks
from bot.store.dialect import dialect_of

if TYPE_CHECKING:
    from bot.store.postgres import PgConnection


async def _insert(
    conn: Conn,
    table: str,
    columns: tuple[str, ...],
    rows: Iterable[Sequence[Any]],
    conflict: str = "ON CONFLICT DO NOTHING",
) -> None:
    # Callers pass a named row type's _fields: they are the table's column names, in order.
    await conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({qmarks(columns)}) {conflict}",
        rows,
    )


async def upsert_source(
    conn: Conn,
    key: str,
    origin: str,
    url: str,
    outlet: str,
    title: str | None = None,
    author: str | None = None,
    published: str | None = None,
) -> int:
    """Insert or update a source by key; return its id."""
    cursor = await conn.execute(
        "INSERT INTO sources (key, origin, url, outlet, title, author, published) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET origin = excluded.origin, "
        "url = excluded.url, outlet = excluded.outlet, title = excluded.title, "
        "author = excluded.author, published = excluded.published RETURNING id",
        (key, origin, url, outlet, title, author, published),
    )
    row = await cursor.fetchone()
    assert row is not None  # RETURNING (or the row just ensured) gives one row
    return int(row["id"])


async def ensure_source(
    conn: Conn, key: str, origin: str, url: str, outlet: str, title: str | None = None
) -> int:
    """Return the id of the source with ``key``, creating it if missing (never updating)."""
    cursor = await conn.execute(
        "INSERT INTO sources (key, origin, url, outlet, title) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (key) DO NOTHING RETURNING id",
        (key, origin, url, outlet, title),
    )
    row = await cursor.fetchone()
    if row is None:  # it was there already (an import makes mostly new ones: one statement)
        cursor = await conn.execute("SELECT id FROM sources WHERE key = ?", (key,))
        row = await cursor.fetchone()
    assert row is not None  # inserted, or there already
    return int(row["id"])


async def upsert_entity(
    conn: Conn,
    kind: str,
    key: str,
    origin: str,
    name: str,
    hangul: str | None = None,
    importance: int = 0,
) -> int:
    """Insert or update an entity by (kind, key); return its id, stable across updates."""
    cursor = await conn.execute(
        "INSERT INTO entities (kind, key, origin, name, hangul, importance) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET "
        "origin = excluded.origin, name = excluded.name, hangul = excluded.hangul, "
        "importance = excluded.importance RETURNING id",
        (kind, key, origin, name, hangul, importance),
    )
    row = await cursor.fetchone()
    assert row is not None  # RETURNING (or the row just ensured) gives one row
    return int(row["id"])


async def ensure_entity(
    conn: Conn, kind: str, key: str, origin: str, name: str
) -> tuple[int, bool]:
    """Return (id, created) for the entity with (kind, key), creating a stub if missing."""
    cursor = await conn.execute(
        "INSERT INTO entities (kind, key, origin, name) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (kind, key) DO NOTHING RETURNING id",
        (kind, key, origin, name),
    )
    row = await cursor.fetchone()
    if row is not None:  # callers ask after a missed lookup: mostly new, one statement
        return int(row["id"]), True
    cursor = await conn.execute("SELECT id FROM entities WHERE kind = ? AND key = ?", (kind, key))
    row = await cursor.fetchone()
    assert row is not None  # the insert did nothing: it is there already
    return int(row["id"]), False


async def upsert_artist(
    conn: Conn,
    entity_id: int,
    kind: str,
    *,
    legal_name: str | None = None,
    legal_name_hangul: str | None = None,
    disambiguation: str | None = None,
    birth_date: str | None = None,
    debut_date: str | None = None,
    end_date: str | None = None,
    agency: str | None = None,
    parent_group_id: int | None = None,
    fill_only: bool = False,
) -> None:
    """Write artist details; with ``fill_only`` keep every value already present."""
    values = (
        entity_id,
        kind,
        legal_name,
        legal_name_hangul,
        disambiguation,
        birth_date,
        debut_date,
        end_date,
        agency,
        parent_group_id,
    )
    await conn.execute(_UPSERT_ARTIST[fill_only], values)


_ARTIST_COLUMNS = (
    "kind",
    "legal_name",
    "legal_name_hangul",
    "disambiguation",
    "birth_date",
    "debut_date",
    "end_date",
    "agency",
    "parent_group_id",
)
# ``upsert_artist``'s statement, by ``fill_only`` (built once: an import writes every artist).
_UPSERT_ARTIST = {
    fill_only: (
        f"INSERT INTO artists (entity_id, {', '.join(_ARTIST_COLUMNS)}) "
        f"VALUES (?, {qmarks(_ARTIST_COLUMNS)}) ON CONFLICT (entity_id) DO UPDATE SET "
        + ", ".join(
            f"{c} = COALESCE(artists.{c}, excluded.{c})" if fill_only else f"{c} = excluded.{c}"
            for c in _ARTIST_COLUMNS
        )
    )
    for fill_only in (False, True)
}


async def upsert_release(
    conn: Conn,
    entity_id: int,
    type_: str,
    date: str | None,
    label: str | None,
    parent_id: int | None,
    *,
    fill_only: bool = False,
) -> None:
    """Write release details."""
    op = "COALESCE(releases.{0}, excluded.{0})" if fill_only else "excluded.{0}"
    sets = ", ".join(f"{c} = {op.format(c)}" for c in ("type", "date", "label", "parent_id"))
    await conn.execute(
        "INSERT INTO releases (entity_id, type, date, label, parent_id) VALUES (?, ?, ?, ?, ?) "
        f"ON CONFLICT (entity_id) DO UPDATE SET {sets}",
        (entity_id, type_, date, label, parent_id),
    )


async def set_release_time(conn: Conn, entity_id: int, time: str | None) -> None:
    """Write a release's local time with its offset ("18:00+09:00"; None: not known)."""
    await conn.execute("UPDATE releases SET time = ? WHERE entity_id = ?", (time, entity_id))


async def upsert_song(
    conn: Conn, entity_id: int, length_s: int | None, *, fill_only: bool = False
) -> None:
    """Write song details."""
    op = "COALESCE(songs.length_s, excluded.length_s)" if fill_only else "excluded.length_s"
    await conn.execute(
        "INSERT INTO songs (entity_id, length_s) VALUES (?, ?) "
        f"ON CONFLICT (entity_id) DO UPDATE SET length_s = {op}",
        (entity_id, length_s),
    )


async def upsert_video(
    conn: Conn,
    entity_id: int,
    song_id: int | None,
    kind: str,
    youtube: str | None,
    premiere: str | None,
    length_s: int | None,
    *,
    fill_only: bool = False,
) -> None:
    """Write video details."""
    cols = ("song_id", "kind", "youtube", "premiere", "length_s")
    op = "COALESCE(videos.{0}, excluded.{0})" if fill_only else "excluded.{0}"
    sets = ", ".join(f"{c} = {op.format(c)}" for c in cols)
    await conn.execute(
        "INSERT INTO videos (entity_id, song_id, kind, youtube, premiere, length_s) "
        f"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entity_id) DO UPDATE SET {sets}",
        (entity_id, song_id, kind, youtube, premiere, length_s),
    )


async def upsert_work(
    conn: Conn, entity_id: int, kind: str, creator: str | None, year: int | None, note: str | None
) -> None:
    """Write external work details."""
    await conn.execute(
        "INSERT INTO works (entity_id, kind, creator, year, note) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (entity_id) DO UPDATE SET kind = excluded.kind, "
        "creator = excluded.creator, year = excluded.year, note = excluded.note",
        (entity_id, kind, creator, year, note),
    )


async def add_names(conn: Conn, rows: Iterable[NameInsert], *, overwrite: bool) -> None:
    """Add names.

    With ``overwrite`` an existing name of the same search form is taken over (the catalog
    wins); without it an existing one is kept (kpopnet and MusicBrainz only add).
    """
    if overwrite:
        conflict = (
            "ON CONFLICT (entity_id, norm) DO UPDATE SET name = excluded.name, "
            "type = excluded.type, locale = excluded.locale, "
            "is_primary = excluded.is_primary, origin = excluded.origin"
        )
    else:
        # Any conflict: the same search form, or a second primary name in a locale.
        conflict = "ON CONFLICT DO NOTHING"
    # Each name carries its entity's rank (the search orders by it) and its Hangul forms.
    await conn.executemany(
        "INSERT INTO names (entity_id, kind, name, norm, type, locale, is_primary, origin, "
        "jamo, choseong, importance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        f"COALESCE((SELECT rank FROM entities WHERE id = ?), 0)) {conflict}",
        [(*r[:6], int(r[6]), r[7], jamo_form(r[3]), choseong_form(r[3]), r[0]) for r in rows],
    )


async def korean_names(
    conn: Conn, entity_ids: Sequence[int] | None = None
) -> list[tuple[int, str, str]]:
    """Return (entity_id, kind, name) of Korean-locale names (of some entities), by id."""
    if entity_ids is None:
        cursor = await conn.execute(
            "SELECT entity_id, kind, name FROM names WHERE locale = 'ko' ORDER BY id"
        )
        rows = list(await cursor.fetchall())
    else:
        rows = []
        for chunk in chunks(sorted(set(entity_ids)), 500):
            cursor = await conn.execute(
                "SELECT id, entity_id, kind, name FROM names WHERE locale = 'ko' "
                f"AND entity_id IN ({qmarks(chunk)})",
                chunk,
            )
            rows.extend(await cursor.fetchall())
        rows.sort(key=lambda r: int(r["id"]))
    return [(int(r["entity_id"]), str(r["kind"]), str(r["name"])) for r in rows]


async def stored_name_keys(
    conn: Conn, entity_ids: Iterable[int], *, but_origin: str
) -> set[tuple[int, str]]:
    """Return the (entity_id, norm) of these entities' names of every origin but one."""
    keys: set[tuple[int, str]] = set()
    for chunk in chunks(sorted(set(entity_ids)), 500):
        cursor = await conn.execute(
            f"SELECT entity_id, norm FROM names WHERE entity_id IN ({qmarks(chunk)}) "
            "AND origin <> ?",
            [*chunk, but_origin],
        )
        keys.update((int(r["entity_id"]), str(r["norm"])) for r in await cursor.fetchall())
    return keys


async def names_by_origin(
    conn: Conn, origins: Sequence[str], entity_ids: Sequence[int] | None = None
) -> list[tuple[int, NameInsert]]:
    """Return (name id, row) of the names some origins wrote (of some entities), in id order."""
    select = (
        "SELECT id, entity_id, kind, name, norm, type, locale, is_primary, origin FROM names "
        f"WHERE origin IN ({qmarks(origins)})"
    )
    if entity_ids is None:
        cursor = await conn.execute(f"{select} ORDER BY id", list(origins))
        found = list(await cursor.fetchall())
    else:
        found = []
        for chunk in chunks(sorted(set(entity_ids)), 500):
            cursor = await conn.execute(
                f"{select} AND entity_id IN ({qmarks(chunk)})", [*origins, *chunk]
            )
            found.extend(await cursor.fetchall())
        found.sort(key=lambda r: int(r["id"]))
    return [
        (
            int(r["id"]),
            NameInsert(
                int(r["entity_id"]),
                str(r["kind"]),
                str(r["name"]),
                str(r["norm"]),
                str(r["type"]),
                None if r["locale"] is None else str(r["locale"]),
                bool(r["is_primary"]),
                str(r["origin"]),
            ),
        )
        for r in found
    ]


async def replace_names(
    conn: Conn,
    held: Iterable[tuple[int, NameInsert]],
    rows: Sequence[NameInsert],
    *,
    overwrite: bool,
) -> int:
    """Make the ``held`` names (from ``names_by_origin``) become ``rows``; return how many
    rows it offered to add.

    Only what differs is written: a name held unchanged keeps its row and id, one no longer
    given (or given differently) is deleted first, and the new ones are added as ``add_names``
    adds them. A re-import that changes nothing writes nothing.
    """
    wanted = {(r.entity_id, r.norm): r for r in rows}
    kept: set[tuple[int, str]] = set()
    stale: list[int] = []
    for name_id, row in held:
        key = (row.entity_id, row.norm)
        if wanted.get(key) == row and key not in kept:
            kept.add(key)
        else:
            stale.append(name_id)
    await delete_names(conn, stale)
    new = [r for r in rows if (r.entity_id, r.norm) not in kept]
    await add_names(conn, new, overwrite=overwrite)
    return len(new)


async def delete_names(conn: Conn, ids: Sequence[int]) -> None:
    """Delete names by id."""
    for chunk in chunks(list(ids), 500):
        await conn.execute(f"DELETE FROM names WHERE id IN ({qmarks(chunk)})", chunk)


async def set_importance_signals(
    conn: Conn, entity_id: int, *, sitelinks: int | None = None, release_count: int | None = None
) -> None:
    """Record Wikidata sitelinks and/or MusicBrainz release count (None leaves a value as is)."""
    await conn.execute(
        "UPDATE entities SET sitelinks = COALESCE(?, sitelinks), "
        "release_count = COALESCE(?, release_count) WHERE id = ?",
        (sitelinks, release_count, entity_id),
    )


async def fill_hangul_forms(conn: Conn, batch: int = 5000) -> int:
    """Write the Hangul forms of names stored before they existed (once); return how many."""
    cursor = await conn.execute("SELECT 1 FROM meta WHERE key = 'hangul_forms_pending'")
    if await cursor.fetchone() is None:
        return 0
    done, last = 0, 0
    while True:
        cursor = await conn.execute(
            "SELECT id, norm FROM names WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
        )
        rows = list(await cursor.fetchall())
        if not rows:
            break
        last = int(rows[-1][0])
        updates = [
            (jamo, choseong_form(norm), int(i))
            for i, norm in rows
            if (jamo := jamo_form(norm)) is not None
        ]
        await conn.executemany("UPDATE names SET jamo = ?, choseong = ? WHERE id = ?", updates)
        done += len(updates)
    await conn.execute("DELETE FROM meta WHERE key = 'hangul_forms_pending'")
    return done


async def add_entity_sources(conn: Conn, rows: Iterable[EntitySourceInsert]) -> None:
    """Link entities to their sources."""
    await _insert(conn, "entity_sources", EntitySourceInsert._fields, rows)


async def add_external_ids(conn: Conn, rows: Iterable[ExternalIdInsert]) -> None:
    """Record ids in other databases (a known id moves to the new entity)."""
    await _insert(
        conn,
        "external_ids",
        ExternalIdInsert._fields,
        rows,
        "ON CONFLICT (namespace, value) DO UPDATE SET entity_id = excluded.entity_id, "
        "origin = excluded.origin",
    )


async def add_performers(conn: Conn, rows: Iterable[PerformerInsert]) -> None:
    """Add performers (a taken position is kept)."""
    await _insert(conn, "performers", PerformerInsert._fields, rows)


async def add_tracks(conn: Conn, rows: Iterable[TrackInsert]) -> None:
    """Add release tracks (a taken position is kept)."""
    await _insert(conn, "release_tracks", TrackInsert._fields, rows)


async def add_memberships(conn: Conn, rows: Iterable[MembershipInsert]) -> None:
    """Add memberships (one per person, group and origin)."""
    await _insert(conn, "memberships", MembershipInsert._fields, rows)


async def add_credits(conn: Conn, rows: Iterable[CreditInsert]) -> None:
    """Add credits (the same credit from the same source once)."""
    await _insert(conn, "credits", CreditInsert._fields, rows)


async def add_references(conn: Conn, rows: Iterable[ReferenceInsert]) -> None:
    """Add references."""
    await _insert(conn, "entity_references", ReferenceInsert._fields, rows, conflict="")


async def add_artist_works(conn: Conn, rows: Iterable[ArtistWorkInsert]) -> None:
    """Add artist-work links."""
    await _insert(conn, "artist_works", ArtistWorkInsert._fields, rows)


async def upsert_review(
    conn: Conn,
    key: str,
    origin: str,
    title: str,
    url: str,
    outlet: str,
    source_id: int,
    author: str | None = None,
    published: str | None = None,
    summary: str | None = None,
) -> int:
    """Insert or update a review by key; return its id."""
    cursor = await conn.execute(
        "INSERT INTO reviews (key, origin, title, url, outlet, author, published, summary, "
        "source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
        "origin = excluded.origin, title = excluded.title, url = excluded.url, "
        "outlet = excluded.outlet, author = excluded.author, published = excluded.published, "
        "summary = excluded.summary, source_id = excluded.source_id RETURNING id",
        (key, origin, title, url, outlet, author, published, summary, source_id),
    )
    row = await cursor.fetchone()
    assert row is not None  # RETURNING (or the row just ensured) gives one row
    return int(row["id"])


async def take_over_review_url(conn: Conn, url: str, key: str) -> None:
    """Delete a review stored under ``url`` with another key (the catalog's entry wins)."""
    await conn.execute("DELETE FROM reviews WHERE url = ? AND key <> ?", (url, key))


async def add_review_subjects(conn: Conn, rows: Iterable[ReviewSubjectInsert]) -> None:
    """Say what reviews discuss."""
    await _insert(conn, "review_subjects", ReviewSubjectInsert._fields, rows)


async def record_review(
    store: Store,
    *,
    url: str,
    title: str,
    outlet: str,
    subject_ids: Sequence[int],
    author: str | None = None,
    published: str | None = None,
    summary: str | None = None,
    origin: str = "feed",
) -> int:
    """Store a review found outside the catalog (a feed entry), citing its own URL.

    Idempotent by URL: a second call updates the review and adds any new subjects.
    A review the catalog already has (same URL) keeps its catalog row and gains subjects.
    """
    async with store.transaction() as conn:
        cursor = await conn.execute("SELECT id, origin FROM reviews WHERE url = ?", (url,))
        existing = await cursor.fetchone()
        if existing is not None and existing["origin"] != origin:
            review_id = int(existing["id"])
        else:
            source_id = await ensure_source(conn, f"url:{url}", origin, url, outlet, title)
            review_id = await upsert_review(
                conn,
                f"url:{url}",
                origin,
                title,
                url,
                outlet,
                source_id,
                author,
                published,
                summary,
            )
        await add_review_subjects(
            conn, [ReviewSubjectInsert(review_id, e, origin) for e in subject_ids]
        )
    return review_id


async def delete_facts_by_origin(conn: Conn, origins: Sequence[str], *, names: bool = True) -> None:
    """Delete every fact row owned by one of ``origins`` (entities stay).

    ``names=False`` keeps their names, for an import that replaces them with ``replace_names``.
    """
    if not origins:
        return
    for table in FACT_TABLES if names else FACT_TABLES[1:]:
        await conn.execute(f"DELETE FROM {table} WHERE origin IN ({qmarks(origins)})", origins)


async def delete_facts_for(conn: Conn, origin: str, entity_ids: Sequence[int]) -> None:
    """Delete the facts ``origin`` stated about these entities (per-entity replacement)."""
    for chunk in chunks(list(entity_ids)):
        marks = qmarks(chunk)
        params = (origin, *chunk)
        await conn.execute(f"DELETE FROM names WHERE origin = ? AND entity_id IN ({marks})", params)
        await conn.execute(
            f"DELETE FROM performers WHERE origin = ? AND subject_id IN ({marks})", params
        )
        await conn.execute(
            f"DELETE FROM release_tracks WHERE origin = ? AND release_id IN ({marks})", params
        )
        await conn.execute(
            f"DELETE FROM credits WHERE origin = ? AND subject_id IN ({marks})", params
        )


async def performers_exist(conn: Conn, subject_id: int) -> bool:
    """Tell whether a song or release already has performers."""
    cursor = await conn.execute(
        "SELECT 1 FROM performers WHERE subject_id = ? LIMIT 1", (subject_id,)
    )
    return await cursor.fetchone() is not None


async def delete_stale_entities(
    conn: Conn, origins: Sequence[str], keep: dict[str, set[str]]
) -> int:
    """Delete entities of ``origins`` whose key is not in ``keep[kind]``; return how many."""
    if not origins:
        return 0
    cursor = await conn.execute(
        f"SELECT id, kind, key FROM entities WHERE origin IN ({qmarks(origins)})", origins
    )
    stale = [
        int(r["id"]) for r in await cursor.fetchall() if r["key"] not in keep.get(r["kind"], set())
    ]
    for chunk in chunks(stale):
        await conn.execute(f"DELETE FROM entities WHERE id IN ({qmarks(chunk)})", chunk)
    return len(stale)


async def delete_stale_reviews(conn: Conn, origins: Sequence[str], keep: set[str]) -> int:
    """Delete reviews of ``origins`` whose key is not in ``keep``."""
    if not origins:
        return 0
    cursor = await conn.execute(
        f"SELECT id, key FROM reviews WHERE origin IN ({qmarks(origins)})", origins
    )
    stale = [int(r["id"]) for r in await cursor.fetchall() if r["key"] not in keep]
    for review_id in stale:
        await conn.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
    return len(stale)


async def stale_sources_in_use(conn: Conn, origins: Sequence[str], keep: set[str]) -> list[str]:
    """Return keys of sources of ``origins`` not in ``keep`` that other rows still cite."""
    if not origins:
        return []
    cursor = await conn.execute(
        f"SELECT id, key FROM sources WHERE origin IN ({qmarks(origins)})", origins
    )
    stale = [(int(r["id"]), str(r["key"])) for r in await cursor.fetchall() if r["key"] not in keep]
    used: list[str] = []
    for source_id, key in stale:
        for table in (*FACT_TABLES[1:], "reviews"):
            if table in ("names", "external_ids", "review_subjects"):
                continue
            cur = await conn.execute(
                f"SELECT 1 FROM {table} WHERE source_id = ? LIMIT 1", (source_id,)
            )
            if await cur.fetchone() is not None:
                used.append(key)
                break
        else:
            if await provenance.attribute_cites(conn, source_id):
                used.append(key)
            else:
                await conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
    return used


async def keys_by_kind(
    conn: Conn, exclude_origins: Sequence[str] = ()
) -> dict[str, dict[str, int]]:
    """Return {kind: {key: id}} of entities, plus 'source' and 'review' keys."""
    out: dict[str, dict[str, int]] = {kind: {} for kind in (*ENTITY_KINDS, "source", "review")}
    marks = qmarks(exclude_origins) if exclude_origins else ""
    where = f" WHERE origin NOT IN ({marks})" if exclude_origins else ""
    for kind, table in (("source", "sources"), ("review", "reviews")):
        cursor = await conn.execute(f"SELECT key, id FROM {table}{where}", tuple(exclude_origins))
        out[kind] = {str(r["key"]): int(r["id"]) for r in await cursor.fetchall()}
    cursor = await conn.execute(
        f"SELECT kind, key, id FROM entities{where}", tuple(exclude_origins)
    )
    for r in await cursor.fetchall():
        out[r["kind"]][r["key"]] = int(r["id"])
    return out


async def source_urls(conn: Conn, ids: Sequence[int]) -> dict[int, str]:
    """Return {source id: url} for these ids."""
    out: dict[int, str] = {}
    for chunk in chunks(ids):
        cursor = await conn.execute(
            f"SELECT id, url FROM sources WHERE id IN ({qmarks(chunk)})", list(chunk)
        )
        out.update({int(r["id"]): str(r["url"]) for r in await cursor.fetchall()})
    return out


async def artist_kinds(conn: Conn, ids: Sequence[int]) -> dict[int, str]:
    """Return {entity_id: artist kind} for these ids."""
    out: dict[int, str] = {}
    for chunk in chunks(list(ids)):
        cursor = await conn.execute(
            f"SELECT entity_id, kind FROM artists WHERE entity_id IN ({qmarks(chunk)})", chunk
        )
        out.update({int(r["entity_id"]): str(r["kind"]) for r in await cursor.fetchall()})
    return out


async def external_id_map(conn: Conn, namespace: str) -> dict[str, int]:
    """Return {external id: entity_id} for one namespace."""
    cursor = await conn.execute(
        "SELECT value, entity_id FROM external_ids WHERE namespace = ?", (namespace,)
    )
    return {str(r["value"]): int(r["entity_id"]) for r in await cursor.fetchall()}


async def entity_id_by_key(conn: Conn, kind: str, key: str) -> int | None:
    """Return the id of the entity with (kind, key), if there is one."""
    cursor = await conn.execute("SELECT id FROM entities WHERE kind = ? AND key = ?", (kind, key))
    row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def entity_kind(conn: Conn, entity_id: int) -> str | None:
    """Return an entity's kind."""
    cursor = await conn.execute("SELECT kind FROM entities WHERE id = ?", (entity_id,))
    row = await cursor.fetchone()
    return None if row is None else str(row[0])


async def first_video_of(conn: Conn, song_id: int) -> int | None:
    """Return a song's first video, if any."""
    cursor = await conn.execute(
        "SELECT entity_id FROM videos WHERE song_id = ? ORDER BY entity_id LIMIT 1", (song_id,)
    )
    row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def delete_references_from(conn: Conn, origin: str, entity_id: int) -> None:
    """Delete the references ``origin`` stated from an entity (before stating them again)."""
    await conn.execute(
        "DELETE FROM entity_references WHERE origin = ? AND from_id = ?", (origin, entity_id)
    )


async def external_entity(conn: Conn, namespace: str, value: str) -> tuple[int, str] | None:
    """Return (entity_id, entity origin) for one external id, or None."""
    cursor = await conn.execute(
        "SELECT x.entity_id, e.origin FROM external_ids x JOIN entities e ON e.id = x.entity_id "
        "WHERE x.namespace = ? AND x.value = ?",
        (namespace, value),
    )
    row = await cursor.fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


async def external_entities(
    conn: Conn, namespace: str, values: Iterable[str]
) -> dict[str, tuple[int, str]]:
    """Return {external id: (entity_id, entity origin)} for those of ``values`` the store has."""
    out: dict[str, tuple[int, str]] = {}
    dialect = dialect_of(conn)
    wanted = sorted(set(values))
    for chunk in [wanted] if dialect.is_postgres else chunks(wanted):
        among, params = dialect.in_list("x.value", chunk)
        cursor = await conn.execute(
            "SELECT x.value, x.entity_id, e.origin FROM external_ids x "
            f"JOIN entities e ON e.id = x.entity_id WHERE x.namespace = ? AND {among}",
            (namespace, *params),
        )
        out.update({str(r[0]): (int(r[1]), str(r[2])) for r in await cursor.fetchall()})
    return out


async def fill_missing_labels(conn: Conn, ids: Iterable[int]) -> None:
    """Give entities without a label their name until ``refresh_labels`` runs."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        await conn.execute(
            f"UPDATE entities SET label = substr(name, 1, 100) WHERE label = '' "
            f"AND id IN ({qmarks(chunk)})",
            chunk,
        )


async def refresh_release_counts(conn: Conn, origin: str) -> None:
    """Raise the release count of ``origin``'s songs and artists to what the store holds.

    A song counts the releases that list it; an artist the releases it performs on.
    """
    await conn.execute(
        "UPDATE entities SET release_count = c.n FROM (SELECT t.song_id AS id, "
        "count(DISTINCT t.release_id) AS n FROM release_tracks t JOIN entities s "
        "ON s.id = t.song_id AND s.origin = ? GROUP BY t.song_id) c "
        "WHERE entities.id = c.id AND c.n > COALESCE(entities.release_count, 0)",
        (origin,),
    )
    await conn.execute(
        "UPDATE entities SET release_count = c.n FROM (SELECT p.artist_id AS id, "
        "count(DISTINCT p.subject_id) AS n FROM performers p JOIN entities r "
        "ON r.id = p.subject_id AND r.kind = 'release' JOIN entities a ON a.id = p.artist_id "
        "AND a.origin = ? GROUP BY p.artist_id) c "
        "WHERE entities.id = c.id AND c.n > COALESCE(entities.release_count, 0)",
        (origin,),
    )


async def artist_identities(conn: Conn) -> list[tuple[int, str, str, str, str | None, str | None]]:
    """Return (entity_id, origin, key, name norm, birth_date, debut_date) for every artist name."""
    cursor = await conn.execute(
        "SELECT e.id, e.origin, e.key, n.norm, a.birth_date, a.debut_date FROM artists a "
        "JOIN entities e ON e.id = a.entity_id JOIN names n ON n.entity_id = a.entity_id"
    )
    return [
        (
            int(r["id"]),
            str(r["origin"]),
            str(r["key"]),
            str(r["norm"]),
            r["birth_date"],
            r["debut_date"],
        )
        for r in await cursor.fetchall()
    ]


async def entity_origins(conn: Conn, ids: Sequence[int]) -> dict[int, str]:
    """Return {entity_id: origin}."""
    out: dict[int, str] = {}
    for chunk in chunks(list(ids)):
        cursor = await conn.execute(
            f"SELECT id, origin FROM entities WHERE id IN ({qmarks(chunk)})", chunk
        )
        out.update({int(r["id"]): str(r["origin"]) for r in await cursor.fetchall()})
    return out


async def merge_entity(conn: Conn, from_id: int, into_id: int) -> None:
    """Move every fact about ``from_id`` onto ``into_id``, fill blanks, then delete ``from_id``."""
    moves = (
        ("names", "entity_id"),
        ("entity_sources", "entity_id"),
        ("external_ids", "entity_id"),
        ("performers", "artist_id"),
        ("memberships", "person_id"),
        ("memberships", "group_id"),
        ("credits", "artist_id"),
        ("credits", "subject_id"),
        ("entity_references", "from_id"),
        ("entity_references", "to_id"),
        ("review_subjects", "entity_id"),
        ("artist_works", "artist_id"),
        ("artist_works", "work_id"),
        ("release_tracks", "song_id"),
        ("videos", "song_id"),
        ("artists", "parent_group_id"),
        ("releases", "parent_id"),
    )
    for table, column in moves:
        await _move_or_leave(conn, table, column, from_id, into_id)
    # Names of the merged entity are never primary: the surviving entity keeps its own.
    await conn.execute(
        "UPDATE names SET is_primary = 0 WHERE entity_id = ? AND origin <> "
        "(SELECT origin FROM entities WHERE id = ?)",
        (into_id, into_id),
    )
    cols = tuple(c for c in _ARTIST_COLUMNS if c != "kind")  # the kind is the survivor's
    await provenance.merge_attribute_sources(conn, from_id, into_id)
    sets = ", ".join(
        f"{c} = COALESCE({c}, (SELECT {c} FROM artists WHERE entity_id = ?))" for c in cols
    )
    await conn.execute(
        f"UPDATE artists SET {sets} WHERE entity_id = ?", (*([from_id] * len(cols)), into_id)
    )
    await conn.execute(
        "UPDATE entities SET hangul = COALESCE(hangul, (SELECT hangul FROM entities "
        "WHERE id = ?)) WHERE id = ?",
        (from_id, into_id),
    )
    await conn.execute("DELETE FROM entities WHERE id = ?", (from_id,))


async def _move_or_leave(conn: Conn, table: str, column: str, from_id: int, into_id: int) -> None:
    """Point ``column`` at ``into_id`` where it was ``from_id``, leaving rows that would then
    duplicate another (they go with the merged entity)."""
    if not dialect_of(conn).is_postgres:
        await conn.execute(
            f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ?", (into_id, from_id)
        )
        return
    # PostgreSQL has no UPDATE OR IGNORE: each row is moved under a savepoint instead.
    cursor = await conn.execute(f"SELECT ctid FROM {table} WHERE {column} = ?", (from_id,))
    pg = cast("PgConnection", conn)
    for row in await cursor.fetchall():
        with contextlib.suppress(sqlite3.IntegrityError):
            async with pg.savepoint():
                await conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE ctid = ?", (into_id, row[0])
                )


_TRUNC = "CASE WHEN length({0}) > 100 THEN substr({0}, 1, 99) || '…' ELSE {0} END"


async def refresh_labels(conn: Conn, ids: Sequence[int] | None = None) -> None:
    """Recompute display labels (at most 100 characters), then split equal labels.

    With ``ids``, only those entities' labels are recomputed (an on-demand lookup adds a few
    entities to a store that may hold millions), and only their labels are split.
    """
    if ids is None:
        await _refresh_labels(conn, None)
        return
    for chunk in chunks(list(ids)):
        await _refresh_labels(conn, list(chunk))


async def _refresh_labels(conn: Conn, ids: list[int] | None) -> None:
    only = "" if ids is None else f" AND id IN ({qmarks(ids)})"
    params: list[int] = [] if ids is None else list(ids)
    # People show their group ("V (BTS)", "Yena (IZ*ONE)"); others a short disambiguation.
    artist_label = (
        "e.name || COALESCE("
        "' (' || (SELECT g.name FROM memberships m JOIN entities g ON g.id = m.group_id "
        "WHERE m.person_id = e.id ORDER BY m.current DESC, g.importance DESC, g.id LIMIT 1) "
        "|| ')', "
        "' (' || (SELECT p.name FROM entities p WHERE p.id = a.parent_group_id) || ')', "
        "CASE WHEN length(a.disambiguation) <= 60 THEN ' — ' || a.disambiguation END, '')"
    )
    await conn.execute(
        f"UPDATE entities SET label = (SELECT {_TRUNC.format(artist_label)} "
        "FROM entities e JOIN artists a ON a.entity_id = e.id WHERE e.id = entities.id) "
        "WHERE kind = 'artist'" + only,
        params,
    )
    dialect = dialect_of(conn)
    joined = dialect.string_agg("name", "', '")
    by = (
        f"(SELECT {joined} FROM (SELECT ar.name FROM performers p "
        "JOIN entities ar ON ar.id = p.artist_id WHERE p.subject_id = {0} "
        "ORDER BY p.position LIMIT 3) AS first_three)"
    )
    hangul = (
        "CASE WHEN e.hangul IS NOT NULL AND e.hangul <> e.name "
        "THEN ' (' || e.hangul || ')' ELSE '' END"
    )
    song_label = f"e.name || {hangul} || COALESCE(' — ' || {by.format('e.id')}, '')"
    await conn.execute(
        f"UPDATE entities SET label = (SELECT {_TRUNC.format(song_label)} FROM entities e "
        "WHERE e.id = entities.id) WHERE kind = 'song'" + only,
        params,
    )
    release_label = (
        f"e.name || {hangul} || COALESCE(' — ' || {by.format('e.id')}, '') || ' (' || "
        "CASE r.type WHEN 'ep' THEN 'EP' ELSE r.type END || "
        "COALESCE(', ' || substr(r.date, 1, 4), '') || ')'"
    )
    await conn.execute(
        f"UPDATE entities SET label = (SELECT {_TRUNC.format(release_label)} FROM entities e "
        "JOIN releases r ON r.entity_id = e.id WHERE e.id = entities.id) WHERE kind = 'release'"
        + only,
        params,
    )
    has_video, has_mv, has_kind = (
        dialect.position("lower(e.name)", word) for word in ("'video'", "'mv'", "v.kind")
    )
    video_label = (
        f"e.name || CASE WHEN v.kind = 'music video' AND {has_video} = 0 "
        f"AND {has_mv} = 0 THEN ' (MV)' "
        f"WHEN v.kind <> 'music video' AND {has_kind} = 0 "
        "THEN ' (' || v.kind || ')' ELSE '' END || "
        f"COALESCE(' — ' || {by.format('v.song_id')}, '')"
    )
    await conn.execute(
        f"UPDATE entities SET label = (SELECT {_TRUNC.format(video_label)} FROM entities e "
        "JOIN videos v ON v.entity_id = e.id WHERE e.id = entities.id) WHERE kind = 'video'" + only,
        params,
    )
    work_label = (
        f"e.name || {hangul} || COALESCE(' — ' || w.creator, '') || ' (' || w.kind || "
        "COALESCE(', ' || w.year, '') || ')'"
    )
    await conn.execute(
        f"UPDATE entities SET label = (SELECT {_TRUNC.format(work_label)} FROM entities e "
        "JOIN works w ON w.entity_id = e.id WHERE e.id = entities.id) WHERE kind = 'work'" + only,
        params,
    )
    # Entities without a detail row (should not happen) still get a label.
    await conn.execute(
        "UPDATE entities SET label = name WHERE (label IS NULL OR label = '')" + only, params
    )
    # Same label twice: add what tells them apart (birth year for people, else the key).
    if ids is None:
        same = "SELECT label FROM entities GROUP BY label HAVING count(*) > 1"
    else:
        same = (
            "SELECT label FROM entities WHERE label IN (SELECT label FROM entities WHERE "
            f"id IN ({qmarks(ids)})) GROUP BY label HAVING count(*) > 1"
        )
    cursor = await conn.execute(
        "SELECT e.id, e.label, a.birth_date, a.debut_date FROM entities e "
        f"LEFT JOIN artists a ON a.entity_id = e.id WHERE e.label IN ({same}) ORDER BY e.id",
        params,
    )
    rows = await cursor.fetchall()
    updates = []
    for row in rows:
        entity_id, label, birth, debut = (
            row["id"],
            row["label"],
            row["birth_date"],
            row["debut_date"],
        )
        if birth:
            extra = f"born {str(birth)[:4]}"
        elif debut:
            extra = f"debut {str(debut)[:4]}"
        else:
            extra = f"#{entity_id}"
        text = f"{label} · {extra}"
        if len(text) > 100:
            text = label[: 99 - len(extra) - 3] + "… · " + extra
        updates.append((text, entity_id))
    await conn.executemany("UPDATE entities SET label = ? WHERE id = ?", updates)


async def bump_catalog_version(conn: Conn) -> None:
    """Record that the catalog changed (kept reads and entity linking indexes watch this).

    On PostgreSQL the row's trigger notifies every process listening (migration 0026), and the
    transaction is marked so this process forgets the version it keeps as soon as it commits
    (``bot.store.version_watch``).
    """
    await conn.execute(
        "INSERT INTO meta (key, value) VALUES ('catalog_version', '1') ON CONFLICT (key) "
        "DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)"
    )
    if dialect_of(conn).is_postgres:
        cast("PgConnection", conn).catalog_changed = True


async def optimize_name_search(store: Store) -> None:
    """Merge the name search's FTS5 index into one segment after a large load (SQLite).

    Rows inserted in one go leave the trigram index in several segments, and every substring
    or typo lookup (each autocomplete of three letters or more) reads each segment's doclists:
    merged, those lookups cost about half. PostgreSQL's trigram index needs nothing of this.
    """
    if store.dialect.is_postgres:
        return
    await store.execute("INSERT INTO names_fts (names_fts) VALUES ('optimize')")


@contextlib.asynccontextmanager
async def savepoint(conn: Conn) -> AsyncIterator[None]:
    """Undo one record's writes if it fails, keeping the rest of the batch."""
    await conn.execute("SAVEPOINT record")
    try:
        yield
    except BaseException:
        await conn.execute("ROLLBACK TO record")
        await conn.execute("RELEASE record")
        raise
    await conn.execute("RELEASE record")


# Set only inside a batch's transaction (migration 0021): names with a greater id wait for the
# batch's end to enter the FTS5 index.
_DEFERRED_NAMES = "names_fts_deferred_after"


@contextlib.asynccontextmanager
async def deferred_name_index(conn: Conn) -> AsyncIterator[None]:
    """Index the names a block writes in SQLite's FTS5 table once, at the end of the block.

    FTS5 writes its pending index to disk at every statement, so names inserted one statement
    at a time cost several times what the name row does; here they are indexed by one
    statement. Use it inside a transaction that an error rolls back (a batch): the marker it
    sets in ``meta`` is deleted before the block returns and so is never committed. On
    PostgreSQL (a trigram index, kept by the server) the block runs as it is.
    """
    if dialect_of(conn).is_postgres:
        yield
        return
    cursor = await conn.execute("SELECT coalesce(max(id), 0) FROM names")
    row = await cursor.fetchone()
    after = int(row[0]) if row else 0
    await conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
        "value = excluded.value",
        (_DEFERRED_NAMES, str(after)),
    )
    yield
    await conn.execute(
        f"INSERT INTO names_fts (rowid, norm) SELECT id << {KIND_BITS} | {kind_code_sql('kind')}, "
        "norm FROM names WHERE id > ? ORDER BY id",
        (after,),
    )
    await conn.execute("DELETE FROM meta WHERE key = ?", (_DEFERRED_NAMES,))
