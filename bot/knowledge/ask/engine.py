"""The entry point: read a question, split it into parts, and answer each part honestly.

A question goes through :func:`answer` in these steps: tidy the text (``parsing.prepare``),
split several questions in one message into parts, and for each part recognise its intent
(correcting a misspelt question word only when no keyword matched), find what it is about,
then route it: a two-hop chain (``chains``), a yes/no check or a false premise
(``checks``), or a one-hop answer (``answers``). Korean questions get Korean answers.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence

from bot.core.errors import echo
from bot.core.i18n import N_, t
from bot.knowledge.ask import chains, checks
from bot.knowledge.ask.answers import quote, references_answer, work_maker_answer, works_answer
from bot.knowledge.ask.dispatch import dispatch
from bot.knowledge.ask.finding import (
    Found,
    clear_reading,
    exact_spans,
    find,
    near_by_one_edit,
    near_by_swaps,
    one_question,
    others,
    pick,
)
from bot.knowledge.ask.intents import (
    Intent,
    IntentName,
    by_name,
    correct_keywords,
    detect,
)
from bot.knowledge.ask.model import Answer, declined, found, merge_sources
from bot.knowledge.ask.online import look_up, search_text
from bot.knowledge.ask.parsing import (
    COMMON_WORDS,
    FILLERS,
    PRONOUNS,
    Span,
    candidate_names,
    candidate_runs,
    date_text_spans,
    is_korean,
    looks_like_check,
    prepare,
    split_parts,
)
from bot.knowledge.ask.parts import Part, expand
from bot.knowledge.ask.people import artist_answer, performer_answer
from bot.knowledge.ask.relations import Asked, edges_between, holdings
from bot.knowledge.ask.shapes import (
    ReadCheck,
    SharedTitle,
    person_for,
    resolve_check,
    resolve_membership,
    resolve_on_release,
)
from bot.knowledge.ask.shapes import read as read_check
from bot.knowledge.ask.verdicts import DUET, asked_relation, relation_check
from bot.knowledge.entities import EntityKey, EntityRef
from bot.knowledge.normalize import normalize, similarity
from bot.knowledge.online.http import ServiceUnavailable
from bot.knowledge.online.lookup import OnlineLookup
from bot.knowledge.search import CLEAR_TYPO, Match, resolve
from bot.store import catalog as db
from bot.store.core import Store

log = logging.getLogger(__name__)

QUESTION_MAX = 300
# Without a keyword, a name is more likely a title than a person ("Ditto", "Wings").
NAME_FIRST = ("song", "release", "video", "artist", "work")
HELP = N_(
    "I can answer questions like “Who directed the Love wins all video?”, “Who wrote Spring "
    "Day?”, “What does the Love wins all MV reference?”, “When is V's birthday?”, "
    "“Who is in BTS?” or “봄날 작사가 누구야?”."
)


async def answer(
    store: Store,
    question: str,
    today: dt.date | None = None,
    *,
    online: OnlineLookup | None = None,
) -> Answer:
    """Answer a question from stored facts, citing sources; decline when unsure.

    With ``online``, a name the store does not know is looked up on MusicBrainz (and stored),
    and an imported entry lacking the facts asked for has its relationships fetched. Without
    it, answering only reads the catalog, so it runs in one hand-over to the database
    (``Store.reading``): the dozen or so reads of a question cost one thread switch, not two
    each.
    """
    if online is None:

        async def read(view: Store) -> Answer:
            with one_question():
                return await _answer(view, question, today, None)

        return await store.reading(read)
    with one_question():
        return await _answer(store, question, today, online)


async def _answer(
    store: Store, question: str, today: dt.date | None, online: OnlineLookup | None
) -> Answer:
    raw = " ".join((question or "").split())[:QUESTION_MAX]
    prepared = prepare(raw)
    lang = "ko" if is_korean(prepared.text) else "en"
    if not prepared.text:
        return declined(
            t("Ask me something about a song, video, album or artist. {help}", lang, help=HELP),
            None,
            lang=lang,
        )
    on = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    parts = [
        question
        for part in _with_intents(split_parts(prepared.text))
        for question in await expand(store, part)
    ]
    if len(parts) <= 1:
        only = parts[0] if parts else Part(prepared.text)
        if only.entity is not None:
            return await _answer_for(store, only.text, only.entity, today)
        return await _answer_part(store, only.text, prepared.shouted, on, None, online)
    results: list[Answer] = []
    previous: EntityRef | None = None
    for part in parts:
        if part.entity is not None:
            result = await _answer_for(store, part.text, part.entity, today)
        else:
            result = await _answer_part(store, part.text, prepared.shouted, on, previous, online)
        if result.entities:
            previous = result.entities[0]
        elif part.entity is None:
            # A part not answered still names whom a later "his" or "her" means.
            previous = await _first_named(store, part.text, prepared.shouted) or previous
        results.append(result)
    # "Who wrote the lyrics and who produced Through the Night?": a first part that names
    # nothing asks about what a later part names.
    later: EntityRef | None = None
    for i in range(len(parts) - 1, -1, -1):
        part, result = parts[i], results[i]
        if not result.answered and part.entity is None and later is not None:
            spans = detect(part.text)[1]
            if not candidate_names(part.text, spans):
                results[i] = await _answer_part(
                    store, part.text, prepared.shouted, on, later, online
                )
        if results[i].entities:
            later = results[i].entities[0]
    return _combine(results, [p.text for p in parts])


async def answer_for(
    store: Store, question: str, value: str, today: dt.date | None = None
) -> Answer:
    """Answer a question about one picked entity ("song:12"), after an ambiguous first try
    (reading the catalog only: in one hand-over to the database, as ``answer`` does)."""

    async def read(view: Store) -> Answer:
        with one_question():
            return await _answer_for(view, question, value, today)

    return await store.reading(read)


async def _answer_for(store: Store, question: str, value: str, today: dt.date | None) -> Answer:
    key = EntityKey.parse(value)
    row = await db.entity(store, key.id) if key else None
    text = prepare(" ".join((question or "").split())[:QUESTION_MAX]).text
    lang = "ko" if is_korean(text) else "en"
    if row is None or key is None or row.kind != key.kind:
        return declined(
            t("That entry is no longer in the catalog.", lang),
            None,
            lang=lang,
        )
    entity = EntityRef.of(row)
    # The language is the question's, not the title's ("Did Gyurin write 춤?" is English).
    lang = "ko" if is_korean(text, [n.name for n in await db.names_of(store, row.id)]) else "en"
    if entity.kind in ("song", "release", "video"):
        # A check question whose title was shared: the picked work, and the person named.
        picked = await person_for(store, text, entity)
        if picked is not None:
            intent_found = detect(text)[0]
            return await relation_check(
                store,
                picked.asked,
                picked.roles,
                entity,
                [picked.person],
                intent_found.name if intent_found else None,
                lang,
            )
    intent, _ = detect(text)
    if intent is None:
        match = Match(row.kind, row.id, row.label, row.name, row.name, "id", 1.0, row.importance)
        return await _about(store, Found(match, (match,), row.name), lang)
    on = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    return await dispatch(store, intent, entity, text, lang, on)


async def _own_work_misspelt(
    store: Store, unexplained: str, artist: Match, intent: Intent
) -> Found | None:
    """Read a word beside an artist as the one work of theirs it clearly misspells."""
    kinds = tuple(k for k in intent.kinds if k != "artist") or ("song", "release", "video")
    words = unexplained.split()
    # The whole unexplained text first ("cheer upp"), then each word of it.
    for word in dict.fromkeys([unexplained, *words] if len(words) > 1 else words):
        if len(normalize(word)) < 4:
            continue
        fuzzy = await resolve(store, word, kinds, limit=5)
        typo = await clear_reading(store, word, fuzzy, kinds)
        if typo is None:
            continue
        performers = await db.performers(store, typo.id)
        if any(p.artist.id == artist.id for p in performers):
            return Found(typo, (typo,), word)
    return None


async def _outside_maker(
    store: Store, intent: Intent, wide: list[list[tuple[str, str]]], shouted: bool, lang: str
) -> Answer | None:
    """Answer who made the one outside work a question names, or None."""
    named = await exact_spans(store, wide, ("work",), shouted)
    works = [m for _, matches in named[:1] for m in matches if m.kind == "work"]
    if len(works) != 1:
        return None
    return await work_maker_answer(store, intent.roles, works[0].ref, lang)


async def _first_named(store: Store, text: str, shouted: bool) -> EntityRef | None:
    """Return the first person or work a question part names exactly, or None."""
    runs = candidate_runs(text, detect(text)[1], trim=False)
    spans = await exact_spans(store, runs, ("artist", "song", "release", "video"), shouted)
    return spans[0][1][0].ref if spans else None


def _with_intents(parts: list[str]) -> list[str]:
    """Join a part without a question word onto the next ("Who was behind the camera for
    the Spring Day MV? Who directed it?" is one question said twice)."""
    out: list[str] = []
    carry = ""
    for part in parts:
        text = f"{carry} {part}".strip() if carry else part
        if detect(part)[0] is None and read_check(part) is None:
            # A yes/no between two names ("is wonyoung in ive?") is a question of its own.
            carry = text
            continue
        out.append(text)
        carry = ""
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out


def _combine(results: list[Answer], parts: list[str]) -> Answer:
    """Join the answers of several parts; answered if any part was, saying which were not."""
    answered = [r for r in results if r.answered]
    if not answered:
        return results[0]
    lang = answered[0].lang
    lines = []
    for part, r in zip(parts, results, strict=True):
        if r.answered:
            lines.append(r.text)
        else:
            lines.append(t("About “{part}”: ", lang, part=echo(part)) + r.text)
    return Answer(
        "\n".join(lines),
        merge_sources(*(r.sources for r in answered)),
        True,
        tuple(s for r in results for s in r.suggestions),
        answered[0].intent,
        tuple(e for r in answered for e in r.entities),
        lang,
    )


def _names_in(found_: Found) -> list[str]:
    return [found_.text] if found_.text else []


_WORK_KINDS = ("song", "release", "video")
_WORD = re.compile(r"\S+")
_TITLE_WORDS = 5  # the longest title looked for around a keyword, in words


_HOLDER_OF = re.compile(
    r"\b(?:the|an?|which|what)\s+(?:album|ep|mini album|record)\b(?=\s+(?:with|that has|that had|"
    r"having|containing|including)\b|\s+\S.*?\s(?:is|was|are|were)\s+(?:on|from|in)\b)",
    re.I,
)


async def _detect_outside_titles(
    store: Store, text: str, shouted: bool
) -> tuple[Intent | None, list[tuple[int, int]]]:
    """Detect the question's intent from its words outside the titles it names.

    A keyword inside a title the catalog holds is the title's word, not the question's:
    "when was born pink released" asks a release date of Born Pink, not a birthday. Only the
    word windows around each keyword are looked up (one small indexed query), so a question
    whose keywords stand alone costs little more than detecting them.
    """
    intent, spans = detect(text)
    if intent is None:
        return intent, spans
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    windows: dict[str, tuple[int, int]] = {}
    for start, _end in spans:
        k = next((i for i, (a, b) in enumerate(words) if a <= start < b), None)
        if k is None:
            continue
        for i in range(max(0, k - _TITLE_WORDS + 1), k + 1):
            for j in range(max(i + 2, k + 1), min(len(words), i + _TITLE_WORDS) + 1):
                a, b = words[i][0], words[j - 1][1]
                norm = normalize(text[a:b])
                if norm and norm not in windows:
                    windows[norm] = (a, b)
    if not windows:
        return intent, spans
    hits = await db.names_exact_many(store, list(windows), _WORK_KINDS, 8, per_form=1)
    # "the album with Pink Venom", "the album Fantastic Baby is on": the question's own words
    # for the record holding a song, not BLACKPINK's album titled "The Album".
    holders = [m.span() for m in _HOLDER_OF.finditer(text)]
    masked = text
    for norm in sorted({h.norm for h in hits}, key=lambda n: (-len(n), n)):
        a, b = windows[norm]
        if any(x <= a and b <= y for x, y in holders):
            continue
        if masked[a:b].strip():  # not inside a longer title already masked
            masked = masked[:a] + " " * (b - a) + masked[b:]
    return (intent, spans) if masked == text else detect(masked)


# How close a misspelt word must be to a member's name to be read as them (OSA similarity:
# one swapped pair in a six-letter name is 0.83), and the shortest word tried.
_MEMBER_SIMILARITY = 0.8
_MEMBER_MIN_LENGTH = 4


async def _member_misspelt_beside(store: Store, found_: Found) -> Found:
    """Read a misspelt word beside a group's name as the member it spells.

    "gidle soyoen real name" asks about Soyeon, not about (G)I-DLE: a word the catalog does
    not know, next to a group, is compared with that group's members (and only theirs).
    """
    group = found_.match
    if group is None or group.kind != "artist" or found_.span is None:
        return found_
    words = {
        normalize(raw): raw
        for raw, _ in found_.span.leftover
        if raw.lower() not in FILLERS and len(normalize(raw)) >= _MEMBER_MIN_LENGTH
    }
    if not words:
        return found_
    members = (await db.members_of_many(store, [group.id]))[group.id]
    people: dict[int, tuple[db.MembershipRow, str]] = {}
    for row in members:
        # A full name is typed by its given name too ("wonyoung" for Jang Wonyoung).
        written = [n for n in (row.person.name, row.stage_name or "") if n]
        names = [normalize(n) for n in written] + [
            normalize(n.split(maxsplit=1)[1]) for n in written if " " in n.strip()
        ]
        for word, raw in words.items():
            if any(similarity(word, name) >= _MEMBER_SIMILARITY for name in names):
                people.setdefault(row.person.id, (row, raw))
    if len(people) != 1:
        return found_
    row, raw = next(iter(people.values()))
    person = row.person
    match = Match("artist", person.id, person.label, person.name, raw, "fuzzy", 1.0, 0)
    return Found(match, (match,), raw, None, found_.span)


async def _answer_part(
    store: Store,
    text: str,
    shouted: bool,
    on: str,
    previous: EntityRef | None,
    online: OnlineLookup | None = None,
) -> Answer:
    lang_of_text = "ko" if is_korean(text) else "en"
    left = await checks.left_check(store, text, lang_of_text)
    if left is not None:
        return left
    agency = await checks.agency_check(store, text, lang_of_text)
    if agency is not None:
        return agency
    label = await checks.label_check(store, text, lang_of_text)
    if label is not None:
        return label
    when = await _when_credited(store, text, on)
    if when is not None:
        return when
    premise = await _membership_premise(store, text, on)
    if premise is not None:
        return premise
    checked = await _checked(store, text)
    if checked is not None:
        return checked
    intent, spans = await _detect_outside_titles(store, text, shouted)
    corrections: list[str] = []
    if intent is None or intent.roles:
        # A misspelt keyword: none found, or one beside a role asked ("who wrote the lyrcis for
        # fansy", where the misspelt word would otherwise join the misspelt title). Words that
        # are names are never "corrected" into keywords ("Wings" is not "sings").
        named = await exact_spans(store, candidate_runs(text, spans, trim=False), None, shouted)
        protected = frozenset(
            {*FILLERS, *(w.lower() for span, _ in named for w in span.text.split())}
        )
        corrected, corrections = correct_keywords(text, protected)
        if corrections:
            redone, respans = detect(corrected)
            if intent is None or redone is not None:
                text, intent, spans = corrected, redone, respans
    spans = sorted([*spans, *date_text_spans(text)])
    runs = candidate_runs(text, spans)
    wide = candidate_runs(text, spans, trim=False)
    texts = candidate_names(text, spans)
    together = await chains.song_with(store, text) or await chains.duet_of(store, text)
    if together is not None:
        return together
    if intent is None:
        which = await chains.which_member(store, None, text)
        if which is not None:
            return which
        return await _no_keyword(store, text, runs, wide, texts, shouted)
    if previous is not None and intent.roles and _mentions_pronoun(text):
        # "… and what else did they direct": the other works of the credit just named.
        other = await chains.other_works_of(store, intent, previous, text)
        if other is not None:
            return other
    chained = await chains.try_chain(store, intent, text, runs, on)
    if chained is not None:
        return chained
    if not texts:
        if previous is not None:
            return await _route(
                store, intent, previous, text, wide, Found(None, (), ""), on, shouted
            )
        lang = "ko" if is_korean(text) else "en"
        return declined(
            t("Which song, video, album or artist do you mean? {help}", lang, help=HELP),
            intent.name,
            lang=lang,
        )
    # "who directed Likey", "likey mv director": a role of a work, not the songwriter Likey.
    # "likey composer": a role named after the name asks who holds it on the work, as "who"
    # does ("kenzie's songs" or "songs composed by likey" name the person first).
    role_after = bool(spans) and bool(text[: spans[0][0]].strip()) and not _BY_WORD.search(text)
    asks_person = bool(intent.roles) and bool(
        _WHO.search(text) or _OF_VIDEO.search(text) or role_after
    )
    found_ = await find(store, wide, texts, intent.kinds, shouted=shouted, asks_person=asks_person)
    if intent.kinds == ("artist",):
        found_ = await _member_misspelt_beside(store, found_)
    lang = "ko" if is_korean(text, _names_in(found_)) else "en"
    # Another known name beside an artist ("is the OMG mv directed by Shin Woo-seok") is
    # checked against it; only words the catalog does not know are left unexplained.
    if (
        found_.match is not None
        and found_.match.kind == "artist"
        and not await others(store, wide, found_, shouted=shouted)
    ):
        found_ = _unsung(intent, found_, wide, asks_person)
    titled = None
    if intent.roles and found_.candidates and found_.candidates[0].kind == "artist":
        # "SEVENTEEN Hot producer": a title next to its artist's name is that song.
        titled = await _title_of_artist(store, found_.candidates[0].ref, found_)
    if found_.match is None and titled is None:
        if previous is not None and _mentions_pronoun(text):
            return await _route(store, intent, previous, text, wide, found_, on, shouted)
        if found_.unexplained and found_.candidates and found_.candidates[0].kind == "artist":
            # "who wrote lyrcis for lialc by iu": a misspelt title of the artist's own work.
            own = await _own_work_misspelt(store, found_.unexplained, found_.candidates[0], intent)
            if own is not None:
                found_ = own
        if found_.match is None and intent.roles and not found_.unexplained:
            # "who directed Concrete Utopia": an outside work a song references.
            made = await _outside_maker(store, intent, wide, shouted, lang)
            if made is not None:
                return made
    if found_.match is None and titled is None and intent.name in _FROM_THE_MAKER:
        # "what song samples bach": the name is the maker of the outside work referenced.
        made = await _references_to_works_of(store, intent, texts[0], text, lang, on)
        if made is not None:
            return made
    if found_.match is None and titled is None:
        near: list[Match] = []
        if not found_.candidates and not found_.unexplained:
            near = await near_by_swaps(store, texts[0], None)
        looked: Match | Answer | None = None
        # A local near-match ("Did you mean …") comes before any online lookup.
        close = [m for m in found_.candidates if m.tier == "fuzzy" and m.score >= CLEAR_TYPO]
        if online is not None and _unknown(found_) and not near and not close:
            query = search_text(text, spans, texts[0])
            try:
                looked = await look_up(store, online, query, intent, lang)
            except ServiceUnavailable as exc:
                log.info("online lookup failed for %r: %s", query, exc)
                local = await _not_found(store, intent, found_, texts, lang, near)
                return local.with_text(
                    local.text
                    + t(
                        " MusicBrainz did not answer, so I could not look further; "
                        "try again in a minute.",
                        lang,
                    )
                )
        if isinstance(looked, Answer):
            return looked
        if looked is None:
            return await _not_found(store, intent, found_, texts, lang, near)
        found_ = Found(looked, (looked,), texts[0])
    m = found_.match or found_.candidates[0]
    if m.tier == "fuzzy" and (intent.roles or intent.name is IntentName.PERFORMER):
        # "who wrote Ditot": the typo reads as "Ditto", and the song, its single and its
        # video are one thing, picked by the resolver's one rule (the song, for credits).
        same = [c for c in found_.candidates if c.name == m.name and c.kind in intent.kinds]
        if len(same) > 1 and await pick(store, same, intent.kinds) is not None:
            m = min(same, key=lambda c: intent.kinds.index(c.kind))
    entity = titled or m.ref
    result = await _route(store, intent, entity, text, wide, found_, on, shouted)
    if not result.answered and online is not None:
        try:
            fetched = await online.ensure_details(entity.id)
        except ServiceUnavailable as exc:
            # What the store knows stands; the lookup that failed hides nothing.
            log.info("online details failed for %s: %s", entity.key, exc)
            fetched = False
        if fetched:
            result = await _route(store, intent, entity, text, wide, found_, on, shouted)
    if result.answered and _read_loosely(m):
        result = result.with_text(_reading(found_, m, lang) + result.text)
    if corrections and result.answered:
        log.debug("read question words %s", corrections)
    if result.answered and not result.sources:
        # Every answer cites a source; a fact without one is not stated.
        log.warning("answer without sources for %r", text)
        return declined(
            t("I found something but cannot cite a source for it, so I won't say.", lang),
            intent.name,
            lang=lang,
        )
    return result


# Reverse references asked from the person who made the outside work ("which video quotes
# Martha Graham"), and how many of their works are looked at.
_FROM_THE_MAKER = (IntentName.SAMPLES, IntentName.REFERENCES_IN)
_MAKER_WORKS = 5


async def _references_to_works_of(
    store: Store, intent: Intent, name: str, text: str, lang: str, on: str
) -> Answer | None:
    """Answer a reverse reference about the outside works a person made, or None.

    The name must be whole words of the work's stored creator ("bach" in "Johann Sebastian
    Bach", never "bac"); each of their works is answered as if named, and only the answers
    that found something are said, after a line saying how the name was read.
    """
    words = name.split()
    if not words or len(normalize(name)) < 3:
        return None
    whole = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.I)
    rows = [
        r
        for r in await db.works_by_creator(store, words, _MAKER_WORKS * 2)
        if r.creator and whole.search(r.creator)
    ][:_MAKER_WORKS]
    answered = []
    for row in rows:
        result = await dispatch(store, intent, EntityRef.of(row.entity), text, lang, on)
        if result.answered:
            answered.append((row, result))
    if not answered:
        return None
    makers = list(dict.fromkeys(row.creator or "" for row, _ in answered))
    head = t(
        "(Reading {text} as {maker}, who made {works}.)",
        lang,
        text=quote(echo(name)),
        maker=" / ".join(makers),
        works=", ".join(quote(row.entity.name) for row, _ in answered),
    )
    return found(
        "\n".join([head, *(r.text for _, r in answered)]),
        merge_sources(*(r.sources for _, r in answered)),
        intent.name,
        [e for _, r in answered for e in r.entities],
        lang,
    )


