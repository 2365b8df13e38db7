"""Reads of the catalog: entities and their details, credits, references, reviews, members.

Readers take the ``Store`` and return frozen rows (``rows.py``), each in one query: a detail
row's linked entities (a release's parent, a video's song, a reference's review) come from
the same statement, not one more per row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.store.catalog.rows import (
    FACT_TABLES,
    ArtistRow,
    ArtistWorkRow,
    CreditRow,
    EntityRow,
    MembershipRow,
    PerformerRow,
    ReferenceRow,
    ReleaseRow,
    ReviewRow,
    Row,
    SongReleaseRow,
    SongRow,
    SourceRow,
    TrackRow,
    VideoRow,
    WorkRow,
    entity_cols,
    entity_of,
    entity_or_none,
    qmarks,
    review_cols,
    review_of,
    source_cols,
    source_of,
)
from bot.store.core import Store, chunks

_DETAIL_TABLES = ("entities", "sources", "reviews", "artists", "releases", "songs", "videos")


async def catalog_version(store: Store) -> str:
    """Return the catalog version counter (changes after every import)."""
    return await store.catalog_version()


async def count_entities(store: Store, kind: str | None = None, origin: str | None = None) -> int:
    """Count entities, optionally of one kind and origin."""
    sql = "SELECT count(*) AS n FROM entities WHERE 1 = 1"
    params: list[Any] = []
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    if origin:
        sql += " AND origin = ?"
        params.append(origin)
    row = await store.fetchone(sql, params)
    return int(row["n"]) if row else 0


async def catalog_origins(store: Store) -> list[str]:
    """Return every origin the catalog's entities come from, sorted."""
    rows = await store.fetchall("SELECT DISTINCT origin FROM entities ORDER BY origin")
    return [str(r[0]) for r in rows]


async def external_ids_of(store: Store, entity_id: int, namespace: str) -> list[str]:
    """Return the ids in ``namespace`` that point at an entity, in a stable order."""
    rows = await store.fetchall(
        "SELECT value FROM external_ids WHERE namespace = ? AND entity_id = ? ORDER BY value",
        (namespace, entity_id),
    )
    return [str(r[0]) for r in rows]


async def count_rows(store: Store, table: str) -> int:
    """Count the rows of one catalog table (for reports and tests)."""
    if table not in (*FACT_TABLES, *_DETAIL_TABLES, "works"):
        raise ValueError(f"not a catalog table: {table}")
    row = await store.fetchone(f"SELECT count(*) AS n FROM {table}")
    return int(row["n"]) if row else 0


# ------------------------------------------------------------------------------ entities
async def entity(store: Store, entity_id: int) -> EntityRow | None:
    """Return one entity by id."""
    row = await store.fetchone(
        f"SELECT {entity_cols('e')} FROM entities e WHERE e.id = ?", (entity_id,)
    )
    return None if row is None else entity_of(row, "e")


async def entity_by_key(store: Store, kind: str, key: str) -> EntityRow | None:
    """Return one entity by kind and catalog key."""
    row = await store.fetchone(
        f"SELECT {entity_cols('e')} FROM entities e WHERE e.kind = ? AND e.key = ?", (kind, key)
    )
    return None if row is None else entity_of(row, "e")


async def entities(store: Store, ids: Sequence[int]) -> dict[int, EntityRow]:
    """Return {id: entity} for these ids."""
    out: dict[int, EntityRow] = {}
    for chunk in chunks(list(ids)):
        rows = await store.fetchall(
            f"SELECT {entity_cols('e')} FROM entities e WHERE e.id IN ({qmarks(chunk)})", chunk
        )
        out.update({int(r["e_id"]): entity_of(r, "e") for r in rows})
    return out


async def labels(store: Store, ids: Sequence[int]) -> dict[int, str]:
    """Return {entity_id: label}."""
    return {i: e.label for i, e in (await entities(store, ids)).items()}


async def entity_sources(store: Store, entity_id: int) -> list[SourceRow]:
    """Return the entity-level sources of an entity."""
    rows = await store.fetchall(
        f"SELECT {source_cols('s')} FROM entity_sources es JOIN sources s ON s.id = es.source_id "
        "WHERE es.entity_id = ? ORDER BY s.id",
        (entity_id,),
    )
    return [source_of(r, "s") for r in rows]


