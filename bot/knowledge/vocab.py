"""The catalog's vocabulary in one place: credit roles, reference relations and statuses,
source grades, release types and the other closed lists, with how each is written.

Plain data, no logic beyond lookups. The words answers show are marked for the message
catalogues with their context (``Np_("role", "Composer")``): ``bot.knowledge.wording`` shows
them in the reader's language. The importers, the suggestion checks, the cards, the
embeds and ``/ask`` all read these tables; tests/knowledge/test_vocab.py ties them to the
SQL ``CHECK``s, data/catalog/README.md and the MusicBrainz role map. Adding a credit role is
one row in ``ROLES``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import Np_
from bot.store.catalog import rows


@dataclass(frozen=True, slots=True)
class Role:
    """A credit role: its key, how cards title it, and how answers phrase it."""

    key: str
    title: str  # heading on a card ("MV director")
    phrase: str  # in an answer about a work ("directed by", "lyrics")
    verb: str  # in an answer about a person's works ("directed", "wrote lyrics for")
    catalog: bool  # catalog files may use it (data/catalog/README.md lists these)
    choice: bool  # members may suggest it and /credits offers it as a filter


# In display order: cards list credits in this order, then any other role alphabetically.
ROLES: tuple[Role, ...] = (
    Role("performer", Np_("role", "Performer"), "performed by", "performed", True, True),
    Role("featured artist", Np_("role", "Featured artist"), "featuring", "featured on", True, True),
    Role("lyricist", Np_("role", "Lyricist"), "lyrics", "wrote lyrics for", True, True),
    Role("writer", Np_("role", "Writer"), "written by", "co-wrote", True, True),
    Role("composer", Np_("role", "Composer"), "music", "composed", True, True),
    Role("arranger", Np_("role", "Arranger"), "arranged by", "arranged", True, True),
    Role("producer", Np_("role", "Producer"), "produced by", "produced", True, True),
    Role("mixing engineer", Np_("role", "Mixing engineer"), "mixed by", "mixed", True, True),
    Role("mv director", Np_("role", "MV director"), "directed by", "directed", True, True),
    Role(
        "assistant director",
        Np_("role", "Assistant director"),
        "assistant director",
        "was assistant director on",
        True,
        True,
    ),
    Role(
        "director of photography",
        Np_("role", "Director of photography"),
        "director of photography",
        "was director of photography for",
        True,
        True,
    ),
    Role(
        "art director",
        Np_("role", "Art director"),
        "art director",
        "was art director for",
        True,
        True,
    ),
    Role(
        "choreographer", Np_("role", "Choreographer"), "choreography", "choreographed", True, True
    ),
    Role("mv cast", Np_("role", "MV cast"), "cast", "appeared in", True, True),
    # Roles only MusicBrainz imports write (see MUSICBRAINZ_ROLES); not in catalog files.
    Role("conductor", Np_("role", "Conductor"), "conducted by", "conducted", False, False),
    Role("designer", Np_("role", "Designer"), "design by", "designed for", False, False),
    Role("engineer", Np_("role", "Engineer"), "engineered by", "engineered", False, False),
    Role(
        "instrumentalist", Np_("role", "Instrumentalist"), "instruments", "played on", False, False
    ),
    Role(
        "photographer",
        Np_("role", "Photographer"),
        "photography by",
        "photographed for",
        False,
        False,
    ),
    Role(
        "recording engineer",
        Np_("role", "Recording engineer"),
        "recorded by",
        "recorded",
        False,
        False,
    ),
    Role("vocalist", Np_("role", "Vocalist"), "vocals", "sang on", False, False),
)
ROLE = {r.key: r for r in ROLES}
# The roles a member may suggest and /credits may filter by (Discord allows 25 choices).
CHOICE_ROLES = tuple(r.key for r in ROLES if r.choice)
CATALOG_ROLES = tuple(r.key for r in ROLES if r.catalog)

# MusicBrainz relationship types -> our roles (a type not listed keeps its MusicBrainz name).
MUSICBRAINZ_ROLES = {
    "producer": "producer",
    "arranger": "arranger",
    "instrument arranger": "arranger",
    "vocal arranger": "arranger",
    "orchestrator": "arranger",
    "mix": "mixing engineer",
    "mix-DJ": "mixing engineer",
    "video director": "mv director",
    "vocal": "vocalist",
    "instrument": "instrumentalist",
    "performer": "performer",
    "performing orchestra": "performer",
    "composer": "composer",
    "lyricist": "lyricist",
    "writer": "writer",
    "librettist": "lyricist",
    "engineer": "engineer",
    "featured artist": "featured artist",
    "recording": "recording engineer",
    "conductor": "conductor",
    "design/illustration": "designer",
    "photography": "photographer",
}
# MusicBrainz work relationships that are credits of the recording's song.
MUSICBRAINZ_WORK_ROLES = ("composer", "lyricist", "writer", "librettist", "arranger", "translator")


def role_title(role: str) -> str:
    """Return a role as a heading ("MV director", "Composer")."""
    known = ROLE.get(role)
    return known.title if known else role[:1].upper() + role[1:]


def role_phrase(role: str) -> str:
    """Return how an answer introduces the people of a role ("directed by")."""
    known = ROLE.get(role)
    return known.phrase if known else role


def role_verb(role: str) -> str:
    """Return what a person did in a role, for a list of their works ("composed")."""
    known = ROLE.get(role)
    return known.verb if known else role


def role_sort_key(role: str) -> tuple[int, str]:
    """Order roles as cards show them: the offered roles first, then the rest by name."""
    return (CHOICE_ROLES.index(role) if role in CHOICE_ROLES else len(CHOICE_ROLES), role)


@dataclass(frozen=True, slots=True)
class Relation:
    """How a song or video refers to something else."""

    key: str
    phrase: str  # "homage to <target>"


RELATIONS: tuple[Relation, ...] = (
    Relation(Np_("relation", "homage"), "homage to"),
    Relation(Np_("relation", "visual reference"), "visual reference to"),
    Relation(Np_("relation", "quotation"), "quotes"),
    Relation(Np_("relation", "adaptation"), "adapts"),
    Relation(Np_("relation", "lyric reference"), "lyric reference to"),
    Relation(Np_("relation", "echo"), "echoes"),
)
RELATION = {r.key: r for r in RELATIONS}
RELATION_KEYS = tuple(r.key for r in RELATIONS)


@dataclass(frozen=True, slots=True)
class Status:
    """Who claims a reference."""

    key: str
    card: str  # on a card, in parentheses
    answer: str  # after an answer's line
    prompt: str  # a discussion prompt's subject ("a critic reads …")
    catalog: bool = True  # people may state it (catalog files, suggestions)


# Facts read from an open database (MusicBrainz, Wikidata) rather than checked by people carry
# this word, the same in every answer: a reference's status, as a credit's grade (GRADES).
DATABASE = "database"

# Most certain first: references are listed in this order.
STATUSES: tuple[Status, ...] = (
    Status(
        "confirmed",
        "confirmed by the creators",
        Np_("status", "confirmed by its makers"),
        "the creators confirm",
    ),
    Status("critic", "critic's reading", Np_("status", "a critic's reading"), "a critic reads"),
    Status("fan", "fan reading", Np_("status", "a fan reading, not confirmed"), "fans read"),
    # Only imports write it (Wikidata's "based on" / "inspired by").
    Status(DATABASE, DATABASE, Np_("status", "database"), "a database records", catalog=False),
)
STATUS = {s.key: s for s in STATUSES}
STATUS_KEYS = tuple(s.key for s in STATUSES)
CATALOG_STATUS_KEYS = tuple(s.key for s in STATUSES if s.catalog)


@dataclass(frozen=True, slots=True)
class Grade:
    """How far a fact's source can be trusted (bot/knowledge/sources.py decides which)."""

    key: str
    meaning: str
    note: str  # follows a fact in an answer; empty for the best grades
    confidence: str  # the credits.confidence column value kept for older readers