def _read_loosely(m: Match) -> bool:
    """Tell whether the reader must be told how the name was read: a misspelling, or a
    person known by a name the words only begin or hold ("junhui": Joonie, born Park
    Jun-hui), where they may have meant someone the catalog does not hold."""
    return m.tier == "fuzzy" or (m.kind == "artist" and m.tier in ("prefix", "substring"))


def _reading(found_: Found, m: Match, lang: str) -> str:
    """Say how a misspelt name was read: "(Reading “lovseick girls” as Lovesick Girls.) "."""
    return t("(Reading {text} as {name}.) ", lang, text=quote(echo(found_.text)), name=m.name)


_WHEN_DID = re.compile(
    r"^(?:when|(?:what|which)\s+(?:year|day|date|month))\s+did\s+(?P<rest>.+?)\s*\??$",
    re.IGNORECASE,
)


async def _when_credited(store: Store, text: str, on: str) -> Answer | None:
    """Answer "what year did David Guetta produce Psycho": the credit it takes for granted is
    checked first; without it, the check's "No" names who holds the role (with sources),
    and with it, the work's date follows the "Yes". None for any other question."""
    m = _WHEN_DID.match(text)
    if m is None:
        return None
    check_text = f"did {m['rest']}?"
    shape = read_check(check_text)
    if shape is None or shape.asked is not Asked.ROLES:
        return None
    read = await resolve_check(store, check_text)
    if not isinstance(read, ReadCheck):
        return None
    checked = await _checked(store, check_text)
    if checked is None:
        return None
    edges = await edges_between(store, await holdings(store, read.work), read.person)
    if not any(e.role in read.roles for e in edges):
        return checked
    lang = "ko" if is_korean(text) else "en"
    date = await dispatch(store, by_name(IntentName.DATE), read.work, text, lang, on)
    return _combine([checked, date], [check_text, text])


