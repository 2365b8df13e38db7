"""Romanized Korean: Revised Romanization and fan spellings of the Hangul names in the store."""

from __future__ import annotations

import pytest

from bot.knowledge.ask import answer
from bot.knowledge.romanize import ORIGIN, fan_spellings, romanize
from bot.knowledge.search import resolve
from bot.store import Store


@pytest.mark.parametrize(
    ("hangul", "expected"),
    [
        ("봄날", "bomnal"),
        ("빨간 맛", "ppalgan mat"),
        ("밤편지", "bampyeonji"),
        ("피 땀 눈물", "pi ttam nunmul"),
        ("음악", "eumak"),  # a final consonant links to the next vowel
        ("신라", "silla"),  # ㄴ + ㄹ is read ll
        ("국물", "gungmul"),  # ㄱ before ㅁ is read ng
        ("종로", "jongno"),  # ㄹ after ㅇ is read n
        ("트와이스", "teuwaiseu"),
        ("BTS 봄날", "BTS bomnal"),
    ],
)
def test_revised_romanization(hangul: str, expected: str) -> None:
    assert romanize(hangul) == expected


def test_fan_spellings_are_few_ordered_and_cover_common_habits() -> None:
    forms = fan_spellings("엄태화")
    assert forms[0] == "eomtaehwa"  # Revised Romanization first
    assert "umtaehwa" in forms  # eo typed as u
    assert "kim taehyung" in fan_spellings("김태형")  # family name as people spell it
    assert "bampyunji" in fan_spellings("밤편지")
    assert fan_spellings("Ditto") == []
    for name in ("방탄소년단", "김태형", "피 땀 눈물"):
        forms = fan_spellings(name)
        assert 1 <= len(forms) <= 6 and len(set(forms)) == len(forms)
        assert forms == fan_spellings(name)


async def test_romanized_names_are_indexed_after_an_import(bundled_store: Store) -> None:
    rows = await bundled_store.fetchall(
        "SELECT count(*) FROM names WHERE origin = ? AND type = 'romanization'", (ORIGIN,)
    )
    assert rows[0][0] > 1000
    for query, expected in (("bomnal", "Spring Day"), ("ppalgan mat", "Red Flavor")):
        found = await resolve(bundled_store, query, ["song"])
        assert found and found[0].name == expected, (query, found[:2])
    result = await answer(bundled_store, "reobeu winjeu ol director")
    assert result.answered and "Um Tae-hwa" in result.text


async def test_hangul_typed_for_a_latin_name_is_found(bundled_store: Store) -> None:
    result = await answer(bundled_store, "최용석이 러브 윈즈 올 뮤비 감독 맞아?")
    assert result.lang == "ko" and result.text.startswith("아니요")
    assert "Um Tae-hwa" in result.text