async def entity_summaries(
    store: Store, kinds: Sequence[str]
) -> list[tuple[int, str, str, str, int]]:
    """Return (id, kind, name, label, importance) of every entity of these kinds."""
    return [
        (int(r["id"]), str(r["kind"]), str(r["name"]), str(r["label"]), int(r["importance"]))
        for r in await store.fetchall(
            f"SELECT id, kind, name, label, importance FROM entities "
            f"WHERE kind IN ({qmarks(kinds)})",
            list(kinds),
        )
    ]


async def relatives(store: Store, entity_id: int) -> list[int]:
    """Return a song's videos (oldest first), or a video's song; nothing for other kinds."""
    rows = await store.fetchall(
        "SELECT entity_id AS id, 0 AS side, premiere FROM videos WHERE song_id = ? "
        "UNION ALL SELECT song_id, 1, NULL FROM videos WHERE entity_id = ? AND song_id IS NOT NULL "
        "ORDER BY side, premiere, id",
        (entity_id, entity_id),
    )
    return [int(r["id"]) for r in rows]


async def related_pairs(store: Store) -> list[tuple[int, int]]:
    """Return (a, b) entity pairs that give each other context: member/group, song/artist,
    release/artist, video/song."""
    rows = await store.fetchall(
        "SELECT person_id AS a, group_id AS b FROM memberships "
        "UNION SELECT subject_id, artist_id FROM performers "
        "UNION SELECT entity_id, song_id FROM videos WHERE song_id IS NOT NULL"
    )
    return [(int(r["a"]), int(r["b"])) for r in rows]


# ------------------------------------------------------------------------------ details
_ARTIST_SELECT = (
    f"SELECT {entity_cols('e')}, a.kind AS artist_kind, a.legal_name, a.legal_name_hangul, "
    "a.disambiguation, a.birth_date, a.debut_date, a.end_date, a.agency, "
    f"{entity_cols('pg')} FROM entities e JOIN artists a ON a.entity_id = e.id "
    "LEFT JOIN entities pg ON pg.id = a.parent_group_id "
)


def _artist(r: Row) -> ArtistRow:
    return ArtistRow(
        entity_of(r, "e"),
        r["artist_kind"],
        r["legal_name"],
        r["legal_name_hangul"],
        r["disambiguation"],
        r["birth_date"],
        r["debut_date"],
        r["end_date"],
        r["agency"],
        entity_or_none(r, "pg"),
    )


async def artist(store: Store, entity_id: int) -> ArtistRow | None:
    """Return artist details."""
    row = await store.fetchone(_ARTIST_SELECT + "WHERE e.id = ?", (entity_id,))
    return None if row is None else _artist(row)


async def agencies_like(store: Store, words: Sequence[str], limit: int = 5) -> list[str]:
    """Return the agencies stored for any artist whose name holds these words in order
    ("jyp": JYP Entertainment), case-insensitively, most common first."""
    letters = [w for w in (_LIKE_SPECIAL.sub("", w.lower()) for w in words) if w]
    if not letters:
        return []
    rows = await store.fetchall(
        "SELECT agency, COUNT(*) AS n FROM artists WHERE LOWER(agency) LIKE ? "
        "GROUP BY agency ORDER BY n DESC, agency LIMIT ?",
        ("%" + "%".join(letters) + "%", limit),
    )
    return [str(r["agency"]) for r in rows]


_LIKE_SPECIAL = re.compile(r"[%_\\]")


_RELEASE_COLS = (
    f"{entity_cols('e')}, r.type AS release_type, r.date AS release_date, "
    f"r.label AS release_label, {entity_cols('par')}"
)
_RELEASE_FROM = (
    "FROM entities e JOIN releases r ON r.entity_id = e.id "
    "LEFT JOIN entities par ON par.id = r.parent_id "
)
_RELEASE_SELECT = f"SELECT {_RELEASE_COLS} {_RELEASE_FROM}"


def _release(r: Row) -> ReleaseRow:
    return ReleaseRow(
        entity_of(r, "e"),
        r["release_type"],
        r["release_date"],
        r["release_label"],
        entity_or_none(r, "par"),
    )


