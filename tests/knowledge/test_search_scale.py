"""Ranking among thousands of imported homonyms, and Hangul as it is typed."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.knowledge.importers import import_catalog
from bot.knowledge.normalize import normalize
from bot.knowledge.search import resolve
from bot.store import Store
from bot.store import catalog as db
from tests.support.backends import BACKENDS
from tests.support.postgres import (
    store_like,
)
from tests.support.shared import built_once

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "catalog"
IMPORTED = 1500


async def _add_imported(
    conn: db.Conn,
    kind: str,
    key: str,
    name: str,
    *,
    sitelinks: int | None = None,
    release_count: int | None = None,
) -> int:
    entity_id = await db.upsert_entity(conn, kind, key, "musicbrainz", name)
    if kind == "song":
        await db.upsert_song(conn, entity_id, None)
    else:
        await db.upsert_artist(conn, entity_id, "group")
    await db.set_importance_signals(
        conn, entity_id, sitelinks=sitelinks, release_count=release_count
    )
    norm = normalize(name)
    await db.add_names(
        conn, [(entity_id, kind, name, norm, "title", None, True, "musicbrainz")], overwrite=False
    )
    return entity_id


@pytest.fixture(scope="module")
def _crowded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled catalog plus imported homonyms that sort before the curated names (built
    once per test run, for every xdist worker: tests/support/shared.py)."""
    return built_once(tmp_path_factory, "crowded.db", _build_crowded)


def _build_crowded(path: Path) -> None:
    import asyncio

    async def build() -> None:
        store = await Store.open(path)
        rng = random.Random(8)
        try:
            await import_catalog(store, [BUNDLED])

            async def crowd(conn: db.Conn) -> None:
                async with db.deferred_name_index(conn):  # as the importers write names
                    await crowd_names(conn)
                await db.refresh_labels(conn)

            async def crowd_names(conn: db.Conn) -> None:
                for i in range(IMPORTED):
                    # Exact homonyms and names that come first in alphabetical order.
                    for stem in ("봄날", "Next Level", "봄 0", "Next L 0"):
                        await _add_imported(
                            conn,
                            "song",
                            f"mb:{stem}:{i}",
                            f"{stem}{i:04d}" if stem.endswith("0") else stem,
                            release_count=rng.randint(1, 40),
                        )
                # Sitelinks outrank release counts, whatever their size.
                await _add_imported(conn, "song", "mb:big", "Next Level", release_count=900)
                await _add_imported(conn, "song", "mb:wiki", "Next Level", sitelinks=3)
                # Many artists share a trigram with one imported song.
                for i in range(300):
                    await _add_imported(conn, "artist", f"mb:qz{i}", f"Qzxv Artist {i:03d}")
                await _add_imported(conn, "song", "mb:qzsong", "Zz Qzxv Song")

            await store.batch(crowd)  # some 40,000 statements: one hand-over to the database
        finally:
            await store.close()

    asyncio.run(build())


@pytest.fixture(params=BACKENDS)
async def crowded(
    request: pytest.FixtureRequest, _crowded_db: Path, tmp_path: Path
) -> AsyncIterator[Store]:
    """The crowded catalog, for tests that only read it (on PostgreSQL one read-only copy per
    worker, where a write fails)."""
    async with store_like(request.param, _crowded_db, tmp_path, writable=False) as store:
        yield store


@pytest.fixture(params=BACKENDS)
async def writable_crowded(
    request: pytest.FixtureRequest, _crowded_db: Path, tmp_path: Path
) -> AsyncIterator[Store]:
    """The crowded catalog in a database of the test's own, which it may write."""
    async with store_like(request.param, _crowded_db, tmp_path, writable=True) as store:
        yield store


async def test_curated_title_first_among_thousands_of_imported_homonyms(crowded: Store) -> None:
    spring = (await resolve(crowded, "봄날", ["song"], limit=25))[0]
    assert spring.label.startswith("Spring Day (봄날) — BTS")
    level = await resolve(crowded, "Next Level", ["song"], limit=25)
    assert level[0].label.startswith("Next Level (넥스트 레벨) — aespa")
    # Then Wikidata's sitelinks before MusicBrainz's release count.
    keys = [(await db.entity(crowded, m.id)).key for m in level[:3]]
    assert keys[1:] == ["mb:wiki", "mb:big"]


async def test_prefix_reads_important_names_not_the_first_alphabetically(crowded: Store) -> None:
    # 1,500 imported "봄 0…" and "Next L 0…" sort before the curated names.
    found = await resolve(crowded, "봄", ["song"])
    assert any(m.label.startswith("Spring Day (봄날) — BTS") for m in found)
    first = (await resolve(crowded, "Next L", ["song"]))[0]
    assert first.label.startswith("Next Level (넥스트 레벨) — aespa")


