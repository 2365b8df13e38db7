"""The catalog's row types and how they are read out of SQL rows, by column name.

Every reader selects entity and source columns through ``entity_cols``/``source_cols`` with a
table alias, which names each column ``<alias>_<field>``; ``entity_of``/``source_of`` decode
them by those names, so a query may add or reorder columns without breaking a decoder.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sized
from dataclasses import dataclass
from typing import NamedTuple

from bot.store.connection import Connection, Row
from bot.store.dialect import Dialect

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

Conn = Connection


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
    origin: str = ""


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


@dataclass(frozen=True, slots=True)
class NameRow:
    """One name of an entity."""

    entity_id: int
    name: str
    type: str
    locale: str | None
    is_primary: bool
    origin: str


class NameHit(NamedTuple):
    """A name that matched a search, with what ranking needs.

    A named tuple, not a frozen dataclass: a search makes hundreds (a Hangul syllable, 400),
    and a frozen dataclass costs three times as much to build.
    """

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
class SongReleaseRow:
    """A release a song is on, and the song's track position there."""

    release: ReleaseRow
    position: int


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


# ------------------------------------------------------------------------------ rows to insert
# What the bulk writers take. Named tuples, so a plain tuple in the same order still works.
class NameInsert(NamedTuple):
    """One name of an entity (``norm`` is its search form)."""

    entity_id: int
    kind: str
    name: str
    norm: str
    type: str
    locale: str | None
    is_primary: bool
    origin: str


class EntitySourceInsert(NamedTuple):
    """An entity-level source."""

    entity_id: int
    source_id: int
    origin: str


class ExternalIdInsert(NamedTuple):
    """An id of the entity in another database."""

    namespace: str
    value: str
    entity_id: int
    origin: str


class PerformerInsert(NamedTuple):
    """A performing artist of a song or release, at a position."""

    subject_id: int
    position: int
    artist_id: int
    credited_as: str | None
    source_id: int
    origin: str


class TrackInsert(NamedTuple):
    """A song at a position on a release."""

    release_id: int
    position: int
    song_id: int
    source_id: int
    origin: str


class MembershipInsert(NamedTuple):
    """A person's membership of a group."""

    person_id: int
    group_id: int
    stage_name: str | None
    since: str | None
    until: str | None
    current: int | None
    roles: str | None
    source_id: int
    origin: str


class CreditInsert(NamedTuple):
    """Who did what on a subject, and who says so."""

    subject_kind: str
    subject_id: int
    artist_id: int
    role: str
    credited_as: str | None
    detail: str | None
    confidence: str
    source_id: int
    origin: str
    approved_by: int | None


class ReferenceInsert(NamedTuple):
    """A reference from a song or video to something else."""

    from_id: int
    to_id: int
    relation: str
    status: str
    timestamp_s: int | None
    note: str | None
    review_id: int | None
    source_id: int
    origin: str
    approved_by: int | None


class ArtistWorkInsert(NamedTuple):
    """A documented tie between an artist and an external work."""

    artist_id: int
    work_id: int
    role: str
    source_id: int
    origin: str


class ReviewSubjectInsert(NamedTuple):
    """Something a review discusses."""

    review_id: int
    entity_id: int
    origin: str


# ------------------------------------------------------------------------------ decoding
ENTITY_FIELDS = ("id", "kind", "key", "origin", "name", "hangul", "importance", "label")
SOURCE_FIELDS = ("id", "key", "url", "outlet", "title", "author", "published", "origin")
REVIEW_FIELDS = ("id", "key", "origin", "title", "url", "outlet", "author", "published", "summary")


@functools.cache
def _names(alias: str, fields: tuple[str, ...]) -> tuple[str, ...]:
    # The decoders run for every row of every read: build the column names once per alias.
    return tuple(f"{alias}_{f}" for f in fields)


