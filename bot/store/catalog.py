"""All SQL of the knowledge catalog: entities, names, sources and the facts that cite them.

Writers take the connection of an open ``Store.transaction()`` so an importer can run a
whole import as one transaction; readers take the ``Store``. Rows come back as frozen
dataclasses. Nothing here decides anything: validation lives in ``bot.knowledge``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
from linernotes.bot.store.core import Store

ENTITY_KINDS = ("artist", "release", "song", "video", "work")

# Tables whose rows are facts owned by one origin; a re-import of that origin replaces them.
FACT_TABLES = (
    "names",
    "entity_sources",
    "external_ids",
    "performers",
    "release_tracks",
    "memberships",
    "credits",
    "entity_references",
    "review_subjects",
    "artist_works",
)

Conn = aiosqlite.Connection


# ------------------------------------------------------------------------------ rows
@dataclass(frozen=True, slots=True)
class SourceRow:
    """Where a fact comes from."""

    id: int
    key: str
    url: str
    outlet: str
    title: str | None = None
    author: str | None = None
    published: str | None = None


@dataclass(frozen=True, slots=True)
class EntityRow:
    """An artist, release, song, video or work, with its display label."""

    id: int
    kind: str
    key: str
    origin: str
    name: str
    hangul: str | None
    importance: int
    label: str

    @property
    def value(self) -> str:
        """Return the stable "kind:id" value used by autocomplete."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class NameRow:
    """One name of an entity."""

    entity_id: int
    name: str
    type: str
    locale: str | None
    is_primary: bool
    origin: str


@dataclass(frozen=True, slots=True)
class NameHit:
    """A name that matched a search, with what ranking needs."""

    entity_id: int
    kind: str
    name: str
    norm: str
    is_primary: bool
    entity_name: str
    label: str
    importance: int


@dataclass(frozen=True, slots=True)
class ArtistRow:
    """Artist details."""

    entity: EntityRow
    kind: str
    legal_name: str | None
    legal_name_hangul: str | None
    disambiguation: str | None
    birth_date: str | None
    debut_date: str | None
    end_date: str | None
    agency: str | None
    parent_group: EntityRow | None


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """Release details."""

    entity: EntityRow
    type: str
    date: str | None
    label: str | None
    parent: EntityRow | None


@dataclass(frozen=True, slots=True)
class SongRow:
    """Song details."""

    entity: EntityRow
    length_s: int | None


@dataclass(frozen=True, slots=True)
class VideoRow:
    """Video details."""

    entity: EntityRow
    song: EntityRow | None
    kind: str
    youtube: str | None
    premiere: str | None
    length_s: int | None


@dataclass(frozen=True, slots=True)
class WorkRow:
    """External work details."""

    entity: EntityRow
    kind: str
    creator: str | None
    year: int | None
    note: str | None


@dataclass(frozen=True, slots=True)
class PerformerRow:
    """A performing artist of a song or release."""

    subject_id: int
    position: int
    artist: EntityRow
    credited_as: str | None
    source: SourceRow


@dataclass(frozen=True, slots=True)
class TrackRow:
    """A track of a release."""

    release: EntityRow
    position: int
    song: EntityRow
    source: SourceRow


@dataclass(frozen=True, slots=True)
class CreditRow:
    """Who did what on a subject, and who says so."""

    id: int
    subject: EntityRow
    artist: EntityRow
    role: str
    credited_as: str | None
    detail: str | None
    confidence: str
    source: SourceRow
    origin: str
    approved_by: int | None


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """A review, from the catalog or a feed."""

    id: int
    key: str
    origin: str
    title: str
    url: str
    outlet: str
    author: str | None
    published: str | None
    summary: str | None
    source: SourceRow


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    """A reference from a song or video to something else."""

    id: int
    from_entity: EntityRow
    to_entity: EntityRow
    relation: str
    status: str
    timestamp_s: int | None
    note: str | None
    review: ReviewRow | None
    source: SourceRow
    origin: str
    approved_by: int | None


@dataclass(frozen=True, slots=True)
class MembershipRow:
    """A person's membership of a group."""

    id: int
    person: EntityRow
    group: EntityRow
    stage_name: str | None
    since: str | None
    until: str | None
    current: bool | None
    source: SourceRow


@dataclass(frozen=True, slots=True)
class ArtistWorkRow:
    """A documented tie between an artist and an external work."""

    artist: EntityRow
    work: EntityRow
    role: str
    source: SourceRow


# ------------------------------------------------------------------------------ helpers
_ENTITY_COLS = "id, kind, key, origin, name, hangul, importance, label"


def _entity(row: Sequence[Any], offset: int = 0) -> EntityRow:
    return EntityRow(*row[offset : offset + 8])


def _entity_cols(alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in _ENTITY_COLS.split(","))


_SOURCE_COLS = "id, key, url, outlet, title, author, published"


def _source_cols(alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in _SOURCE_COLS.split(","))


def _source(row: Sequence[Any], offset: int = 0) -> SourceRow:
    return SourceRow(*row[offset : offset + 7])


def _qmarks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


# ------------------------------------------------------------------------------ writers
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
    return int(row[0])


