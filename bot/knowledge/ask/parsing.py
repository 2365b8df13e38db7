"""Read a question: tidy Discord-style text, find the words that may be names, tell the language.

Fans type "who directed the LWA mv pls 🙏", "TWICE FANCY DIRECTOR", "봄날 누가 썼어" or
"when is jihyos bday". ``prepare`` turns such text into something the intent patterns and
the name finder can read (emoji and sign-offs dropped, slang spelt out, ALL CAPS noted),
without touching the words that may be names. The rest of this module splits the
question into runs of candidate-name words around the keywords.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.normalize import HANGUL_PARTICLES, has_hangul, normalize


def words_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


FILLERS = words_of(
    """who whom whose what whats what's when where which how is was are were did does do done
    the a an of on in for by to from me tell please about song songs track tracks music video
    videos mv mvs m/v official album albums single ep it its it's that this and or was
    can could you know anyone any i my us our there their they he she his her him them at
    as be been being with has have had who's who're released release date year
    right true correct really also again actually exactly
    wen whn wat wut wht wich whos wats
    누구 누구야 누구예요 누구에요 누구인가요 누가 누군가요 뭐야 뭐예요 뭐에요 뭔가요 뭐
    무엇 언제 어디 노래 곡 뮤비 뮤직비디오 앨범 알려줘 알려주세요 했어 했나요 했어요 했니
    한 사람 이 그 좀 요 누구지 뭐지 뭐였지 언제야 언제지 언제예요 알려줘요 맞아 맞나요 맞지
    맞죠 맞아요 아니야 인가요 이야 야 있어 있나요 해줘 줘 거 건 건가요 거야 및 그리고 또
    썼어 썼나요 썼지 썼니 나왔어 나왔지 나왔나요 나왔니 됐어 했지 몇 언제였지 얼마 중
    나와 나오 나옴 나오니 나오나요 나오지 출연했어 출연했나요 참여했어 참여했나요 참여함"""
)
# Questions may also end a word with the casual "야".
PARTICLES = (*HANGUL_PARTICLES, "야", "이야", "예요", "이에요", "인가요", "였어", "이었어")
WH_WORDS = words_of(
    """who whom whose what whats what's when where which how why who's wen whn wat wut wht
    wich whos wats 누구 누가 누구야 뭐
    무엇 언제 어디 어느 무슨 몇 뭐야 누구지 언제야"""
)
AUXILIARIES = words_of("did does do is was were are has have had can could isnt wasnt didnt")


_TOKEN = re.compile(r"\S+")
_MAX_RUN = 12
COMMON_WORDS = words_of(
    """also any anyone else ever from have here into just like made make many more most much
    only other over some such than then them they this very what when where which with would
    your been being does done every first good know last long must never next once same
    should still take tell that their there these thing think those through under until
    want well were while whom whose will without year years camera behind"""
)
# Short English words that are never a name on their own in a question (a short word
# outside a name is otherwise looked up: "omg", "bts", "jin" are titles and names).
SHORT_WORDS = words_of(
    """not no yes yet but so if too all any out off up own get got let say see new old one
    two ten why how has had may can did who him her its our per via vs ok okay pls
    rap sang sing sung act cut end set put run use way lot few big add ask now
    ago day ill bad sad fan fans ver feat ft mean much more most a i u o s t x n y e
    pop sun hit hip hop rnb edm ost vol pt"""
)
_EDGE_PUNCT = '?!.,;:"“”‘’«»()[]{}¿¡'


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


def is_filler(token: tuple[str, str]) -> bool:
    return token[0].lower() in FILLERS or token[1].lower() in FILLERS


def candidate_runs(
    question: str, keyword_spans: Sequence[tuple[int, int]], *, trim: bool = True
) -> list[list[tuple[str, str]]]:
    """Return runs of non-keyword words (raw, stripped), trimmed of filler at both ends.

    Untrimmed runs (``trim=False``) keep filler words, for names made of them ("Lee Know",
    "What Is Love"): the name finder looks for known names in those.
    """
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
        if not trim:
            if any(not is_filler(t) for t in run):
                out.append(run[:_MAX_RUN])
            continue
        while run and is_filler(run[0]):
            run.pop(0)
        while run and is_filler(run[-1]):
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


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of words that may be a name: where it is, how it is written, what is left."""

    words: int
    preference: int
    text: str
    norm: str
    run: int
    start: int
    end: int
    leftover: tuple[tuple[str, str], ...]

    @property
    def rank(self) -> tuple[int, int, int, int]:
        """Longer spans first, then the form with particles stripped, then the earliest."""
        return (self.words, self.preference, -self.run, -self.start)

    def overlaps(self, other: Span) -> bool:
        """Tell whether two spans share a word."""
        return self.run == other.run and self.start < other.end and other.start < self.end


