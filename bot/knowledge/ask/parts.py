"""Split one sentence that asks several things into one question per thing.

"V's birthday and real name", "뷔 생일이랑 본명" ask two facts of one artist; "real names of
Jisoo and Jennie", "When were V and Jungkook born?" ask one fact of two artists; "Who wrote
and directed Spring Day?" asks two credits of one song. Each becomes its own question (the
other keyword, or the other name, left out), so every part is answered or named as unknown.
A name two people share is read with the group of the other people named ("Jisoo and
Jennie": both of BLACKPINK).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.ask.finding import exact_spans
from bot.knowledge.ask.intents import Intent, IntentName, present
from bot.knowledge.ask.parsing import (
    WH_WORDS,
    Span,
    _clean_token,
    candidate_runs,
    is_filler,
    looks_like_check,
)
from bot.knowledge.normalize import normalize
from bot.knowledge.search import Match
from bot.store import catalog as db
from bot.store.core import Store

# Facts of an artist that can be asked side by side ("birthday and real name").
ARTIST_FACTS = frozenset(
    {
        IntentName.LEGAL_NAME,
        IntentName.BIRTHDAY,
        IntentName.AGE,
        IntentName.DEBUT,
        IntentName.DISBAND,
        IntentName.AGENCY,
        IntentName.LEADER,
        IntentName.MAKNAE,
        IntentName.MAIN_VOCAL,
        IntentName.MAIN_DANCER,
        IntentName.MAIN_RAPPER,
        IntentName.VISUAL,
        IntentName.OLDEST,
        IntentName.MEMBERS,
        IntentName.GROUPS,
    }
)
# A place in a group that names a person ("the maknae"), whose facts can then be asked.
POSITIONS = frozenset(
    {
        IntentName.LEADER,
        IntentName.MAKNAE,
        IntentName.OLDEST,
        IntentName.MAIN_VOCAL,
        IntentName.MAIN_DANCER,
        IntentName.MAIN_RAPPER,
        IntentName.VISUAL,
    }
)
# Credit roles that can be asked side by side ("who wrote and directed").
CREDIT_FACTS = frozenset(
    {
        IntentName.WRITER,
        IntentName.LYRICIST,
        IntentName.COMPOSER,
        IntentName.ARRANGER,
        IntentName.PRODUCER,
        IntentName.DIRECTOR,
        IntentName.ASSISTANT_DIRECTOR,
        IntentName.DIRECTOR_OF_PHOTOGRAPHY,
        IntentName.ART_DIRECTOR,
        IntentName.CHOREOGRAPHER,
        IntentName.CAST,
        IntentName.FEATURED,
        IntentName.MIXING,
    }
)
_JOIN = re.compile(
    r"^\s*(?:,|&|\+|and|or|also|plus|n|및|그리고|하고|이랑|랑|와|과|,\s*and)?\s*$", re.IGNORECASE
)
_JOIN_KO_TAIL = re.compile(r"(?:이랑|랑|하고|와|과)$")
# Two-hop and comparison questions keep their names together.
_TOGETHER = re.compile(
    r"\bboth\b|\btogether\b|\bin common\b|\bbetween\b|\bduet\b|\bwhich\b|\bthe same\b|"
    r"\bolder\b|\byounger\b|같이|함께|둘 다|공동|중|누가\s*더",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Hit:
    intent: Intent
    start: int
    end: int


def _intent_hits(text: str) -> list[_Hit]:
    """Return the first keyword of each intent found, keywords inside others left out."""
    return list(_hits(text))


@functools.lru_cache(maxsize=1024)
def _hits(text: str) -> tuple[_Hit, ...]:
    found: list[_Hit] = []
    for intent in present(text):
        for pattern in intent.patterns:
            m = pattern.search(text)
            if m and m.end() > m.start():
                found.append(_Hit(intent, m.start(), m.end()))
                break
    # A keyword inside a longer one ("director" in "director of photography") is not its own.
    kept = [
        h
        for h in found
        if not any(
            o is not h
            and o.start <= h.start
            and h.end <= o.end
            and (o.end - o.start) > (h.end - h.start)
            for o in found
        )
    ]
    # Two intents on the same words: the first (the narrower, by INTENTS order) wins.
    out: list[_Hit] = []
    for h in kept:
        if not any(o.start < h.end and h.start < o.end for o in out):
            out.append(h)
    return tuple(sorted(out, key=lambda h: h.start))


def _joined(text: str, a_end: int, b_start: int, a_word: str = "") -> bool:
    between = text[a_end:b_start]
    return bool(_JOIN.match(between)) or (
        bool(_JOIN_KO_TAIL.search(a_word)) and not between.strip()
    )


def _by_intents(text: str) -> list[str]:
    hits = _intent_hits(text)
    facts = [h for h in hits if h.intent.name in ARTIST_FACTS | CREDIT_FACTS]
    if len(facts) < 2:
        return []
    same_family = all(h.intent.name in ARTIST_FACTS for h in facts) or all(
        h.intent.name in CREDIT_FACTS for h in facts
    )
    if not same_family:
        return []
    for a, b in itertools.pairwise(facts):
        word = text[a.start : a.end]
        tail = text[a.end : b.start]
        if a.intent.name in POSITIONS and not tail.strip():
            # "twice maknae bday", "트와이스 막내 생일": the maknae's birthday, two hops.
            return []
        if (
            a.intent.name is IntentName.WRITER
            and b.intent.name in (IntentName.LYRICIST, IntentName.COMPOSER)
            and re.fullmatch(r"\s+(?:the\s+)?", tail)
        ):
            # "who wrote (the) lyrics for Lilac" asks one thing: the lyricist.
            return []
        # "생일이랑 본명": the joining particle is written onto the first keyword.
        glued = re.match(r"^(?:이랑|랑|하고|와|과)?\s*$", tail) and not tail.startswith(" ")
        if not (_joined(text, a.end, b.start, word) or glued):
            return []
    return [_tidy(_without(text, [(h.start, h.end) for h in facts], i)) for i in range(len(facts))]


def _without(text: str, places: Sequence[tuple[int, int]], keep: int) -> str:
    """Return the text without the other places, each with the joiner next to it."""
    cuts = []
    for j, (start, end) in enumerate(places):
        if j == keep:
            continue
        if j < keep or (j + 1 < len(places) and j + 1 != keep):
            # Before the kept one: cut up to the next place ("birthday and | real name").
            cut_end = places[j + 1][0] if j + 1 < len(places) else end
            cuts.append((start, cut_end))
        else:
            cut_start = places[j - 1][1] if j > 0 else start
            cuts.append((cut_start, end))
    out, pos = [], 0
    for cut_start, end in sorted(cuts):
        out.append(text[pos : max(cut_start, pos)])
        pos = max(pos, end)
    out.append(text[pos:])
    return " ".join("".join(out).split())


def _tidy(text: str) -> str:
    text = re.sub(r"(?<=\s)(?:and|or|&|plus|및|그리고|하고)(?=\s+(?:\?|$))", " ", text)
    text = re.sub(r"\s*,\s*(?:and\s+)?(?=[\s?]|$)", " ", text)
    text = re.sub(r"(?<=\S)(?:이랑|랑)(?=\s|\?|$)", "", text)
    text = re.sub(r"\s+(?:and|&|\+|및|그리고|하고)\s+(?=\?|$)", " ", text)
    text = re.sub(r"\b(?:and|&)\s*(?=\?|$)", "", text)
    return " ".join(text.split())


async def _by_names(store: Store, text: str) -> list[Part]:
    """Split "real names of A and B" into one question per artist named."""
    hits = _intent_hits(text)
    if not any(h.intent.name in ARTIST_FACTS for h in hits) or any(
        h.intent.name not in ARTIST_FACTS | {IntentName.DATE} for h in hits
    ):
        return []
    spans_kw = [(h.start, h.end) for h in hits]
    runs = candidate_runs(text, spans_kw, trim=False)
    named: list[tuple[Span, list[Match]]] = []
    for span, matches in await exact_spans(store, runs, ("artist",)):
        if (
            matches
            and all(m.kind == "artist" for m in matches)
            and not any(span.overlaps(other) for other, _ in named)
        ):
            named.append((span, matches))
    named.sort(key=lambda pair: (pair[0].run, pair[0].start))
    # Each name's place in the text, to cut it out of the others' questions.
    places = []
    cursor = 0
    for span, _ in named:
        index = text.find(span.text, cursor)
        if index < 0:
            index = text.lower().find(span.text.lower(), cursor)
        if index < 0:
            return []
        places.append((index, index + len(span.text)))
        cursor = index + len(span.text)
    if len(named) == 2:
        pair = await member_and_group(store, named[0][1], named[1][1])
        if pair is None:
            pair = await member_and_group(store, named[1][1], named[0][1])
            order = (1, 0)
        else:
            order = (0, 1)
        tail = text[places[0][1] : places[1][0]]
        if pair is not None and re.match(r"^(?:'s|’s|의)?\s*$", tail):
            # "blackpink jisoo real name": one person, named with the group (NAME GROUP form).
            question = _without(text, places, order[0]).replace("'s ", " ", 1)
            return [Part(_tidy(question), pair[0].value)]
    by_conjunction = await _by_conjunction(store, text, spans_kw)
    if by_conjunction or len(named) < 2:
        return by_conjunction
    # Names side by side with nothing between them ("카리나 윈터 본명") are a list too.
    for (_, a_end), (b_start, _) in itertools.pairwise(places):
        if text[a_end:b_start].strip():
            return []
    chosen = await group_context(store, [m for _, m in named])
    return [
        Part(_tidy(_without(text, places, i)), c.value if c else None) for i, c in enumerate(chosen)
    ]


_CONJ = re.compile(
    r"\s*,\s*(?:and\s+)?|\s+(?:and|&|or|plus|및|그리고)\s+|(?<=[^\s\d])(?:이랑|랑|하고|와|과)\s+",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class _Word:
    begin: int
    end: int
    text: str


_WORK_KINDS = ("song", "release", "video")
# Titles hold "&" and "+" ("Blood Sweat & Tears"): between titles only words and commas join.
_CONJ_WORKS = re.compile(
    r"\s*,\s*(?:and\s+)?|\s+(?:and|or|및|그리고)\s+|(?<=[^\s\d])(?:이랑|랑|하고|와|과)\s+",
    re.IGNORECASE,
)


async def _title_in(
    store: Store, text: str, start: int, end: int, first: bool, last: bool
) -> tuple[int, int] | None:
    """Return the longest known title in text[start:end] that touches its conjunction(s)."""
    words = [(start + m.start(), start + m.end()) for m in _TOKEN.finditer(text[start:end])]
    for size in range(len(words), 0, -1):
        for i in range(len(words) - size + 1):
            lo, hi = words[i][0], words[i + size - 1][1]
            if (not first and i != 0) or (not last and i + size != len(words)):
                continue
            norm = normalize(text[lo:hi].strip(" ,.?!\"'“”"))
            if norm and await db.names_exact(store, norm, _WORK_KINDS, 1):
                return lo, hi
    return None


_PIECE_PARTICLE = re.compile(r"(?:이랑|랑|하고|와|과|의|은|는|이|가)$")


async def _names(store: Store, text: str) -> bool:
    """Tell whether a stretch of words is exactly a name the catalog holds."""
    norm = normalize(text)
    return bool(norm) and bool(await db.names_exact(store, norm, None, 1))


async def _by_conjunction(
    store: Store, text: str, keyword_spans: Sequence[tuple[int, int]], *, works: bool = False
) -> list[Part]:
    """Split "real names of Karina and Winter", "RM and Jin real names" at the conjunctions
    (with ``works``, "who wrote Ditto and OMG": every piece must be a known title)."""

    def in_keyword(start: int, end: int) -> bool:
        return any(start < e and s < end for s, e in keyword_spans)

    joiner = _CONJ_WORKS if works else _CONJ
    conjs = [m for m in joiner.finditer(text) if not in_keyword(m.start(), m.end())]
    if not conjs:
        return []
    bounds = [0, *(c.start() for c in conjs), len(text)]
    starts = [0, *(c.end() for c in conjs)]
    places: list[tuple[int, int]] = []
    for i in range(len(conjs) + 1):
        lo, hi = starts[i], bounds[i + 1]
        words = [
            _Word(lo + m.start(), lo + m.end(), m.group())
            for m in _TOKEN.finditer(text[lo:hi])
            if not in_keyword(lo + m.start(), lo + m.end())
        ]
        # Only the words next to the conjunction: a keyword ends the name.
        if i > 0:
            kept: list[_Word] = []
            for t in words:
                if kept and any(kept[-1].end <= s < t.begin for s, _ in keyword_spans):
                    break
                kept.append(t)
            words = kept
        if i < len(conjs):
            kept = []
            for t in reversed(words):
                if kept and any(t.end <= s < kept[-1].begin for s, _ in keyword_spans):
                    break
                kept.append(t)
            words = list(reversed(kept))
        # A function word at an edge is dropped unless it ends a name ("Lee Know").
        while words and is_filler(_clean_token(words[0].text)):
            if await _names(store, text[words[0].begin : words[-1].end]):
                break
            words.pop(0)
        while words and is_filler(_clean_token(words[-1].text)):
            if await _names(store, text[words[0].begin : words[-1].end]):
                break
            words.pop()
        if not words:
            return []
        places.append((words[0].begin, words[-1].end))
    if works:
        known = 0
        # Each piece is a title next to its conjunction: the first may start after other
        # words ("who wrote | Ditto"), the last may end before them ("OMG | come out").
        titled: list[tuple[int, int]] = []
        for i, (start, end) in enumerate(places):
            place = await _title_in(store, text, start, end, i == 0, i == len(places) - 1)
            if place is None and all(
                w.strip("?!.,").lower() in WH_WORDS for w in text[start:end].split()
            ):
                return []  # "who wrote Ditto and why": a question word, not a title
            titled.append(place or (start, end))
            known += place is not None
        # A piece the catalog does not know is still its own part ("디토랑 옴지": "옴지" is
        # named as unknown, never dropped), unless the whole run is one title.
        whole = normalize(text[places[0][0] : places[-1][1]])
        if not known or (
            known < len(places) and await db.names_exact(store, whole, _WORK_KINDS, 1)
        ):
            return []
        return [Part(_tidy(_without(text, titled, i))) for i in range(len(titled))]
    pieces = [text[s:e] for s, e in places]
    found: list[list[Match]] = [await artists_named(store, piece) for piece in pieces]
    if not any(found):
        return []
    chosen: list[Match | None] = (
        await group_context(store, found) if all(found) else [None] * len(found)
    )
    return [
        Part(_tidy(_without(text, places, i)), c.value if c else None) for i, c in enumerate(chosen)
    ]


async def artists_named(store: Store, piece: str) -> list[Match]:
    """Return the artists whose name is exactly this piece (a particle or "'s" dropped)."""
    forms = [piece.strip(" ,.?!\"'“”")]
    forms.append(_PIECE_PARTICLE.sub("", forms[0]))
    forms += [f[:-2] for f in forms if f.endswith(("'s", "’s"))]
    for form in dict.fromkeys(f for f in forms if f):
        hits = await db.names_exact(store, normalize(form), ("artist",), 10)
        if hits:
            matches = {
                h.entity_id: Match(
                    h.kind, h.entity_id, h.label, h.entity_name, h.name, "exact", 1.0, h.importance
                )
                for h in sorted(hits, key=lambda h: (-h.importance, h.label, h.entity_id))
            }
            return list(matches.values())
    return []


async def member_and_group(
    store: Store, people: Sequence[Match], groups: Sequence[Match]
) -> tuple[Match, Match] | None:
    """Return (person, group) when one of ``people`` is a member of one of ``groups``."""
    group_ids = {g.id: g for g in groups[:8]}
    if not group_ids:
        return None
    memberships = await db.groups_of_many(store, [p.id for p in people[:8]])
    for person in people[:8]:
        for m in memberships[person.id]:
            if m.group.id in group_ids:
                return person, group_ids[m.group.id]
    return None


async def group_context(store: Store, named: Sequence[list[Match]]) -> list[Match | None]:
    """Return, for each name several artists share, the one in the group of the others.

    "지수랑 제니": several Jisoos and Jennies are known, but only BLACKPINK has both.
    """
    groups_of: list[dict[int, Match]] = []
    memberships = await db.groups_of_many(store, [m.id for ms in named for m in ms[:8]])
    for matches in named:
        mine: dict[int, Match] = {}
        for m in matches[:8]:
            for g in memberships[m.id]:
                mine.setdefault(g.group.id, m)
        groups_of.append(mine)
    common = set(groups_of[0]).intersection(*groups_of[1:]) if groups_of else set()
    if not common:
        return [None] * len(named)
    # Several groups in common (Wonyoung and Yujin: IZ*ONE, then IVE): each name is still
    # one person when a single one of its homonyms is in them.
    out: list[Match | None] = []
    for matches, mine in zip(named, groups_of, strict=True):
        ones = {mine[g].id: mine[g] for g in sorted(common)}
        out.append(next(iter(ones.values())) if len(matches) > 1 and len(ones) == 1 else None)
    return out


@dataclass(frozen=True, slots=True)
class Part:
    """One question of a sentence, and the entity it is about when the split decided it."""

    text: str
    entity: str | None = None


async def expand(store: Store, part: str) -> list[Part]:
    """Return the questions one part asks (the part itself when it asks one thing)."""
    if _TOGETHER.search(part):
        return [Part(part)]
    split = _by_intents(part)
    if split:
        # "newjeans minji bday and real name": each fact of the one member named with her group.
        out: list[Part] = []
        for piece in split:
            named = await _by_names(store, piece)
            out.append(named[0] if len(named) == 1 and named[0].entity else Part(piece))
        return out
    named = [] if looks_like_check(part) else await _by_names(store, part)
    if not named and not looks_like_check(part):
        named = await _by_work_names(store, part)
    return named or [Part(part)]


# What can be asked of two works side by side ("who wrote Ditto and OMG").
WORK_FACTS = CREDIT_FACTS | {IntentName.DATE, IntentName.PERFORMER}


async def _by_work_names(store: Store, text: str) -> list[Part]:
    """Split "who wrote Ditto and OMG", "when did Ditto and Hot come out" into one question
    per work, when each piece between the conjunctions is a title the catalog holds."""
    hits = _intent_hits(text)
    if not hits or any(h.intent.name not in WORK_FACTS for h in hits):
        return []
    return await _by_conjunction(store, text, [(h.start, h.end) for h in hits], works=True)
