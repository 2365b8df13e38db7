"""The short ways to a search form give what the Unicode normalisations give."""

from __future__ import annotations

import random

from bot.knowledge.normalize import _unicode_form, normalize


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