async def ensure_source(
    conn: Conn, key: str, origin: str, url: str, outlet: str, title: str | None = None
) -> int:
    """Return the id of the source with ``key``, creating it if missing (never updating)."""
    await conn.execute(
        "INSERT INTO sources (key, origin, url, outlet, title) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (key) DO NOTHING",
        (key, origin, url, outlet, title),
    )
    cursor = await conn.execute("SELECT id FROM sources WHERE key = ?", (key,))
    row = await cursor.fetchone()
    return int(row[0])


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
    return int(row[0])


async def ensure_entity(
    conn: Conn, kind: str, key: str, origin: str, name: str
) -> tuple[int, bool]:
    """Return (id, created) for the entity with (kind, key), creating a stub if missing."""
    cursor = await conn.execute("SELECT id FROM entities WHERE kind = ? AND key = ?", (kind, key))
    row = await cursor.fetchone()
    if row is not None:
        return int(row[0]), False
    cursor = await conn.execute(
        "INSERT INTO entities (kind, key, origin, name) VALUES (?, ?, ?, ?) RETURNING id",
        (kind, key, origin, name),
    )
    row = await cursor.fetchone()
    return int(row[0]), True


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
    cols = (
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
    if fill_only:
        sets = ", ".join(f"{c} = COALESCE(artists.{c}, excluded.{c})" for c in cols)
    else:
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols)
    await conn.execute(
        f"INSERT INTO artists (entity_id, {', '.join(cols)}) VALUES ({_qmarks(values)}) "
        f"ON CONFLICT (entity_id) DO UPDATE SET {sets}",
        values,
    )


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


async def add_names(
    conn: Conn,
    rows: Iterable[tuple[int, str, str, str, str, str | None, bool, str]],
    *,
    overwrite: bool,
) -> None:
    """Add names (entity_id, kind, name, norm, type, locale, is_primary, origin).

    With ``overwrite`` an existing name of the same search form is taken over (the catalog
    wins); without it an existing one is kept (kpopnet and MusicBrainz only add).
    """
    if overwrite:
        conflict = (
            "DO UPDATE SET name = excluded.name, type = excluded.type, locale = excluded.locale, "
            "is_primary = excluded.is_primary, origin = excluded.origin"
        )
    else:
        conflict = "DO NOTHING"
    await conn.executemany(
        "INSERT INTO names (entity_id, kind, name, norm, type, locale, is_primary, origin) "
        f"VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entity_id, norm) {conflict}",
        [(*r[:6], int(r[6]), r[7]) for r in rows],
    )