_JOINED = re.compile(
    r"^(?:when|why|how)\s+did\s+(?P<rest>.+?\s+(?:join|joined|leave|left|quit)\s+.+?)\s*\??$",
    re.IGNORECASE,
)


async def _membership_premise(store: Store, text: str, on: str) -> Answer | None:
    """Correct the membership "when did Jisoo join TWICE" or "why did Soyeon leave aespa" takes
    for granted: when the store holds that the person was never in the group, its "No" (with
    the group they are in) is the answer; otherwise None, and the question goes on."""
    m = _JOINED.match(text.strip())
    if m is None:
        return None
    # The premise asked as the yes/no it is ("did Jisoo join TWICE?"), read the same way.
    checked = await _answer_part(store, f"did {m['rest']}?", False, on, None)
    if not checked.answered or not checked.text.startswith("No —"):
        return None
    return checked


async def _checked(store: Store, text: str) -> Answer | None:
    """Answer "Is X on Y?", "Did X write Y?", "Y 뮤비에 X 나와?" from every edge between them."""
    read = await resolve_check(store, text)
    if read is None:
        lang = "ko" if is_korean(text) else "en"
        membership = await resolve_membership(store, text)
        if membership is not None:
            person, group = membership
            return await checks.member_check(
                store, by_name(IntentName.MEMBERS), person, group, text, lang
            )
        on_release = await resolve_on_release(store, text)
        if on_release is not None:
            return await checks.album_check(
                store, by_name(IntentName.ALBUM), list(on_release), lang
            )
        return None
    lang = "ko" if is_korean(text, list(read.texts)) else "en"
    if isinstance(read, SharedTitle):
        suggestions = [m.label for m in read.candidates[:5]]
        return declined(
            t(
                "{title} could mean several things: {suggestions}. Which one?",
                lang,
                title=quote(echo(read.title)),
                suggestions="; ".join(suggestions),
            ),
            None,
            suggestions,
            lang,
            [m.ref for m in read.candidates[:25]],
        )
    intent = detect(text)[0]
    return await relation_check(
        store,
        read.asked,
        read.roles,
        read.work,
        [read.person],
        intent.name if intent else None,
        lang,
    )


