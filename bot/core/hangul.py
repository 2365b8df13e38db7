"""Hangul as it is typed: the jamo and initial-consonant (choseong) forms of a search string.

A Korean keyboard builds a syllable letter by letter, so "봄날" is on screen as "봄ㄴ" and
"봄나" on the way. Spelled out letter by letter ("ㅂㅗㅁㄴㅏㄹ") every stage of the typing is a
prefix of the finished name, whether a letter is shown as a lone jamo, the tail of one syllable
or the start of the next. Fans also search by initial consonants alone ("ㅂㄴ" for 봄날).

The forms are computed from a name's normalised search form (``normalize``), which turns lone
compatibility jamo into conjoining ones (NFKD); both kinds, and syllables, map to the same
compatibility letters here. Pure text functions: the store indexes these forms and search asks
for them, so they live in the core, below both.
"""

from __future__ import annotations

import re

_S_BASE, _S_END = 0xAC00, 0xD7A3
_V_COUNT, _T_COUNT = 21, 28

# Compatibility letters for leading consonants, vowels and trailing consonants, in Unicode order.
_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
# Letters typed as two keys are spelled as those two keys (ㅘ is typed ㅗ then ㅏ).
_SPLIT = {
    "ㄳ": "ㄱㅅ",
    "ㄵ": "ㄴㅈ",
    "ㄶ": "ㄴㅎ",
    "ㄺ": "ㄹㄱ",
    "ㄻ": "ㄹㅁ",
    "ㄼ": "ㄹㅂ",
    "ㄽ": "ㄹㅅ",
    "ㄾ": "ㄹㅌ",
    "ㄿ": "ㄹㅍ",
    "ㅀ": "ㄹㅎ",
    "ㅄ": "ㅂㅅ",
    "ㅘ": "ㅗㅏ",
    "ㅙ": "ㅗㅐ",
    "ㅚ": "ㅗㅣ",
    "ㅝ": "ㅜㅓ",
    "ㅞ": "ㅜㅔ",
    "ㅟ": "ㅜㅣ",
    "ㅢ": "ㅡㅣ",
}
_CONSONANTS = frozenset(_LEADS + _TAILS)


def _letter(ch: str) -> str | None:
    """Return the compatibility letter for a lone jamo (conjoining or compatibility), else None."""
    code = ord(ch)
    if 0x1100 <= code < 0x1100 + len(_LEADS):
        return _LEADS[code - 0x1100]
    if 0x1161 <= code < 0x1161 + len(_VOWELS):
        return _VOWELS[code - 0x1161]
    if 0x11A8 <= code < 0x11A8 + len(_TAILS):
        return _TAILS[code - 0x11A8]
    if 0x3131 <= code <= 0x3163:
        return ch
    return None


def _syllable(ch: str) -> tuple[str, str, str] | None:
    code = ord(ch)
    if not _S_BASE <= code <= _S_END:
        return None
    index = code - _S_BASE
    lead, rest = divmod(index, _V_COUNT * _T_COUNT)
    vowel, tail = divmod(rest, _T_COUNT)
    return _LEADS[lead], _VOWELS[vowel], _TAILS[tail - 1] if tail else ""


# Any Hangul syllable or lone jamo (conjoining or compatibility), and syllables only.
_ANY_HANGUL = re.compile(
    f"[{chr(_S_BASE)}-{chr(_S_END)}\u1100-{chr(0x1100 + len(_LEADS) - 1)}"
    f"\u1161-{chr(0x1161 + len(_VOWELS) - 1)}\u11a8-{chr(0x11A8 + len(_TAILS) - 1)}"
    "\u3131-\u3163]"
)
_SYLLABLE = re.compile(f"[{chr(_S_BASE)}-{chr(_S_END)}]")


class _Forms(dict[int, str]):
    """A ``str.translate`` table to the jamo or choseong form, filled as characters are met.

    Every name is indexed by both forms, so an import computes them for each name it writes:
    one C-level pass once the characters are known. Filled lazily, a process holds only the
    syllables it has seen (a whole table of the 11,172 syllables, for both forms, was 2.4 MiB
    resident in a bot that only searches).
    """

    def __init__(self, *, choseong: bool) -> None:
        super().__init__()
        self.choseong = choseong

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if (parts := _syllable(ch)) is not None:
            lead, vowel, tail = parts
            form = (
                lead if self.choseong else lead + _SPLIT.get(vowel, vowel) + _SPLIT.get(tail, tail)
            )
        elif (letter := _letter(ch)) is not None:
            form = letter if self.choseong else _SPLIT.get(letter, letter)
        else:
            form = ch  # not Hangul: kept as it is
        self[code] = form
        return form


_JAMO = _Forms(choseong=False)
_CHOSEONG = _Forms(choseong=True)


