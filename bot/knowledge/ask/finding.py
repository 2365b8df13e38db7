"""Find the entities a question is about: known names in its words, else a clear close match.

Every choice here has a full tie-break (span length, written form, kind wanted by the
intent, position in the question, then the entity's label and id), so the same question on
the same catalog always finds the same entity, whatever the hash seed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from bot.knowledge.ask.parsing import COMMON_WORDS, FILLERS, Span, subspans
from bot.knowledge.normalize import has_hangul, normalize, osa_distance, similarity
from bot.knowledge.romanize import lookup_forms
from bot.knowledge.search import (
    CLEAR_MARGIN,
    CURATED_RANK,
    Match,
    clear_typo,
    preferred,
    resolve,
    same_work,
    swaps,
)
from bot.store import catalog as db
from bot.store.core import Store

_EXACT_LIMIT = 400
# Homonyms read per spelling of a span: enough for a picker (25 choices) and for ``pick``.
_PER_FORM = 25
_LOOKUPS: ContextVar[dict[tuple[object, ...], Any] | None] = ContextVar(
    "ask_name_lookups", default=None
)


@contextmanager
def one_question() -> Iterator[None]:
    """Remember exact-name lookups while one question is answered (see ``exact_spans``)."""
    token = _LOOKUPS.set({})
    try:
        yield
    finally:
        _LOOKUPS.reset(token)


@dataclass(frozen=True, slots=True)
class Found:
    """What a question names: one match, or candidates to offer, and the text that named it."""

    match: Match | None
    candidates: tuple[Match, ...]
    text: str
    unexplained: str | None = None
    span: Span | None = None


def _unexplained(leftover: Sequence[tuple[str, str]], match: Match, shouted: bool) -> str | None:
    """Return capitalised words next to the name that the entity does not account for.

    "Dynamite by Plastic Ghosts" must not be answered about BTS's "Dynamite": words that
    look like a name and are not in the entity's label (its artists, creator) make the
    match unsure. In a question typed in capitals, capitals say nothing, so only words
    after "by" count.
    """
    label = normalize(match.label)
    words = list(leftover)
    if shouted:
        after_by = [i for i, w in enumerate(words) if w[1].lower() == "by"]
        words = words[after_by[0] + 1 :] if after_by else []
    odd = [
        w[1]
        for w in words
        if (w[1][:1].isupper() or shouted)
        and not has_hangul(w[1])
        and w[1].lower() not in FILLERS
        and w[1].lower() not in COMMON_WORDS
        and normalize(w[1]) not in label
        and w[1].upper() not in ("MV", "M/V", "I", "OST")
    ]
    # A number next to a title that the title does not have ("Ditto 2") names another thing.
    odd += [w[1] for w in leftover if w[1].isdigit() and len(w[1]) < 4 and w[1] not in label]
    return " ".join(odd) or None


async def pick(store: Store, matches: Sequence[Match], kinds: Sequence[str]) -> Match | None:
    """Pick one entity if every match is the same thing (a song, its video, its single).

    A name wins over another entry's alias, as in ``search.resolve_one``; homonymous people
    stay a question (a bare answer about the wrong Jisoo would be a false fact, where a card
    names whom it shows and offers the others).
    """
    if len(matches) > 1:
        matches = preferred(matches, curated_first=False)[0]
    if len(matches) == 1:
        return matches[0]
    # A song, its video and its single are one thing: the resolver's one rule decides.
    return await same_work(store, matches, kinds)


def _kind_rank(kind: str, kinds: Sequence[str]) -> int:
    return kinds.index(kind) if kind in kinds else len(kinds)


async def _exact_hits(
    store: Store, norms: Sequence[str], kinds: Sequence[str] | None, version: str | None
) -> list[db.NameHit]:
    """Return the names spelt as any of ``norms``, remembered for the rest of the question."""
    if kinds is not None and set(kinds) >= set(db.ENTITY_KINDS):
        kinds = None  # every kind: the same rows as no filter, and the same remembered lookup
    memo = _LOOKUPS.get()
    if memo is None or version is None:
        return await db.names_exact_many(store, norms, kinds, _EXACT_LIMIT, per_form=_PER_FORM)
    key = ("names", version, tuple(norms), tuple(kinds) if kinds is not None else None)
    if key not in memo:
        memo[key] = await db.names_exact_many(store, norms, kinds, _EXACT_LIMIT, per_form=_PER_FORM)
    hits: list[db.NameHit] = memo[key]
    return hits


async def exact_spans(
    store: Store,
    runs: Sequence[list[tuple[str, str]]],
    kinds: Sequence[str] | None,
    shouted: bool = False,
) -> list[tuple[Span, list[Match]]]:
    """Return every word span that is a known name, with its matches, best span first.

    A span's matches are the most important of its homonyms (``_PER_FORM`` per spelling):
    a title shared by hundreds of songs is ambiguous all the same, and the first of them
    are the ones to offer.

    Answering one question looks the same words up several times (to protect names from
    keyword correction, to find the subject, to find the other names); inside
    ``one_question`` the first lookup serves the others, for as long as the catalog version
    is the one it was read at (an online lookup that stores new names changes it).
    """
    memo = _LOOKUPS.get()
    version = await db.catalog_version(store) if memo is not None else None
    key = (
        "spans",
        version,
        tuple(tuple(run) for run in runs),
        tuple(kinds) if kinds is not None else None,
        shouted,
    )
    if memo is not None and key in memo:
        remembered: list[tuple[Span, list[Match]]] = memo[key]
        return [(span, list(matches)) for span, matches in remembered]
    out = await _exact_spans(store, runs, kinds, shouted, version)
    if memo is not None:
        memo[key] = [(span, list(matches)) for span, matches in out]
    return out


async def _exact_spans(
    store: Store,
    runs: Sequence[list[tuple[str, str]]],
    kinds: Sequence[str] | None,
    shouted: bool,
    version: str | None,
) -> list[tuple[Span, list[Match]]]:
    spans = subspans(runs, shouted)
    hits = await _exact_hits(store, list(spans), kinds, version)
    direct = {(spans[h.norm].run, spans[h.norm].start, spans[h.norm].end) for h in hits}
    # Hangul typed for a name the catalog has in Latin letters (최용석 for Choi Yong-seok),
    # looked up only for the spans the Hangul itself does not name.
    romanized: dict[str, Span] = {}
    for span in list(spans.values()):
        if (
            has_hangul(span.text)
            and span.words <= 2
            and (span.run, span.start, span.end) not in direct
        ):
            for form in lookup_forms(span.text):
                norm = normalize(form)
                if norm not in spans and norm not in romanized:
                    romanized[norm] = span
    if romanized:
        hits = [*hits, *await _exact_hits(store, list(romanized), kinds, version)]
        spans = {**spans, **romanized}
    by_norm: dict[str, dict[int, Match]] = {}
    for h in hits:
        chosen = by_norm.setdefault(h.norm, {})
        if h.entity_id not in chosen:
            chosen[h.entity_id] = Match(
                h.kind,
                h.entity_id,
                h.label,
                h.entity_name,
                h.name,
                "exact",
                1.0,
                h.importance,
                # The catalog's own entry named so wins over an entry that only has the name
                # as an alias ("nayeon": TWICE's Nayeon), as in ``resolve_one``; imported
                # entries stay a question among themselves, and so does a Hangul name (an
                # imported idol's Hangul name is stored as an alias of her Latin one), and a
                # name reached only by romanizing the Hangul typed is not what was typed.
                h.is_primary
                and h.importance >= CURATED_RANK
                and not has_hangul(h.norm)
                and h.norm not in romanized,
            )
    kinds_t = tuple(kinds or ())
    by_span: dict[tuple[int, int, int], tuple[Span, dict[int, Match]]] = {}
    for norm, chosen in by_norm.items():
        span = spans[norm]
        key = (span.run, span.start, span.end)
        merged = by_span.setdefault(key, (span, {}))[1]
        for entity_id, match in chosen.items():
            merged.setdefault(entity_id, match)
    named = {
        (spans[h.norm].run, spans[h.norm].start, spans[h.norm].end) for h in hits if h.is_primary
    }
    out = []
    for key, (span, chosen) in by_span.items():
        if key not in named and _pads_a_name(span, runs, by_span):
            continue
        matches = sorted(
            chosen.values(),
            key=lambda m: (_kind_rank(m.kind, kinds_t), -m.importance, m.label, m.id),
        )
        out.append((span, matches))
    out.sort(
        key=lambda pair: (
            -pair[0].words,
            -pair[0].preference,
            min(_kind_rank(m.kind, kinds_t) for m in pair[1]),
            pair[0].run,
            pair[0].start,
            pair[0].norm,
        )
    )
    return out


def _pads_a_name(
    span: Span,
    runs: Sequence[list[tuple[str, str]]],
    by_span: dict[tuple[int, int, int], tuple[Span, dict[int, Match]]],
) -> bool:
    """Tell whether a span known only by an alias is a shorter name plus a function word.

    "Is Yunwon on …": the span "Yunwon on" spells ``yunwonon``, a romanized alias of 윤원온,
    and "Yunwon 나와" romanizes to another's; the longer span would win over the name the
    question says. A span matched by someone's own name, or that adds a real word, stays.
    """
    if span.words < 2:
        return False
    for other, _ in by_span.values():
        inside = (
            other.run == span.run
            and span.start <= other.start
            and other.end <= span.end
            and other.words < span.words
        )
        if not inside or has_hangul(other.text):
            continue
        extra = [
            w[1]
            for i, w in enumerate(runs[span.run])
            if span.start <= i < span.end and not other.start <= i < other.end
        ]
        if extra and all(w.lower() in FILLERS or has_hangul(w) for w in extra):
            return True
    return False


def _by_context(
    matches: Sequence[Match], span: Span, rest: Sequence[tuple[Span, list[Match]]]
) -> Match | None:
    """Pick the one homonym whose label names something else in the question ("Nayeon … TWICE")."""
    context: list[str] = []
    for other, other_matches in rest:
        if not other.overlaps(span):
            context.append(other.norm)
            context.extend(normalize(m.name) for m in other_matches[:1])
    context = [c for c in context if c]
    if not context:
        return None
    fitting = []
    for m in matches:
        label = normalize(m.label)  # once per homonym: a common title has hundreds
        if any(c in label for c in context):
            fitting.append(m)
            if len(fitting) > 1:
                return None
    return fitting[0] if len(fitting) == 1 else None


async def _by_misspelt_group(
    store: Store, matches: Sequence[Match], span: Span, runs: Sequence[list[tuple[str, str]]]
) -> Match | None:
    """Pick the one homonym a misspelt word beside it names ("jisoo bday blakcpink").

    The other words of the question are read as one artist only by a clear typo reading;
    the homonym whose label names that artist is the one meant.
    """
    if len(matches) < 2 or any(m.kind != "artist" for m in matches):
        return None
    words = [
        w
        for r, run in enumerate(runs)
        for i, w in enumerate(run)
        if r != span.run or not span.start <= i < span.end
    ]
    for raw, _ in words:
        if raw.lower() in FILLERS or raw.lower() in COMMON_WORDS or len(normalize(raw)) < 4:
            continue
        fuzzy = [m for m in await resolve(store, raw, ("artist",), limit=5) if m.tier == "fuzzy"]
        group = await clear_reading(store, raw, fuzzy, ("artist",))
        if group is None:
            continue
        fitting = [m for m in matches if normalize(group.name) in normalize(m.label)]
        if len(fitting) == 1:
            return fitting[0]
    return None


def _works_only(matches: Sequence[Match]) -> list[Match]:
    """Drop artists when works share the name: "who directed Likey" asks about the song."""
    works = [m for m in matches if m.kind != "artist"]
    return works if works and len(works) < len(matches) else list(matches)


async def _known_artist(store: Store, text: str) -> bool:
    norm = normalize(text)
    return bool(norm) and bool(await db.names_exact(store, norm, ("artist",), 1))


async def find(
    store: Store,
    runs: Sequence[list[tuple[str, str]]],
    texts: Sequence[str],
    kinds: Sequence[str],
    *,
    shouted: bool = False,
    asks_person: bool = False,
) -> Found:
    """Find the entity a question is about: the longest word span that is a known name,
    else the best prefix, substring or (clear) typo match of a whole run."""
    exact = await exact_spans(store, runs, kinds, shouted)
    if exact and len(exact[0][0].norm) <= _SHORT_NAME:
        # "le serafim": a group's name typed close (a space, a letter dropped) is what the
        # words mean, not the two-letter name inside them (EXID's LE).
        longer = await _close_whole(store, exact[0][0], texts, kinds)
        if longer is not None:
            return longer
    if exact:
        span, matches = exact[0]
        if asks_person:
            matches = _works_only(matches)
        picked = (
            await pick(store, matches, kinds)
            or _by_context(matches, span, exact[1:])
            or await _by_misspelt_group(store, matches, span, runs)
        )
        if picked is not None:
            odd = _unexplained(span.leftover, picked, shouted)
            # A known artist next to the name is a premise to check, not an unknown word.
            if odd and not await _known_artist(store, odd):
                return Found(None, (picked,), span.text, odd, span)
            return Found(picked, tuple(matches), span.text, None, span)
        # A known name that stays ambiguous: its homonyms are the candidates to offer, and
        # no looser match of a whole run (prefix, substring, typo) is looked for.
        return Found(None, tuple(matches), span.text, None, span)
    fallback: Found | None = None
    typo_fallback: Found | None = None
    for text in texts:
        results = await resolve(store, text, kinds, limit=10)
        if not results:
            # "tzyu": a short name with one letter left out shares no trigram with it.
            results = await near_by_one_edit(store, text, kinds)
        if not results:
            continue
        for tier in ("prefix", "substring"):
            tiered = [r for r in results if r.tier == tier and _read_whole(text, r)]
            if not tiered:
                continue
            picked = await pick(store, tiered, kinds)
            if picked is not None and fallback is None:
                return Found(picked, tuple(tiered), text)
            if fallback is None:
                fallback = Found(None, tuple(tiered), text)
            break
        fuzzy = [r for r in results if r.tier == "fuzzy"]
        if fuzzy and fallback is None:
            best = await clear_reading(store, text, fuzzy, kinds)
            if best is not None:
                return Found(best, tuple(fuzzy), text)
            typo_fallback = typo_fallback or Found(None, tuple(fuzzy), text)
    return fallback or typo_fallback or Found(None, (), texts[0] if texts else "")


# A name this short found inside longer words yields to a clear reading of all of them.
_SHORT_NAME = 2


async def _close_whole(
    store: Store, span: Span, texts: Sequence[str], kinds: Sequence[str]
) -> Found | None:
    """Return the clear typo reading of a whole name text holding a short exact ``span``
    (a name longer than the span, which it is not part of), or None."""
    for text in texts:
        norm = normalize(text)
        if span.norm not in norm or len(norm) <= len(span.norm) + _SHORT_NAME:
            continue
        fuzzy = [r for r in await resolve(store, text, kinds, limit=10) if r.tier == "fuzzy"]
        best = await clear_reading(store, text, fuzzy, kinds) if fuzzy else None
        if best is not None and len(normalize(best.matched)) > len(span.norm) + _SHORT_NAME:
            return Found(best, tuple(fuzzy), text)
    return None


def _read_whole(text: str, match: Match) -> bool:
    """Tell whether a prefix match may be read as the name: a title by its first words, a
    person only by nearly all of their name, at most ``_PERSON_PREFIX_GAP`` letters short
    ("jenni": Jennie; "kai" is not Kyla's alias "Kailla", nor "junhui" Heejin's romanized
    "Jeon Heejin", junhuijin)."""
    if match.tier != "prefix" or match.kind != "artist":
        return True
    typed, name = len(normalize(text)), len(normalize(match.matched))
    return 3 * typed >= 2 * name and name - typed <= _PERSON_PREFIX_GAP


# The most letters a person's name may lack at its end and still be read as that person.
_PERSON_PREFIX_GAP = 2


# The shortest misspelling read by one swapped pair of letters: "nxed" (Nxde) and "lialc"
# (Lilac) alike, whatever their similarity score; shorter words are too often other words.
_SWAP_MIN_LENGTH = 4


async def clear_reading(
    store: Store, text: str, fuzzy: Sequence[Match], kinds: Sequence[str]
) -> Match | None:
    """Return the typo match the text clearly means, or None (then "did you mean").

    Clearly meant: the resolver's rule (one edit in five letters, clearly closer than the
    next), a song and its single or video counting as one; or one swapped pair of adjacent
    letters in a name of four letters or more ("nxed", "ndxe": Nxde) when nothing else
    comes as close; or letters moved in a long title ("pink vemon"). A swap in a short title
    scores under the rule's threshold only because the title is short, and a fan's thumbs
    swap letters more than they replace them.

    A short name (``_EDIT_LENGTHS``) is then weighed against every name one edit away, which
    the trigram search may not have found ("rosie" shares one trigram with Rose): the
    reading stands only as the one nearest entry, or as the one catalog entry among the
    nearest when the rest are imported names or aliases ("jenie": Jennie, not a dataset's
    "Genie"); otherwise nothing is read.
    """
    if not fuzzy or fuzzy[0].tier != "fuzzy":
        return None
    reading = await _first_reading(store, text, fuzzy, kinds)
    norm = normalize(text)
    if len(norm) not in _EDIT_LENGTHS or not norm.isascii():
        return reading
    pool = {m.id: m for m in fuzzy}
    if reading is None and all(osa_distance(norm, normalize(m.matched)) > 1 for m in fuzzy):
        return None  # nothing is read, and nothing near enough to weigh
    for m in await near_by_one_edit(store, text, kinds):
        pool.setdefault(m.id, m)
    distance = {i: osa_distance(norm, normalize(m.matched)) for i, m in pool.items()}
    nearest_d = min(distance.values())
    if nearest_d > 1:
        return reading
    nearest = sorted(
        (pool[i] for i in pool if distance[i] == nearest_d),
        key=lambda m: (-m.importance, m.label, m.id),
    )
    if len(nearest) == 1:
        return nearest[0]
    # A song, its single and its video are one thing; people are never picked among.
    one = (
        await same_work(store, nearest, kinds) if all(m.kind != "artist" for m in nearest) else None
    )
    if one is not None:
        return one
    curated = [m for m in nearest if m.curated]
    if len(curated) != 1:
        return None
    # A homonym as near as the catalog's entry ("hyunjn": two Hyunjins) is a question, as
    # the name spelt right is.
    spelt = normalize(curated[0].matched)
    if any(m.id != curated[0].id and normalize(m.matched) == spelt for m in nearest):
        return None
    return curated[0]


async def _first_reading(
    store: Store, text: str, fuzzy: Sequence[Match], kinds: Sequence[str]
) -> Match | None:
    best = clear_typo(fuzzy)
    if best is not None:
        return best
    top = [m for m in fuzzy if m.score == fuzzy[0].score]
    rest = [m for m in fuzzy if m.score < fuzzy[0].score]
    picked = await pick(store, top, kinds)
    if picked is None:
        return None
    if clear_typo([picked, *rest]) is not None:
        return picked
    norm = normalize(text)
    meant = normalize(picked.matched)
    if len(norm) < _SWAP_MIN_LENGTH:
        return None
    alone = all(m.score < picked.score - CLEAR_MARGIN for m in rest)
    if alone and (meant in swaps(norm) or _letters_moved(norm, meant)):
        return picked
    # "perfect red vlevet": a title's leading "The" is often left out (and then scores the
    # title lower); the rest of it typed with one slip, nothing else as near, is the title.
    words = picked.matched.split(maxsplit=1)
    if len(words) == 2 and words[0].lower() == "the" and not norm.startswith("the"):
        bare = normalize(words[1])
        if (
            len(norm) >= _SWAP_MIN_LENGTH
            and (bare in swaps(norm) or osa_distance(norm, bare) <= 1)
            and all(osa_distance(norm, normalize(m.matched)) > 1 for m in rest)
        ):
            return picked
    return None


def _letters_moved(norm: str, meant: str) -> bool:
    """Tell whether a text is a name with two of its letters swapped further apart ("pink
    vemon": Pink Venom): the same letters, two edits away, in a name long enough that a
    reordering is not another word."""
    return (
        len(norm) >= _MOVED_MIN_LENGTH
        and sorted(norm) == sorted(meant)
        and osa_distance(norm, meant) == 2
    )


# A reordering is read only in a name this long; shorter anagrams are too often other words.
_MOVED_MIN_LENGTH = 8
# Names tried one edit away without trigrams: a name of 4 to 7 letters with one left out,
# added or changed can share no trigram with it ("tzyu": Tzuyu); longer ones share some.
_EDIT_LENGTHS = range(4, 8)
# Names of the same first letter and a length one edit allows, read best band first (the
# catalog's own entries before imported ones): enough to hold every curated name so near.
_EDIT_SCAN = 100


async def near_by_one_edit(store: Store, text: str, kinds: Sequence[str] | None) -> list[Match]:
    """Return the names one edit from a short Latin name, nearest first, as typo matches.

    The typo search finds names by shared trigrams, and a four-letter name with one letter
    left out ("tzyu") shares none with the name it means. The names that start with the
    same letter and are one letter shorter or longer at most are read (one indexed range,
    best band first) and kept when one edit away; ``clear_reading`` then decides.
    """
    norm = normalize(text)
    if len(norm) not in _EDIT_LENGTHS or not norm.isascii() or text.lower() in COMMON_WORDS:
        return []
    hits = await db.names_near_length(
        store, norm[:1], len(norm) - 1, len(norm) + 1, kinds, _EDIT_SCAN
    )
    out: dict[int, Match] = {}
    for h in hits:
        if osa_distance(norm, h.norm) > 1:
            continue
        score = similarity(norm, h.norm)
        out.setdefault(
            h.entity_id,
            Match(
                h.kind, h.entity_id, h.label, h.entity_name, h.name, "fuzzy", score, h.importance
            ),
        )
    return sorted(out.values(), key=lambda m: (-m.score, -m.importance, m.label, m.id))


async def others(
    store: Store,
    runs: Sequence[list[tuple[str, str]]],
    main: Found,
    kinds: Sequence[str] | None = None,
    shouted: bool = False,
) -> list[Match]:
    """Return the other known names in the question (not overlapping the main one), in order."""
    out: list[Match] = []
    taken: list[Span] = [main.span] if main.span else []
    main_id = main.match.id if main.match else None
    order = kinds or ("song", "release", "video", "work", "artist")
    for span, matches in await exact_spans(store, runs, order, shouted):
        if any(span.overlaps(t) for t in taken):
            continue
        if main.span is None and main.text and normalize(main.text) == span.norm:
            continue
        if main.span is None and f" {span.text.lower()} " in f" {main.text.lower()} ":
            continue  # words of the main name's typed text ("le" in "le serafim"), not another
        best = next((m for m in matches if m.id != main_id), None)
        if best is None:
            continue
        taken.append(span)
        out.append(best)
    return out


_SWAP_FORMS_MAX = 300


async def near_by_swaps(store: Store, text: str, kinds: Sequence[str] | None) -> list[Match]:
    """Return names one swapped pair of letters away in each word ("Spirng Dya": Spring Day).

    The resolver finds one swapped pair; a fan's thumbs swap a pair in two words, which
    breaks too many trigrams for the typo search. Each word is tried as written or with one
    pair swapped, all at once in one indexed query; a "did you mean", never an answer.
    """
    words = text.split()
    if not words or len(words) > 4:
        return []
    options = [[w, *swaps(w.lower())] if len(w) >= 3 else [w] for w in words]
    forms = [""]
    for choices in options:
        forms = [f"{f} {c}".strip() for f in forms for c in choices]
        if len(forms) > _SWAP_FORMS_MAX:
            return []
    norms = [n for n in dict.fromkeys(normalize(f) for f in forms) if n and n != normalize(text)]
    hits = await db.names_exact_many(store, norms, kinds, 25)
    out: dict[int, Match] = {}
    for h in sorted(hits, key=lambda h: (-h.importance, h.label, h.entity_id)):
        out.setdefault(
            h.entity_id,
            Match(h.kind, h.entity_id, h.label, h.entity_name, h.name, "fuzzy", 0.0, h.importance),
        )
    return list(out.values())
