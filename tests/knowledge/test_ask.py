"""The ask engine answers from stored facts with sources, and declines when it does not know."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from linernotes.bot.knowledge.ask import answer
from linernotes.bot.store import Store

CASES = tomllib.loads((Path(__file__).parent / "ask_cases.toml").read_text(encoding="utf-8"))
ANSWERS = CASES["answer"]
DECLINES = CASES["decline"]


def test_the_case_file_is_big_enough() -> None:
    assert len(ANSWERS) >= 80
    assert len(DECLINES) >= 20
    questions = [c["q"] for c in ANSWERS + DECLINES]
    assert len(set(questions)) == len(questions)


@pytest.mark.parametrize("case", ANSWERS, ids=[c["q"] for c in ANSWERS])
async def test_answers(full_store: Store, case: dict) -> None:
    result = await answer(full_store, case["q"])
    assert result.answered, result.text
    text = result.text.casefold()
    for expected in case["expect"]:
        assert expected.casefold() in text, result.text
    for absent in case.get("absent", []):
        assert absent.casefold() not in text, result.text
    assert result.sources, "every answer cites a source"
    assert all(s.url.startswith("http") and s.outlet for s in result.sources)
    if "source" in case:
        assert any(case["source"] in s.url for s in result.sources), result.sources


@pytest.mark.parametrize("case", DECLINES, ids=[c["q"] or "<empty>" for c in DECLINES])
async def test_declines(full_store: Store, case: dict) -> None:
    result = await answer(full_store, case["q"])
    assert not result.answered, result.text
    assert any(
        phrase in result.text
        for phrase in ("don't", "no ", "not sure", "could mean", "Which", "Ask me", "won't")
    ), result.text
    if "suggest" in case:
        assert any(case["suggest"] in s for s in result.suggestions), result.suggestions


async def test_answers_work_on_the_small_fixture_catalog(small_store: Store) -> None:
    result = await answer(small_store, "Who directed the Love wins all MV?")
    assert result.answered and "Um Tae-hwa" in result.text


async def test_key_questions_on_the_real_bundled_catalog(store: Store) -> None:
    from linernotes.bot.knowledge.importers import bundled_catalog_dir, ensure_bundled_loaded

    if not any(bundled_catalog_dir().glob("*.toml")):
        pytest.skip("no bundled catalog files yet")
    await ensure_bundled_loaded(store)
    director = await answer(store, "Who directed the Love wins all music video?")
    assert director.answered and "Um Tae-hwa" in director.text
    featured = await answer(store, "Who is featured on Love wins all?")
    assert "No featured artist" in featured.text and "V" in featured.text
    blueming = await answer(store, "Who directed the Blueming MV?")
    assert not blueming.answered
