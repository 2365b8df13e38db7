"""Kinds of question (intents), the keywords that announce them, and typo-tolerant keywords.

The first intent whose keywords appear in a question wins, so the order of ``INTENTS``
matters: narrow intents ("cinematographer", "real name") come before broad ones ("direct",
"name"). When no keyword matches, a word a letter or two away from one ("directd",
"lyrcist", "birthdy") is read as that keyword (``normalize.osa_distance``: a swapped pair of
letters is one edit), and only then.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

from bot.knowledge.normalize import osa_distance


class IntentName(enum.StrEnum):
    """What a question asks: one member per kind of question (the ``INTENTS`` below)."""

    SAMPLES = "samples"
    PERFORMER = "performer"
    LEGAL_NAME = "legal_name"
    LEADER = "leader"
    MAKNAE = "maknae"
    MAIN_VOCAL = "main_vocal"
    MAIN_DANCER = "main_dancer"
    MAIN_RAPPER = "main_rapper"
    VISUAL = "visual"
    OLDEST = "oldest"
    AGE = "age"
    REFERENCES_IN = "references_in"
    REFERENCES_OUT = "references_out"
    DIRECTOR_OF_PHOTOGRAPHY = "director_of_photography"
    ART_DIRECTOR = "art_director"
    CHOREOGRAPHER = "choreographer"
    ASSISTANT_DIRECTOR = "assistant_director"
    DIRECTOR = "director"
    FEATURED = "featured"
    CAST = "cast"
    LYRICIST = "lyricist"
    COMPOSER = "composer"
    ARRANGER = "arranger"
    PRODUCER = "producer"
    MIXING = "mixing"
    WRITER = "writer"
    BIRTHDAY = "birthday"
    DEBUT = "debut"
    DISBAND = "disband"
    REVIEWS = "reviews"
    MEMBERS = "members"
    GROUPS = "groups"
    ALBUM = "album"
    AGENCY = "agency"
    LENGTH = "length"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Intent:
    """A kind of question: its keywords, which entity kinds it is about, and roles if any."""

    name: IntentName
    patterns: tuple[re.Pattern[str], ...]
    kinds: tuple[str, ...]
    roles: tuple[str, ...] = ()


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


WORK_KINDS = ("song", "video", "release")
ALL_KINDS = ("artist", "song", "video", "release", "work")
# Order matters: the first intent whose keywords appear wins.
INTENTS: tuple[Intent, ...] = (
    # "What song samples Air on the G String?": the name after the verb is the music sampled,
    # most often an outside work.
    Intent(
        IntentName.SAMPLES,
        _p(
            r"^(?:what|which)(?:\s+(?:k-?pop\s+|pop\s+|korean\s+|(?:girl|boy)\s+group\s+)?"
            r"(?:songs?|tracks?|one|video|mv))?\s+"
            r"(?:samples?|sampled|interpolates?|interpolated|remakes?|remade)\b"
        ),
        ("work", "song", "video", "release"),
    ),
    Intent(
        IntentName.SAMPLES,
        _p(
            r"\bsampl\w*",
            r"\binterpolat\w*",
            r"샘플\w*",
            r"\b(?:a\s+)?remake\s+of\b",
            r"\bremade\s+from\b",
            r"리메이크",
            r"원곡",
        ),
        ("song", "video", "release"),
    ),
    Intent(
        IntentName.PERFORMER,
        _p(
            r"\bwho sings?\b",
            r"\bwho sang\b",
            r"\bsung by\b",
            r"\bsings?\b",
            r"\bsang\b",
            r"\bwhose (?:song|track|single)\b",
            r"\b(?:which|what) (?:artist|singer|group|band)(?:'s)? (?:sings?|sang|did|does|is|made|"
            r"released|performs?|performed)\b",
            r"\bby (?:which|what|who) (?:artist|group|singer)\b",
            r"\bwho (?:performs?|performed|released)\b",
            r"\bartist of\b",
            r"\bwho(?:'s| is) the (?:artist|singer)\b",
            r"부른",
            r"불렀",
            r"부르는",
            r"누구 노래",
            r"누구의 노래",
            r"가수",
        ),
        ("song", "video", "release", "artist"),
    ),
    Intent(
        IntentName.LEGAL_NAME,
        _p(
            r"\breal names?\b",
            r"\blegal names?\b",
            r"\bbirth names?\b",
            r"\bfull names?\b",
            r"\bactual names?\b",
            r"본명",
            r"실명",
            r"진짜 이름",
        ),
        ("artist",),
    ),
    Intent(IntentName.LEADER, _p(r"\bleaders?\b", r"\bwho leads\b", r"리더"), ("artist",)),
    Intent(IntentName.MAKNAE, _p(r"\bmaknae\b", r"\byoungest(?: member)?\b", r"막내"), ("artist",)),
    # A place in a group a dataset states ("main vocal"): kpopnet's member roles.
    Intent(
        IntentName.MAIN_VOCAL,
        _p(r"\bmain (?:vocal|vocalist|singer)s?\b", r"메인\s*보컬", r"메보"),
        ("artist",),
    ),
    Intent(IntentName.MAIN_DANCER, _p(r"\bmain dancers?\b", r"메인\s*댄서", r"메댄"), ("artist",)),
    Intent(IntentName.MAIN_RAPPER, _p(r"\bmain rappers?\b", r"메인\s*래퍼", r"메랩"), ("artist",)),
    Intent(IntentName.VISUAL, _p(r"\bmain visual\b", r"\bvisual of\b", r"비주얼"), ("artist",)),
    # "who is the oldest member of twice": answered from birth dates, never a members list.
    Intent(
        IntentName.OLDEST,
        _p(
            r"\b(?:oldest|eldest)(?: member)?\b",
            r"\bborn first\b",
            r"맏(?:이|언니|형|누나|오빠)",
            r"(?:제일|가장)\s*(?:나이\s*(?:많|든)|연장자)",
        ),
        ("artist",),
    ),
    Intent(
        IntentName.AGE,
        _p(
            r"\bhow old\b",
            r"\bwhat age\b",
            r"\bage\b",
            r"\bwho(?:'s|\s+is)\s+(?:the\s+)?(?:older|younger)\b",
            r"\b(?:older|younger)(?=\s+than\b)",
            r"몇 ?살",
            r"나이",
            r"누가\s*더\s*(?:어려|어리|형|언니|오빠|누나)",
            r"(?<=\S)보다\s*(?:더\s*)?(?:어려|어리|나이|형|언니|오빠|누나)",
        ),
        ("artist",),
    ),
    Intent(
        IntentName.REFERENCES_IN,
        _p(
            r"^(?:what|which|who)(?!\s+(?:does|do|did|is|are|was|were|quotes?)\b)"
            r"(?:\s+\w+){0,2}?\s+(?:references?|referenced|quotes?|quoted|"
            r"homages?|alludes? to|pays? homage to|paid homage to)\b"
            r"(?!\s+(?:in|are|is|were|was)\b)",
            r"\breferenced(?:\s+(?:in|by))?\s*\??$",
            r"\breferenced by\b",
            r"(?:을|를)\s*(?:오마주|레퍼런스|참고|인용)(?:한|했)",
            # "설국열차 언급한 노래 뭐야?": the work that mentions or parodies the one named.
            r"(?:언급|패러디|오마주|인용)(?:한|했던)\s*(?:노래|곡|뮤비|뮤직비디오|영상)",
        ),
        ALL_KINDS,
    ),
    Intent(
        IntentName.REFERENCES_OUT,
        _p(
            r"\breferenc\w*",
            r"\binspir\w*",
            r"\bhomages?\b",
            r"\ballu(?:sion|sions|de|des)\b",
            r"\bnods? to\b",
            r"\beaster eggs?\b",
            r"\bquot\w*",
            r"\brecreat\w*",
            # "What's the Boltanski thing in Love wins all?"
            r"\b(?:thing|scene|bit)s?\s+(?:(?:is|are)\s+)?(?:in|from)\b",
            # "What paintings are in the Feel My Rhythm video?"
            r"^(?:what|which)\s+(?:paintings?|artworks?|sculptures?|statues?|books?|films?|"
            r"movies?|dramas?)\s+(?:are|is|appear|appears|can\s+you\s+see|do\s+you\s+see)\s+in\b",
            # "which book is iu's zeze about", "what novel is Zeze based on": the work's side.
            r"^(?:what|which)\s+(?:paintings?|artworks?|books?|novels?|stor(?:y|ies)|films?|"
            r"movies?|dramas?|poems?)\s+(?:is|are|was|were)\b(?=.+\s(?:about|based\s+on)\s*\??$)",
            r"\bbased\s+on(?=\s*\??$)",
            r"(?:무슨|어떤|어느)\s*(?:책|소설|영화|드라마|그림|작품)(?:을|를|에|의)?\s*"
            r"(?:얘기|이야기|내용|기반|바탕|원작)",
            r"(?:뮤비|뮤직비디오|영상)에\s*(?:나오는|나온|등장하는)\s*(?:그림|명화|조각|책|소설|영화|드라마)",
            r"오마주",
            r"패러디",
            r"언급",
            r"레퍼런스",
            r"모티브",
            r"인용",
            r"참고",
        ),
        ("song", "video", "release", "work"),
    ),
    Intent(
        IntentName.DIRECTOR_OF_PHOTOGRAPHY,
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
        IntentName.ART_DIRECTOR,
        _p(r"\bart direct\w*", r"미술감독"),
        (*WORK_KINDS, "artist"),
        ("art director",),
    ),
    Intent(
        IntentName.CHOREOGRAPHER,
        _p(r"\bchoreograph\w*", r"안무"),
        (*WORK_KINDS, "artist"),
        ("choreographer",),
    ),
    Intent(
        IntentName.ASSISTANT_DIRECTOR,
        _p(r"\bassistant direct\w*", r"\bassistant to the director\b", r"조감독"),
        (*WORK_KINDS, "artist"),
        ("assistant director",),
    ),
    Intent(
        IntentName.DIRECTOR,
        _p(
            r"\bdirect(?:ed|s|or|ors|ing)?\b",
            r"\bhelm(?:ed|s)?\b",
            r"\bfilmed\b",
            r"\bshot\b",
            r"\bmade\b(?=.*\b(?:video|mv|m/v)\b)",
            r"\bbehind the (?:video|mv)\b",
            r"\bdid the (?:music video|video|mv|m/v)\b",
            r"감독",
            r"연출",
        ),
        (*WORK_KINDS, "artist"),
        ("mv director",),
    ),
    Intent(
        IntentName.FEATURED,
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
        IntentName.CAST,
        _p(
            r"\bappear(?:s|ed|ing)?\b",
            r"\bstar(?:s|red|ring)?\b",
            r"\bcast\b",
            r"\bact(?:s|ed|ing)?\b",
            r"\bwho(?:'s| is| was| are)? in the\b(?=.*\b(?:video|mv|m/v|film)\b)",
            r"\bwho (?:dances?|danced|performs?|performed) in the\b(?=.*\b(?:video|mv|m/v|film)\b)",
            r"출연",
            r"주연",
            r"나오는 사람",
            r"나온 사람",
            r"누가 나(?:와|오|왔)",
        ),
        (*WORK_KINDS, "artist"),
        ("mv cast",),
    ),
    Intent(
        IntentName.LYRICIST,
        _p(r"\blyric\w*", r"\bpenned\b", r"\bwords\b", r"작사"),
        (*WORK_KINDS, "artist"),
        ("lyricist", "writer"),
    ),
    Intent(
        IntentName.COMPOSER,
        _p(r"\bcompos\w*", r"\bmusic by\b", r"작곡"),
        (*WORK_KINDS, "artist"),
        ("composer", "writer"),
    ),
    Intent(
        IntentName.ARRANGER, _p(r"\barrang\w*", r"편곡"), (*WORK_KINDS, "artist"), ("arranger",)
    ),
    Intent(
        IntentName.PRODUCER,
        _p(r"\bproduc\w*", r"프로듀\w*", r"프로듀싱"),
        (*WORK_KINDS, "artist"),
        ("producer",),
    ),
    Intent(
        IntentName.MIXING,
        _p(r"\bmix(?:ed|es|ing)?\b", r"믹싱"),
        (*WORK_KINDS, "artist"),
        ("mixing engineer",),
    ),
    Intent(
        IntentName.WRITER,
        _p(
            r"\bwr(?:o|i)te\b",
            r"\bwrites\b",
            r"\bwritten\b",
            r"\bwriters?\b",
            r"\bsongwrit\w*",
            r"\bwho made\b",
            r"\bcredits?\b",
            r"\bworked on\b",
            r"\bworks\b",
            r"\bfilmography\b",
            r"\bdiscography\b",
            r"만든",
            r"만들었",
            r"썼",
            r"쓴 (?:사람|곡|노래)",
            r"누가 쓴",
            r"작곡가",
        ),
        (*WORK_KINDS, "artist"),
        ("lyricist", "composer", "writer"),
    ),
    Intent(
        IntentName.BIRTHDAY,
        _p(
            r"\bbirthdays?\b",
            r"\bborn\b",
            r"\bbirth ?date\b",
            r"생일",
            r"생년월일",
            r"년생",
            r"태어났",
            r"태어난",
        ),
        ("artist",),
    ),
    Intent(IntentName.DEBUT, _p(r"\bdebut\w*", r"데뷔"), ("artist",)),
    Intent(
        IntentName.DISBAND,
        _p(r"\bdisband\w*", r"\b(?:broke|break|split) up\b", r"해체"),
        ("artist",),
    ),
    Intent(
        IntentName.REVIEWS,
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
        IntentName.MEMBERS,
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
        IntentName.GROUPS,
        _p(
            r"\b(?:which|what) (?:group|band)s?\b",
            r"\bgroups? (?:is|was|does)\b",
            r"\bmember of\b",
            r"\bin which group\b",
            r"(?:(?<='s )|(?<=’s ))(?:group|band)s?\b",
            r"무슨 그룹",
            r"어느 그룹",
            r"소속 그룹",
            r"그룹\s*(?:이름\s*)?(?:뭐|어디|알려)",
        ),
        ("artist",),
    ),
    Intent(
        IntentName.ALBUM,
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
        IntentName.AGENCY,
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
        IntentName.LENGTH,
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
        IntentName.DATE,
        _p(
            r"\bwhen\b",
            r"\brelease date\b",
            r"\breleased?\b",
            r"\bcome out\b",
            r"\bcame out\b",
            r"\bdropp?(?:ed)?\b",
            r"\bpremier\w*",
            r"\bwhat year\b",
            r"발매\w*",
            r"언제",
            r"나왔",
            r"공개",
        ),
        ("song", "release", "video"),
    ),
)


_META = frozenset("\\()[].|^$?*+{}")
# Text whose letters are ASCII or Hangul: there a case-insensitive match is a match of the
# lower-cased text (no other letter folds onto an ASCII one, and Hangul has no case).
_NOT_ASCII_OR_HANGUL = re.compile(r"[^\x00-\x7f\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def _leading_letters(pattern: str) -> str:
    """Return the lower-cased letters every match of a keyword pattern starts with, or ""."""
    depth = 0
    escaped = in_class = False
    for ch in pattern:  # a "|" outside every group: the pattern has no one beginning
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            return ""
    rest = pattern
    while rest.startswith(r"\b"):
        rest = rest[2:]
    letters = []
    for k, ch in enumerate(rest):
        after = rest[k + 1 : k + 2]
        if ch in _META or after in ("?", "*", "{"):
            break
        letters.append(ch)
        if after == "+":
            break
    text = "".join(letters).lower()
    return "" if _NOT_ASCII_OR_HANGUL.search(text) else text


# For each intent, each pattern with the letters it starts with: a text lacking them is not
# searched (a substring test costs a fraction of a case-insensitive search).
_GATED = tuple(
    tuple((pattern, _leading_letters(pattern.pattern)) for pattern in intent.patterns)
    for intent in INTENTS
)


@functools.lru_cache(maxsize=2048)
def present(text: str) -> tuple[Intent, ...]:
    """Return the intents with a keyword somewhere in ``text``, in the order of ``INTENTS``.

    A question's text is read several times while it is answered (and many are asked again),
    so the result is kept for the last texts seen: it depends on the text alone.
    """
    low = None if _NOT_ASCII_OR_HANGUL.search(text) else text.lower()
    return tuple(
        intent
        for intent, gated in zip(INTENTS, _GATED, strict=True)
        if any(
            (low is None or letters in low) and pattern.search(text) for pattern, letters in gated
        )
    )


def detect(question: str) -> tuple[Intent | None, list[tuple[int, int]]]:
    """Return the first matching intent and the spans of every keyword found."""
    chosen, spans = _detected(question)
    return chosen, list(spans)


@functools.lru_cache(maxsize=2048)
def _detected(question: str) -> tuple[Intent | None, tuple[tuple[int, int], ...]]:
    chosen: Intent | None = None
    spans: list[tuple[int, int]] = []
    for intent in present(question):
        for pattern in intent.patterns:
            for m in pattern.finditer(question):
                if m.end() > m.start():
                    spans.append((m.start(), m.end()))
                    if chosen is None:
                        chosen = intent
    return chosen, tuple(sorted(spans))


def by_name(name: IntentName) -> Intent:
    """Return the intent called ``name``."""
    return next(i for i in INTENTS if i.name == name)


# Question words worth correcting: each is a keyword above, in its most typed form.
KEYWORDS = (
    "directed", "director", "directors", "direct", "lyricist", "lyricists", "lyrics", "composer",
    "composed", "composers", "producer", "produced", "producers", "arranger", "arranged",
    "birthday", "birthdays", "released", "release", "members", "member", "leader", "agency",
    "choreographer", "choreographed", "cinematographer", "featured", "featuring", "written",
    "wrote", "writer", "writers", "songwriter", "debut", "debuted", "references", "referenced",
    "reference", "inspired", "interpolates", "interpolated", "sampled", "samples", "reviews",
    "album", "label", "premiere", "premiered", "sings", "tracklist",
)  # fmt: skip
_TYPO_WORD = re.compile(r"[A-Za-z]{5,}")


def _meaning(keyword: str) -> str:
    intent = detect(keyword)[0]
    return intent.name if intent else keyword


# The closest keywords weighed for one misspelt word.
_NEAR_KEYWORDS = 6


def _allowed_edits(word: str) -> int:
    return 1 if len(word) < 8 else 2


def correct_keywords(question: str, protected: frozenset[str]) -> tuple[str, list[str]]:
    """Return the question with misspelt question words corrected, and the corrections.

    Only words of five letters or more that are not keywords, fillers or names
    (``protected``, lower-case) are looked at, and only a unique closest keyword within
    one edit (two for long words) replaces them.
    """
    corrections: list[str] = []

    def fix(m: re.Match[str]) -> str:
        word = m.group()
        low = word.lower()
        if low in KEYWORDS or low in protected:
            return word
        keyword = _keyword_near(low)
        if keyword is None:
            return word
        corrections.append(f"{word} → {keyword}")
        return keyword

    return _TYPO_WORD.sub(fix, question), corrections


@functools.lru_cache(maxsize=4096)
def _keyword_near(low: str) -> str | None:
    """Return the one keyword a lower-case word is a misspelling of, or None (kept for the
    words last seen: it depends on the word alone, and each costs ~60 edit distances)."""
    limit = _allowed_edits(low)
    scored = ((osa_distance(low, key), index, key) for index, key in enumerate(KEYWORDS))
    near = sorted(x for x in scored if x[0] <= limit)[:_NEAR_KEYWORDS]
    if not near:
        return None
    closest = near[0][0]
    tied = [(index, key) for score, index, key in near if score == closest]
    meanings = {_meaning(key) for _, key in tied}
    if len(meanings) != 1:
        return None
    return tied[0][1]