async def release(store: Store, entity_id: int) -> ReleaseRow | None:
    """Return release details."""
    row = await store.fetchone(_RELEASE_SELECT + "WHERE e.id = ?", (entity_id,))
    return None if row is None else _release(row)


async def song_releases(store: Store, song_id: int) -> list[SongReleaseRow]:
    """Return the releases a song is on with its position there, oldest first."""
    rows = await store.fetchall(
        f"SELECT {_RELEASE_COLS}, t.position {_RELEASE_FROM}"
        "JOIN release_tracks t ON t.release_id = e.id WHERE t.song_id = ? "
        "ORDER BY r.date, e.id, t.position",
        (song_id,),
    )
    return [SongReleaseRow(_release(r), int(r["position"])) for r in rows]


async def release_ids_of_song(store: Store, song_id: int) -> set[int]:
    """Return the ids of the releases a song is on (one index read, nothing joined)."""
    rows = await store.fetchall(
        "SELECT release_id FROM release_tracks WHERE song_id = ?", (song_id,)
    )
    return {int(r["release_id"]) for r in rows}


async def song(store: Store, entity_id: int) -> SongRow | None:
    """Return song details."""
    row = await store.fetchone(
        f"SELECT {entity_cols('e')}, s.length_s FROM entities e "
        "JOIN songs s ON s.entity_id = e.id WHERE e.id = ?",
        (entity_id,),
    )
    return None if row is None else SongRow(entity_of(row, "e"), row["length_s"])


_VIDEO_SELECT = (
    f"SELECT {entity_cols('e')}, {entity_cols('sg')}, v.kind AS video_kind, v.youtube, "
    "v.premiere, v.length_s FROM entities e JOIN videos v ON v.entity_id = e.id "
    "LEFT JOIN entities sg ON sg.id = v.song_id "
)


def _video(r: Row) -> VideoRow:
    return VideoRow(
        entity_of(r, "e"),
        entity_or_none(r, "sg"),
        r["video_kind"],
        r["youtube"],
        r["premiere"],
        r["length_s"],
    )


async def video(store: Store, entity_id: int) -> VideoRow | None:
    """Return video details."""
    row = await store.fetchone(_VIDEO_SELECT + "WHERE e.id = ?", (entity_id,))
    return None if row is None else _video(row)


async def work(store: Store, entity_id: int) -> WorkRow | None:
    """Return external work details."""
    row = await store.fetchone(
        f"SELECT {entity_cols('e')}, w.kind AS work_kind, w.creator, w.year, w.note "
        "FROM entities e JOIN works w ON w.entity_id = e.id WHERE e.id = ?",
        (entity_id,),
    )
    if row is None:
        return None
    return WorkRow(entity_of(row, "e"), row["work_kind"], row["creator"], row["year"], row["note"])


async def works_by_creator(store: Store, words: Sequence[str], limit: int = 10) -> list[WorkRow]:
    """Return the outside works whose creator's name holds these words in order ("bach":
    Johann Sebastian Bach), case-insensitively, by title."""
    letters = [w for w in (_LIKE_SPECIAL.sub("", w.lower()) for w in words) if w]
    if not letters:
        return []
    rows = await store.fetchall(
        f"SELECT {entity_cols('e')}, w.kind AS work_kind, w.creator, w.year, w.note "
        "FROM entities e JOIN works w ON w.entity_id = e.id WHERE LOWER(w.creator) LIKE ? "
        "ORDER BY e.name, e.id LIMIT ?",
        ("%" + "%".join(letters) + "%", limit),
    )
    return [
        WorkRow(entity_of(r, "e"), r["work_kind"], r["creator"], r["year"], r["note"]) for r in rows
    ]


async def videos_of_song(store: Store, song_id: int) -> list[VideoRow]:
    """Return the videos made for a song, oldest first."""
    rows = await store.fetchall(
        _VIDEO_SELECT + "WHERE v.song_id = ? ORDER BY v.premiere, v.entity_id", (song_id,)
    )
    return [_video(r) for r in rows]


async def performers(store: Store, subject_id: int) -> list[PerformerRow]:
    """Return the performing artists of a song or release in order."""
    return (await performers_many(store, [subject_id]))[subject_id]