def subspans(runs: Sequence[list[tuple[str, str]]], shouted: bool = False) -> dict[str, Span]:
    """Return the best span for each search form found inside the runs.

    A span shorter than its run must look like a name on its own: several words, Hangul,
    or one word of four letters or more that is not a common word.
    """
    spans: dict[str, Span] = {}
    # A span's three written forms are often the same text, and a text is often in several
    # spans: each text is normalised once, and a Span is only made when it is kept.
    norms: dict[str, str] = {}
    for r, run in enumerate(runs):
        n = len(run)
        filler = [is_filler(w) for w in run]
        # The run without filler at its ends: a short word that is all of it is a name ("IVE").
        core = [k for k in range(n) if not filler[k]]
        whole = (core[0], core[-1] + 1) if core else (0, n)
        for i in range(n):
            for j in range(i + 1, n + 1):
                if all(filler[i:j]):
                    continue
                words = run[i:j]
                # A short word typed in lowercase ("omg", "bts", "jin") may still be a name
                # the catalog holds; it is looked up, ranked after every other span its length.
                lowly = 0
                if (i, j) != whole and j - i == 1:
                    word = words[0][1]
                    # Short names are written in capitals in a normal sentence (RM, IU, V, TT).
                    typed_as_name = not shouted and word.isupper() and word not in ("I", "A")
                    if not has_hangul(word) and not typed_as_name:
                        if word.lower() in COMMON_WORDS or word.lower() in SHORT_WORDS:
                            continue
                        if len(word) < 4:
                            if not word.isalnum():
                                continue
                            lowly = 3
                stripped = " ".join([w[1] for w in words])
                variants = (
                    (2, stripped),
                    (1, " ".join([*(w[0] for w in words[:-1]), words[-1][1]])),
                    (0, " ".join([w[0] for w in words])),
                )
                done: list[str] = []
                for preference, text in variants:
                    # The same text again, with a lower preference: it would not be kept.
                    if text in done:
                        continue
                    done.append(text)
                    norm = norms.get(text)
                    if norm is None:
                        norm = norms[text] = normalize(text)
                    if not norm:
                        continue
                    kept = spans.get(norm)
                    rank = (j - i, preference - lowly, -r, -i)
                    if kept is None or kept.rank < rank:
                        spans[norm] = Span(
                            j - i, preference - lowly, text, norm, r, i, j, (*run[:i], *run[j:])
                        )
    return spans


# ------------------------------------------------------------------------------ tidying
@dataclass(frozen=True, slots=True)
class Prepared:
    """A tidied question, and whether it was typed in capitals (so capitals mean nothing)."""

    text: str
    shouted: bool


# Slang and shorthand, spelt out (whole words only, case-insensitive).
SLANG = {
    "bday": "birthday",
    "b-day": "birthday",
    "bdays": "birthdays",
    "birthdate": "birthday",
    "ot4": "members",
    "ot5": "members",
    "ot6": "members",
    "ot7": "members",
    "ot8": "members",
    "ot9": "members",
    "ot13": "members",
    "prod": "produced",
    "prod.": "produced",
    "dir": "director",
    "dir.": "director",
    "lyr": "lyrics",
    "comp": "composer",
    "whos": "who is",
    "whats": "what is",
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "u": "you",
    "ur": "your",
    "abt": "about",
    "mvs": "mv",
    "vid": "video",
    "dropped": "released",
    "agencys": "agency",
    "co.": "company",
    "irl": "real name",
    "생파": "생일",
    "adn": "and",
    "choreo": "choreography",
    "choreos": "choreography",
    "nad": "and",
}
# Sign-offs and fillers that carry no meaning in a question.
SIGN_OFFS = words_of(
    """pls plz plss pleasee pleaseee please thx thanks thank ty tysm lol lmao lmfao ngl tbh
    omgg guys everyone someone rn ppl bestie ㅠㅠ ㅜㅜ ㅋㅋ ㅋㅋㅋ ㅎㅎ"""
)
_SHORTCODE = re.compile(r"<a?:\w+:\d+>|:[a-z0-9_+-]+:")
_REPEATS = re.compile(r"([?!.])\1+")


