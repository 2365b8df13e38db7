"""Text forms used for matching names: one normalisation shared by import, search and linking."""

from __future__ import annotations

import re
import unicodedata

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

    Edits are counted by optimal string alignment (``osa_distance``), so a swapped pair of
    letters ("Twcie" for "Twice") is one edit, as people make it, not two.
    """
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return 1.0 - osa_distance(a, b) / max(len(a), len(b))


def osa_distance(a: str, b: str) -> int:
    """Return the optimal string alignment distance: insertions, deletions, substitutions and
    swaps of two neighbouring characters, each one edit (no substring edited twice).

    Bit-parallel (Hyyrö 2003, "A bit-vector algorithm for computing Levenshtein and Damerau
    edit distances"): one pass over the longer string, the shorter one's columns held as the
    bits of an int, so a name costs a few dozen integer operations per character, not a
    table of every pair. The search scores at most 20 candidates a query with it; it is here
    so that a running bot does not load rapidfuzz (3 MiB) for this one function. A test
    checks it against rapidfuzz's ``OSA.distance``.
    """
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return len(b)
    # For each character, the positions of the shorter string where it occurs.
    positions: dict[str, int] = {}
    bit = 1
    for ch in a:
        positions[ch] = positions.get(ch, 0) | bit
        bit <<= 1
    full = (1 << len(a)) - 1
    top = 1 << (len(a) - 1)
    # Vertical deltas +1 / -1 of the current column, the diagonal zero-deltas, and the
    # previous character's positions (for swaps).
    plus, minus, zero, previous = full, 0, 0, 0
    distance = len(a)
    for ch in b:
        match = positions.get(ch, 0)
        swap = (((~zero) & match) << 1) & previous
        zero = ((((match & plus) + plus) ^ plus) | match | minus | swap) & full
        h_plus = minus | (~(zero | plus) & full)
        h_minus = zero & plus
        if h_plus & top:
            distance += 1
        elif h_minus & top:
            distance -= 1
        h_plus = ((h_plus << 1) | 1) & full
        h_minus = (h_minus << 1) & full
        plus = h_minus | (~(zero | h_plus) & full)
        minus = h_plus & zero
        previous = match
    return distance


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