async def performed_by(
    store: Store, artist_id: int, limit: int = 3
) -> list[tuple[EntityRow, SourceRow]]:
    """Return songs and releases an artist performs under their own name, with the source of
    each, most important first."""
    rows = await store.fetchall(
        f"SELECT {entity_cols('e')}, {source_cols('s')} FROM performers p "
        "JOIN entities e ON e.id = p.subject_id JOIN sources s ON s.id = p.source_id "
        "WHERE p.artist_id = ? AND e.kind = 'song' ORDER BY e.importance DESC, e.name, e.id "
        "LIMIT ?",
        (artist_id, limit),
    )
    return [(entity_of(r, "e"), source_of(r, "s")) for r in rows]


async def performers_many(
    store: Store, subject_ids: Sequence[int]
) -> dict[int, list[PerformerRow]]:
    """Return the performers of each of several songs or releases, in order, by subject id."""
    out: dict[int, list[PerformerRow]] = {i: [] for i in subject_ids}
    for chunk in chunks(list(out)):
        rows = await store.fetchall(
            f"SELECT p.subject_id, p.position, {entity_cols('a')}, p.credited_as, "
            f"{source_cols('s')} FROM performers p JOIN entities a ON a.id = p.artist_id "
            f"JOIN sources s ON s.id = p.source_id WHERE p.subject_id IN ({qmarks(chunk)}) "
            "ORDER BY p.subject_id, p.position",
            chunk,
        )
        for r in rows:
            out[int(r["subject_id"])].append(
                PerformerRow(
                    int(r["subject_id"]),
                    int(r["position"]),
                    entity_of(r, "a"),
                    r["credited_as"],
                    source_of(r, "s"),
                )
            )
    return out


_TRACK_SELECT = (
    f"SELECT {entity_cols('r')}, t.position, {entity_cols('s')}, {source_cols('src')} "
    "FROM release_tracks t JOIN entities r ON r.id = t.release_id "
    "JOIN entities s ON s.id = t.song_id JOIN sources src ON src.id = t.source_id "
)


def _track(r: Row) -> TrackRow:
    return TrackRow(entity_of(r, "r"), int(r["position"]), entity_of(r, "s"), source_of(r, "src"))


async def tracks(store: Store, release_id: int) -> list[TrackRow]:
    """Return the tracklist of a release."""
    rows = await store.fetchall(
        _TRACK_SELECT + "WHERE t.release_id = ? ORDER BY t.position", (release_id,)
    )
    return [_track(r) for r in rows]


async def releases_with_song(store: Store, song_id: int) -> list[TrackRow]:
    """Return the releases a song is on, oldest first."""
    rows = await store.fetchall(
        _TRACK_SELECT + "JOIN releases rel ON rel.entity_id = r.id WHERE t.song_id = ? "
        "ORDER BY rel.date, r.id",
        (song_id,),
    )
    return [_track(r) for r in rows]


async def child_releases(store: Store, release_id: int) -> list[EntityRow]:
    """Return releases whose parent is this release (singles, repackages)."""
    rows = await store.fetchall(
        f"SELECT {entity_cols('e')} FROM releases r JOIN entities e ON e.id = r.entity_id "
        "WHERE r.parent_id = ? ORDER BY r.date",
        (release_id,),
    )
    return [entity_of(r, "e") for r in rows]


# ------------------------------------------------------------------------------ credits
_CREDIT_SELECT = (
    f"SELECT c.id, {entity_cols('sub')}, {entity_cols('art')}, c.role, c.credited_as, "
    f"c.detail, c.confidence, {source_cols('s')}, c.origin, c.approved_by FROM credits c "
    "JOIN entities sub ON sub.id = c.subject_id JOIN entities art ON art.id = c.artist_id "
    "JOIN sources s ON s.id = c.source_id "
)


def _credit(r: Row) -> CreditRow:
    return CreditRow(
        int(r["id"]),
        entity_of(r, "sub"),
        entity_of(r, "art"),
        r["role"],
        r["credited_as"],
        r["detail"],
        r["confidence"],
        source_of(r, "s"),
        r["origin"],
        r["approved_by"],
    )