# Best first: a fact cited by several sources carries the best grade among them.
GRADES: tuple[Grade, ...] = (
    Grade("primary", "agencies, labels, the artists' own channels, KOMCA, MusicBrainz", "", "A"),
    Grade("encyclopedic", "Wikipedia", "", "A"),
    Grade("press", "established outlets in Korean and English", Np_("grade", "press"), "B"),
    Grade(
        "database",
        "imported from an open database (kpopnet, MusicBrainz)",
        Np_("grade", "database"),
        "B",
    ),
    Grade(
        "fan",
        "wikis, fan sites, blogs and sites the policy does not list",
        Np_("grade", "fan source"),
        "C",
    ),
    Grade(
        "community",
        "a member's suggestion",
        Np_("grade", "community, approved by a moderator"),
        "C",
    ),
)
GRADE = {g.key: g for g in GRADES}
GRADE_KEYS = tuple(g.key for g in GRADES)
# What the credits.confidence column may hold (its CHECK): the grades' older letters.
CONFIDENCE_KEYS = tuple(dict.fromkeys(g.confidence for g in GRADES))
# Grades the source policy gives a URL by its domain.
URL_GRADE_KEYS = ("primary", "encyclopedic", "press", "fan")


def grade_note(grade: str) -> str:
    """Return the label that follows a fact of this grade (" (press)"), or ""."""
    known = GRADE.get(grade)
    return f" ({known.note})" if known and known.note else ""