def columns(alias: str, fields: tuple[str, ...]) -> str:
    """Return ``alias.f AS alias_f, …``: the select list the decoders below read."""
    return ", ".join(
        f"{alias}.{f} AS {name}" for f, name in zip(fields, _names(alias, fields), strict=True)
    )


def entity_cols(alias: str) -> str:
    """Return the select list of an entity under ``alias``."""
    return columns(alias, ENTITY_FIELDS)


def source_cols(alias: str) -> str:
    """Return the select list of a source under ``alias``."""
    return columns(alias, SOURCE_FIELDS)


def review_cols(alias: str) -> str:
    """Return the select list of a review under ``alias`` (its source separately)."""
    return columns(alias, REVIEW_FIELDS)


def entity_of(row: Row, alias: str) -> EntityRow:
    """Decode the entity selected with ``entity_cols(alias)``."""
    return EntityRow(*[row[name] for name in _names(alias, ENTITY_FIELDS)])


def entity_or_none(row: Row, alias: str) -> EntityRow | None:
    """Decode an entity from a LEFT JOIN, or None when nothing joined."""
    return None if row[f"{alias}_id"] is None else entity_of(row, alias)


def source_of(row: Row, alias: str) -> SourceRow:
    """Decode the source selected with ``source_cols(alias)``."""
    return SourceRow(*[row[name] for name in _names(alias, SOURCE_FIELDS)])


def review_of(row: Row, alias: str, source_alias: str) -> ReviewRow:
    """Decode the review selected with ``review_cols(alias)`` and its source."""
    values = zip(REVIEW_FIELDS, _names(alias, REVIEW_FIELDS), strict=True)
    return ReviewRow(
        **{field: row[name] for field, name in values}, source=source_of(row, source_alias)
    )


# The name search's FTS5 index (migration 0025) keys each name by its id and its kind: its
# rowid is ``id << KIND_BITS | code``, the code being the kind's place in ENTITY_KINDS. Rowids
# keep the ids' order, and a match's kind is read from its rowid, not from its row.
KIND_BITS = 3


def kind_code_sql(kind: str) -> str:
    """Return SQL for the code of the kind ``kind`` (SQL) holds (migration 0025 spells it)."""
    cases = " ".join(f"WHEN '{k}' THEN {code}" for code, k in enumerate(ENTITY_KINDS))
    return f"(CASE {kind} {cases} END)"


def kind_codes(kinds: Iterable[str]) -> list[int]:
    """Return the codes of ``kinds`` (an unknown kind has none: no name is of it)."""
    return [ENTITY_KINDS.index(kind) for kind in dict.fromkeys(kinds) if kind in ENTITY_KINDS]


def name_search_rowid(name_id: int, kind: str) -> int:
    """Return the FTS5 rowid of the name ``name_id`` of ``kind``."""
    return name_id << KIND_BITS | ENTITY_KINDS.index(kind)


def qmarks(values: Sized) -> str:
    """Return ``?,?,…`` for an IN list of ``values``."""
    return ",".join("?" * len(values))


# names.band's expression (migration 0010). SQLite never reads an index holding a virtual
# generated column alone, so its band indexes are on this expression (migration 0023), which
# a query must spell the same way to use them; PostgreSQL stores the column.
_BAND_CASE = (
    "(CASE WHEN {i} >= 3000000 THEN 7 WHEN {i} >= 2000050 THEN 6 WHEN {i} >= 2000010 THEN 5 "
    "WHEN {i} >= 2000000 THEN 4 WHEN {i} >= 1000010 THEN 3 WHEN {i} >= 1000003 THEN 2 "
    "WHEN {i} >= 1000000 THEN 1 ELSE 0 END)"
)


def band_of(dialect: Dialect, alias: str = "n") -> str:
    """Return SQL for the importance band of the name ``alias`` (read by the band indexes)."""
    if dialect.is_postgres:
        return f"{alias}.band"
    return _BAND_CASE.format(i=f"{alias}.importance")