async def credits_of(
    store: Store, subject_ids: Sequence[int], roles: Sequence[str] | None = None
) -> list[CreditRow]:
    """Return the credits of these subjects, optionally only some roles."""
    if not subject_ids:
        return []
    sql = _CREDIT_SELECT + f"WHERE c.subject_id IN ({qmarks(subject_ids)})"
    params: list[Any] = list(subject_ids)
    if roles:
        sql += f" AND c.role IN ({qmarks(roles)})"
        params.extend(roles)
    rows = await store.fetchall(sql + " ORDER BY c.subject_id, c.role, c.id", params)
    return [_credit(r) for r in rows]


async def credits_with_relatives(store: Store, entity_id: int) -> list[CreditRow]:
    """Return the credits of an entity and its relatives (a song's videos, a video's song)."""
    rows = await store.fetchall(
        _CREDIT_SELECT + "WHERE c.subject_id IN (SELECT ? UNION ALL "
        "SELECT entity_id FROM videos WHERE song_id = ? UNION ALL "
        "SELECT song_id FROM videos WHERE entity_id = ? AND song_id IS NOT NULL) "
        "ORDER BY c.subject_id, c.role, c.id",
        (entity_id, entity_id, entity_id),
    )
    return [_credit(r) for r in rows]


async def credits_by(
    store: Store, artist_id: int, roles: Sequence[str] | None = None, limit: int = 500
) -> list[CreditRow]:
    """Return the credits of an artist, most important subjects first."""
    sql = _CREDIT_SELECT + "WHERE c.artist_id = ?"
    params: list[Any] = [artist_id]
    if roles:
        sql += f" AND c.role IN ({qmarks(roles)})"
        params.extend(roles)
    rows = await store.fetchall(
        sql + " ORDER BY c.role, sub.importance DESC, sub.name LIMIT ?", (*params, limit)
    )
    return [_credit(r) for r in rows]


async def works_tied_to(
    store: Store, work_ids: Sequence[int], artist_ids: Sequence[int]
) -> list[tuple[int, int]]:
    """Return (work, artist) pairs where the artist performs or is credited on the work.

    A credit on a song's video counts for the song. One query, for /ask to tell which of
    several works sharing a title a person is on.
    """
    if not work_ids or not artist_ids:
        return []
    works, artists = qmarks(work_ids), qmarks(artist_ids)
    # Three indexed lookups (an OR across the join would scan every credit).
    rows = await store.fetchall(
        f"SELECT p.subject_id AS w, p.artist_id AS a FROM performers p "
        f"WHERE p.subject_id IN ({works}) AND p.artist_id IN ({artists}) "
        f"UNION SELECT c.subject_id, c.artist_id FROM credits c "
        f"WHERE c.subject_id IN ({works}) AND c.artist_id IN ({artists}) "
        f"UNION SELECT v.song_id, c.artist_id FROM videos v "
        f"JOIN credits c ON c.subject_id = v.entity_id "
        f"WHERE v.song_id IN ({works}) AND c.artist_id IN ({artists}) ORDER BY 1, 2",
        (*work_ids, *artist_ids, *work_ids, *artist_ids, *work_ids, *artist_ids),
    )
    return [(int(r[0]), int(r[1])) for r in rows]


async def count_credits(store: Store, subject_ids: Sequence[int]) -> int:
    """Count credits of these subjects."""
    if not subject_ids:
        return 0
    row = await store.fetchone(
        f"SELECT count(*) AS n FROM credits WHERE subject_id IN ({qmarks(subject_ids)})",
        subject_ids,
    )
    return int(row["n"]) if row else 0


# ------------------------------------------------------------------------------ reviews
_REVIEW_SELECT = f"SELECT {review_cols('rv')}, {source_cols('s')} FROM "


async def reviews_about(store: Store, entity_ids: Sequence[int]) -> list[ReviewRow]:
    """Return reviews that discuss any of these entities, newest first."""
    if not entity_ids:
        return []
    rows = await store.fetchall(
        f"SELECT DISTINCT {review_cols('rv')}, {source_cols('s')} FROM review_subjects rs "
        "JOIN reviews rv ON rv.id = rs.review_id JOIN sources s ON s.id = rv.source_id "
        f"WHERE rs.entity_id IN ({qmarks(entity_ids)}) ORDER BY rv.published DESC, rv.id",
        entity_ids,
    )
    return [review_of(r, "rv", "s") for r in rows]


