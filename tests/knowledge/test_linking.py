"""Entity linking in review text: word boundaries, longest match, Hangul, context for V."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.knowledge.importers import import_catalog
from bot.knowledge.linking import AliasIndex, link_entities
from bot.store import Store

# A short review written for this test: it names the things a real review of the video would
# (singer, co-star, group, director, an earlier song) and phrases that must not link
# ("is a" is not Isa, "and a" not Anda, "I've" not IVE, "pop" not P.O.P).
REVIEW = """\
In the video for IU's single Love wins all, director Um Tae-hwa casts V of BTS as her
companion. The pair wander a city that has turned against them and answer it with
tenderness. It is a short film as much as a pop song, and a wistful one: a camcorder glow,
a borrowed suit, a handful of small jokes. Some viewers hear Spring Day in its longing;
I've heard that reading, and a few others besides. 아이유의 러브 윈즈 올은 조용히 끝난다.
"""


@pytest.fixture(scope="module")
def snapshot_index(_snapshot_db: Path, tmp_path_factory: pytest.TempPathFactory) -> AliasIndex:
    """The alias index of the catalog snapshot (full_store's rows), built once per module for the
    tests that only link text: building it reads every name (about 0.25 s a test). How a store
    builds and refreshes its index is test_index_refreshes_after_an_import's."""
    copy = tmp_path_factory.mktemp("linking") / "snapshot.db"
    shutil.copy(_snapshot_db, copy)

    async def build() -> AliasIndex:
        async with Store.open(copy) as store:
            return await AliasIndex.build(store)

    return asyncio.run(build())


def names(found) -> list[str]:
    return [f"{e.kind}:{e.name}" for e in found]


@pytest.mark.parametrize(
    ("text", "expected", "unexpected"),
    [
        ("PIU and a view of the IU stage", ["artist:IU"], []),
        ("The PIU review", [], ["artist:IU"]),
        ("BTS's V joins IU", ["artist:BTS", "artist:V", "artist:IU"], []),
        ("BTS’ V joins IU", ["artist:V"], []),
        ("V (BTS) stars in it", ["artist:V"], []),
        ("Part V of the saga, V for Vendetta", [], ["artist:V"]),
        ("Spring Day echoes", ["song:Spring Day"], []),
        ("an early spring day in Seoul", [], ["song:Spring Day"]),
        ("아이유의 러브 윈즈 올 뮤비", ["artist:IU", "song:Love wins all"], []),
        ("러브윈즈올 감상", ["song:Love wins all"], []),
        ("Blood Sweat & Tears and Blood Sweat and Tears", ["song:Blood Sweat & Tears"], []),
        ("방탄소년단 봄날", ["artist:BTS", "song:Spring Day"], []),
        ("It is a good song, and a bad one; I've heard", [], ["artist:Isa", "artist:IVE"]),
        ("may we see May in May", [], ["artist:May"]),
        ("IZ*ONE's Yena sings", ["artist:IZ*ONE"], ["artist:Yena"]),
    ],
)
async def test_links(
    snapshot_index: AliasIndex, text: str, expected: list[str], unexpected: list[str]
) -> None:
    found = names(await link_entities(snapshot_index, text))
    for item in expected:
        assert item in found, found
    for item in unexpected:
        assert item not in found, found


async def test_each_entity_once_in_text_order_with_spans(snapshot_index: AliasIndex) -> None:
    text = "IU's Love wins all. Later IU again."
    found = await link_entities(snapshot_index, text)
    assert [e.name for e in found].count("IU") == 1
    first = found[0]
    assert (first.name, text[first.start : first.end]) == ("IU", "IU")
    assert found == sorted(found, key=lambda e: e.start)
    assert all(e.value == f"{e.kind}:{e.id}" for e in found)


async def test_a_review_links_the_right_things(full_store: Store) -> None:
    found = set(names(await link_entities(full_store, REVIEW)))  # the store's own index
    assert {
        "artist:IU",
        "artist:V",
        "artist:BTS",
        "song:Love wins all",
        "song:Spring Day",
        "artist:Um Tae-hwa",
    } <= found
    assert not {"artist:Isa", "artist:Anda", "artist:IVE", "artist:P.O.P"} & found


async def test_index_refreshes_after_an_import(store: Store, tmp_path: Path) -> None:
    assert await link_entities(store, "Zzyzx Road is great") == []
    (tmp_path / "z.toml").write_text(
        '[[source]]\nid = "s"\nurl = "https://example.org"\noutlet = "Ex"\n'
        '[[artist]]\nid = "a"\nname = "Zed"\nkind = "group"\nsources = ["s"]\n'
        '[[song]]\nid = "z"\ntitle = "Zzyzx Road"\nartists = ["a"]\nsources = ["s"]\n',
        encoding="utf-8",
    )
    await import_catalog(store, [tmp_path / "z.toml"])
    assert names(await link_entities(store, "Zzyzx Road is great")) == ["song:Zzyzx Road"]
    index = await AliasIndex.build(store)
    assert names(index.link("Zzyzx Road")) == ["song:Zzyzx Road"]
    assert names(await link_entities(index, "Zzyzx Road")) == ["song:Zzyzx Road"]