def _unsung(
    intent: Intent, found_: Found, runs: list[list[tuple[str, str]]], asks_person: bool
) -> Found:
    """ "Did Jungkook sing Seven?", "who wrote the sad song by IU?" with no such song known:
    the words beside the artist name the song asked about, so the artist alone is no answer
    (never a list of the artist's credits); they are named as not understood."""
    m, span = found_.match, found_.span
    asks_of_work = intent.name is IntentName.PERFORMER or (bool(intent.roles) and asks_person)
    if not asks_of_work or m is None or m.kind != "artist" or span is None:
        return found_
    odd = [
        w[1]
        for r, run in enumerate(runs)
        for i, w in enumerate(run)
        if not (r == span.run and span.start <= i < span.end)
        and w[1].lower() not in FILLERS
        and w[1].lower() not in COMMON_WORDS
        and w[1].isalnum()
    ]
    if not odd:
        return found_
    return Found(None, (m,), found_.text, " ".join(odd), span)


def _unknown(found_: Found) -> bool:
    """Return whether the store knows nothing by the name (not ambiguous, nothing unexplained)."""
    if found_.unexplained:
        return False
    return not found_.candidates or found_.candidates[0].tier == "fuzzy"


_OF_VIDEO = re.compile(r"\b(?:mv|m/v|music video|video)\b|뮤비|뮤직비디오", re.IGNORECASE)
_WHO = re.compile(r"\bwho(?:m|'s)?\b|누가|누구", re.IGNORECASE)
_BY_WORD = re.compile(
    r"\b(?:by|what|which|songs?|works?|credits?)\b|작품|노래들|곡들|참여작", re.IGNORECASE
)


