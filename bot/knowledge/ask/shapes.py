"""Read a yes/no question between a person and a work into its parts: who, what, which relation.

"Is X on Y?", "Did X work on Y?", "Is X in the Y video?", "Did X write Y?", "Y 뮤비에 X
나와?", "X가 Y 작곡했어?": the words around the two names say which relation is asked, and the
names are whatever stands between them, so a title made of question words ("The Album",
"Born Pink", "How You Like That") is read as a title, not as a keyword. Each name is then
resolved by the one resolver (``search.resolve_one``, with its song-or-single rule); when a
person's name is shared, the one with an edge to the work is meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.errors import UserError
from bot.knowledge.ask.finding import clear_reading
from bot.knowledge.ask.parts import member_and_group
from bot.knowledge.ask.relations import Asked, edges_between_many, holdings
from bot.knowledge.entities import EntityRef
from bot.knowledge.normalize import has_hangul, normalize, similarity
from bot.knowledge.romanize import lookup_forms
from bot.knowledge.search import AmbiguousError, Match, resolve, resolve_one
from bot.store import catalog as db
from bot.store.core import Store

WRITING = ("lyricist", "composer", "writer")
# English verbs of a credit, and the roles they ask.
_VERBS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"write the lyrics (?:for|of|to)|write lyrics (?:for|of|to)|pen", ("lyricist", "writer")),
    (r"write|co-?write|wrote", WRITING),
    (r"compose|co-?compose", ("composer", "writer")),
    (r"produce|co-?produce", ("producer",)),
    (r"arrange", ("arranger",)),
    (r"assistant[- ]direct", ("assistant director",)),
    (r"direct", ("mv director",)),
    (r"choreograph", ("choreographer",)),
    (r"mix", ("mixing engineer",)),
)
_AUX = r"(?:is|was|are|were|did|does|do|has|had|have)"
_VIDEO = r"(?:\s+(?:music video|video|mv|m/v|art film|short film))"
_TAIL = r"(?:\s*(?:,?\s*(?:right|or not|too|as well|at all)))?\s*[?!.]*\s*$"
_ANY_EN = re.compile(
    rf"^{_AUX}\s+(?P<x>.+?)\s+(?P<rel>on|in|part of|involved (?:in|with)|"
    r"(?:work|worked|working)\s+(?:on|in)|credited on|featured in)\s+"
    rf"(?P<y>.+?)(?P<video>{_VIDEO})?{_TAIL}",
    re.IGNORECASE,
)
# "v in the love wins all mv?": the same appearance asked without its verb, as fans type it.
_IN_VIDEO_BARE_EN = re.compile(
    r"^(?!(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|did|does|do)\b)"
    rf"(?P<x>\S.*?)\s+in\s+(?:the\s+)?(?P<y>.+?){_VIDEO}{_TAIL}",
    re.IGNORECASE,
)
_APPEAR_EN = re.compile(
    rf"^{_AUX}\s+(?P<x>.+?)\s+(?:appear|appears|appeared|star|stars|starred|act|acted|cameo)\s+"
    rf"(?:in|on)\s+(?P<y>.+?){_VIDEO}?{_TAIL}",
    re.IGNORECASE,
)
_FEATURED_EN = re.compile(
    rf"^{_AUX}\s+(?P<x>.+?)\s+(?:featured|feature|feat\.?|ft\.?)\s+(?:on|in)\s+"
    rf"(?P<y>.+?){_TAIL}",
    re.IGNORECASE,
)
_SING_EN = re.compile(
    rf"^{_AUX}\s+(?P<x>.+?)\s+(?:sing|sang|perform|performed|release|released)\s+(?:on\s+)?"
    rf"(?P<y>.+?){_TAIL}",
    re.IGNORECASE,
)
_BY_EN = re.compile(
    rf"^{_AUX}\s+(?P<y>.+?)(?:\s+(?:song|track|single))?\s+(?:by|from)\s+(?P<x>.+?){_TAIL}",
    re.IGNORECASE,
)
_VERB_EN = re.compile(
    rf"^{_AUX}\s+(?P<x>.+?)\s+(?P<verb>(?:also\s+)?(?:"
    + "|".join(v for v, _ in _VERBS)
    + rf")\w*)\s+(?:on\s+|for\s+)?(?P<y>.+?){_VIDEO}?{_TAIL}",
    re.IGNORECASE,
)
# "What did Suga rap on Palette?", "which part did V sing in Love wins all": a premise that
# X took part in Y, checked like "Is X on Y?".
_WHAT_DID_EN = re.compile(
    r"^(?:what|which\s+(?:part|parts|verse|verses|line|lines))\s+(?:did|does|do)\s+(?P<x>.+?)\s+"
    r"(?P<verb>rap|raps|sing|sings|play|plays|contribute|add|do)\s+(?:on|in|for|to)\s+"
    rf"(?P<y>.+?){_VIDEO}?{_TAIL}",
    re.IGNORECASE,
)
_KO_END = r"\s*(?:맞아|맞나요|맞지|맞죠)?\s*[?？!.]*\s*$"
_ANY_KO = re.compile(
    r"^(?P<y>.+?)\s*(?P<what>뮤비|뮤직비디오|엠비|영상|아트\s?필름|숏\s?필름|노래|곡)?\s*(?:에|에서)\s+"
    r"(?P<x>.+?)\s*"
    r"(?P<verb>나와|나왔어|나오나요|나왔나요|나오니|나왔니|나오지|나왔지|있어|있나요|참여했어|참여했나요|"
    r"출연했어|출연했나요|참여함|나옴)" + _KO_END
)
# "Y 뮤비에 X 나와?" asks whether X appears in the video (its cast), as "does X appear in the Y
# video" does; a song credit is no appearance ("블루밍 뮤비에 이종훈 나와?" is not a yes).
_VIDEO_KO = ("뮤비", "뮤직비디오", "엠비", "영상", "아트 필름", "아트필름", "숏 필름", "숏필름")
_APPEAR_KO = ("나", "출연")
_ROLE_KO = {
    "작곡": ("composer", "writer"),
    "작사": ("lyricist", "writer"),
    "편곡": ("arranger",),
    "프로듀싱": ("producer",),
    "프로듀스": ("producer",),
    "조감독": ("assistant director",),
    "감독": ("mv director",),
    "연출": ("mv director",),
    "안무": ("choreographer",),
    "믹싱": ("mixing engineer",),
    "피처링": ("featured artist",),
}
_VERB_KO = re.compile(
    r"^(?P<x>.+?)\s+(?P<y>.+?)\s*(?:을|를|의)?\s*(?:뮤비\s*|뮤직비디오\s*)?"
    r"(?P<verb>"
    + "|".join(_ROLE_KO)
    + r")(?:을|를|에)?\s*(?:참여\s*)?(?:했어|했나요|했니|했지|한 거야|했음|함)"
    + _KO_END
)
_SING_KO = re.compile(
    r"^(?P<x>.+?)\s+(?P<y>.+?)\s*(?:을|를)?\s*(?:불렀어|불렀나요|불렀니|부른 거야|부름)" + _KO_END
)
_WROTE_KO = re.compile(
    r"^(?P<x>.+?)\s+(?P<y>.+?)\s*(?:을|를)?\s*(?:썼어|썼나요|썼니|쓴 거야|만들었어)" + _KO_END
)
_SHARED_MAX = 10  # homonymous works looked at for the one the person is on
_KO_SUBJECT = re.compile(r"(?:이|가|은|는|도)$")


@dataclass(frozen=True, slots=True)
class CheckShape:
    """A yes/no question read into the person's text, the work's text and the relation."""

    person: str
    work: str
    asked: Asked
    roles: tuple[str, ...] = ()


def _verb_roles(verb: str) -> tuple[str, ...]:
    low = verb.lower().removeprefix("also ").strip()
    for pattern, roles in _VERBS:
        if re.match(pattern, low):
            return roles
    return ()


def read(text: str) -> CheckShape | None:
    """Return the parts of a yes/no question between a person and a work, or None."""
    text = " ".join(text.split())
    m = _VERB_EN.match(text)
    if m and _verb_roles(m.group("verb")):
        return CheckShape(m.group("x"), m.group("y"), Asked.ROLES, _verb_roles(m.group("verb")))
    m = _FEATURED_EN.match(text)
    if m:
        return CheckShape(m.group("x"), m.group("y"), Asked.ROLES, ("featured artist",))
    m = _APPEAR_EN.match(text)
    if m:
        return CheckShape(m.group("x"), m.group("y"), Asked.ROLES, ("mv cast",))
    m = _SING_EN.match(text)
    if m:
        return CheckShape(m.group("x"), m.group("y"), Asked.PERFORMER)
    m = _ANY_EN.match(text)
    if m:
        if m.group("video") and m.group("rel").lower() == "in":
            # "is Minji in the Ditto mv" asks whether she appears in the video (its cast), as
            # "Y 뮤비에 X 나와?" does: a song credit or the performing group is no appearance.
            return CheckShape(m.group("x"), m.group("y"), Asked.ROLES, ("mv cast",))
        return CheckShape(m.group("x"), m.group("y"), Asked.ANY)
    m = _BY_EN.match(text)
    if m:
        return CheckShape(m.group("x"), m.group("y"), Asked.PERFORMER)
    m = _IN_VIDEO_BARE_EN.match(text)
    if m:
        return CheckShape(m.group("x"), m.group("y"), Asked.ROLES, ("mv cast",))
    m = _WHAT_DID_EN.match(text)
    if m:
        # Rapping or singing on a song is performing it (a featured artist does too).
        sung = m.group("verb").lower().startswith(("rap", "sing"))
        return CheckShape(m.group("x"), m.group("y"), Asked.PERFORMER if sung else Asked.ANY)
    m = _ANY_KO.match(text)
    if m:
        if m.group("what") in _VIDEO_KO and m.group("verb").startswith(_APPEAR_KO):
            return CheckShape(m.group("x"), m.group("y"), Asked.ROLES, ("mv cast",))
        return CheckShape(m.group("x"), m.group("y"), Asked.ANY)
    m = _VERB_KO.match(text)
    if m:
        return CheckShape(m.group("x"), m.group("y"), Asked.ROLES, _ROLE_KO[m.group("verb")])
    m = _SING_KO.match(text)
    if m:
        return CheckShape(m.group("x"), m.group("y"), Asked.PERFORMER)
    m = _WROTE_KO.match(text)
    if m:
        return CheckShape(m.group("x"), m.group("y"), Asked.ROLES, WRITING)
    return None


def _forms(text: str) -> list[str]:
    """Return a name as written and without a Korean particle or English possessive."""
    text = text.strip(" \"'“”‘’")
    out = [text]
    stripped = _KO_SUBJECT.sub("", text)
    if stripped and stripped != text:
        out.append(stripped)
    for suffix in ("'s", "’s"):
        if text.endswith(suffix):
            out.append(text[: -len(suffix)])
    return out


async def _work(store: Store, text: str) -> EntityRef | tuple[Match, ...] | None:
    """Return the work a text names, the candidates when several share it, or None."""
    forms = _forms(text)
    # "the Love wins all video": "the" is the question's; "The Album" is the title's.
    forms += [f[4:] for f in forms if f.lower().startswith("the ")]
    shared: tuple[Match, ...] = ()
    for form in forms:
        if not normalize(form):
            continue
        try:
            # Only an exact name is used: a prefix or typo search would be read for nothing.
            match = await resolve_one(
                store, form, ("song", "release", "video"), prefer="song", exact_only=True
            )
        except AmbiguousError as exc:
            exact = tuple(m for m in exc.candidates if m.tier == "exact")
            shared = shared or exact
            continue
        except UserError:
            continue
        if match.tier in ("exact", "id"):
            return match.ref
    return shared or None


async def _work_misspelt(store: Store, text: str) -> EntityRef | None:
    """Return the work a text clearly misspells ("lovseick girls"), or None."""
    for form in _forms(text):
        if normalize(form):
            kinds = ("song", "release", "video")
            fuzzy = await resolve(store, form, kinds, limit=5)
            typo = await clear_reading(store, form, fuzzy, kinds)
            if typo is not None:
                return typo.ref
    return None


async def _people(store: Store, text: str) -> list[Match]:
    for form in _forms(text):
        if not normalize(form):
            continue
        found = await resolve(store, form, ("artist",), limit=10, exact_only=True)
        exact = [m for m in found if m.tier == "exact"]
        if exact:
            return exact
    return []


# How close a misspelt name must be to a person on the work to be read as them (OSA
# similarity: one swapped pair in a six-letter name is 0.83), and the shortest name tried.
_ON_WORK_SIMILARITY = 0.8
_ON_WORK_MIN_LENGTH = 5


# The fewest consonants a romanized Hangul name is matched by (two would match too many).
_SOUNDS_MIN_LENGTH = 3
_VOWELS = re.compile(r"[aeiouwy]")


def _consonants(latin: str) -> str:
    """Return the consonants of a romanized name ("namhyunwoo" -> "nmhn")."""
    return _VOWELS.sub("", latin)


async def _credited_like(store: Store, text: str, work: EntityRef) -> list[Match]:
    """Return the one person on the work (performer or credit) whose name the text misspells.

    A name the catalog does not hold exactly is read against the work's own people first,
    so "did daniel ceasar produce red flavor" asks about the producer Daniel Caesar, not
    about another artist a general typo search finds nearer ("Danielle").
    """
    norm = normalize(text)
    hangul = has_hangul(norm)
    if len(norm) < (2 if hangul else _ON_WORK_MIN_LENGTH):
        return []
    held = await holdings(store, work)
    people = {p.artist.id: EntityRef.of(p.artist) for p in held.performers}
    people.update({line.artist.id: line.artist for line in held.lines()})
    if hangul:
        # "봄날 뮤비에 남현우 나와?": a name in Hangul for someone credited in Latin letters
        # (Nam Hyun-woo) is matched by the consonants of its romanizations, which differ
        # only in vowels ("hyeonu", "hyunwoo").
        sounds = {_consonants(normalize(f)) for f in lookup_forms(_KO_SUBJECT.sub("", text))}
        sounds = {c for c in sounds if len(c) >= _SOUNDS_MIN_LENGTH}
        close = [
            ref for _, ref in sorted(people.items()) if _consonants(normalize(ref.name)) in sounds
        ]
    else:
        close = [
            ref
            for _, ref in sorted(people.items())
            if similarity(norm, normalize(ref.name)) >= _ON_WORK_SIMILARITY
        ]
    if len(close) != 1:
        return []
    ref = close[0]
    return [Match(ref.kind, ref.id, ref.label, ref.name, text, "fuzzy", 1.0, 0)]


@dataclass(frozen=True, slots=True)
class ReadCheck:
    """A check question resolved: the work, the person, and the relation asked."""

    work: EntityRef
    person: EntityRef
    asked: Asked
    roles: tuple[str, ...]
    texts: tuple[str, str]


@dataclass(frozen=True, slots=True)
class SharedTitle:
    """A check question whose title several works share: the candidates to offer."""

    title: str
    candidates: tuple[Match, ...]
    texts: tuple[str, str]


async def resolve_check(store: Store, text: str) -> ReadCheck | SharedTitle | None:
    """Read and resolve a yes/no question between one person and one work, or return None.

    A person's name several artists share is the one with an edge to the work, if exactly
    one has one; otherwise the question goes the general way (which asks which one).
    """
    shape = read(text)
    if shape is None:
        return None
    work = await _work(store, shape.work)
    people = await _people(store, shape.person)
    if work is None:
        # No exact title: a clearly meant typo of one, looked for only when the person is known
        # exactly ("did david guetta work on lovseick girls").
        work = await _work_misspelt(store, shape.work) if people else None
        if work is None:
            return None
    if not people and isinstance(work, EntityRef):
        people = await _credited_like(store, shape.person, work)
    if not people:
        return None
    texts = (shape.person, shape.work)
    if isinstance(work, tuple):
        # Several works share the title: the one the person is on, if exactly one; else the
        # question asks which (the picker then answers the check), never a guess.
        by_id = {m.id: m for m in work[:_SHARED_MAX]}
        person_of = {p.id: p for p in people}
        ties = await db.works_tied_to(store, list(by_id), list(person_of))
        tied_works = sorted({w for w, _ in ties})
        if len(tied_works) == 1:
            tied_people = sorted({a for w, a in ties})
            if len(tied_people) == 1:
                return ReadCheck(
                    by_id[tied_works[0]].ref,
                    person_of[tied_people[0]].ref,
                    shape.asked,
                    shape.roles,
                    texts,
                )
        return SharedTitle(shape.work, work, texts)
    if len(people) == 1:
        return ReadCheck(work, people[0].ref, shape.asked, shape.roles, texts)
    held = await holdings(store, work)
    edges = await edges_between_many(store, held, [p.ref for p in people])
    tied = [p for p, e in zip(people, edges, strict=True) if e]
    if len(tied) != 1:
        return None
    return ReadCheck(work, tied[0].ref, shape.asked, shape.roles, texts)


async def resolve_membership(store: Store, text: str) -> tuple[EntityRef, EntityRef] | None:
    """Read "is Jungkook in bts?" into (person, group) when the second name is a group the
    first is or was in; else None."""
    shape = read(text)
    if shape is None or shape.asked is not Asked.ANY:
        return None
    people, groups = await _people(store, shape.person), await _people(store, shape.work)
    pair = await member_and_group(store, people, groups)
    return (pair[0].ref, pair[1].ref) if pair else None


_RELEASE_WORD = re.compile(r"\s+(?:single|album|ep|mini[- ]album|record)$", re.IGNORECASE)


async def resolve_on_release(store: Store, text: str) -> tuple[EntityRef, EntityRef] | None:
    """Read "is Ditto on the omg single?" into (song, release); else None."""
    shape = read(text)
    if shape is None or shape.asked is not Asked.ANY:
        return None
    song = await _work(store, shape.person)
    if not isinstance(song, EntityRef) or song.kind != "song":
        return None
    title = _RELEASE_WORD.sub("", shape.work.strip(" ?!.").removeprefix("the ").strip())
    try:
        release = await resolve_one(store, title, ("release",), exact_only=True)
    except UserError:
        return None
    return (song, release.ref) if release.tier in ("exact", "id") else None


async def person_for(store: Store, text: str, work: EntityRef) -> ReadCheck | None:
    """Read a check question about a work already chosen (picked from several of one title)."""
    shape = read(text)
    if shape is None:
        return None
    people = await _people(store, shape.person)
    if len(people) > 1:
        held = await holdings(store, work)
        edges = await edges_between_many(store, held, [p.ref for p in people])
        people = [p for p, e in zip(people, edges, strict=True) if e]
    if len(people) != 1:
        return None
    return ReadCheck(work, people[0].ref, shape.asked, shape.roles, (shape.person, shape.work))
