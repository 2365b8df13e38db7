"""Read API for the commands: cards and lists as plain frozen dataclasses, every fact sourced.

Nothing here knows Discord; rendering (embeds, limits) belongs to the cogs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.errors import NotFoundError
from bot.core.i18n import N_
from bot.knowledge import platforms, vocab
from bot.knowledge import sources as policy
from bot.knowledge.entities import EntityRef
from bot.store import catalog as db
from bot.store import media as media_db
from bot.store.catalog import provenance
from bot.store.core import Store
from bot.store.read_cache import cached_reading


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a fact comes from: a link, the outlet's name and the grade the policy gives it."""

    url: str
    outlet: str
    title: str | None = None
    grade: str = "fan"

    @classmethod
    def of(cls, row: db.SourceRow) -> SourceRef:
        """Build from a store row."""
        return cls(row.url, row.outlet, row.title, policy.fact_grade(row.url, row.origin))


@dataclass(frozen=True, slots=True)
class CardImage:
    """A picture a card shows, where it is from, and (for Commons files) licence and author."""

    url: str
    source: SourceRef | None
    page_url: str | None = None
    licence: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class ListenLink:
    """A page to play something on: its platform (None when the host is not one we know)."""

    url: str
    platform: str | None
    platform_name: str | None
    host: str
    source: SourceRef


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One person credited in one role on one subject, with every source that says so."""

    role: str
    artist: EntityRef
    credited_as: str | None
    grade: str
    subject: EntityRef
    sources: tuple[SourceRef, ...]
    detail: str | None = None
    approved_by: int | None = None


@dataclass(frozen=True, slots=True)
class CreditGroup:
    """Credit lines of one role."""

    role: str
    lines: tuple[CreditLine, ...]


@dataclass(frozen=True, slots=True)
class CreditsView:
    """Credits of a subject (and, for a song, of its videos), grouped by role."""

    subject: EntityRef
    groups: tuple[CreditGroup, ...]

    def role(self, *roles: str) -> tuple[CreditLine, ...]:
        """Return the lines of these roles."""
        return tuple(line for g in self.groups if g.role in roles for line in g.lines)


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """A video with its link and directors."""

    video: EntityRef
    kind: str
    song: EntityRef | None
    youtube_url: str | None
    premiere: str | None
    length_s: int | None
    directors: tuple[CreditLine, ...]
    sources: tuple[SourceRef, ...]
    fact_sources: tuple[tuple[str, SourceRef], ...] = ()
    thumbnail: str | None = None  # YouTube's thumbnail of the video, when it has an id

    def source_of(self, attribute: str) -> tuple[SourceRef, ...]:
        """Return the source of one attribute (a date, label, agency…); () if unsourced."""
        return tuple(source for name, source in self.fact_sources if name == attribute)


@dataclass(frozen=True, slots=True)
class DisputedValue:
    """A database's value that differs from the catalog's: shown after it, with its source."""

    field: str
    value: str
    source: SourceRef


@dataclass(frozen=True, slots=True)
class ReleaseCard:
    """A release: what it is, who made it, what is on it, and how much we know about it."""

    release: EntityRef
    title: str
    hangul: str | None
    type: str
    date: str | None
    label: str | None
    artists: tuple[EntityRef, ...]
    parent: EntityRef | None
    children: tuple[EntityRef, ...]
    tracks: tuple[EntityRef, ...]
    videos: tuple[VideoInfo, ...]
    credit_count: int
    reference_count: int
    review_count: int
    sources: tuple[SourceRef, ...]
    fact_sources: tuple[tuple[str, SourceRef], ...] = ()

    def source_of(self, attribute: str) -> tuple[SourceRef, ...]:
        """Return the source of one attribute (a date, label, agency…); () if unsourced."""
        return tuple(source for name, source in self.fact_sources if name == attribute)

    disputed: tuple[DisputedValue, ...] = ()
    cover: CardImage | None = None
    links: tuple[ListenLink, ...] = ()


@dataclass(frozen=True, slots=True)
class SongRelease:
    """A release a song is on."""

    release: EntityRef
    type: str
    date: str | None
    position: int


@dataclass(frozen=True, slots=True)
class SongCard:
    """A song: artists, length, releases, videos and counts."""

    song: EntityRef
    title: str
    hangul: str | None
    artists: tuple[EntityRef, ...]
    length_s: int | None
    releases: tuple[SongRelease, ...]
    videos: tuple[VideoInfo, ...]
    credit_count: int
    reference_count: int
    review_count: int
    sources: tuple[SourceRef, ...]
    cover: CardImage | None = None
    links: tuple[ListenLink, ...] = ()


@dataclass(frozen=True, slots=True)
class ReviewInfo:
    """A review with what it discusses."""

    id: int
    title: str
    url: str
    outlet: str
    author: str | None
    published: str | None
    summary: str | None
    subjects: tuple[EntityRef, ...]
    source: SourceRef


@dataclass(frozen=True, slots=True)
class ReferenceLine:
    """A reference, who claims it (status) and on what evidence."""

    source_entity: EntityRef
    target: EntityRef
    relation: str
    status: str
    timestamp_s: int | None
    note: str | None
    review: ReviewInfo | None
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True, slots=True)
class ReferencesView:
    """What a subject references, and what references it."""

    subject: EntityRef
    outgoing: tuple[ReferenceLine, ...]
    incoming: tuple[ReferenceLine, ...]


@dataclass(frozen=True, slots=True)
class NameInfo:
    """One name of an entity."""

    name: str
    type: str
    locale: str | None
    is_primary: bool


@dataclass(frozen=True, slots=True)
class MemberLine:
    """A membership: who, which group, when, and the source."""

    person: EntityRef
    group: EntityRef
    stage_name: str | None
    since: str | None
    until: str | None
    current: bool | None
    sources: tuple[SourceRef, ...]

    @property
    def former(self) -> bool:
        """Tell whether the person has left the group (an end date, or marked not current)."""
        return self.current is False or bool(self.until)


@dataclass(frozen=True, slots=True)
class WorkLink:
    """A documented artist-work tie (actor in, director of, …)."""

    artist: EntityRef
    work: EntityRef
    role: str
    source: SourceRef


@dataclass(frozen=True, slots=True)
class ArtistCard:
    """An artist: names in every script, group ties, dates, agency and notable credits."""

    artist: EntityRef
    kind: str
    names: tuple[NameInfo, ...]
    hangul: str | None
    legal_name: str | None
    legal_name_hangul: str | None
    disambiguation: str | None
    birth_date: str | None
    debut_date: str | None
    end_date: str | None
    agency: str | None
    parent_group: EntityRef | None
    groups: tuple[MemberLine, ...]
    members: tuple[MemberLine, ...]
    notable_credits: tuple[CreditLine, ...]
    works: tuple[WorkLink, ...]
    sources: tuple[SourceRef, ...]
    fact_sources: tuple[tuple[str, SourceRef], ...] = ()
    portrait: CardImage | None = None
    links: tuple[ListenLink, ...] = ()

    def source_of(self, attribute: str) -> tuple[SourceRef, ...]:
        """Return the source of one attribute (a date, label, agency…); () if unsourced."""
        return tuple(source for name, source in self.fact_sources if name == attribute)


@dataclass(frozen=True, slots=True)
class WorksView:
    """What a person worked on, grouped by role, plus documented ties to external works."""

    artist: EntityRef
    groups: tuple[CreditGroup, ...]
    links: tuple[WorkLink, ...]


@dataclass(frozen=True, slots=True)
class DatedFact:
    """Something that happened on a date (a release, birthday, debut or premiere)."""

    what: str
    entity: EntityRef
    date: str
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True, slots=True)
class OnThisDay:
    """Anniversaries on one month-day, oldest first within each list."""

    month_day: str
    releases: tuple[DatedFact, ...]
    premieres: tuple[DatedFact, ...]
    birthdays: tuple[DatedFact, ...]
    debuts: tuple[DatedFact, ...]


# ------------------------------------------------------------------------------ helpers
def group_credits(rows: Iterable[db.CreditRow]) -> tuple[CreditGroup, ...]:
    """Merge rows of the same (subject, artist, role) and group them by role."""
    merged: dict[tuple[int, int, str], list[db.CreditRow]] = {}
    for row in rows:
        merged.setdefault((row.subject.id, row.artist.id, row.role), []).append(row)
    by_role: dict[str, list[CreditLine]] = {}
    for items in merged.values():
        first = items[0]
        sources = tuple(dict.fromkeys(SourceRef.of(r.source) for r in items))
        best = policy.best_grade([s.grade for s in sources])
        line = CreditLine(
            first.role,
            EntityRef.of(first.artist),
            next((r.credited_as for r in items if r.credited_as), None),
            best,
            EntityRef.of(first.subject),
            sources,
            first.detail,
            first.approved_by,
        )
        by_role.setdefault(first.role, []).append(line)
    # Curated lines first: when a database names someone else, it is shown after, as such.
    return tuple(
        CreditGroup(role, tuple(sorted(by_role[role], key=lambda ln: ln.grade == "database")))
        for role in sorted(by_role, key=vocab.role_sort_key)
    )


async def _entity_or_raise(store: Store, entity_id: int, kinds: Sequence[str]) -> db.EntityRow:
    row = await db.entity(store, entity_id)
    if row is None or row.kind not in kinds:
        raise NotFoundError(N_("That {what} is not in the catalog."), what=" or ".join(kinds))
    return row


async def _sources(store: Store, entity_id: int) -> tuple[SourceRef, ...]:
    return tuple(SourceRef.of(s) for s in await db.entity_sources(store, entity_id))


async def fact_sources(
    store: Store, kind: str, entity_id: int
) -> tuple[tuple[str, SourceRef], ...]:
    """Return (attribute, source) for each sourced attribute of an entity, by attribute."""
    found = await provenance.attribute_sources(store, kind, entity_id)
    return tuple((name, SourceRef.of(found[name])) for name in sorted(found))


async def attribute_source(
    store: Store, kind: str, entity_id: int, attribute: str
) -> tuple[SourceRef, ...]:
    """Return the source of one attribute of an entity (a birth date, a release date…)."""
    found = await provenance.attribute_sources(store, kind, entity_id)
    return (SourceRef.of(found[attribute]),) if attribute in found else ()


async def related_ids(store: Store, entity_id: int) -> list[int]:
    """Return the entity and its close relatives: a song's videos, a video's song."""
    return [entity_id, *await db.relatives(store, entity_id)]


async def card_image(store: Store, entity_id: int, role: str) -> CardImage | None:
    """Return the picture stored for an entity in a role, or None (never a broken one)."""
    row = await media_db.image(store, entity_id, role)
    if row is None or row.status != "found" or not row.url:
        return None
    return CardImage(
        row.url,
        SourceRef.of(row.source) if row.source else None,
        row.page_url,
        row.licence,
        row.author,
    )


async def song_cover(store: Store, song_id: int) -> CardImage | None:
    """Return the cover of the first release a song is on, if it has one."""
    releases = await db.song_releases(store, song_id)
    return await card_image(store, releases[0].release.entity.id, "cover") if releases else None


async def listen_links(store: Store, entity_ids: Sequence[int]) -> tuple[ListenLink, ...]:
    """Return the sourced listening pages of these entities, one per address, in button order."""
    seen: dict[str, ListenLink] = {}
    for row in await media_db.links(store, entity_ids):
        if row.url in seen:
            continue
        platform = platforms.platform_of(row.url)
        seen[row.url] = ListenLink(
            row.url,
            platform.key if platform else None,
            platform.name if platform else None,
            platforms.host_of(row.url) or "?",
            SourceRef.of(row.source),
        )
    return tuple(sorted(seen.values(), key=lambda ln: platforms.sort_key(ln.url)))


async def video_info(store: Store, video_id: int) -> VideoInfo:
    """Return a video with its YouTube link and directors."""
    row = await db.video(store, video_id)
    if row is None:
        raise NotFoundError(N_("That video is not in the catalog."))
    directors = group_credits(await db.credits_of(store, [video_id], ["mv director"]))
    return VideoInfo(
        EntityRef.of(row.entity),
        row.kind,
        EntityRef.of(row.song) if row.song else None,
        f"https://www.youtube.com/watch?v={row.youtube}" if row.youtube else None,
        row.premiere,
        row.length_s,
        tuple(line for g in directors for line in g.lines),
        await _sources(store, video_id),
        await fact_sources(store, "video", video_id),
        platforms.youtube_thumbnail(row.youtube) if row.youtube else None,
    )


# ------------------------------------------------------------------------------ cards
async def release_card(store: Store, release_id: int) -> ReleaseCard:
    """Return the card of a release."""
    row = await db.release(store, release_id)
    if row is None:
        raise NotFoundError(N_("That release is not in the catalog."))
    track_rows = await db.tracks(store, release_id)
    song_ids = [t.song.id for t in track_rows]
    videos: list[VideoInfo] = []
    for song_id in song_ids:
        for v in await db.videos_of_song(store, song_id):
            videos.append(await video_info(store, v.entity.id))
    every = [release_id, *song_ids, *(v.video.id for v in videos)]
    return ReleaseCard(
        EntityRef.of(row.entity),
        row.entity.name,
        row.entity.hangul,
        row.type,
        row.date,
        row.label,
        tuple(EntityRef.of(p.artist) for p in await db.performers(store, release_id)),
        EntityRef.of(row.parent) if row.parent else None,
        tuple(EntityRef.of(e) for e in await db.child_releases(store, release_id)),
        tuple(EntityRef.of(t.song) for t in track_rows),
        tuple(videos),
        await db.count_credits(store, every),
        await db.count_references(store, every),
        await db.count_reviews(store, every),
        await _sources(store, release_id),
        await fact_sources(store, "release", release_id),
        tuple(
            DisputedValue(d.field, d.value, SourceRef(d.url, d.outlet, None, vocab.DATABASE))
            for d in await db.disputed(store, release_id)
        ),
        await card_image(store, release_id, "cover"),
        await listen_links(store, [release_id]),
    )


async def song_card(store: Store, song_id: int) -> SongCard:
    """Return the card of a song."""
    row = await db.song(store, song_id)
    if row is None:
        raise NotFoundError(N_("That song is not in the catalog."))
    videos = [await video_info(store, v.entity.id) for v in await db.videos_of_song(store, song_id)]
    releases = [
        SongRelease(EntityRef.of(r.release.entity), r.release.type, r.release.date, r.position)
        for r in await db.song_releases(store, song_id)
    ]
    every = [song_id, *(v.video.id for v in videos)]
    return SongCard(
        EntityRef.of(row.entity),
        row.entity.name,
        row.entity.hangul,
        tuple(EntityRef.of(p.artist) for p in await db.performers(store, song_id)),
        row.length_s,
        tuple(releases),
        tuple(videos),
        await db.count_credits(store, every),
        await db.count_references(store, every),
        await db.count_reviews(store, every),
        await _sources(store, song_id),
        await song_cover(store, song_id),
        await listen_links(store, every),
    )


async def credits_view(
    store: Store, entity: int | EntityRef, include_related: bool = True
) -> CreditsView:
    """Return credits grouped by role; a song includes its videos' credits and vice versa.

    Given an EntityRef just resolved (a command's match), the entity is not read again.
    """
    kinds = ("song", "release", "video")
    if isinstance(entity, EntityRef):
        if entity.kind not in kinds:
            raise NotFoundError(f"That {' or '.join(kinds)} is not in the catalog.")
        subject = entity
    else:
        subject = EntityRef.of(await _entity_or_raise(store, entity, kinds))
    if include_related:
        rows = await db.credits_with_relatives(store, subject.id)
    else:
        rows = await db.credits_of(store, [subject.id])
    return CreditsView(subject, group_credits(rows))


async def kept_credits_view(
    store: Store, entity: int | EntityRef, include_related: bool = True
) -> CreditsView:
    """Return ``credits_view``, kept until the catalog changes (``cached_reading``): ``/credits``
    and /ask read the credits of the same works again and again, and a view is immutable."""
    return await cached_reading(
        store,
        ("credits view", entity, include_related),
        lambda s: credits_view(s, entity, include_related),
    )


async def _review_info(store: Store, review: db.ReviewRow) -> ReviewInfo:
    subjects = tuple(EntityRef.of(e) for e in await db.review_subjects(store, review.id))
    return ReviewInfo(
        review.id,
        review.title,
        review.url,
        review.outlet,
        review.author,
        review.published,
        review.summary,
        subjects,
        SourceRef.of(review.source),
    )


async def _reference_lines(
    store: Store, rows: Sequence[db.ReferenceRow]
) -> tuple[ReferenceLine, ...]:
    merged: dict[tuple[int, int, str, str], list[db.ReferenceRow]] = {}
    for r in rows:
        merged.setdefault((r.from_entity.id, r.to_entity.id, r.relation, r.status), []).append(r)
    lines = []
    for items in merged.values():
        first = items[0]
        review = next((r.review for r in items if r.review is not None), None)
        lines.append(
            ReferenceLine(
                EntityRef.of(first.from_entity),
                EntityRef.of(first.to_entity),
                first.relation,
                first.status,
                first.timestamp_s,
                next((r.note for r in items if r.note), None),
                await _review_info(store, review) if review else None,
                tuple(dict.fromkeys(SourceRef.of(r.source) for r in items)),
            )
        )
    return tuple(lines)


async def references_view(
    store: Store, entity_id: int, include_related: bool = True
) -> ReferencesView:
    """Return references both ways; a song includes its videos' references."""
    row = await db.entity(store, entity_id)
    if row is None:
        raise NotFoundError(N_("That entry is not in the catalog."))
    ids = await related_ids(store, entity_id) if include_related else [entity_id]
    return ReferencesView(
        EntityRef.of(row),
        await _reference_lines(store, await db.references_from(store, ids)),
        await _reference_lines(store, await db.references_to(store, ids)),
    )


def member_lines(rows: Iterable[db.MembershipRow]) -> tuple[MemberLine, ...]:
    """Merge membership rows into one line per person and group (every source's facts)."""
    merged: dict[tuple[int, int], list[db.MembershipRow]] = {}
    for r in rows:
        merged.setdefault((r.person.id, r.group.id), []).append(r)
    out = []
    for items in merged.values():
        first = items[0]
        out.append(
            MemberLine(
                EntityRef.of(first.person),
                EntityRef.of(first.group),
                next((r.stage_name for r in items if r.stage_name), None),
                next((r.since for r in items if r.since), None),
                next((r.until for r in items if r.until), None),
                next((r.current for r in items if r.current is not None), None),
                tuple(dict.fromkeys(SourceRef.of(r.source) for r in items)),
            )
        )
    return tuple(out)


def _work_links(rows: Iterable[db.ArtistWorkRow]) -> tuple[WorkLink, ...]:
    return tuple(
        WorkLink(EntityRef.of(r.artist), EntityRef.of(r.work), r.role, SourceRef.of(r.source))
        for r in rows
    )


async def artist_card(store: Store, artist_id: int, notable_limit: int = 10) -> ArtistCard:
    """Return the card of an artist."""
    row = await db.artist(store, artist_id)
    if row is None:
        raise NotFoundError(N_("That artist is not in the catalog."))
    credits = await db.credits_by(store, artist_id, limit=200)
    credits.sort(key=lambda c: (-c.subject.importance, vocab.role_sort_key(c.role)))
    notable = [line for g in group_credits(credits) for line in g.lines]
    notable.sort(key=lambda line: vocab.role_sort_key(line.role))
    return ArtistCard(
        EntityRef.of(row.entity),
        row.kind,
        tuple(
            NameInfo(n.name, n.type, n.locale, n.is_primary)
            for n in await db.names_of(store, artist_id)
        ),
        row.entity.hangul,
        row.legal_name,
        row.legal_name_hangul,
        row.disambiguation,
        row.birth_date,
        row.debut_date,
        row.end_date,
        row.agency,
        EntityRef.of(row.parent_group) if row.parent_group else None,
        member_lines(await db.groups_of(store, artist_id)),
        member_lines(await db.members_of(store, artist_id)),
        tuple(notable[:notable_limit]),
        _work_links(r for r in await db.artist_works(store, artist_id) if r.artist.id == artist_id),
        await _sources(store, artist_id),
        await fact_sources(store, "artist", artist_id),
        await card_image(store, artist_id, "portrait"),
        await listen_links(store, [artist_id]),
    )


async def works_by(store: Store, artist_id: int, roles: Sequence[str] | None = None) -> WorksView:
    """Return what an artist is credited with, grouped by role (optionally some roles)."""
    row = await _entity_or_raise(store, artist_id, ("artist",))
    credits = await db.credits_by(store, artist_id, roles)
    links = [r for r in await db.artist_works(store, artist_id) if r.artist.id == artist_id]
    return WorksView(EntityRef.of(row), group_credits(credits), _work_links(links))


async def reviews_about(
    store: Store, entity_id: int, include_related: bool = True
) -> tuple[ReviewInfo, ...]:
    """Return reviews that discuss an entity (a song's include its videos')."""
    ids = await related_ids(store, entity_id) if include_related else [entity_id]
    return tuple([await _review_info(store, r) for r in await db.reviews_about(store, ids)])


async def recent_reviews(store: Store, limit: int = 20) -> tuple[ReviewInfo, ...]:
    """Return the newest reviews."""
    return tuple([await _review_info(store, r) for r in await db.recent_reviews(store, limit)])


async def on_this_day(store: Store, month: int, day: int) -> OnThisDay:
    """Return releases, premieres, birthdays and debuts on a month-day (any year)."""
    md = f"{month:02d}-{day:02d}"

    # Each date cites its own source (the birthday's page, not the artist's list).
    attributes = {
        "release": "date",
        "premiere": "premiere",
        "birthday": "birth_date",
        "debut": "debut_date",
    }

    async def facts(
        what: str, pairs: Iterable[tuple[db.EntityRow, str | None]]
    ) -> tuple[DatedFact, ...]:
        return tuple(
            [
                DatedFact(
                    what,
                    EntityRef.of(e),
                    date,
                    await attribute_source(store, e.kind, e.id, attributes[what]),
                )
                for e, date in pairs
                if date
            ]
        )

    return OnThisDay(
        md,
        await facts("release", ((r.entity, r.date) for r in await db.releases_on(store, md))),
        await facts("premiere", ((v.entity, v.premiere) for v in await db.videos_on(store, md))),
        await facts(
            "birthday", ((a.entity, a.birth_date) for a in await db.artists_born_on(store, md))
        ),
        await facts(
            "debut", ((a.entity, a.debut_date) for a in await db.artists_debuted_on(store, md))
        ),
    )