async def _title_of_artist(store: Store, artist: EntityRef, found_: Found) -> EntityRef | None:
    """Read "SEVENTEEN Hot producer" as the song "Hot" by SEVENTEEN, not SEVENTEEN's works."""
    if found_.span is None:
        return None
    words = [w[1] for w in found_.span.leftover if w[1].lower() not in FILLERS]
    norm = normalize(" ".join(words))
    if not norm:
        return None
    hits = await db.names_exact(store, norm, ("song", "release", "video"), 20)
    mine = []
    for h in sorted(hits, key=lambda h: (("song", "release", "video").index(h.kind), h.entity_id)):
        performers = await db.performers(store, h.entity_id)
        if any(p.artist.id == artist.id for p in performers) or h.kind == "video":
            mine.append(h)
    songs = [h for h in mine if h.kind == "song"]
    chosen = songs[0] if len(songs) == 1 else (mine[0] if len(mine) == 1 else None)
    if chosen is None:
        return None
    return EntityRef(EntityKey(chosen.kind, chosen.entity_id), chosen.entity_name, chosen.label)


async def _no_keyword(
    store: Store,
    text: str,
    runs: list[list[tuple[str, str]]],
    wide: list[list[tuple[str, str]]],
    texts: list[str],
    shouted: bool,
) -> Answer:
    """Answer a question without a keyword: a check between two names, or a bare name."""
    found_ = await find(store, wide, texts, NAME_FIRST, shouted=shouted) if texts else None
    lang = "ko" if is_korean(text, _names_in(found_) if found_ else []) else "en"
    if looks_like_check(text):
        # "Is Karina in aespa?", "Is Ditto a NewJeans song?": the two names say what to check.
        named: list[tuple[Span, list[Match]]] = []
        for span, matches in await exact_spans(store, wide, NAME_FIRST, shouted):
            if not any(span.overlaps(other) for other, _ in named):
                named.append((span, matches))
        works = [m[0] for _, m in named if m[0].kind != "artist"]
        people = [m[0] for _, m in named if m[0].kind == "artist"]
        shared = [
            m
            for _, m in named
            if m[0].kind != "artist" and await pick(store, m, NAME_FIRST) is None
        ]
        if shared and people:
            # A title several works share: never check against the first of them.
            suggestions = [m.label for m in shared[0][:5]]
            return declined(
                t(
                    "{name} could mean several things: {suggestions}. Which one?",
                    lang,
                    name=quote(echo(shared[0][0].name)),
                    suggestions="; ".join(suggestions),
                ),
                None,
                suggestions,
                lang,
                [m.ref for m in shared[0][:25]],
            )
        if len(works) == 1 and people:
            # "Is V on Love wins all?", "Love wins all 뮤비에 뷔 나와?": any edge between them.
            spans = [span.text for span, _ in named]
            lang = "ko" if is_korean(text, spans) else "en"
            asked, roles = asked_relation(None, text)
            chosen: list[tuple[Span, Match]] = []
            for span, m in named:
                if m[0].kind != "artist":
                    continue
                artists = [x for x in m if x.kind == "artist"]
                if len(artists) > 1:
                    # A name several artists share: the one on the work, never the first.
                    ties = await db.works_tied_to(
                        store, [works[0].id], [x.id for x in artists[:25]]
                    )
                    tied = [x for x in artists if x.id in {a for _, a in ties}]
                    if len(tied) != 1:
                        suggestions = [x.label for x in artists[:5]]
                        return declined(
                            t(
                                "{text} could mean several people: {suggestions}. Which one?",
                                lang,
                                text=quote(echo(span.text)),
                                suggestions="; ".join(suggestions),
                            ),
                            None,
                            suggestions,
                            lang,
                        )
                    artists = tied
                chosen.append((span, artists[0]))
            ordered = sorted(chosen, key=lambda pair: (pair[0].run, pair[0].start))
            if len(ordered) < _people_between(text):
                # "Is Y a duet between A and B?" with B unknown: never a yes for A alone.
                return declined(
                    t(
                        "I don't know everyone that question names, so I can't say whether "
                        "{work} is by all of them. {work} is one I know: ask “who sings {name}?”.",
                        lang,
                        work=quote(works[0].name),
                        name=works[0].name,
                    ),
                    None,
                    [works[0].label],
                    lang,
                )
            return await relation_check(
                store, asked, roles, works[0].ref, [m.ref for _, m in ordered], None, lang
            )
        if len(named) >= 2:
            first = sorted(named[:2], key=lambda pair: (pair[0].run, pair[0].start))
            main, extra = first[0][1][0], [first[1][1][0]]
            if main.kind == "song" and extra[0].kind == "song":
                # "Is Celebrity on Lilac?": a song checked against a title that is also a release
                # asks whether it is on that release.
                release = next((m for m in first[1][1] if m.kind == "release"), None)
                extra = [release] if release is not None else extra
            implied = await _implied_intent(main, extra)
            if implied is not None:
                lang = "ko" if is_korean(text, [p[0].text for p in first]) else "en"
                entity = main.ref
                checked = await checks.check(store, implied, entity, extra, text, lang)
                if checked is not None:
                    return checked
        if len(named) == 1 and named[0][1][0].kind == "artist":
            # "is jenie in blackpink": the other name, misspelt, read as one artist.
            misspelt = await _misspelt_member_check(store, text, wide, named[0], lang)
            if misspelt is not None:
                return misspelt
    # "설국열차 나오는 노래 뭐야": the songs and videos an outside work is in are the ones that
    # reference it (an artist "in" a video is its cast, asked otherwise).
    if (
        found_ is not None
        and found_.match is not None
        and found_.match.kind == "work"
        and _SHOWN_IN.search(text)
    ):
        shown = by_name(IntentName.REFERENCES_IN)
        return await references_answer(store, shown, found_.match.ref, lang, text)
    # "Ditto?" or "TWICE": a bare name asks for what we know about it.
    if found_ is not None and found_.match is not None and _bare_name(runs, found_):
        about = await _about(store, found_, lang)
        if found_.match.tier == "fuzzy" and about.answered:
            return about.with_text(_reading(found_, found_.match, lang) + about.text)
        return about
    suggestions = [found_.match.label] if found_ and found_.match else []
    return declined(
        t("I'm not sure what you're asking. {help}", lang, help=HELP),
        None,
        suggestions,
        lang,
    )


