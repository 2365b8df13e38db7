"""The short ways to a search form give what the Unicode normalisations give."""

from __future__ import annotations

import random

from rapidfuzz.distance import OSA

from bot.knowledge.normalize import _unicode_form, normalize, osa_distance, similarity


def test_ascii_and_hangul_syllables_normalise_as_the_unicode_path_does() -> None:
    rng = random.Random(19)
    syllables = [chr(rng.randrange(0xAC00, 0xD7A4)) for _ in range(200)]
    alphabet = [chr(c) for c in range(0x80)] + syllables
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        assert normalize(text) == _unicode_form(text), repr(text)
    # The first and last syllables, with the jamo a trailing consonant decomposes into.
    for text in ("가", "힣", "각 가", "Love 사랑-Wins!", "뮤비에 V 나와?", "ㄱ가", "가\u11a8"):
        assert normalize(text) == _unicode_form(text), repr(text)
    assert normalize("뮤비에 V 나와?") == "뮤비에v나와"


def test_the_osa_distance_counts_as_rapidfuzz_does() -> None:
    # A swapped pair is one edit; editing a swapped pair again is not (optimal alignment).
    assert osa_distance("twcie", "twice") == 1
    assert osa_distance("ca", "abc") == 3
    assert osa_distance("", "abc") == osa_distance("abc", "") == 3
    assert similarity("twice", "twice") == 1.0 and similarity("", "twice") == 0.0
    rng = random.Random(23)
    alphabet = "abcdelovwins봄날사랑01"
    for _ in range(20_000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randrange(14)))
        b = list(a)
        for _ in range(rng.randrange(4)):  # edits of every kind, swaps included
            at = rng.randrange(len(b) + 1)
            edit = rng.randrange(4)
            if edit == 0 or not b:
                b.insert(at, rng.choice(alphabet))
            elif edit == 1 and at < len(b):
                del b[at]
            elif edit == 2 and at + 1 < len(b):
                b[at], b[at + 1] = b[at + 1], b[at]
            elif at < len(b):
                b[at] = rng.choice(alphabet)
        other = "".join(b)
        if rng.random() < 0.2:  # unrelated, and longer than one machine word
            other = "".join(rng.choice(alphabet) for _ in range(rng.randrange(90)))
        assert osa_distance(a, other) == OSA.distance(a, other), (a, other)
        assert similarity(a, other) == (
            1.0 if a == other else OSA.normalized_similarity(a, other) if a and other else 0.0
        ), (a, other)
