"""Answer questions about the catalog, deterministically: no network, no language model.

A question is read in two steps. First the *intent* is recognised from keywords, in
English or Korean (``who directed``, ``작사``, ``birthday``, ``오마주`` …). Then the words
that are not keywords or filler form candidate names, which go through the resolver
(so aliases, Hangul, spacing and typos work as in autocomplete). The answer is built only
from stored facts and carries their sources. When the entity is unknown or ambiguous, or
no fact is stored for that relation, the answer says so and offers close entities instead:
it never guesses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from linernotes.bot.errors import echo
from linernotes.bot.knowledge import cards, vocab
from linernotes.bot.knowledge.cards import CreditLine, EntityRef, SourceRef
from linernotes.bot.knowledge.normalize import HANGUL_PARTICLES, has_hangul, normalize
from linernotes.bot.knowledge.online.lookup import OnlineLookup
from linernotes.bot.knowledge.search import Match, resolve
from linernotes.bot.store import catalog as db
from linernotes.bot.store.core import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer: text, the sources behind it, and whether it actually answered."""

    text: str
    sources: tuple[SourceRef, ...]
    answered: bool
    suggestions: tuple[str, ...] = ()
    intent: str | None = None
    entities: tuple[EntityRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Intent:
    """A kind of question: its keywords, which entity kinds it is about, and roles if any."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    kinds: tuple[str, ...]
    roles: tuple[str, ...] = ()


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


WORK_KINDS = ("song", "video", "release")
ALL_KINDS = ("artist", "song", "video", "release", "work")
# Order matters: the first intent whose keywords appear wins.
INTENTS: tuple[Intent, ...] = (
    Intent(
        "references_in",
        _p(
            r"^(?:what|which|who)(?!\s+(?:does|do|did|is|are|was|were)\b)"
            r"(?:\s+\w+){0,2}?\s+(?:references?|referenced|quotes?|quoted|"
            r"homages?|alludes? to|pays? homage to|paid homage to)\b(?!\s+in\b)",
            r"\breferenced(?:\s+(?:in|by))?\s*\??$",
            r"\breferenced by\b",
            r"(?:을|를)\s*(?:오마주|레퍼런스|참고|인용)(?:한|했)",
        ),
        ALL_KINDS,
    ),
    Intent(
        "references_out",
        _p(
            r"\breferenc\w*",
            r"\binspir\w*",
            r"\bhomages?\b",
            r"\ballu(?:sion|sions|de|des)\b",
            r"\bnods? to\b",
            r"\beaster eggs?\b",
            r"\bquot\w*",
            r"오마주",
            r"레퍼런스",
            r"모티브",
            r"인용",
            r"참고",
        ),
        ("song", "video", "release", "work"),
    ),
    Intent(
        "director_of_photography",
        _p(
            r"\bcinematograph\w*",
            r"\bdirector of photography\b",
            r"\bdop\b",
            r"촬영감독",
        ),
        (*WORK_KINDS, "artist"),
        ("director of photography",),
    ),
    Intent(
        "art_director",
        _p(r"\bart direct\w*", r"미술감독"),
        (*WORK_KINDS, "artist"),
        ("art director",),
    ),
    Intent(
        "choreographer",
        _p(r"\bchoreograph\w*", r"안무"),
        (*WORK_KINDS, "artist"),
        ("choreographer",),
    ),
    Intent(
        "director",
        _p(
            r"\bdirect(?:ed|s|or|ors|ing)?\b",
            r"\bhelm(?:ed|s)?\b",
            r"\bfilmed\b",
            r"\bshot\b",
            r"\bmade\b(?=.*\b(?:video|mv|m/v)\b)",
            r"\bbehind the (?:video|mv)\b",
            r"감독",
            r"연출",
        ),
        (*WORK_KINDS, "artist"),
        ("mv director",),
    ),
    Intent(
        "featured",
        _p(
            r"\bfeat(?:ured|uring|ures|ure)?\b\.?",
            r"\bft\b\.?",
            r"\bguest (?:vocal|verse|artist)s?\b",
            r"피처링",
            r"피쳐링",
        ),
        (*WORK_KINDS, "artist"),
        ("featured artist",),
    ),
    Intent(
        "cast",
        _p(
            r"\bappear(?:s|ed|ing)?\b",
            r"\bstar(?:s|red|ring)?\b",
            r"\bcast\b",
            r"\bact(?:s|ed|ing)?\b",
            r"\bwho(?:'s| is| was| are)? in the\b(?=.*\b(?:video|mv|m/v)\b)",
            r"출연",
            r"주연",
            r"나오는 사람",
            r"나온 사람",
        ),
        (*WORK_KINDS, "artist"),
        ("mv cast",),
    ),
    Intent(
        "lyricist",
        _p(r"\blyric\w*", r"\bpenned\b", r"\bwords\b", r"작사"),
        (*WORK_KINDS, "artist"),
        ("lyricist", "writer"),
    ),
    Intent(
        "composer",
        _p(r"\bcompos\w*", r"\bmusic by\b", r"작곡"),
        (*WORK_KINDS, "artist"),
        ("composer", "writer"),
    ),
    Intent("arranger", _p(r"\barrang\w*", r"편곡"), (*WORK_KINDS, "artist"), ("arranger",)),
    Intent(
        "producer",
        _p(r"\bproduc\w*", r"프로듀\w*", r"프로듀싱"),
        (*WORK_KINDS, "artist"),
        ("producer",),
    ),
    Intent(
        "mixing",
        _p(r"\bmix(?:ed|es|ing)?\b", r"믹싱"),
        (*WORK_KINDS, "artist"),
        ("mixing engineer",),
    ),
    Intent(
        "writer",
        _p(
            r"\bwr(?:o|i)te\b",
            r"\bwrites\b",
            r"\bwritten\b",
            r"\bwriters?\b",
            r"\bsongwrit\w*",
            r"\bwho made\b",
            r"\bcredits?\b",
            r"\bworked on\b",
            r"만든",
            r"만들었",
            r"작곡가",
        ),
        (*WORK_KINDS, "artist"),
        ("lyricist", "composer", "writer"),
    ),
    Intent(
        "birthday",
        _p(
            r"\bbirthdays?\b",
            r"\bborn\b",
            r"\bbirth ?date\b",
            r"\bhow old\b",
            r"생일",
            r"생년월일",
            r"태어났",
            r"태어난",
        ),
        ("artist",),
    ),
    Intent("debut", _p(r"\bdebut\w*", r"데뷔"), ("artist",)),
    Intent(
        "reviews",
        _p(
            r"\breviews?\w*",
            r"\bcritics?\b",
            r"\bcritiqu\w*",
            r"\bdiscuss\w*",
            r"\barticles?\b",
            r"\bwritten about\b",
            r"리뷰",
            r"평론",
            r"비평",
        ),
        ALL_KINDS,
    ),
    Intent(
        "members",
        _p(
            r"\bmembers?\b",
            r"\blineup\b",
            r"\bline-up\b",
            r"\bwho (?:is|are|was|were) in\b",
            r"\bwho are\b",
            r"멤버",
            r"구성원",
        ),
        ("artist",),
    ),
    Intent(
        "groups",
        _p(
            r"\b(?:which|what) (?:group|band)s?\b",
            r"\bgroups? (?:is|was|does)\b",
            r"\bmember of\b",
            r"\bin which group\b",
            r"무슨 그룹",
            r"어느 그룹",
            r"소속 그룹",
        ),
        ("artist",),
    ),
    Intent(
        "album",
        _p(
            r"\b(?:what|which) (?:album|ep|mini album|record|release)\b",
            r"\balbum\b",
            r"\bep\b",
            r"\btracklist\b",
            r"\bwhat(?:'s| is) on\b",
            r"앨범",
            r"수록",
        ),
        ("song", "release", "video"),
    ),
    Intent(
        "agency",
        _p(
            r"\bagency\b",
            r"\blabel\b",
            r"\bcompany\b",
            r"\bsigned\b",
            r"소속사",
            r"레이블",
            r"기획사",
        ),
        ("artist", "release", "song"),
    ),
    Intent(
        "length",
        _p(
            r"\bhow long\b",
            r"\blength\b",
            r"\bduration\b",
            r"\bruntime\b",
            r"\brunning time\b",
            r"길이",
            r"러닝타임",
            r"재생시간",
        ),
        ("song", "video"),
    ),
    Intent(
        "date",
        _p(
            r"\bwhen\b",
            r"\brelease date\b",
            r"\breleased?\b",
            r"\bcome out\b",
            r"\bcame out\b",
            r"\bdropp?(?:ed)?\b",
            r"\bpremier\w*",
            r"\bwhat year\b",
            r"발매",
            r"언제",
            r"나왔",
            r"공개",
        ),
        ("song", "release", "video"),
    ),
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FILLERS = _words(
    """who whom whose what whats what's when where which how is was are were did does do done
    the a an of on in for by to from me tell please about song songs track tracks music video
    videos mv mvs m/v official album albums single ep it its it's that this and or was
    can could you know anyone any i my us our there their they he she his her him them at
    as be been being with has have had who's who're released release date year
    누구 누구야 누구예요 누구에요 누구인가요 누가 누군가요 뭐야 뭐예요 뭐에요 뭔가요 뭐
    무엇 언제 어디 노래 곡 뮤비 뮤직비디오 앨범 알려줘 알려주세요 했어 했나요 했어요 했니
    한 사람 이 그 좀 요"""
)
# Questions may also end a word with the casual "야".
PARTICLES = (*HANGUL_PARTICLES, "야")


# ------------------------------------------------------------------------------ parsing
_TOKEN = re.compile(r"\S+")
_MAX_RUN = 12
COMMON_WORDS = _words(
    """also any anyone else ever from have here into just like made make many more most much
    only other over some such than then them they this very what when where which with would
    your been being does done every first good know last long must never next once same
    should still take tell that their there these thing think those through under until
    want well were while whom whose will without year years camera behind"""
)
_EDGE_PUNCT = '?!.,;:"“”‘’«»()[]{}¿¡'


def _detect(question: str) -> tuple[Intent | None, list[tuple[int, int]]]:
    """Return the first matching intent and the spans of every keyword found."""
    chosen: Intent | None = None
    spans: list[tuple[int, int]] = []
    for intent in INTENTS:
        for pattern in intent.patterns:
            for m in pattern.finditer(question):
                if m.end() > m.start():
                    spans.append((m.start(), m.end()))
                    if chosen is None:
                        chosen = intent
    return chosen, spans


def _clean_token(token: str) -> tuple[str, str]:
    """Return (token without edge punctuation, the same without a possessive or particle)."""
    token = token.strip(_EDGE_PUNCT)
    for suffix in ("'s", "’s", "'", "’"):
        if token.lower().endswith(suffix) and len(token) > len(suffix):
            return token, token[: -len(suffix)]
    return token, _strip_particle(token)


def _strip_particle(token: str) -> str:
    if not has_hangul(token):
        return token
    for particle in PARTICLES:
        if token.endswith(particle) and len(token) > len(particle):
            return token[: -len(particle)]
    return token


def _is_filler(token: tuple[str, str]) -> bool:
    return token[0].lower() in FILLERS or token[1].lower() in FILLERS


def candidate_runs(
    question: str, keyword_spans: Sequence[tuple[int, int]]
) -> list[list[tuple[str, str]]]:
    """Return runs of non-keyword words (raw, stripped), trimmed of filler at both ends."""
    runs: list[list[tuple[str, str]]] = [[]]
    for m in _TOKEN.finditer(question):
        inside = any(m.start() < end and start < m.end() for start, end in keyword_spans)
        token = _clean_token(m.group())
        if inside or not token[0]:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(token)
    out = []
    for run in runs:
        while run and _is_filler(run[0]):
            run.pop(0)
        while run and _is_filler(run[-1]):
            run.pop()
        if run:
            out.append(run[:_MAX_RUN])
    return out


def candidate_names(question: str, keyword_spans: Sequence[tuple[int, int]]) -> list[str]:
    """Return the candidate names (whole runs, stripped and as written), longest first."""
    out: list[str] = []
    for run in candidate_runs(question, keyword_spans):
        out.append(" ".join(t[1] for t in run))
        out.append(" ".join(t[0] for t in run))
    return sorted(dict.fromkeys(out), key=len, reverse=True)


def _subspans(
    runs: Sequence[list[tuple[str, str]]],
) -> dict[str, tuple[int, int, str, list[tuple[str, str]]]]:
    """Return {norm: (words, preference, text, words left over)} for spans inside each run.

    A span shorter than its run must look like a name on its own: several words, Hangul,
    or one word of four letters or more that is not a common word.
    """
    spans: dict[str, tuple[int, int, str, list[tuple[str, str]]]] = {}
    for run in runs:
        n = len(run)
        for i in range(n):
            for j in range(i + 1, n + 1):
                words = run[i:j]
                if all(_is_filler(w) for w in words):
                    continue
                if j - i < n and j - i == 1:
                    word = words[0][1]
                    if not has_hangul(word) and (len(word) < 4 or word.lower() in COMMON_WORDS):
                        continue
                variants = (
                    (2, [w[1] for w in words]),
                    (1, [w[0] for w in words[:-1]] + [words[-1][1]]),
                    (0, [w[0] for w in words]),
                )
                for preference, parts in variants:
                    text = " ".join(parts)
                    norm = normalize(text)
                    if norm and (norm not in spans or spans[norm][:2] < (j - i, preference)):
                        spans[norm] = (j - i, preference, text, run[:i] + run[j:])
    return spans


# ------------------------------------------------------------------------------ resolving
@dataclass(frozen=True, slots=True)
class _Found:
    match: Match | None
    candidates: tuple[Match, ...]
    text: str
    unexplained: str | None = None


def _unexplained(leftover: Sequence[tuple[str, str]], match: Match) -> str | None:
    """Return capitalised words next to the name that the entity does not account for.

    "Dynamite by Plastic Ghosts" must not be answered about BTS's "Dynamite": words that
    look like a name and are not in the entity's label (its artists, creator) make the
    match unsure.
    """
    label = normalize(match.label)
    odd = [
        w[1]
        for w in leftover
        if w[1][:1].isupper()
        and not has_hangul(w[1])
        and w[1].lower() not in FILLERS
        and w[1].lower() not in COMMON_WORDS
        and normalize(w[1]) not in label
        and w[1].upper() not in ("MV", "M/V", "I", "OST")
    ]
    return " ".join(odd) or None


async def _anchor(store: Store, match: Match) -> tuple[str, int]:
    """Map a song-like entity to the song it is about (a video's song, a single's track)."""
    if match.kind == "video":
        v = await db.video(store, match.id)
        if v is not None and v.song is not None:
            return ("song", v.song.id)
    if match.kind == "release":
        rel = await db.release(store, match.id)
        tracks = await db.tracks(store, match.id)
        if rel is not None and rel.type == "single" and len(tracks) == 1:
            return ("song", tracks[0].song.id)
        # An album named after its title track ("Palette") is about that song here.
        same = [t for t in tracks if normalize(t.song.name) == normalize(match.name)]
        if len(same) == 1:
            return ("song", same[0].song.id)
    return (match.kind, match.id)


async def _pick(store: Store, matches: Sequence[Match], kinds: Sequence[str]) -> Match | None:
    """Pick one entity if every match is the same thing (a song, its video, its single)."""
    if len(matches) == 1:
        return matches[0]
    # Two songs (or artists, works) of one name are never the same thing: no need to look.
    distinct = [m for m in matches if m.kind in ("song", "artist", "work")]
    if len(distinct) > 1 or len(matches) > 6:
        return None
    anchors = {await _anchor(store, m) for m in matches}
    if len(anchors) != 1:
        return None
    for kind in kinds:
        for m in matches:
            if m.kind == kind:
                return m
    return matches[0]


async def _find(
    store: Store,
    runs: Sequence[list[tuple[str, str]]],
    texts: Sequence[str],
    kinds: Sequence[str],
) -> _Found:
    """Find the entity a question is about: the longest word span that is a known name,
    else the best prefix, substring or (clear) typo match of a whole run."""
    fallback: _Found | None = None
    spans = _subspans(runs)
    hits = await db.names_exact_many(store, list(spans), kinds, 400)
    if hits:
        best_norm = max({h.norm for h in hits}, key=lambda n: spans[n][:2])
        chosen: dict[int, Match] = {}
        for h in hits:
            if h.norm == best_norm and h.entity_id not in chosen:
                chosen[h.entity_id] = Match(
                    h.kind,
                    h.entity_id,
                    h.label,
                    h.entity_name,
                    h.name,
                    "exact",
                    1.0,
                    h.importance,
                )
        matches = sorted(chosen.values(), key=lambda m: (-m.importance, m.label))
        picked = await _pick(store, matches, kinds)
        if picked is not None:
            odd = _unexplained(spans[best_norm][3], picked)
            if odd:
                return _Found(None, (picked,), spans[best_norm][2], odd)
            return _Found(picked, tuple(matches), spans[best_norm][2])
        fallback = _Found(None, tuple(matches), spans[best_norm][2])
    for text in texts:
        results = await resolve(store, text, kinds, limit=10)
        if not results:
            continue
        for tier in ("prefix", "substring"):
            tiered = [r for r in results if r.tier == tier]
            if not tiered:
                continue
            picked = await _pick(store, tiered, kinds)
            if picked is not None and fallback is None:
                return _Found(picked, tuple(tiered), text)
            if fallback is None:
                fallback = _Found(None, tuple(tiered), text)
            break
        fuzzy = [r for r in results if r.tier == "fuzzy"]
        if fuzzy and fallback is None:
            best = fuzzy[0]
            clear = len(fuzzy) == 1 or fuzzy[1].score < best.score - 0.1
            if best.score >= 0.8 and clear:
                return _Found(best, tuple(fuzzy), text)
            fallback = _Found(None, tuple(fuzzy), text)
    return fallback or _Found(None, (), texts[0] if texts else "")


# ------------------------------------------------------------------------------ answers
def _q(entity: EntityRef) -> str:
    return f"“{entity.name}”"


def _names(lines: Sequence[CreditLine]) -> str:
    grades = {line.grade for line in lines}
    shared = len(grades) == 1
    parts = []
    for line in lines:
        text = line.artist.name
        if line.credited_as and normalize(line.credited_as) != normalize(line.artist.name):
            text += f" (credited as {line.credited_as})"
        if not shared:
            text += vocab.grade_note(line.grade)
        parts.append(text)
    text = ", ".join(dict.fromkeys(parts))
    if shared:
        text += vocab.grade_note(next(iter(grades)))
    return text


def _sources(*groups: Sequence[SourceRef]) -> tuple[SourceRef, ...]:
    return tuple(dict.fromkeys(s for group in groups for s in group))


def _line_sources(lines: Sequence[CreditLine]) -> tuple[SourceRef, ...]:
    return _sources(*(line.sources for line in lines))


async def _subject_phrase(store: Store, entity: EntityRef) -> str:
    """Say what a subject is: "“Love wins all” (IU)", "the “Spring Day” music video"."""
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        if v is not None and v.song is not None:
            return f"the {_q(EntityRef.of(v.song))} {v.kind}"
        return _q(entity)
    by = [p.artist.name for p in await db.performers(store, entity.id)]
    return f"{_q(entity)} ({', '.join(by)})" if by else _q(entity)


def _declined(text: str, intent: str | None, suggestions: Sequence[str] = ()) -> Answer:
    return Answer(text, (), False, tuple(suggestions), intent)


async def _credits_answer(store: Store, intent: Intent, entity: EntityRef) -> Answer:
    view = await cards.credits_view(store, entity.id)
    subject = await _subject_phrase(store, entity)
    if intent.name == "writer":
        parts, lines_all = [], []
        for label, roles in (
            ("written by", ("writer",)),
            ("lyrics", ("lyricist",)),
            ("music", ("composer",)),
        ):
            lines = view.role(*roles)
            if lines:
                parts.append(f"{label}: {_names(lines)}")
                lines_all.extend(lines)
        if not parts:
            return _declined(
                f"I don't have songwriting credits for {subject} in the catalog.",
                intent.name,
                [entity.label],
            )
        return Answer(
            f"{subject} — " + "; ".join(parts) + ".",
            _line_sources(lines_all),
            True,
            (),
            intent.name,
            (entity,),
        )
    lines = view.role(*intent.roles)
    if intent.name == "director":
        # Only the video's director answers "who directed": a song has no director.
        lines = tuple(
            line
            for line in lines
            if line.subject.kind in ("video", "release") or entity.kind == "video"
        )
    if lines:
        if intent.name in ("director", "cast") and entity.kind != "video":
            videos = {line.subject.id: line.subject for line in lines}
            subject = " and ".join([await _subject_phrase(store, v) for v in videos.values()])
        phrase = vocab.role_phrase(intent.roles[0])
        if intent.name == "cast":
            text = f"Cast of {subject}: {_names(lines)}."
        elif phrase.endswith(" by") or phrase == "featuring":
            text = f"{subject[0].upper()}{subject[1:]} — {phrase} {_names(lines)}."
        else:
            text = f"{subject[0].upper()}{subject[1:]} — {phrase}: {_names(lines)}."
        return Answer(text, _line_sources(lines), True, (), intent.name, (entity,))
    if intent.name == "featured" and view.groups:
        text = f"No featured artist is credited on {subject}."
        cast = view.role("mv cast")
        sources = _sources(
            *(line.sources for g in view.groups for line in g.lines if line.subject.kind == "song")
        )
        others = [
            line
            for line in cast
            if normalize(line.artist.name)
            not in {normalize(p.artist.name) for p in await db.performers(store, entity.id)}
        ]
        if others:
            text += (
                f" {_names(others)} appear{'s' if len(others) == 1 else ''} in the music "
                "video as cast, not on the track."
            )
            sources = _sources(sources, _line_sources(others))
        return Answer(text, sources, True, (), intent.name, (entity,))
    role_text = intent.roles[0]
    if intent.name == "director":
        videos = await db.videos_of_song(store, entity.id) if entity.kind == "song" else []
        if entity.kind == "song" and not videos:
            return _declined(
                f"I don't know of a music video for {subject}, so I have no director to name.",
                intent.name,
                [entity.label],
            )
        return _declined(
            f"The catalog has no director credit for {subject}"
            f"{' music video' if videos else ''}; I don't know who directed it.",
            intent.name,
            [entity.label],
        )
    return _declined(
        f"I don't have a {role_text} credit for {subject} in the catalog.",
        intent.name,
        [entity.label],
    )


_ANY_ROLE = re.compile(r"\bcredits?\b|\bworked on\b|\bwork on\b|참여|작품", re.IGNORECASE)


WORKS_LISTED = 12


async def _works_answer(
    store: Store, intent: Intent, artist: EntityRef, question: str = ""
) -> Answer:
    roles = None if _ANY_ROLE.search(question) else intent.roles
    view = await cards.works_by(store, artist.id, roles)
    link_roles = {"director": ("director",), "cast": ("actor",)}.get(intent.name, ())
    links = [link for link in view.links if link.role in link_roles]
    if not view.groups and not links:
        return _declined(
            f"I have no {' or '.join(intent.roles)} credits for {artist.label}.",
            intent.name,
            [artist.label],
        )
    parts, sources = [], []
    for group in view.groups:
        subjects = []
        # A prolific writer has hundreds of credits: name the first few, point to /works.
        for line in group.lines[:WORKS_LISTED]:
            subjects.append(await _subject_phrase(store, line.subject))
            sources.extend(line.sources)
        more = len(group.lines) - WORKS_LISTED
        if more > 0:
            subjects.append(f"and {more} more (`/works` lists them all)")
        parts.append(f"{vocab.role_verb(group.role)} {', '.join(subjects)}")
    for link in links:
        w = await db.work(store, link.work.id)
        verb = {"director": "directed", "actor": "acted in", "author": "wrote"}.get(
            link.role, link.role
        )
        detail = f" ({w.kind}, {w.year})" if w and w.year else f" ({w.kind})" if w else ""
        parts.append(f"{verb} {_q(link.work)}{detail}")
        sources.append(link.source)
    return Answer(
        f"{artist.name} — " + "; ".join(parts) + ".",
        _sources(sources),
        True,
        (),
        intent.name,
        (artist,),
    )


async def _date_answer(store: Store, intent: Intent, entity: EntityRef, question: str) -> Answer:
    wants_video = re.search(r"\b(?:video|mv|m/v|premier\w*)\b|뮤비|뮤직비디오", question, re.I)
    if entity.kind == "release":
        rel = await db.release(store, entity.id)
        if rel and rel.date:
            return Answer(
                f"{await _subject_phrase(store, entity)} was released on {rel.date} (KST).",
                await cards.attribute_source(store, "release", entity.id, "date"),
                True,
                (),
                intent.name,
                (entity,),
            )
    song_id = entity.id if entity.kind == "song" else None
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        if v and v.premiere:
            return Answer(
                f"{await _subject_phrase(store, entity)} premiered on {v.premiere} (KST).",
                await cards.attribute_source(store, "video", entity.id, "premiere"),
                True,
                (),
                intent.name,
                (entity,),
            )
        song_id = v.song.id if v and v.song else None
    if song_id is not None:
        card = await cards.song_card(store, song_id)
        if wants_video:
            for video in card.videos:
                if video.premiere:
                    return Answer(
                        f"{await _subject_phrase(store, video.video)} premiered on "
                        f"{video.premiere} (KST).",
                        video.source_of("premiere"),
                        True,
                        (),
                        intent.name,
                        (video.video,),
                    )
        dated = [r for r in card.releases if r.date]
        if dated:
            first = min(dated, key=lambda r: r.date or "")
            rel_sources = await cards.attribute_source(store, "release", first.release.id, "date")
            what = "the single" if first.type == "single" else f"the {first.type}"
            return Answer(
                f"{await _subject_phrase(store, card.song)} was released on {first.date} (KST), "
                f"on {what} {_q(first.release)}.",
                rel_sources,
                True,
                (),
                intent.name,
                (card.song,),
            )
        for video in card.videos:
            if video.premiere:
                return Answer(
                    f"I have no release date for the song itself, but "
                    f"{await _subject_phrase(store, video.video)} premiered on {video.premiere} "
                    "(KST).",
                    video.source_of("premiere"),
                    True,
                    (),
                    intent.name,
                    (video.video,),
                )
    return _declined(
        f"I don't have a release date for {entity.label}.", intent.name, [entity.label]
    )


async def _album_answer(store: Store, intent: Intent, entity: EntityRef) -> Answer:
    if entity.kind == "release":
        card = await cards.release_card(store, entity.id)
        if card.tracks:
            return Answer(
                f"{_q(entity)} ({card.type}) contains: {', '.join(_q(t) for t in card.tracks)}.",
                card.sources,
                True,
                (),
                intent.name,
                (entity,),
            )
        return _declined(f"I don't have the tracklist of {entity.label}.", intent.name)
    song_id = entity.id
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        if v is None or v.song is None:
            return _declined(f"I don't know which song {entity.label} is for.", intent.name)
        song_id = v.song.id
    card = await cards.song_card(store, song_id)
    parts, sources = [], []
    for item in card.releases:
        rel = await db.release(store, item.release.id)
        if rel is None:
            continue
        sources.extend(await cards._sources(store, rel.entity.id))
        if rel.type == "single":
            if rel.parent is not None:
                parent = await db.release(store, rel.parent.id)
                kind = "EP" if parent and parent.type == "ep" else (parent.type if parent else "")
                parts.append(
                    f"it was released as a single and belongs to {_q(EntityRef.of(rel.parent))}"
                    f" ({kind}{', ' + parent.date if parent and parent.date else ''})"
                )
                sources.extend(await cards._sources(store, rel.parent.id))
            continue
        kind = "EP" if rel.type == "ep" else rel.type
        text = f"it is on {_q(item.release)} ({kind}{', ' + rel.date if rel.date else ''})"
        if rel.parent is not None:
            text += f", a {rel.type} of {_q(EntityRef.of(rel.parent))}"
        parts.append(text)
    if not parts:
        return _declined(
            f"I don't know which album {_q(card.song)} is on.", intent.name, [card.song.label]
        )
    subject = await _subject_phrase(store, card.song)
    return Answer(
        f"{subject}: " + "; ".join(parts) + ".",
        _sources(sources),
        True,
        (),
        intent.name,
        (card.song,),
    )


def _relation_phrase(relation: str) -> str:
    known = vocab.RELATION.get(relation)
    return known.phrase if known else relation


def _status_phrase(status: str) -> str:
    known = vocab.STATUS.get(status)
    return known.answer if known else status


def _reference_text(line: cards.ReferenceLine, outgoing: bool) -> str:
    if outgoing:
        text = f"{_relation_phrase(line.relation)} {line.target.label}"
    else:
        text = f"{line.source_entity.label} ({line.relation})"
    text += f" — {_status_phrase(line.status)}"
    if line.review is not None:
        by = f" by {line.review.author}" if line.review.author else ""
        text += f" (review “{line.review.title}”{by}, {line.review.outlet})"
    if line.note:
        text += f": {line.note}"
    return text


async def _references_answer(store: Store, intent: Intent, entity: EntityRef) -> Answer:
    view = await cards.references_view(store, entity.id)
    outgoing = intent.name == "references_out" and entity.kind != "work"
    lines = view.outgoing if outgoing else view.incoming
    subject = await _subject_phrase(store, entity)
    if not lines:
        if outgoing:
            return _declined(
                f"I have no references stored for {subject}; MusicBrainz and Wikidata do not "
                "record artistic references, only people can (`/suggest`).",
                intent.name,
                [entity.label],
            )
        return _declined(
            f"I don't know of anything in the catalog that references {subject}.",
            intent.name,
            [entity.label],
        )
    head = f"{subject} references:" if outgoing else f"{subject} is referenced by:"
    body = "\n".join(f"• {_reference_text(line, outgoing)}" for line in lines)
    return Answer(
        f"{head}\n{body}",
        _sources(*(line.sources for line in lines)),
        True,
        (),
        intent.name,
        (entity,),
    )


async def _artist_answer(store: Store, intent: Intent, entity: EntityRef) -> Answer:
    card = await cards.artist_card(store, entity.id)
    name = entity.label.split(" — ")[0]
    if intent.name == "birthday":
        if card.kind == "group":
            text = f"{name} is a group, not a person"
            if card.debut_date:
                text += f"; it debuted on {card.debut_date}"
                return Answer(
                    text + ".", card.source_of("debut_date"), True, (), intent.name, (entity,)
                )
            return _declined(text + ", and I have no debut date for it.", intent.name)
        if card.birth_date:
            return Answer(
                f"{name} was born on {card.birth_date}.",
                card.source_of("birth_date"),
                True,
                (),
                intent.name,
                (entity,),
            )
        return _declined(f"I don't have a birth date for {name}.", intent.name, [entity.label])
    if intent.name == "debut":
        if card.debut_date:
            return Answer(
                f"{name} debuted on {card.debut_date}.",
                card.source_of("debut_date"),
                True,
                (),
                intent.name,
                (entity,),
            )
        return _declined(f"I don't have a debut date for {name}.", intent.name, [entity.label])
    if intent.name in ("members", "groups") and card.members:
        current = [m for m in card.members if m.current is not False and not m.until]
        former = [m for m in card.members if m not in current]
        text = f"Members of {card.artist.name}: {', '.join(m.person.name for m in current)}"
        if former:
            text += f"; former: {', '.join(m.person.name for m in former)}"
        return Answer(
            text + ".",
            _sources(*(m.sources for m in card.members)),
            True,
            (),
            intent.name,
            (entity,),
        )
    if intent.name in ("members", "groups") and card.groups:
        groups = ", ".join(m.group.name for m in card.groups)
        return Answer(
            f"{card.artist.name} is a member of {groups}.",
            _sources(*(m.sources for m in card.groups)),
            True,
            (),
            intent.name,
            (entity,),
        )
    if intent.name in ("members", "groups"):
        return _declined(
            f"I have no group or member information for {name}.", intent.name, [entity.label]
        )
    if intent.name == "agency":
        if card.agency:
            return Answer(
                f"{name}'s agency: {card.agency}.",
                card.source_of("agency"),
                True,
                (),
                intent.name,
                (entity,),
            )
        return _declined(f"I don't have an agency for {name}.", intent.name, [entity.label])
    return _declined(f"I can't answer that about {name}.", intent.name, [entity.label])


async def _reviews_answer(store: Store, intent: Intent, entity: EntityRef) -> Answer:
    reviews = await cards.reviews_about(store, entity.id)
    subject = await _subject_phrase(store, entity) if entity.kind != "artist" else entity.name
    if not reviews:
        return _declined(
            f"I don't have any reviews that discuss {subject}.", intent.name, [entity.label]
        )
    lines = []
    for r in reviews:
        by = f" by {r.author}" if r.author else ""
        when = f", {r.published}" if r.published else ""
        lines.append(f"• “{r.title}”{by} ({r.outlet}{when}) {r.url}")
    return Answer(
        f"Reviews discussing {subject}:\n" + "\n".join(lines),
        tuple(dict.fromkeys(r.source for r in reviews)),
        True,
        (),
        intent.name,
        (entity,),
    )


async def _release_label_answer(store: Store, intent: Intent, entity: EntityRef) -> Answer:
    ids = [entity.id]
    if entity.kind == "song":
        ids = [t.release.id for t in await db.releases_with_song(store, entity.id)]
    for release_id in ids:
        rel = await db.release(store, release_id)
        if rel is not None and rel.label:
            return Answer(
                f"{_q(rel.entity)} was released on the {rel.label} label.",
                await cards._sources(store, release_id),
                True,
                (),
                intent.name,
                (entity,),
            )
    return _declined(f"I don't have a label for {entity.label}.", intent.name, [entity.label])


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


async def _length_answer(store: Store, intent: Intent, entity: EntityRef, question: str) -> Answer:
    wants_video = entity.kind == "video" or re.search(r"\b(?:video|mv)\b|뮤비", question, re.I)
    if entity.kind == "song" and not wants_video:
        s = await db.song(store, entity.id)
        if s and s.length_s:
            return Answer(
                f"{await _subject_phrase(store, entity)} runs {_mmss(s.length_s)}.",
                await cards._sources(store, entity.id),
                True,
                (),
                intent.name,
                (entity,),
            )
    videos = (
        [await db.video(store, entity.id)]
        if entity.kind == "video"
        else await db.videos_of_song(store, entity.id)
    )
    for v in videos:
        if v and v.length_s:
            return Answer(
                f"{await _subject_phrase(store, EntityRef.of(v.entity))} runs {_mmss(v.length_s)}.",
                await cards._sources(store, v.entity.id),
                True,
                (),
                intent.name,
                (EntityRef.of(v.entity),),
            )
    return _declined(f"I don't have a length for {entity.label}.", intent.name, [entity.label])


# ------------------------------------------------------------------------------ entry point
HELP = (
    "I can answer questions like “Who directed the Love wins all video?”, “Who wrote Spring "
    "Day?”, “What does the Love wins all MV reference?”, “When is V's birthday?”, "
    "“Who is in BTS?” or “봄날 작사가 누구야?”."
)


async def answer(store: Store, question: str, online: OnlineLookup | None = None) -> Answer:
    """Answer a question from stored facts, citing sources; decline when unsure.

    With ``online``, a name the store does not know is looked up on MusicBrainz (and stored),
    and an imported entry lacking the facts asked for has its relationships fetched.
    """
    question = " ".join((question or "").split())[:300]
    if not question:
        return _declined("Ask me something about a song, video, album or artist. " + HELP, None)
    intent, spans = _detect(question)
    runs = candidate_runs(question, spans)
    texts = candidate_names(question, spans)
    if intent is None:
        found = await _find(store, runs, texts, ALL_KINDS) if texts else None
        suggestions = [found.match.label] if found and found.match else []
        return _declined("I'm not sure what you're asking. " + HELP, None, suggestions)
    if not texts:
        return _declined("Which song, video, album or artist do you mean? " + HELP, intent.name)
    found = await _find(store, runs, texts, intent.kinds)
    if found.match is None and found.unexplained:
        suggestions = [m.label for m in found.candidates[:5]]
        return _declined(
            f"I know {'; '.join(suggestions)}, but nothing that matches “{found.unexplained}” "
            "with it, so I won't guess.",
            intent.name,
            suggestions,
        )
    if found.match is None:
        suggestions = [m.label for m in found.candidates[:5]]
        if found.candidates and found.candidates[0].tier != "fuzzy":
            return _declined(
                f"“{found.text}” could mean several things: {'; '.join(suggestions)}. Which one?",
                intent.name,
                suggestions,
            )
        looked = (
            await _look_up(store, online, _search_text(question, spans, texts[0]), intent)
            if online
            else None
        )
        if isinstance(looked, Answer):
            return looked
        if looked is None:
            if not suggestions:
                near = await resolve(store, texts[0], None, limit=5)
                suggestions = [m.label for m in near]
            hint = f" Did you mean {'; '.join(suggestions[:3])}?" if suggestions else ""
            return _declined(
                f"I don't know anything called “{echo(texts[0])}”.{hint}",
                intent.name,
                suggestions,
            )
        found = _Found(looked, (), texts[0])
    m = found.match
    entity = m.ref
    result = await _dispatch(store, intent, entity, question)
    if not result.answered and online is not None and await online.ensure_details(m.id):
        result = await _dispatch(store, intent, entity, question)
    if m.tier == "fuzzy" and result.answered:
        result = Answer(
            f"(Reading “{found.text}” as {m.name}.) {result.text}",
            result.sources,
            True,
            result.suggestions,
            result.intent,
            result.entities,
        )
    if result.answered and not result.sources:
        # Every answer cites a source; a fact without one is not stated.
        log.warning("answer without sources for %r", question)
        return _declined(
            "I found something but cannot cite a source for it, so I won't say.", intent.name
        )
    return result


_EDGE_FILLERS = frozenset({"the", "a", "an", "of", "on", "in", "for", "by", "to", "is", "was"})
_TAIL_FILLERS = frozenset({"video", "mv", "m/v", "song", "track", "album", "single"})


def _search_text(question: str, spans: Sequence[tuple[int, int]], fallback: str) -> str:
    """Return the words around the question's keywords, as a title (and artist) to search.

    The name runs drop filler words ("Knowing Me, Knowing You" loses its "You"); a database
    search needs the title as written, so take the longest stretch between keywords instead.
    """
    pieces, start = [], 0
    for begin, end in sorted(spans):
        pieces.append(question[start:begin])
        start = end
    pieces.append(question[start:])
    best = ""

    def filler(word: str, tail: bool) -> bool:
        word = word.lower().strip(" ?!.,")
        if has_hangul(word):  # Korean question words and endings ("누구야")
            return word in FILLERS or _strip_particle(word) in FILLERS
        return word in _EDGE_FILLERS or (tail and word in _TAIL_FILLERS)

    for piece in pieces:
        words = piece.strip(" ?!.,").split()
        while words and filler(words[0], False):
            words.pop(0)
        while words and filler(words[-1], True):
            words.pop()
        text = " ".join(words).strip(" ?!.,")
        if len(normalize(text)) > len(normalize(best)):
            best = text
    return best if len(normalize(best)) >= len(normalize(fallback)) else fallback


async def _look_up(
    store: Store, online: OnlineLookup, text: str, intent: Intent
) -> Match | Answer | None:
    """Ask MusicBrainz for ``text``: the stored match, a "which one?" answer, or None."""
    outcome = await online.find(text, intent.kinds)
    if outcome.entity_id is not None:
        row = await db.entity(store, outcome.entity_id)
        if row is not None and row.kind == "video" and "video" not in intent.kinds:
            video = await db.video(store, row.id)
            row = video.song if video is not None else None
        if row is not None and row.kind in intent.kinds:
            return Match(row.kind, row.id, row.label, row.name, row.name, "id", 1.0, 0)
    if outcome.candidates:
        labels = [c.label for c in outcome.candidates[:5]]
        return _declined(
            f"The catalog has no “{echo(text)}”, and MusicBrainz knows several: "
            f"{'; '.join(labels)}. "
            "Which one? Ask again with the artist's name.",
            intent.name,
            labels,
        )
    return None


async def _dispatch(store: Store, intent: Intent, entity: EntityRef, question: str) -> Answer:
    name = intent.name
    if name in ("references_in", "references_out"):
        return await _references_answer(store, intent, entity)
    if name == "reviews":
        return await _reviews_answer(store, intent, entity)
    if entity.kind == "artist":
        if intent.roles:
            return await _works_answer(store, intent, entity, question)
        if name == "date":
            intent = next(i for i in INTENTS if i.name == "debut")
        return await _artist_answer(store, intent, entity)
    if name == "agency":
        return await _release_label_answer(store, intent, entity)
    if name == "album":
        return await _album_answer(store, intent, entity)
    if name == "date":
        return await _date_answer(store, intent, entity, question)
    if name == "length":
        return await _length_answer(store, intent, entity, question)
    if intent.roles:
        return await _credits_answer(store, intent, entity)
    if name == "members":
        # "Who is in the Love wins all video?" reads as a cast question.
        cast = next(i for i in INTENTS if i.name == "cast")
        return await _credits_answer(store, cast, entity)
    return _declined(f"I can't answer that about {entity.label}.", name, [entity.label])