async def _misspelt_member_check(
    store: Store,
    text: str,
    wide: list[list[tuple[str, str]]],
    named: tuple[Span, list[Match]],
    lang: str,
) -> Answer | None:
    """Answer "is jenie in blackpink": the words beside a known artist, read as one artist
    only by a clear typo reading, checked for membership as if spelt right; or None."""
    span, matches = named
    words = [
        w[0]
        for r, run in enumerate(wide)
        for i, w in enumerate(run)
        if not (r == span.run and span.start <= i < span.end)
        and w[1].lower() not in FILLERS
        and w[1].lower() not in COMMON_WORDS
    ]
    if not words:
        return None
    other = " ".join(words)
    fuzzy = [m for m in await resolve(store, other, ("artist",), limit=10) if m.tier == "fuzzy"]
    fuzzy = fuzzy or await near_by_one_edit(store, other, ("artist",))
    reading = await clear_reading(store, other, fuzzy, ("artist",))
    if reading is None or reading.id == matches[0].id:
        return None
    checked = await checks.check(
        store, by_name(IntentName.MEMBERS), reading.ref, [matches[0]], text, lang
    )
    if checked is None or not checked.answered:
        return None
    found_ = Found(reading, (reading,), other)
    return checked.with_text(_reading(found_, reading, lang) + checked.text)