def has_jamo_or_syllable(norm: str) -> bool:
    """Tell whether the text has a Hangul syllable or lone jamo (what the Hangul forms cover)."""
    return any(_syllable(ch) or _letter(ch) for ch in norm)


def jamo_form(norm: str) -> str | None:
    """Return the text spelled key by key ("봄날" -> "ㅂㅗㅁㄴㅏㄹ"); None without Hangul."""
    if _ANY_HANGUL.search(norm) is None:
        return None
    return norm.translate(_JAMO)


def choseong_form(norm: str) -> str | None:
    """Return the initial consonants of the syllables ("봄날" -> "ㅂㄴ"); None without syllables.

    Other characters are kept, so "bts봄날" gives "btsㅂㄴ".
    """
    if _SYLLABLE.search(norm) is None:
        return None
    return norm.translate(_CHOSEONG)


def is_choseong_query(norm: str) -> bool:
    """Tell whether a search is initial consonants only ("ㅂㄴ"), at least two of them."""
    letters = [_letter(ch) for ch in norm]
    return len(letters) >= 2 and all(x is not None and x in _CONSONANTS for x in letters)


# ------------------------------------------------------------------------------ particles
# How the last Latin letter of a name is read aloud in Korean decides its particle: "RM" is
# 알엠 (ends in a consonant: 이), "IU" is 아이유 (a vowel: 가). Words end in a final consonant
# when their last letter is one Korean keeps as 받침 (Choi Yong-seok: 석이, Um Tae-hwa: 화가).
_LETTER_ENDS_IN_CONSONANT = frozenset("LMNR")  # 엘, 엠, 엔, 알
_WORD_ENDS_IN_CONSONANT = frozenset("bcdgkpt")  # Lilac (라일락), Magic (매직): a final c is a stop
_PARTICLES = {
    "이/가": ("이", "가"),
    "은/는": ("은", "는"),
    "을/를": ("을", "를"),
    "과/와": ("과", "와"),
    "이에요/예요": ("이에요", "예요"),
    "이랑/랑": ("이랑", "랑"),
    "으로/로": ("으로", "로"),
    "이라는/라는": ("이라는", "라는"),
    "이야/야": ("이야", "야"),
}
# The pairs a message may write as a field's spec ("{name:이/가}", see bot/core/i18n.py).
PARTICLE_PAIRS = frozenset(_PARTICLES)


def _spoken(word: str) -> str:
    """Return the part of ``word`` whose last sound takes a particle: a label's closing
    parenthesis is not read before it ("Hyunjin (Stray Kids)은", as 현진(스트레이 키즈)은)."""
    text = word.rstrip(" ”\"'’.!?")
    if text.endswith(")") and " (" in text:
        text = text[: text.rindex(" (")]
    return text.rstrip(" )]}”\"'’.!?")


def ends_in_consonant(word: str) -> bool:
    """Tell whether a name, read aloud in Korean, ends in a final consonant (받침)."""
    text = _spoken(word)
    if not text:
        return False
    last = text[-1]
    parts = _syllable(last)
    if parts is not None:
        return bool(parts[2])
    if last.isdigit():
        return last in "013678"  # 영/공, 일, 삼, 육, 칠, 팔
    if not last.isascii() or not last.isalpha():
        return False
    letters = [ch for ch in text.split()[-1] if ch.isalpha()]
    if len(letters) <= 3 and all(ch.isupper() for ch in letters):
        return last.upper() in _LETTER_ENDS_IN_CONSONANT  # an initialism, read letter by letter
    low = text.lower()
    if low.endswith(("ng", "ck", "gg")) or last.lower() in "lmn":
        return True
    # A silent final e after l, m or n leaves that consonant last: Danielle (다니엘),
    # Irene (아이린), Anne (앤); after another consonant it is heard (Little: 리틀).
    if low.endswith(("lle", "mme", "nne")) or (
        len(low) > 2 and low[-1] == "e" and low[-2] in "lmn" and low[-3] in "aeiouy"
    ):
        return True
    # A final stop is 받침 after a vowel (Jungkook: 국, Yong-seok: 석) but its own syllable
    # after a consonant (Pink: 핑크, Dark: 다크).
    return last.lower() in _WORD_ENDS_IN_CONSONANT and len(low) > 1 and low[-2] in "aeiouy"


def particle(word: str, pair: str) -> str:
    """Return ``word`` with the particle its last sound takes ("RM이", "IU가", "봄날은")."""
    after_consonant, after_vowel = _PARTICLES[pair]
    if pair == "으로/로":
        text = _spoken(word)
        parts = _syllable(text[-1]) if text else None
        if parts is not None and parts[2] == "ㄹ":
            return word + after_vowel  # 서울로: a final ㄹ takes 로
    return word + (after_consonant if ends_in_consonant(word) else after_vowel)
