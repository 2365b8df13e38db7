"""The formatting layer for answers in English and Korean: dates, roles, lists, durations."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.knowledge import vocab
from bot.knowledge.wording import (
    KO_GRADES,
    KO_RELATIONS,
    KO_RELEASE_TYPES,
    KO_ROLES,
    KO_STATUSES,
    format_date,
    format_duration,
    grade_note,
    join_list,
    relation_phrase,
    release_type_word,
    role_phrase,
    role_title,
    say,
    status_phrase,
    years_between,
)


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        ("2017-02-13", "ko", "2017년 2월 13일"),
        ("2017-02-13", "en", "2017-02-13"),
        (dt.date(2024, 1, 24), "ko", "2024년 1월 24일"),
        ("2017-02", "ko", "2017년 2월"),
        ("2017", "ko", "2017년"),
        ("sometime", "ko", "sometime"),
        ("2017-02-13", "fr", "2017-02-13"),
    ],
)
def test_format_date(value, lang, expected) -> None:
    assert format_date(value, lang) == expected


def test_role_titles_in_both_languages() -> None:
    assert [role_title(r, "ko") for r in ("lyricist", "composer", "arranger", "producer")] == [
        "작사",
        "작곡",
        "편곡",
        "프로듀서",
    ]
    assert role_title("mv director", "ko") == "뮤직비디오 감독"
    assert role_title("mv director", "en") == "MV director"  # vocab's title, initialism kept
    assert role_title("composer", "en") == "composer"  # lower-case inside a sentence
    assert role_phrase("mv director", "en") == "directed by"
    assert role_title("unknown role", "ko") == "unknown role"


def test_every_vocabulary_word_has_a_korean_word() -> None:
    assert set(KO_ROLES) == set(vocab.ROLE)
    assert set(KO_RELATIONS) == set(vocab.RELATION)
    assert set(KO_STATUSES) == set(vocab.STATUS)
    assert set(KO_GRADES) == {g.key for g in vocab.GRADES if g.note}
    assert set(KO_RELEASE_TYPES) == set(vocab.RELEASE_TYPE)
    assert relation_phrase("homage", "en") == vocab.RELATION["homage"].phrase
    assert status_phrase("critic", "ko") == "평론가의 해석"
    assert grade_note("press", "en") == "press" and grade_note("primary", "ko") == ""
    assert release_type_word("ep", "en") == "EP" and release_type_word("ep", "ko") == "미니앨범"


def test_join_list() -> None:
    assert join_list(["A", "B", "C"], "en") == "A, B and C"
    assert join_list(["A", "B"], "en", "or") == "A or B"
    assert join_list(["A", "B", "C"], "ko") == "A, B, C"
    assert join_list(["A", "B"], "ko", "or") == "A 또는 B"
    assert join_list(["A", ""], "en") == "A"
    assert join_list([], "ko") == ""


def test_durations_ages_and_picking_a_sentence() -> None:
    assert format_duration(274, "en") == "4:34"
    assert format_duration(274, "ko") == "4분 34초"
    assert format_duration(240, "ko") == "4분"
    assert years_between("1997-02-01", "2019-04-22") == 22
    assert years_between("1997-02-01", "2019-01-31") == 21
    assert years_between("2020-01-01", "2019-01-01") is None
    assert years_between("not a date", "2019-01-01") is None
    assert say("ko", "yes", "네") == "네" and say("en", "yes", "네") == "yes"