_BETWEEN = re.compile(r"\bbetween\s+(?P<names>.+?)\s*\??$|(?P<ko>.+?)\s*(?:듀엣|콜라보)", re.I)
_NAME_APART = re.compile(r"\s+(?:and|&)\s+|\s*,\s*|(?<=\S)(?:이랑|랑|하고|와|과)\s+", re.I)


def _people_between(text: str) -> int:
    """Return how many names "a duet between A and B" lists (0 when it lists none)."""
    m = _BETWEEN.search(text)
    if m is None or not DUET.search(text) or m.group("names") is None:
        return 0
    return len([p for p in _NAME_APART.split(m.group("names")) if p.strip()])


async def _implied_intent(main: Match, extra: list[Match]) -> Intent | None:
    """Return what a check without keywords asks, from the kinds of the two things it names."""
    if not extra:
        return None
    kinds = {main.kind, extra[0].kind}
    if kinds == {"artist"}:
        return by_name(IntentName.MEMBERS)
    if "artist" in kinds:
        return by_name(IntentName.PERFORMER)
    if kinds == {"song", "release"}:
        return by_name(IntentName.ALBUM)
    if "work" in kinds and len(kinds) == 2:
        # "Is the Venus de Milo in the Blood Sweat & Tears MV?": an outside work in a video is
        # a reference (both ways round, as ``checks`` reads it).
        return by_name(IntentName.REFERENCES_OUT)
    return None


