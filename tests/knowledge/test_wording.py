"""The formatting layer for answers in English and Korean: dates, roles, lists, durations."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.i18n import catalogue
from bot.knowledge import vocab
from bot.knowledge.wording import (
    format_date,
    format_duration,
    grade_note,
    join_list,
    relation_phrase,
    release_type_word,
    role_phrase,
    role_title,
    status_phrase,
    video_kind_word,
    work_label,
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
    # The Korean words are catalogue entries, each under its context (one English word may
    # translate differently as a status and as a grade: "database").
    korean = catalogue("ko").singular
    wanted = [("role", r.title) for r in vocab.ROLES]
    wanted += [("relation", r.key) for r in vocab.RELATIONS]
    wanted += [("status", s.answer) for s in vocab.STATUSES]
    wanted += [("grade", g.note) for g in vocab.GRADES if g.note]
    wanted += [("release type", t.word) for t in vocab.RELEASE_TYPES]
    wanted += [("video kind", k) for k in vocab.VIDEO_KINDS]
    wanted += [("work kind", k) for k in vocab.WORK_KINDS]
    assert [key for key in wanted if key not in korean] == []
    assert len(wanted) == len(vocab.ROLES) + 6 + 4 + 4 + 5 + 4 + 10
    # Every key reads as its Korean word, never as the English or the key.
    assert all(role_title(r, "ko") == korean[("role", vocab.ROLE[r].title)] for r in vocab.ROLE)
    assert all(relation_phrase(r, "ko") == korean[("relation", r)] for r in vocab.RELATION)
    assert status_phrase("database", "ko") == "공개 데이터베이스 기록"
    assert grade_note("database", "ko") == "데이터베이스"
    assert video_kind_word("music video", "ko") == "뮤직비디오"
    assert video_kind_word("music video", "en") == "music video"
    # An outside work's kind in its label reads in the answer's language.
    cyborg = "I'm a Cyborg, But That's OK — Park Chan-wook (film, 2006)"
    assert work_label(cyborg, "ko") == "I'm a Cyborg, But That's OK — Park Chan-wook (영화, 2006)"
    assert work_label(cyborg, "en") == cyborg
    assert work_label("Omelas (story)", "ko") == "Omelas (소설)"
    assert work_label("Wings (EP, 2016)", "ko") == "Wings (EP, 2016)"
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


def test_durations_and_ages() -> None:
    assert format_duration(274, "en") == "4:34"
    assert format_duration(274, "ko") == "4분 34초"
    assert format_duration(240, "ko") == "4분"
    assert years_between("1997-02-01", "2019-04-22") == 22
    assert years_between("1997-02-01", "2019-01-31") == 21
    assert years_between("2020-01-01", "2019-01-01") is None
    assert years_between("not a date", "2019-01-01") is None
