"""Everything the store holds between two things a question names: the edges of the graph.

A yes/no question ("Is V on Love wins all?", "Did Seo Dong-hwan write it?", "Love wins all
뮤비에 뷔 나와?") is answered from *all* the edges between the work and the person, never from
one relation picked by the question's shape: the performer, a member of the performing
group, the featured artist, every credit role (on the song, its videos and its releases),
and, for a group, its members' credits. :func:`edges_between` gathers them; the check
module words the verdict from them, naming each role as itself.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge import cards
from bot.knowledge.cards import SourceRef
from bot.knowledge.entities import EntityRef
from bot.store import catalog as db
from bot.store.core import Store

# The edge between a work and a former member of the group that performs it.
FORMER_MEMBER = "former member"


class Asked(enum.Enum):
    """The relation a yes/no question asks about."""

    ANY = "any"  # "is X on Y", "did X work on Y", "X in the Y video", "Y 뮤비에 X 나와"
    PERFORMER = "performer"  # "is Y by X", "did X sing Y"
    ROLES = "roles"  # one or more credit roles ("did X write Y", "did X direct Y")


@dataclass(frozen=True, slots=True)
class Edge:
    """One thing the store holds between a work and an artist, with its sources.

    ``role`` is a vocabulary role key ("performer", "featured artist", "composer", "mv cast");
    ``via`` is the group (for a member of the performing group) or the member (for a group
    whose member holds the credit) that connects them, if any.
    """

    role: str
    artist: EntityRef
    subject: EntityRef
    sources: tuple[SourceRef, ...]
    via: EntityRef | None = None
    via_sources: tuple[SourceRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Holdings:
    """What the store holds about a work: its performers and its credit lines."""

    work: EntityRef
    song: EntityRef | None  # the song a video is of, or the song itself
    performers: tuple[db.PerformerRow, ...]
    credits: cards.CreditsView | None

    def lines(self, *roles: str) -> tuple[cards.CreditLine, ...]:
        """Return the credit lines of these roles (all roles when none are given)."""
        if self.credits is None:
            return ()
        if not roles:
            return tuple(line for g in self.credits.groups for line in g.lines)
        return self.credits.role(*roles)

    @property
    def performer_sources(self) -> tuple[SourceRef, ...]:
        """Return the sources of the performer rows."""
        return tuple(dict.fromkeys(SourceRef.of(p.source) for p in self.performers))


async def holdings(store: Store, work: EntityRef) -> Holdings:
    """Return the performers and credits the store holds for a song, video or release."""
    song: EntityRef | None = work if work.kind == "song" else None
    subject_id = work.id
    if work.kind == "video":
        v = await db.video(store, work.id)
        if v is not None and v.song is not None:
            song = EntityRef.of(v.song)
            subject_id = v.song.id
    performers = tuple(await db.performers(store, subject_id))
    view = (
        await cards.kept_credits_view(store, work)
        if work.kind in ("song", "video", "release")
        else None
    )
    return Holdings(work, song, performers, view)


async def edges_between(store: Store, held: Holdings, artist: EntityRef) -> list[Edge]:
    """Return every edge between a work (its holdings) and an artist, in a stable order.

    A person in the performing group performs it (through the group); a group whose member
    holds a credit is tied through that member.
    """
    return (await edges_between_many(store, held, [artist]))[0]


async def edges_between_many(
    store: Store, held: Holdings, artists: Sequence[EntityRef]
) -> list[list[Edge]]:
    """Return the edges between a work and each of several artists (``edges_between``'s).

    The memberships they need are read in one query for all of them (a name many people
    share is checked against the work at the cost of one), not once per artist.
    """
    performer_ids = [p.artist.id for p in held.performers]
    found: list[list[Edge]] = []
    for artist in artists:
        found.append(
            [
                Edge("performer", artist, held.song or held.work, (SourceRef.of(p.source),))
                for p in held.performers
                if p.artist.id == artist.id
            ]
        )
    # A member of the performing group performs it, through the group.
    unplaced = [a.id for a, out in zip(artists, found, strict=True) if not out]
    groups = await db.groups_of_many(store, unplaced) if held.performers and unplaced else {}
    for artist, out in zip(artists, found, strict=True):
        for m in cards.member_lines(groups.get(artist.id, [])):
            if m.group.id in performer_ids:
                p = held.performers[performer_ids.index(m.group.id)]
                # A member who has left may or may not be on the group's work: that edge says
                # only "former member", never "performs".
                out.append(
                    Edge(
                        FORMER_MEMBER if m.former else "performer",
                        artist,
                        held.song or held.work,
                        (SourceRef.of(p.source),),
                        m.group,
                        m.sources,
                    )
                )
                break
    lines = held.lines()
    for artist, out in zip(artists, found, strict=True):
        for line in lines:
            if line.artist.id == artist.id:
                out.append(Edge(line.role, artist, line.subject, line.sources))
    # A group is on a work when one of its members holds a credit there.
    uncredited = [
        a.id
        for a, out in zip(artists, found, strict=True)
        if not any(e.role != "performer" for e in out)
    ]
    rosters = await db.members_of_many(store, uncredited) if lines and uncredited else {}
    for artist, out in zip(artists, found, strict=True):
        if artist.id not in rosters:
            continue
        members = {m.person.id: m for m in cards.member_lines(rosters[artist.id])}
        for line in lines:
            member = members.get(line.artist.id)
            if member is not None:
                out.append(
                    Edge(line.role, artist, line.subject, line.sources, line.artist, member.sources)
                )
    return [_dedupe(out) for out in found]


def _dedupe(edges: Sequence[Edge]) -> list[Edge]:
    seen: dict[tuple[str, int, int | None], Edge] = {}
    for e in edges:
        key = (e.role, e.subject.id, e.via.id if e.via else None)
        if key in seen:
            old = seen[key]
            seen[key] = Edge(
                e.role,
                e.artist,
                e.subject,
                tuple(dict.fromkeys((*old.sources, *e.sources))),
                e.via,
                old.via_sources,
            )
        else:
            seen[key] = e
    return list(seen.values())


def edge_sources(edges: Sequence[Edge]) -> tuple[SourceRef, ...]:
    """Return the sources of edges (and of what connects them), in order, without repeats."""
    return tuple(dict.fromkeys(s for e in edges for s in (*e.sources, *e.via_sources)))