def _is_emoji(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Cs", "Co") or ch in "\u200d\ufe0f\ufe0e"


# The two ASCII characters ``_is_emoji`` takes for symbols ("^" and "`"), as spaces: most
# questions are ASCII, and this spares them a look at each character.
_ASCII_SYMBOLS = {code: " " for code in range(128) if _is_emoji(chr(code))}


def prepare(question: str) -> Prepared:
    """Return the question tidied for reading: emoji, sign-offs and slang handled."""
    text = _SHORTCODE.sub(" ", question or "")
    if text.isascii():
        text = text.translate(_ASCII_SYMBOLS)
    else:
        text = "".join(" " if _is_emoji(ch) else ch for ch in text)
    if _REPEATS.search(text):
        text = _REPEATS.sub(r"\1", text)
    letters = [ch for ch in text if ch.isalpha() and ch.isascii()]
    shouted = len(letters) >= 6 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
    words: list[str] = []
    for word in text.split():
        core = word.strip("?!.,;:").lower()
        if core in SIGN_OFFS and not words:
            continue
        if core in SIGN_OFFS:
            continue
        if core in SLANG:
            tail = word[len(word.rstrip("?!.,;:")) :]
            words.append(SLANG[core] + tail)
            continue
        words.append(word)
    return Prepared(" ".join(words), shouted)


# ------------------------------------------------------------------------------ shapes
_CONFIRM_TAIL = re.compile(
    r"(?:,?\s*(?:right|true|correct|yes or no|isn'?t it|wasn'?t it|didn'?t (?:he|she|they|it))"
    r"\s*\??\s*$)|(?:맞(?:아|나요|지|죠|아요|니|습니까)\s*\??\s*$)|(?:아니(?:야|지|에요)?\s*\??\s*$)",
    re.IGNORECASE,
)


def has_wh_word(text: str) -> bool:
    """Tell whether the question asks who/what/when… (so it is not a yes/no check)."""
    for token in text.split():
        word = token.strip("?!.,;:\"'“”").lower()
        if word in WH_WORDS or any(word.startswith(w) for w in ("누구", "언제", "어디", "무슨")):
            return True
    return False


def looks_like_check(text: str) -> bool:
    """Tell whether the question asks to confirm a statement ("Did X…?", "…, right?", "…맞아?")."""
    if _CONFIRM_TAIL.search(text):
        return True
    if has_hangul(text) and text.rstrip().endswith("?") and not has_wh_word(text):
        # Korean yes/no questions are statements with a rising "?" ("봄날 2019년에 나왔어?").
        return True
    first = text.split(maxsplit=1)[0].lower().strip("?!.,") if text.split() else ""
    return first in AUXILIARIES and not has_wh_word(text)


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:년)?(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{2})-(\d{2})(?!\d)")
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH_DAY = re.compile(
    r"\b(" + "|".join(m[:3] + r"\w*" for m in _MONTHS) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"
    r"|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?("
    + "|".join(m[:3] + r"\w*" for m in _MONTHS)
    + r")\b|(\d{1,2})월\s*(\d{1,2})일",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class StatedDate:
    """A date or part of one stated in a question: year, month and day as far as given."""

    year: int | None
    month: int | None
    day: int | None
    text: str


def stated_date(text: str) -> StatedDate | None:
    """Return the date a question states ("in 2017", "on December 30", "2017년 2월 13일")."""
    iso = _ISO_DATE.search(text)
    if iso:
        y, m, d = (int(g) for g in iso.groups())
        return StatedDate(y, m, d, iso.group())
    year_m = _YEAR.search(text)
    year = int(year_m.group(1)) if year_m else None
    md = _MONTH_DAY.search(text)
    month = day = None
    if md:
        if md.group(1):
            month = _month(md.group(1))
            day = int(md.group(2))
        elif md.group(4):
            month = _month(md.group(4))
            day = int(md.group(3))
        else:
            month, day = int(md.group(5)), int(md.group(6))
    if year is None and month is None:
        return None
    shown = " ".join(x for x in (md.group() if md else "", year_m.group() if year_m else "") if x)
    return StatedDate(year, month, day, shown)


def _month(word: str) -> int | None:
    low = word.lower()[:3]
    return next((i + 1 for i, m in enumerate(_MONTHS) if m.startswith(low)), None)


def date_text_spans(text: str) -> list[tuple[int, int]]:
    """Return spans of dates and years in the text (they are never part of a name)."""
    spans = [m.span() for m in _ISO_DATE.finditer(text)]
    spans += [m.span() for m in _MONTH_DAY.finditer(text)]
    spans += [m.span() for m in _YEAR.finditer(text)]
    return sorted(spans)


# Hangul syllables whose final consonant is ㅆ (나왔, 불렀, 했): the past tense.
_PAST_SYLLABLES = "".join(chr(0xAC00 + i) for i in range(11172) if i % 28 == 20)
_PART_SPLIT = re.compile(
    r"\?\s+(?=\S)|\s+(?:and|also|plus|&)\s+(?=(?:who|what|when|which|whose|how|where|did|is|was)\b)"
    r"|\s*(?:그리고|또)\s+|,\s+(?=(?:and\s+)?(?:who|what|when|which|whose|how|where)\b)"
    # "디토 뮤비 감독 누구고 언제 나왔어": a question word joined to the next part by -고.
    r"|(?:(?<=누구)|(?<=언제)|(?<=어디)|(?<=뭐))고\s+(?=\S)"
    # "디토 언제 나왔고 누가 불렀어": a past-tense verb (a syllable ending in ㅆ) joined by -고
    # to a part that starts with a question word.
    rf"|(?<=[{_PAST_SYLLABLES}])고\s+(?=(?:누가|누구|언제|어디|뭐|몇|무슨|어느))",
    re.IGNORECASE,
)


# "since nayeon is twice's maknae when is her bday": a stated premise before the question is
# a part of its own, checked, and the question after it still answered.
_PREMISE_FIRST = re.compile(
    r"^(?:since|because|as|given(?:\s+that)?|now\s+that)\s+(?P<premise>[^,?]+?),?\s+"
    r"(?=(?:who|what|when|which|whose|how|where)\b)",
    re.IGNORECASE,
)
_STATED = re.compile(r"^(?P<x>.+?)\s+(?P<aux>is|was|are|were|has|had|have)\s+(?P<rest>.+)$")


def _as_check(premise: str) -> str:
    """Ask a stated premise as the yes/no question it rests on ("iu wrote palette": "did …")."""
    stated = _STATED.match(premise)
    if stated is not None:
        return f"{stated['aux']} {stated['x']} {stated['rest']}?"
    return f"did {premise}?"


def split_parts(text: str) -> list[str]:
    """Split a multi-part question ("Who directed X and when did it come out?") into parts."""
    premise = _PREMISE_FIRST.match(text)
    if premise is not None:
        text = _as_check(premise.group("premise")) + " " + text[premise.end() :]
    parts = [p.strip(" ,") for p in _PART_SPLIT.split(text)]
    return [p for p in parts if p and any(ch.isalnum() for ch in p)]


PRONOUNS = words_of("it its it's they them their that this he she his her 그거 그 이거 이곡 그곡")


def is_korean(text: str, name_texts: Sequence[str] = ()) -> bool:
    """Tell whether a question is asked in Korean: Hangul outside the names it mentions."""
    rest = text
    for name in sorted(name_texts, key=len, reverse=True):
        if name:
            rest = rest.replace(name, " ")
    return has_hangul(rest)