async def recent_reviews(store: Store, limit: int = 20) -> list[ReviewRow]:
    """Return the newest reviews (by publication date)."""
    rows = await store.fetchall(
        _REVIEW_SELECT + "reviews rv JOIN sources s ON s.id = rv.source_id "
        "ORDER BY rv.published DESC, rv.id DESC LIMIT ?",
        (limit,),
    )
    return [review_of(r, "rv", "s") for r in rows]


async def review_subjects(store: Store, review_id: int) -> list[EntityRow]:
    """Return what a review discusses."""
    rows = await store.fetchall(
        f"SELECT {entity_cols('e')} FROM review_subjects rs JOIN entities e "
        "ON e.id = rs.entity_id WHERE rs.review_id = ? ORDER BY e.kind, e.id",
        (review_id,),
    )
    return [entity_of(r, "e") for r in rows]


async def review_by_url(store: Store, url: str) -> ReviewRow | None:
    """Return the review stored under a URL."""
    row = await store.fetchone(
        _REVIEW_SELECT + "reviews rv JOIN sources s ON s.id = rv.source_id WHERE rv.url = ?",
        (url,),
    )
    return None if row is None else review_of(row, "rv", "s")


async def count_reviews(store: Store, entity_ids: Sequence[int]) -> int:
    """Count distinct reviews discussing any of these entities."""
    if not entity_ids:
        return 0
    row = await store.fetchone(
        "SELECT count(DISTINCT review_id) AS n FROM review_subjects "
        f"WHERE entity_id IN ({qmarks(entity_ids)})",
        entity_ids,
    )
    return int(row["n"]) if row else 0