async def test_a_tier_holding_the_limit_ends_the_search(crowded: Store) -> None:
    # 1,500 imported songs are exactly "Next Level": the exact names alone fill the 25, and no
    # later step ranks above them, so none is read; the same for the prefixes of "Next L".
    async with crowded.statements() as seen:
        level = await resolve(crowded, "Next Level", ["song"], limit=25)
    assert len(seen) == 1, seen
    assert [m.tier for m in level] == ["exact"] * 25
    assert level[0].label.startswith("Next Level (넥스트 레벨) — aespa")
    async with crowded.statements() as seen:
        typed = await resolve(crowded, "Next L", ["song"], limit=25)
    # The exact names, then the prefixes: on PostgreSQL both are read by one statement.
    assert len(seen) == (1 if crowded.is_postgres else 2), seen
    assert [m.tier for m in typed] == ["prefix"] * 25
    assert typed[0].label.startswith("Next Level (넥스트 레벨) — aespa")
    # Asked for more than the exact names found: the later steps are read too.
    async with crowded.statements() as seen:
        more = await resolve(crowded, "Next Level", ["song"], limit=2000)
    assert len(seen) > 1
    assert [m.id for m in more[:25]] == [m.id for m in level]


async def test_kind_filter_applies_before_the_limit(crowded: Store) -> None:
    found = await resolve(crowded, "qzxv", ["song"])
    assert [m.name for m in found] == ["Zz Qzxv Song"]


@pytest.mark.parametrize("query", ["봄ㄴ", "봄나", "ㅂㄴ", "ㅂㄴ ", "봄"])
async def test_hangul_as_it_is_typed(crowded: Store, query: str) -> None:
    found = await resolve(crowded, query, ["song"], limit=25)
    assert found[0].label.startswith("Spring Day (봄날) — BTS"), [m.label for m in found[:3]]


async def test_complete_hangul_input_ranks_as_before(writable_crowded: Store) -> None:
    # "달빛" is a whole name and, key by key, a prefix of "달비치": after a whole name the
    # ordinary prefixes ("달빛이") stay above such matches, however important they are.
    async with writable_crowded.transaction() as conn:
        await _add_imported(conn, "song", "mb:moon", "달빛", release_count=1)
        await _add_imported(conn, "song", "mb:moon-2", "달빛이", release_count=1)
        await _add_imported(conn, "song", "mb:moon-3", "달비치", sitelinks=500)
    found = await resolve(writable_crowded, "달빛", ["song"])
    assert [(m.name, m.tier) for m in found] == [
        ("달빛", "exact"),
        ("달빛이", "prefix"),
        ("달비치", "jamo"),
    ]
    # While typing, the same name is a prefix match, and the more important one leads.
    typing = await resolve(writable_crowded, "달비", ["song"])
    assert [(m.name, m.tier) for m in typing] == [
        ("달비치", "prefix"),
        ("달빛", "prefix"),
        ("달빛이", "prefix"),
    ]


async def test_rank_follows_entity_signals(writable_crowded: Store) -> None:
    async with writable_crowded.transaction() as conn:
        entity_id = await _add_imported(conn, "song", "mb:later", "Later Famous", release_count=1)
    before = (await resolve(writable_crowded, "Later Famous"))[0].importance
    async with writable_crowded.transaction() as conn:
        await db.set_importance_signals(conn, entity_id, sitelinks=40)
    after = (await resolve(writable_crowded, "Later Famous"))[0].importance
    assert after > before


async def test_hangul_forms_backfilled_for_names_stored_before(writable_crowded: Store) -> None:
    async with writable_crowded.transaction() as conn:
        await conn.execute("UPDATE names SET jamo = NULL, choseong = NULL")
        await conn.execute("INSERT INTO meta (key, value) VALUES ('hangul_forms_pending', '1')")
    assert not await resolve(writable_crowded, "ㅂㄴ", ["song"])
    async with writable_crowded.transaction() as conn:
        assert await db.fill_hangul_forms(conn) > 0
        assert await db.fill_hangul_forms(conn) == 0
    assert (await resolve(writable_crowded, "ㅂㄴ", ["song"]))[0].label.startswith(
        "Spring Day (봄날)"
    )


async def test_prefix_names_left_out_are_the_outranked_ones(crowded: Store) -> None:
    # names_prefix with ``wanted`` (count, known): PostgreSQL leaves out the names of an entity
    # that ``count`` entities not in ``known`` outrank strictly (ties kept), so they never
    # cross the connection; SQLite returns them all. 1,500 "봄 0…" songs share 40 ranks.
    every = await db.names_prefix(crowded, "봄0", ["song"], 200)
    assert len(every) == 200 and len({hit.importance for hit in every}) > 10
    firsts = sorted({hit.entity_id for hit in every[:4]})
    for count, known in ((25, []), (3, []), (10, firsts)):
        kept = await db.names_prefix(crowded, "봄0", ["song"], 200, wanted=(count, known))
        if not crowded.is_postgres:
            assert kept == every
            continue

        def ahead(hit: db.NameHit, known: list[int] = known) -> int:
            return len(
                {
                    other.entity_id
                    for other in every
                    if other.importance > hit.importance and other.entity_id not in known
                }
            )

        assert kept == [hit for hit in every if ahead(hit) < count]
        assert len(kept) < len(every)
