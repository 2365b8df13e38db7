"""Romanized Korean: Revised Romanization and fan spellings of the Hangul names in the store."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.knowledge.ask import answer
from bot.knowledge.importers import import_catalog
from bot.knowledge.romanize import (
    ORIGIN,
    clear_romanized_names,
    fan_spellings,
    refresh_romanized_names,
    romanize,
)
from bot.knowledge.search import resolve
from bot.store import Store
from bot.store import catalog as db
from tests.support.data import SMALL_CATALOG

NAME_COLUMNS = "id, entity_id, kind, name, norm, type, locale, is_primary, origin, importance"


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


async def _names(store: Store) -> list[tuple[object, ...]]:
    rows = await store.fetchall(f"SELECT {NAME_COLUMNS} FROM names ORDER BY id")
    return [tuple(r) for r in rows]


async def _romanized(store: Store) -> list[tuple[object, ...]]:
    rows = await store.fetchall(
        "SELECT entity_id, kind, name, norm FROM names WHERE origin = ? ORDER BY 1, 4", (ORIGIN,)
    )
    return [tuple(r) for r in rows]


async def test_an_import_writes_only_the_names_it_adds_or_changes(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "catalog"
    shutil.copytree(SMALL_CATALOG, folder)
    await import_catalog(store, [folder])
    before = await _names(store)
    iu = await db.entity_by_key(store, "artist", "iu")
    assert iu is not None
    iu_romanized = {str(r[3]) for r in before if r[1] == iu.id and r[8] == ORIGIN}
    assert {"aiyu", "ijieun"} <= iu_romanized

    # The same files again: every name row stays as it was, ids included, and none is written.
    async with store.statements() as seen:
        await import_catalog(store, [folder])
    assert await _names(store) == before
    writes = [s for s in seen if re.match(r"\s*(INSERT INTO|DELETE FROM|UPDATE) names\b", s)]
    assert writes == []

    # One Korean name changed: only that artist's rows change; its old forms go, new ones come.
    path = folder / "iu.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'legal_name_hangul = "이지은"', 'legal_name_hangul = "이지금"'
        ),
        encoding="utf-8",
    )
    await import_catalog(store, [folder])
    after = await _names(store)
    assert [r for r in after if r[1] != iu.id] == [r for r in before if r[1] != iu.id]
    now = {str(r[3]) for r in after if r[1] == iu.id and r[8] == ORIGIN}
    assert now == (iu_romanized - {"ijieun"}) | {"ijigeum", "lee jigeum"}

    # What the import kept in step is what regenerating every romanized name gives.
    kept = await _romanized(store)
    async with store.transaction() as conn:
        await clear_romanized_names(conn)
        await refresh_romanized_names(conn)
    assert await _romanized(store) == kept