async def add_entity_sources(conn: Conn, rows: Iterable[tuple[int, int, str]]) -> None:
    """Link entities to sources: (entity_id, source_id, origin)."""
    await conn.executemany(
        "INSERT INTO entity_sources (entity_id, source_id, origin) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )


async def add_external_ids(conn: Conn, rows: Iterable[tuple[str, str, int, str]]) -> None:
    """Record ids in other databases: (namespace, value, entity_id, origin)."""
    await conn.executemany(
        "INSERT INTO external_ids (namespace, value, entity_id, origin) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (namespace, value) DO UPDATE SET entity_id = excluded.entity_id, "
        "origin = excluded.origin",
        rows,
    )


async def add_performers(
    conn: Conn, rows: Iterable[tuple[int, int, int, str | None, int, str]]
) -> None:
    """Add performers: (subject_id, position, artist_id, credited_as, source_id, origin)."""
    await conn.executemany(
        "INSERT INTO performers (subject_id, position, artist_id, credited_as, source_id, origin) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        rows,
    )


async def add_tracks(conn: Conn, rows: Iterable[tuple[int, int, int, int, str]]) -> None:
    """Add release tracks: (release_id, position, song_id, source_id, origin)."""
    await conn.executemany(
        "INSERT INTO release_tracks (release_id, position, song_id, source_id, origin) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        rows,
    )


async def add_memberships(conn: Conn, rows: Iterable[tuple[Any, ...]]) -> None:
    """Add memberships: (person_id, group_id, stage_name, since, until, current, roles,
    source_id, origin)."""
    await conn.executemany(
        "INSERT INTO memberships (person_id, group_id, stage_name, since, until, current, roles, "
        "source_id, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        rows,
    )


async def add_credits(conn: Conn, rows: Iterable[tuple[Any, ...]]) -> None:
    """Add credits: (subject_kind, subject_id, artist_id, role, credited_as, detail, confidence,
    source_id, origin, approved_by)."""
    await conn.executemany(
        "INSERT INTO credits (subject_kind, subject_id, artist_id, role, credited_as, detail, "
        "confidence, source_id, origin, approved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )


async def add_references(conn: Conn, rows: Iterable[tuple[Any, ...]]) -> None:
    """Add references: (from_id, to_id, relation, status, timestamp_s, note, review_id,
    source_id, origin, approved_by)."""
    await conn.executemany(
        "INSERT INTO entity_references (from_id, to_id, relation, status, timestamp_s, note, "
        "review_id, source_id, origin, approved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


async def add_artist_works(conn: Conn, rows: Iterable[tuple[int, int, str, int, str]]) -> None:
    """Add artist-work links: (artist_id, work_id, role, source_id, origin)."""
    await conn.executemany(
        "INSERT INTO artist_works (artist_id, work_id, role, source_id, origin) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        rows,
    )


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
    return int(row[0])


async def take_over_review_url(conn: Conn, url: str, key: str) -> None:
    """Delete a review stored under ``url`` with another key (the catalog's entry wins)."""
    await conn.execute("DELETE FROM reviews WHERE url = ? AND key <> ?", (url, key))


async def add_review_subjects(conn: Conn, rows: Iterable[tuple[int, int, str]]) -> None:
    """Say what reviews discuss: (review_id, entity_id, origin)."""
    await conn.executemany(
        "INSERT INTO review_subjects (review_id, entity_id, origin) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )


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
        if existing is not None and existing[1] != origin:
            review_id = int(existing[0])
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
        await add_review_subjects(conn, [(review_id, e, origin) for e in subject_ids])
    return review_id


async def delete_facts_by_origin(conn: Conn, origins: Sequence[str]) -> None:
    """Delete every fact row owned by one of ``origins`` (entities stay)."""
    if not origins:
        return
    for table in FACT_TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE origin IN ({_qmarks(origins)})", origins)


async def delete_facts_for(conn: Conn, origin: str, entity_ids: Sequence[int]) -> None:
    """Delete the facts ``origin`` stated about these entities (per-entity replacement)."""
    ids = list(entity_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = _qmarks(chunk)
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
        f"SELECT id, kind, key FROM entities WHERE origin IN ({_qmarks(origins)})", origins
    )
    stale = [int(r[0]) for r in await cursor.fetchall() if r[2] not in keep.get(r[1], set())]
    for start in range(0, len(stale), 500):
        chunk = stale[start : start + 500]
        await conn.execute(f"DELETE FROM entities WHERE id IN ({_qmarks(chunk)})", chunk)
    return len(stale)


async def delete_stale_reviews(conn: Conn, origins: Sequence[str], keep: set[str]) -> int:
    """Delete reviews of ``origins`` whose key is not in ``keep``."""
    if not origins:
        return 0
    cursor = await conn.execute(
        f"SELECT id, key FROM reviews WHERE origin IN ({_qmarks(origins)})", origins
    )
    stale = [int(r[0]) for r in await cursor.fetchall() if r[1] not in keep]
    for review_id in stale:
        await conn.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
    return len(stale)


async def stale_sources_in_use(conn: Conn, origins: Sequence[str], keep: set[str]) -> list[str]:
    """Return keys of sources of ``origins`` not in ``keep`` that other rows still cite."""
    if not origins:
        return []
    cursor = await conn.execute(
        f"SELECT id, key FROM sources WHERE origin IN ({_qmarks(origins)})", origins
    )
    stale = [(int(r[0]), str(r[1])) for r in await cursor.fetchall() if r[1] not in keep]
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
            await conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
    return used


async def keys_by_kind(
    conn: Conn, exclude_origins: Sequence[str] = ()
) -> dict[str, dict[str, int]]:
    """Return {kind: {key: id}} of entities, plus 'source' and 'review' keys."""
    out: dict[str, dict[str, int]] = {kind: {} for kind in (*ENTITY_KINDS, "source", "review")}
    marks = _qmarks(exclude_origins) if exclude_origins else ""
    where = f" WHERE origin NOT IN ({marks})" if exclude_origins else ""
    for kind, table in (("source", "sources"), ("review", "reviews")):
        cursor = await conn.execute(f"SELECT key, id FROM {table}{where}", tuple(exclude_origins))
        out[kind] = {str(r[0]): int(r[1]) for r in await cursor.fetchall()}
    cursor = await conn.execute(
        f"SELECT kind, key, id FROM entities{where}", tuple(exclude_origins)
    )
    for kind, key, entity_id in await cursor.fetchall():
        out[kind][key] = int(entity_id)
    return out


async def artist_kinds(conn: Conn, ids: Sequence[int]) -> dict[int, str]:
    """Return {entity_id: artist kind} for these ids."""
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        cursor = await conn.execute(
            f"SELECT entity_id, kind FROM artists WHERE entity_id IN ({_qmarks(chunk)})", chunk
        )
        out.update({int(r[0]): str(r[1]) for r in await cursor.fetchall()})
    return out


async def external_id_map(conn: Conn, namespace: str) -> dict[str, int]:
    """Return {external id: entity_id} for one namespace."""
    cursor = await conn.execute(
        "SELECT value, entity_id FROM external_ids WHERE namespace = ?", (namespace,)
    )
    return {str(r[0]): int(r[1]) for r in await cursor.fetchall()}


async def artist_identities(conn: Conn) -> list[tuple[int, str, str, str, str | None, str | None]]:
    """Return (entity_id, origin, key, name norm, birth_date, debut_date) for every artist name."""
    cursor = await conn.execute(
        "SELECT e.id, e.origin, e.key, n.norm, a.birth_date, a.debut_date FROM artists a "
        "JOIN entities e ON e.id = a.entity_id JOIN names n ON n.entity_id = a.entity_id"
    )
    return [
        (int(r[0]), str(r[1]), str(r[2]), str(r[3]), r[4], r[5]) for r in await cursor.fetchall()
    ]


async def entity_origins(conn: Conn, ids: Sequence[int]) -> dict[int, str]:
    """Return {entity_id: origin}."""
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        cursor = await conn.execute(
            f"SELECT id, origin FROM entities WHERE id IN ({_qmarks(chunk)})", chunk
        )
        out.update({int(r[0]): str(r[1]) for r in await cursor.fetchall()})
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
        await conn.execute(
            f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ?", (into_id, from_id)
        )
    # Names of the merged entity are never primary: the surviving entity keeps its own.
    await conn.execute(
        "UPDATE names SET is_primary = 0 WHERE entity_id = ? AND origin <> "
        "(SELECT origin FROM entities WHERE id = ?)",
        (into_id, into_id),
    )
    cols = (
        "legal_name",
        "legal_name_hangul",
        "disambiguation",
        "birth_date",
        "debut_date",
        "end_date",
        "agency",
        "parent_group_id",
    )
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


_TRUNC = "CASE WHEN length({0}) > 100 THEN substr({0}, 1, 99) || '…' ELSE {0} END"


async def refresh_labels(conn: Conn) -> None:
    """Recompute every display label (at most 100 characters), then split equal labels."""
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
        "WHERE kind = 'artist'"
    )
    by = (
        "(SELECT group_concat(name, ', ') FROM (SELECT ar.name FROM performers p "
        "JOIN entities ar ON ar.id = p.artist_id WHERE p.subject_id = {0} "
        "ORDER BY p.position LIMIT 3))"
    )
    hangul = (
        "CASE WHEN e.hangul IS NOT NULL AND e.hangul <> e.name "
        "THEN ' (' || e.hangul || ')' ELSE '' END"
    )
    song_label = f"e.name || {hangul} || COALESCE(' — ' || {by.format('e.id')}, '')"
    await conn.execute(
        f"UPDATE entities SET label = (SELECT {_TRUNC.format(song_label)} FROM entities e "
        "WHERE e.id = entities.id) WHERE kind = 'song'"
    )
    release_label = (
        f"e.name || {hangul} || COALESCE(' — ' || {by.format('e.id')}, '') || ' (' || "
        "CASE r.type WHEN 'ep' THEN 'EP' ELSE r.type END || "
        "COALESCE(', ' || substr(r.date, 1, 4), '') || ')'"
    )
    await conn.execute(
        f"UPDATE entities SET label = (SELECT {_TRUNC.format(release_label)} FROM entities e "
        "JOIN releases r ON r.entity_id = e.id WHERE e.id = entities.id) WHERE kind = 'release'"
    )
    video_label = (
        "e.name || CASE WHEN v.kind = 'music video' AND instr(lower(e.name), 'video') = 0 "
        "AND instr(lower(e.name), 'mv') = 0 THEN ' (MV)' "
        "WHEN v.kind <> 'music video' AND instr(lower(e.name), v.kind) = 0 "
        "THEN ' (' || v.kind || ')' ELSE '' END || "
        f"COALESCE(' — ' || {by.format('v.song_id')}, '')"
    )
    await conn.execute(
        f"UPDATE entities SET label = (SELECT {_TRUNC.format(video_label)} FROM entities e "
        "JOIN videos v ON v.entity_id = e.id WHERE e.id = entities.id) WHERE kind = 'video'"
    )
    work_label = (
        f"e.name || {hangul} || COALESCE(' — ' || w.creator, '') || ' (' || w.kind || "
        "COALESCE(', ' || w.year, '') || ')'"
    )
    await conn.execute(
        f"UPDATE entities SET label = (SELECT {_TRUNC.format(work_label)} FROM entities e "
        "JOIN works w ON w.entity_id = e.id WHERE e.id = entities.id) WHERE kind = 'work'"
    )
    # Entities without a detail row (should not happen) still get a label.
    await conn.execute("UPDATE entities SET label = name WHERE label IS NULL OR label = ''")
    # Same label twice: add what tells them apart (birth year for people, else the key).
    cursor = await conn.execute(
        "SELECT e.id, e.label, a.birth_date, a.debut_date FROM entities e "
        "LEFT JOIN artists a ON a.entity_id = e.id WHERE e.label IN "
        "(SELECT label FROM entities GROUP BY label HAVING count(*) > 1) ORDER BY e.id"
    )
    rows = await cursor.fetchall()
    updates = []
    for entity_id, label, birth, debut in rows:
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
    """Record that the catalog changed (entity linking indexes watch this)."""
    await conn.execute(
        "INSERT INTO meta (key, value) VALUES ('catalog_version', '1') ON CONFLICT (key) "
        "DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
    )


async def catalog_version(store: Store) -> str:
    """Return the catalog version counter (changes after every import)."""
    row = await store.fetchone("SELECT value FROM meta WHERE key = 'catalog_version'")
    return "0" if row is None else str(row[0])


# ------------------------------------------------------------------------------ readers
async def count_entities(store: Store, kind: str | None = None, origin: str | None = None) -> int:
    """Count entities, optionally of one kind and origin."""
    sql = "SELECT count(*) FROM entities WHERE 1"
    params: list[Any] = []
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    if origin:
        sql += " AND origin = ?"
        params.append(origin)
    row = await store.fetchone(sql, params)
    return int(row[0]) if row else 0


async def count_rows(store: Store, table: str) -> int:
    """Count the rows of one catalog table (for reports and tests)."""
    if table not in (
        *FACT_TABLES,
        "entities",
        "sources",
        "reviews",
        "artists",
        "releases",
        "songs",
        "videos",
        "works",
    ):
        raise ValueError(f"not a catalog table: {table}")
    row = await store.fetchone(f"SELECT count(*) FROM {table}")
    return int(row[0]) if row else 0


async def entity(store: Store, entity_id: int) -> EntityRow | None:
    """Return one entity by id."""
    row = await store.fetchone(f"SELECT {_ENTITY_COLS} FROM entities WHERE id = ?", (entity_id,))
    return None if row is None else _entity(row)


async def entity_by_key(store: Store, kind: str, key: str) -> EntityRow | None:
    """Return one entity by kind and catalog key."""
    row = await store.fetchone(
        f"SELECT {_ENTITY_COLS} FROM entities WHERE kind = ? AND key = ?", (kind, key)
    )
    return None if row is None else _entity(row)


async def entities(store: Store, ids: Sequence[int]) -> dict[int, EntityRow]:
    """Return {id: entity} for these ids."""
    out: dict[int, EntityRow] = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = await store.fetchall(
            f"SELECT {_ENTITY_COLS} FROM entities WHERE id IN ({_qmarks(chunk)})", chunk
        )
        out.update({int(r[0]): _entity(r) for r in rows})
    return out


_EXACT_SCAN = 1000
_HIT = (
    "SELECT n.entity_id, n.kind, n.name, n.norm, n.is_primary, e.name, e.label, e.importance "
    "FROM names n JOIN entities e ON e.id = n.entity_id "
)


def _kind_filter(kinds: Sequence[str] | None, alias: str = "n") -> tuple[str, list[str]]:
    if not kinds:
        return "", []
    return f" AND {alias}.kind IN ({_qmarks(kinds)})", list(kinds)


def _hits(rows: Iterable[Sequence[Any]]) -> list[NameHit]:
    return [
        NameHit(
            int(r[0]), str(r[1]), str(r[2]), str(r[3]), bool(r[4]), str(r[5]), str(r[6]), int(r[7])
        )
        for r in rows
    ]


async def names_exact(
    store: Store, norm: str, kinds: Sequence[str] | None, limit: int
) -> list[NameHit]:
    """Return names whose search form equals ``norm`` (index seek)."""
    where, params = _kind_filter(kinds)
    # Homonyms are ranked by importance, but at most _EXACT_SCAN of them are looked at, so
    # a name shared by thousands of entries stays cheap.
    rows = await store.fetchall(
        "SELECT * FROM (SELECT n.entity_id, n.kind, n.name, n.norm, n.is_primary, e.name, "
        "e.label, e.importance FROM names n JOIN entities e ON e.id = n.entity_id "
        f"WHERE n.norm = ?{where} LIMIT {_EXACT_SCAN}) ORDER BY 8 DESC LIMIT ?",
        (norm, *params, limit),
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
        "SELECT * FROM (SELECT n.entity_id, n.kind, n.name, n.norm AS norm, n.is_primary, "
        "e.name, e.label, e.importance AS importance FROM names n "
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
        _HIT + f"WHERE n.norm > ? AND n.norm < ?{where} LIMIT ?",
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
        "SELECT n.entity_id, n.kind, n.name, n.norm, n.is_primary, e.name, e.label, e.importance "
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
    return [NameRow(int(r[0]), r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


async def entity_sources(store: Store, entity_id: int) -> list[SourceRow]:
    """Return the entity-level sources of an entity."""
    rows = await store.fetchall(
        f"SELECT {_source_cols('s')} FROM entity_sources es JOIN sources s ON s.id = es.source_id "
        "WHERE es.entity_id = ? ORDER BY s.id",
        (entity_id,),
    )
    return [_source(r) for r in rows]


async def artist(store: Store, entity_id: int) -> ArtistRow | None:
    """Return artist details."""
    row = await store.fetchone(
        f"SELECT {_entity_cols('e')}, a.kind, a.legal_name, a.legal_name_hangul, "
        "a.disambiguation, a.birth_date, a.debut_date, a.end_date, a.agency, a.parent_group_id "
        "FROM entities e JOIN artists a ON a.entity_id = e.id WHERE e.id = ?",
        (entity_id,),
    )
    if row is None:
        return None
    parent = await entity(store, int(row[16])) if row[16] is not None else None
    return ArtistRow(_entity(row), *row[8:16], parent)


async def release(store: Store, entity_id: int) -> ReleaseRow | None:
    """Return release details."""
    row = await store.fetchone(
        f"SELECT {_entity_cols('e')}, r.type, r.date, r.label, r.parent_id FROM entities e "
        "JOIN releases r ON r.entity_id = e.id WHERE e.id = ?",
        (entity_id,),
    )
    if row is None:
        return None
    parent = await entity(store, int(row[11])) if row[11] is not None else None
    return ReleaseRow(_entity(row), row[8], row[9], row[10], parent)


async def song(store: Store, entity_id: int) -> SongRow | None:
    """Return song details."""
    row = await store.fetchone(
        f"SELECT {_entity_cols('e')}, s.length_s FROM entities e "
        "JOIN songs s ON s.entity_id = e.id WHERE e.id = ?",
        (entity_id,),
    )
    return None if row is None else SongRow(_entity(row), row[8])


async def video(store: Store, entity_id: int) -> VideoRow | None:
    """Return video details."""
    row = await store.fetchone(
        f"SELECT {_entity_cols('e')}, v.song_id, v.kind, v.youtube, v.premiere, v.length_s "
        "FROM entities e JOIN videos v ON v.entity_id = e.id WHERE e.id = ?",
        (entity_id,),
    )
    if row is None:
        return None
    song_entity = await entity(store, int(row[8])) if row[8] is not None else None
    return VideoRow(_entity(row), song_entity, row[9], row[10], row[11], row[12])


async def work(store: Store, entity_id: int) -> WorkRow | None:
    """Return external work details."""
    row = await store.fetchone(
        f"SELECT {_entity_cols('e')}, w.kind, w.creator, w.year, w.note FROM entities e "
        "JOIN works w ON w.entity_id = e.id WHERE e.id = ?",
        (entity_id,),
    )
    return None if row is None else WorkRow(_entity(row), row[8], row[9], row[10], row[11])


async def videos_of_song(store: Store, song_id: int) -> list[VideoRow]:
    """Return the videos made for a song, oldest first."""
    rows = await store.fetchall(
        "SELECT entity_id FROM videos WHERE song_id = ? ORDER BY premiere, entity_id", (song_id,)
    )
    out = []
    for r in rows:
        v = await video(store, int(r[0]))
        if v is not None:
            out.append(v)
    return out


async def performers(store: Store, subject_id: int) -> list[PerformerRow]:
    """Return the performing artists of a song or release in order."""
    rows = await store.fetchall(
        f"SELECT p.subject_id, p.position, {_entity_cols('a')}, p.credited_as, "
        f"{_source_cols('s')} FROM performers p JOIN entities a ON a.id = p.artist_id "
        "JOIN sources s ON s.id = p.source_id WHERE p.subject_id = ? ORDER BY p.position",
        (subject_id,),
    )
    return [PerformerRow(int(r[0]), int(r[1]), _entity(r, 2), r[10], _source(r, 11)) for r in rows]


async def tracks(store: Store, release_id: int) -> list[TrackRow]:
    """Return the tracklist of a release."""
    rows = await store.fetchall(
        f"SELECT {_entity_cols('r')}, t.position, {_entity_cols('s')}, {_source_cols('src')} "
        "FROM release_tracks t JOIN entities r ON r.id = t.release_id "
        "JOIN entities s ON s.id = t.song_id JOIN sources src ON src.id = t.source_id "
        "WHERE t.release_id = ? ORDER BY t.position",
        (release_id,),
    )
    return [TrackRow(_entity(r), int(r[8]), _entity(r, 9), _source(r, 17)) for r in rows]


async def releases_with_song(store: Store, song_id: int) -> list[TrackRow]:
    """Return the releases a song is on, oldest first."""
    rows = await store.fetchall(
        f"SELECT {_entity_cols('r')}, t.position, {_entity_cols('s')}, {_source_cols('src')} "
        "FROM release_tracks t JOIN entities r ON r.id = t.release_id "
        "JOIN entities s ON s.id = t.song_id JOIN sources src ON src.id = t.source_id "
        "JOIN releases rel ON rel.entity_id = r.id WHERE t.song_id = ? ORDER BY rel.date, r.id",
        (song_id,),
    )
    return [TrackRow(_entity(r), int(r[8]), _entity(r, 9), _source(r, 17)) for r in rows]


async def child_releases(store: Store, release_id: int) -> list[EntityRow]:
    """Return releases whose parent is this release (singles, repackages)."""
    rows = await store.fetchall(
        f"SELECT {_entity_cols('e')} FROM releases r JOIN entities e ON e.id = r.entity_id "
        "WHERE r.parent_id = ? ORDER BY r.date",
        (release_id,),
    )
    return [_entity(r) for r in rows]


_CREDIT_SELECT = (
    f"SELECT c.id, {_entity_cols('sub')}, {_entity_cols('art')}, c.role, c.credited_as, "
    f"c.detail, c.confidence, {_source_cols('s')}, c.origin, c.approved_by FROM credits c "
    "JOIN entities sub ON sub.id = c.subject_id JOIN entities art ON art.id = c.artist_id "
    "JOIN sources s ON s.id = c.source_id "
)


def _credit(r: Sequence[Any]) -> CreditRow:
    return CreditRow(
        int(r[0]),
        _entity(r, 1),
        _entity(r, 9),
        r[17],
        r[18],
        r[19],
        r[20],
        _source(r, 21),
        r[28],
        r[29],
    )


async def credits_of(
    store: Store, subject_ids: Sequence[int], roles: Sequence[str] | None = None
) -> list[CreditRow]:
    """Return the credits of these subjects, optionally only some roles."""
    if not subject_ids:
        return []
    sql = _CREDIT_SELECT + f"WHERE c.subject_id IN ({_qmarks(subject_ids)})"
    params: list[Any] = list(subject_ids)
    if roles:
        sql += f" AND c.role IN ({_qmarks(roles)})"
        params.extend(roles)
    rows = await store.fetchall(sql + " ORDER BY c.subject_id, c.role, c.id", params)
    return [_credit(r) for r in rows]


async def credits_by(
    store: Store, artist_id: int, roles: Sequence[str] | None = None, limit: int = 500
) -> list[CreditRow]:
    """Return the credits of an artist, most important subjects first."""
    sql = _CREDIT_SELECT + "WHERE c.artist_id = ?"
    params: list[Any] = [artist_id]
    if roles:
        sql += f" AND c.role IN ({_qmarks(roles)})"
        params.extend(roles)
    rows = await store.fetchall(
        sql + " ORDER BY c.role, sub.importance DESC, sub.name LIMIT ?", (*params, limit)
    )
    return [_credit(r) for r in rows]


async def count_credits(store: Store, subject_ids: Sequence[int]) -> int:
    """Count credits of these subjects."""
    if not subject_ids:
        return 0
    row = await store.fetchone(
        f"SELECT count(*) FROM credits WHERE subject_id IN ({_qmarks(subject_ids)})", subject_ids
    )
    return int(row[0]) if row else 0


_REVIEW_COLS = (
    "rv.id, rv.key, rv.origin, rv.title, rv.url, rv.outlet, rv.author, rv.published, rv.summary"
)


def _review(r: Sequence[Any], offset: int = 0) -> ReviewRow:
    return ReviewRow(*r[offset : offset + 9], _source(r, offset + 9))


async def reviews_about(store: Store, entity_ids: Sequence[int]) -> list[ReviewRow]:
    """Return reviews that discuss any of these entities, newest first."""
    if not entity_ids:
        return []
    rows = await store.fetchall(
        f"SELECT DISTINCT {_REVIEW_COLS}, {_source_cols('s')} FROM review_subjects rs "
        "JOIN reviews rv ON rv.id = rs.review_id JOIN sources s ON s.id = rv.source_id "
        f"WHERE rs.entity_id IN ({_qmarks(entity_ids)}) ORDER BY rv.published DESC, rv.id",
        entity_ids,
    )
    return [_review(r) for r in rows]


async def recent_reviews(store: Store, limit: int = 20) -> list[ReviewRow]:
    """Return the newest reviews (by publication date)."""
    rows = await store.fetchall(
        f"SELECT {_REVIEW_COLS}, {_source_cols('s')} FROM reviews rv "
        "JOIN sources s ON s.id = rv.source_id ORDER BY rv.published DESC, rv.id DESC LIMIT ?",
        (limit,),
    )
    return [_review(r) for r in rows]


async def review_subjects(store: Store, review_id: int) -> list[EntityRow]:
    """Return what a review discusses."""
    rows = await store.fetchall(
        f"SELECT {_entity_cols('e')} FROM review_subjects rs JOIN entities e "
        "ON e.id = rs.entity_id WHERE rs.review_id = ? ORDER BY e.kind, e.id",
        (review_id,),
    )
    return [_entity(r) for r in rows]


async def review_by_url(store: Store, url: str) -> ReviewRow | None:
    """Return the review stored under a URL."""
    row = await store.fetchone(
        f"SELECT {_REVIEW_COLS}, {_source_cols('s')} FROM reviews rv "
        "JOIN sources s ON s.id = rv.source_id WHERE rv.url = ?",
        (url,),
    )
    return None if row is None else _review(row)


async def count_reviews(store: Store, entity_ids: Sequence[int]) -> int:
    """Count distinct reviews discussing any of these entities."""
    if not entity_ids:
        return 0
    row = await store.fetchone(
        "SELECT count(DISTINCT review_id) FROM review_subjects "
        f"WHERE entity_id IN ({_qmarks(entity_ids)})",
        entity_ids,
    )
    return int(row[0]) if row else 0


async def _references(store: Store, column: str, ids: Sequence[int]) -> list[ReferenceRow]:
    if not ids:
        return []
    rows = await store.fetchall(
        f"SELECT r.id, {_entity_cols('f')}, {_entity_cols('t')}, r.relation, r.status, "
        f"r.timestamp_s, r.note, {_source_cols('s')}, r.origin, r.approved_by, r.review_id "
        "FROM entity_references r JOIN entities f ON f.id = r.from_id "
        "JOIN entities t ON t.id = r.to_id JOIN sources s ON s.id = r.source_id "
        f"WHERE r.{column} IN ({_qmarks(ids)}) "
        "ORDER BY CASE r.status WHEN 'confirmed' THEN 0 WHEN 'critic' THEN 1 ELSE 2 END, r.id",
        ids,
    )
    review_ids = {int(r[30]) for r in rows if r[30] is not None}
    reviews: dict[int, ReviewRow] = {}
    for review_id in review_ids:
        row = await store.fetchone(
            f"SELECT {_REVIEW_COLS}, {_source_cols('s')} FROM reviews rv "
            "JOIN sources s ON s.id = rv.source_id WHERE rv.id = ?",
            (review_id,),
        )
        if row is not None:
            reviews[review_id] = _review(row)
    return [
        ReferenceRow(
            int(r[0]),
            _entity(r, 1),
            _entity(r, 9),
            r[17],
            r[18],
            r[19],
            r[20],
            reviews.get(int(r[30])) if r[30] is not None else None,
            _source(r, 21),
            r[28],
            r[29],
        )
        for r in rows
    ]


async def references_from(store: Store, ids: Sequence[int]) -> list[ReferenceRow]:
    """Return what these songs or videos reference (confirmed first)."""
    return await _references(store, "from_id", ids)


async def references_to(store: Store, ids: Sequence[int]) -> list[ReferenceRow]:
    """Return what references these entities (confirmed first)."""
    return await _references(store, "to_id", ids)


async def count_references(store: Store, ids: Sequence[int]) -> int:
    """Count references from or to these entities."""
    if not ids:
        return 0
    marks = _qmarks(ids)
    row = await store.fetchone(
        f"SELECT count(*) FROM entity_references WHERE from_id IN ({marks}) OR to_id IN ({marks})",
        (*ids, *ids),
    )
    return int(row[0]) if row else 0


async def _memberships(store: Store, column: str, entity_id: int) -> list[MembershipRow]:
    rows = await store.fetchall(
        f"SELECT m.id, {_entity_cols('p')}, {_entity_cols('g')}, m.stage_name, m.since, m.until, "
        f"m.current, {_source_cols('s')} FROM memberships m JOIN entities p ON p.id = m.person_id "
        "JOIN entities g ON g.id = m.group_id JOIN sources s ON s.id = m.source_id "
        f"WHERE m.{column} = ? ORDER BY m.since, m.id",
        (entity_id,),
    )
    return [
        MembershipRow(
            int(r[0]),
            _entity(r, 1),
            _entity(r, 9),
            r[17],
            r[18],
            r[19],
            None if r[20] is None else bool(r[20]),
            _source(r, 21),
        )
        for r in rows
    ]


async def members_of(store: Store, group_id: int) -> list[MembershipRow]:
    """Return the memberships of a group."""
    return await _memberships(store, "group_id", group_id)


async def groups_of(store: Store, person_id: int) -> list[MembershipRow]:
    """Return the groups a person belongs or belonged to."""
    return await _memberships(store, "person_id", person_id)


async def artist_works(store: Store, entity_id: int) -> list[ArtistWorkRow]:
    """Return artist-work links where the entity is the artist or the work."""
    rows = await store.fetchall(
        f"SELECT {_entity_cols('a')}, {_entity_cols('w')}, l.role, {_source_cols('s')} "
        "FROM artist_works l JOIN entities a ON a.id = l.artist_id "
        "JOIN entities w ON w.id = l.work_id JOIN sources s ON s.id = l.source_id "
        "WHERE l.artist_id = ? OR l.work_id = ? ORDER BY l.role, w.name",
        (entity_id, entity_id),
    )
    return [ArtistWorkRow(_entity(r), _entity(r, 8), r[16], _source(r, 17)) for r in rows]


async def releases_on(store: Store, month_day: str) -> list[ReleaseRow]:
    """Return releases whose date falls on MM-DD (any year)."""
    rows = await store.fetchall(
        "SELECT entity_id FROM releases WHERE substr(date, 6, 5) = ? ORDER BY date", (month_day,)
    )
    return [r for r in [await release(store, int(x[0])) for x in rows] if r is not None]


async def videos_on(store: Store, month_day: str) -> list[VideoRow]:
    """Return videos that premiered on MM-DD (any year)."""
    rows = await store.fetchall(
        "SELECT entity_id FROM videos WHERE substr(premiere, 6, 5) = ? ORDER BY premiere",
        (month_day,),
    )
    return [v for v in [await video(store, int(x[0])) for x in rows] if v is not None]


async def artists_born_on(store: Store, month_day: str) -> list[ArtistRow]:
    """Return artists born on MM-DD."""
    rows = await store.fetchall(
        "SELECT entity_id FROM artists WHERE substr(birth_date, 6, 5) = ? ORDER BY birth_date",
        (month_day,),
    )
    return [a for a in [await artist(store, int(x[0])) for x in rows] if a is not None]


async def artists_debuted_on(store: Store, month_day: str) -> list[ArtistRow]:
    """Return artists who debuted on MM-DD."""
    rows = await store.fetchall(
        "SELECT entity_id FROM artists WHERE substr(debut_date, 6, 5) = ? ORDER BY debut_date",
        (month_day,),
    )
    return [a for a in [await artist(store, int(x[0])) for x in rows] if a is not None]


async def all_names(store: Store, kinds: Sequence[str]) -> list[tuple[int, str, str, str]]:
    """Return (entity_id, kind, name, norm) for every name of these kinds (for linking)."""
    return [
        (int(r[0]), str(r[1]), str(r[2]), str(r[3]))
        for r in await store.fetchall(
            f"SELECT entity_id, kind, name, norm FROM names WHERE kind IN ({_qmarks(kinds)})",
            list(kinds),
        )
    ]


async def entity_summaries(
    store: Store, kinds: Sequence[str]
) -> list[tuple[int, str, str, str, int]]:
    """Return (id, kind, name, label, importance) of every entity of these kinds."""
    return [
        (int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]))
        for r in await store.fetchall(
            f"SELECT id, kind, name, label, importance FROM entities "
            f"WHERE kind IN ({_qmarks(kinds)})",
            list(kinds),
        )
    ]


async def related_pairs(store: Store) -> list[tuple[int, int]]:
    """Return (a, b) entity pairs that give each other context: member/group, song/artist,
    release/artist, video/song."""
    rows = await store.fetchall(
        "SELECT person_id, group_id FROM memberships "
        "UNION SELECT subject_id, artist_id FROM performers "
        "UNION SELECT entity_id, song_id FROM videos WHERE song_id IS NOT NULL"
    )
    return [(int(r[0]), int(r[1])) for r in rows]


async def labels(store: Store, ids: Sequence[int]) -> dict[int, str]:
    """Return {entity_id: label}."""
    return {i: e.label for i, e in (await entities(store, ids)).items()}
