"""Text forms used for matching names: one normalisation shared by import, search and linking."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import OSA

_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_NOT_ASCII_ALNUM = re.compile(r"[^0-9a-z]+")
# Anything but ASCII and precomposed Hangul syllables, and what the search form keeps of those.
_NOT_ASCII_OR_SYLLABLE = re.compile(r"[^\x00-\x7f\uac00-\ud7a3]")
_NOT_ALNUM_OR_SYLLABLE = re.compile(r"[^0-9a-z\uac00-\ud7a3]+")


def normalize(text: str) -> str:
    """Return the search form of a name: NFKC, case-folded, accents, punctuation and spaces gone.

    "Love wins all", "love-wins-all" and "LOVEWINSALL" all become "lovewinsall"; Hangul
    syllables survive intact (accents are stripped by decomposing and recomposing, and
    Hangul jamo are letters, not combining marks).
    """
    if text.isascii():  # most names: NFKC/NFKD/NFC change nothing and no ASCII mark is combining
        return _NOT_ASCII_ALNUM.sub("", text.lower())
    if _NOT_ASCII_OR_SYLLABLE.search(text) is None:
        # Hangul syllables and ASCII (most Korean names and questions): case-folding leaves a
        # syllable as it is, and NFKD then NFC gives it back whole, so this is the same form
        # as below at a third of the cost (a Korean question normalises ~100 word spans).
        return _NOT_ALNUM_OR_SYLLABLE.sub("", text.lower())
    return _unicode_form(text)


def _unicode_form(text: str) -> str:
    """Return the search form of any text, by the Unicode normalisations themselves."""
    # NFKC first: a compatibility letter ("𝐈", fullwidth "Ｉ") becomes the plain letter
    # before case-folding, so "𝐈𝐔" and "iu" are one name.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    kept = "".join(ch for ch in text if ch.isalnum() and unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", kept)


def has_hangul(text: str) -> bool:
    """Tell whether the text contains Hangul."""
    return _HANGUL.search(text) is not None


def is_latin(text: str) -> bool:
    """Tell whether the text has Latin letters and no Hangul."""
    return _LATIN.search(text) is not None and not has_hangul(text)


def trigrams(norm: str) -> list[str]:
    """Return the distinct character trigrams of a normalised string, in order."""
    seen: dict[str, None] = {}
    for i in range(len(norm) - 2):
        seen.setdefault(norm[i : i + 3], None)
    return list(seen)


def dice(grams: set[str], norm: str) -> float:
    """Return the Dice overlap of a trigram set with the trigrams of ``norm``."""
    other = {norm[i : i + 3] for i in range(len(norm) - 2)}
    if not grams or not other:
        return 0.0
    return 2 * len(grams & other) / (len(grams) + len(other))


def similarity(a: str, b: str) -> float:
    """Return a 0..1 similarity of two normalised strings: 1 - edits / longer length.

    Edits are counted by optimal string alignment (rapidfuzz's OSA), so a swapped pair of
    letters ("Twcie" for "Twice") is one edit, as people make it, not two.
    """
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return OSA.normalized_similarity(a, b)


def fts_phrase(text: str) -> str:
    """Quote text as one FTS5 string so no user input is read as query syntax."""
    return '"' + text.replace('"', '""') + '"'


# Korean particles that may follow a name ("아이유의", "봄날을"), longest first.
HANGUL_PARTICLES = (
    "에서",
    "이랑",
    "으로",
    "에게",
    "까지",
    "부터",
    "의",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "와",
    "과",
    "도",
    "로",
    "랑",
    "에",
)