# ------------------------------------------------------------------------------ references
async def _references(store: Store, column: str, ids: Sequence[int]) -> list[ReferenceRow]:
    if not ids:
        return []
    rows = await store.fetchall(
        f"SELECT r.id, {entity_cols('f')}, {entity_cols('t')}, r.relation, r.status, "
        f"r.timestamp_s, r.note, {source_cols('s')}, r.origin, r.approved_by, "
        f"{review_cols('rv')}, {source_cols('rvs')} "
        "FROM entity_references r JOIN entities f ON f.id = r.from_id "
        "JOIN entities t ON t.id = r.to_id JOIN sources s ON s.id = r.source_id "
        "LEFT JOIN reviews rv ON rv.id = r.review_id "
        "LEFT JOIN sources rvs ON rvs.id = rv.source_id "
        f"WHERE r.{column} IN ({qmarks(ids)}) "
        "ORDER BY CASE r.status WHEN 'confirmed' THEN 0 WHEN 'critic' THEN 1 ELSE 2 END, r.id",
        ids,
    )
    return [
        ReferenceRow(
            int(r["id"]),
            entity_of(r, "f"),
            entity_of(r, "t"),
            r["relation"],
            r["status"],
            r["timestamp_s"],
            r["note"],
            None if r["rv_id"] is None else review_of(r, "rv", "rvs"),
            source_of(r, "s"),
            r["origin"],
            r["approved_by"],
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
    marks = qmarks(ids)
    row = await store.fetchone(
        "SELECT count(*) AS n FROM entity_references "
        f"WHERE from_id IN ({marks}) OR to_id IN ({marks})",
        (*ids, *ids),
    )
    return int(row["n"]) if row else 0


# ------------------------------------------------------------------------------ people
async def _memberships(
    store: Store, column: str, entity_ids: Sequence[int]
) -> dict[int, list[MembershipRow]]:
    """Return the memberships whose ``column`` is each of ``entity_ids``, by that id."""
    out: dict[int, list[MembershipRow]] = {i: [] for i in entity_ids}
    for chunk in chunks(list(out)):
        rows = await store.fetchall(
            f"SELECT m.id, {entity_cols('p')}, {entity_cols('g')}, m.stage_name, m.since, "
            f"m.until, m.current, {source_cols('s')} FROM memberships m "
            "JOIN entities p ON p.id = m.person_id JOIN entities g ON g.id = m.group_id "
            f"JOIN sources s ON s.id = m.source_id WHERE m.{column} IN ({qmarks(chunk)}) "
            "ORDER BY m.since, m.id",
            chunk,
        )
        for r in rows:
            row = MembershipRow(
                int(r["id"]),
                entity_of(r, "p"),
                entity_of(r, "g"),
                r["stage_name"],
                r["since"],
                r["until"],
                None if r["current"] is None else bool(r["current"]),
                source_of(r, "s"),
            )
            out[row.person.id if column == "person_id" else row.group.id].append(row)
    return out


async def members_of(store: Store, group_id: int) -> list[MembershipRow]:
    """Return the memberships of a group."""
    return (await _memberships(store, "group_id", [group_id]))[group_id]


async def groups_of(store: Store, person_id: int) -> list[MembershipRow]:
    """Return the groups a person belongs or belonged to."""
    return (await _memberships(store, "person_id", [person_id]))[person_id]


async def members_of_many(store: Store, group_ids: Sequence[int]) -> dict[int, list[MembershipRow]]:
    """Return the memberships of each of several groups (one query per 500), by group id."""
    return await _memberships(store, "group_id", group_ids)


async def groups_of_many(store: Store, person_ids: Sequence[int]) -> dict[int, list[MembershipRow]]:
    """Return the groups of each of several people (one query per 500), by person id."""
    return await _memberships(store, "person_id", person_ids)


async def member_roles(store: Store, group_id: int) -> list[tuple[int, str, SourceRow]]:
    """Return (person_id, roles text, source) of a group's memberships that state roles."""
    rows = await store.fetchall(
        f"SELECT m.person_id, m.roles, {source_cols('s')} FROM memberships m "
        "JOIN sources s ON s.id = m.source_id "
        "WHERE m.group_id = ? AND m.roles IS NOT NULL AND m.roles <> '' ORDER BY m.person_id, m.id",
        (group_id,),
    )
    return [(int(r["person_id"]), str(r["roles"]), source_of(r, "s")) for r in rows]


async def artist_works(store: Store, entity_id: int) -> list[ArtistWorkRow]:
    """Return artist-work links where the entity is the artist or the work."""
    rows = await store.fetchall(
        f"SELECT {entity_cols('a')}, {entity_cols('w')}, l.role, {source_cols('s')} "
        "FROM artist_works l JOIN entities a ON a.id = l.artist_id "
        "JOIN entities w ON w.id = l.work_id JOIN sources s ON s.id = l.source_id "
        "WHERE l.artist_id = ? OR l.work_id = ? ORDER BY l.role, w.name",
        (entity_id, entity_id),
    )
    return [
        ArtistWorkRow(entity_of(r, "a"), entity_of(r, "w"), r["role"], source_of(r, "s"))
        for r in rows
    ]


# ------------------------------------------------------------------------------ on this day
async def releases_on(store: Store, month_day: str) -> list[ReleaseRow]:
    """Return releases whose date falls on MM-DD (any year)."""
    rows = await store.fetchall(
        _RELEASE_SELECT + "WHERE substr(r.date, 6, 5) = ? ORDER BY r.date, e.id", (month_day,)
    )
    return [_release(r) for r in rows]


async def videos_on(store: Store, month_day: str) -> list[VideoRow]:
    """Return videos that premiered on MM-DD (any year)."""
    rows = await store.fetchall(
        _VIDEO_SELECT + "WHERE substr(v.premiere, 6, 5) = ? ORDER BY v.premiere, e.id",
        (month_day,),
    )
    return [_video(r) for r in rows]


async def artists_born_on(store: Store, month_day: str) -> list[ArtistRow]:
    """Return artists born on MM-DD."""
    rows = await store.fetchall(
        _ARTIST_SELECT + "WHERE substr(a.birth_date, 6, 5) = ? ORDER BY a.birth_date, e.id",
        (month_day,),
    )
    return [_artist(r) for r in rows]


async def artists_debuted_on(store: Store, month_day: str) -> list[ArtistRow]:
    """Return artists who debuted on MM-DD."""
    rows = await store.fetchall(
        _ARTIST_SELECT + "WHERE substr(a.debut_date, 6, 5) = ? ORDER BY a.debut_date, e.id",
        (month_day,),
    )
    return [_artist(r) for r in rows]