def _bare_name(runs: list[list[tuple[str, str]]], found_: Found) -> bool:
    if len(runs) != 1 or found_.span is None:
        return len(runs) == 1 and found_.span is None and found_.match is not None
    return all(w[1].lower() in FILLERS for w in found_.span.leftover)


def _mentions_pronoun(text: str) -> bool:
    return any(w.strip("?!.,'’").lower() in PRONOUNS for w in text.split())


_SHOWN_IN = re.compile(
    r"(?:나오는|나온|등장하는|들어간|들어있는)\s*(?:노래|곡|뮤비|뮤직비디오|영상)"
    r"|\b(?:songs?|videos?|mvs?)\s+(?:with|that (?:has|have|had|show|shows|mention|mentions))\b",
    re.IGNORECASE,
)


async def _about(store: Store, found_: Found, lang: str) -> Answer:
    """Answer a bare name with the most basic fact: who performs it, or what an artist is."""
    m = found_.match
    assert m is not None
    entity = m.ref
    if m.kind in ("song", "video", "release"):
        return await performer_answer(store, by_name(IntentName.PERFORMER), entity, lang)
    if m.kind == "artist":
        result = await artist_answer(store, by_name(IntentName.MEMBERS), entity, lang)
        if not result.answered:
            # "Who is Um Tae-hwa?": someone in no group is known by what they made.
            made = await works_answer(store, by_name(IntentName.MEMBERS), entity, "credits", lang)
            return made if made.answered else result
        return result
    return declined(
        t(
            "I know {name}; what would you like to know about it? {help}",
            lang,
            name=m.label,
            help=HELP,
        ),
        None,
        [m.label],
        lang,
    )


async def _not_found(
    store: Store,
    intent: Intent,
    found_: Found,
    texts: list[str],
    lang: str,
    near: Sequence[Match] = (),
) -> Answer:
    if found_.unexplained:
        suggestions = [m.label for m in found_.candidates[:5]]
        return declined(
            t(
                "I know {suggestions}, but nothing that matches "
                "{unexplained} with it, so I won't guess.",
                lang,
                suggestions="; ".join(suggestions),
                unexplained=quote(echo(found_.unexplained)),
            ),
            intent.name,
            suggestions,
            lang,
        )
    suggestions = [m.label for m in found_.candidates[:5]]
    if found_.candidates and found_.candidates[0].tier != "fuzzy":
        choices = [m.ref for m in found_.candidates[:25]]
        return declined(
            t(
                "{text} could mean several things: {suggestions}. Which one?",
                lang,
                text=quote(echo(found_.text)),
                suggestions="; ".join(suggestions),
            ),
            intent.name,
            suggestions,
            lang,
            choices,
        )
    if not suggestions:
        suggestions = [m.label for m in near[:5]]
    if not suggestions:
        suggestions = [m.label for m in await resolve(store, texts[0], None, limit=5)]
    hint = (
        t(" Did you mean {suggestions}?", lang, suggestions="; ".join(suggestions[:3]))
        if suggestions
        else ""
    )
    return declined(
        t(
            "I don't know anything called {texts}.{hint}",
            lang,
            texts=quote(echo(texts[0])),
            hint=hint,
        ),
        intent.name,
        suggestions,
        lang,
    )


async def _route(
    store: Store,
    intent: Intent,
    entity: EntityRef,
    text: str,
    runs: list[list[tuple[str, str]]],
    found_: Found,
    on: str,
    shouted: bool,
) -> Answer:
    lang = "ko" if is_korean(text, _names_in(found_)) else "en"
    extra = await others(store, runs, found_, shouted=shouted) if found_.match is not None else []
    checked = await checks.check(store, intent, entity, extra, text, lang)
    if checked is not None:
        return checked
    result = await dispatch(store, intent, entity, text, lang, on)
    premise = await checks.premise(store, intent, entity, extra, text, lang)
    if premise is not None:
        return premise.prepend_to(result)
    return result