@dataclass(frozen=True, slots=True)
class ReleaseType:
    """A kind of release."""

    key: str
    title: str
    word: str  # inside a sentence ("the single", "the EP")
    catalog: bool  # catalog files may use it ('other' is for imports that cannot tell)


RELEASE_TYPES: tuple[ReleaseType, ...] = (
    ReleaseType("single", "Single", Np_("release type", "single"), True),
    ReleaseType("ep", "EP / mini album", Np_("release type", "EP"), True),
    ReleaseType("album", "Album", Np_("release type", "album"), True),
    ReleaseType("repackage", "Repackage", Np_("release type", "repackage"), True),
    ReleaseType("other", "Release", Np_("release type", "other"), False),
)
RELEASE_TYPE = {t.key: t for t in RELEASE_TYPES}
CATALOG_RELEASE_TYPES = tuple(t.key for t in RELEASE_TYPES if t.catalog)
# MusicBrainz primary types -> ours (anything else is 'other').
MUSICBRAINZ_RELEASE_TYPES = {"single": "single", "ep": "ep", "album": "album"}


def release_type_title(type_: str) -> str:
    """Return a release type as shown on cards ("EP / mini album")."""
    known = RELEASE_TYPE.get(type_)
    return known.title if known else type_


# The store declares the entity kinds (its readers and writers need them too).
ENTITY_KINDS = rows.ENTITY_KINDS
ARTIST_KINDS = ("person", "group", "other")
MUSICBRAINZ_ARTIST_KINDS = {
    "person": "person",
    "group": "group",
    "orchestra": "group",
    "choir": "group",
}
VIDEO_KINDS = (
    Np_("video kind", "music video"),
    Np_("video kind", "art film"),
    Np_("video kind", "trailer"),
    Np_("video kind", "short film"),
)
WORK_KINDS = (
    Np_("work kind", "film"),
    Np_("work kind", "book"),
    Np_("work kind", "artwork"),
    Np_("work kind", "installation"),
    Np_("work kind", "video"),
    Np_("work kind", "song"),
    Np_("work kind", "drama"),
    Np_("work kind", "story"),
    Np_("work kind", "dance"),
    Np_("work kind", "quote"),
)
# Ties between an artist and an external work that are not credits.
LINK_ROLES = ("actor", "director", "author", "soundtrack")
NAME_TYPES = ("stage", "hangul", "legal", "romanization", "hint", "title")
MUSICBRAINZ_NAME_TYPES = {"legal name": "legal", "search hint": "hint", "artist name": "stage"}
