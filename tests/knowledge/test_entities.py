"""Entity keys, the indexed read by key, and which release a song belongs to."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import ask, entities
from bot.knowledge.entities import EntityKey, EntityRef
from bot.knowledge.importers import import_catalog
from bot.knowledge.search import AmbiguousError, resolve, resolve_one, song_or_release
from bot.store import Store
from tests.support.data import SMALL_CATALOG


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("song:12", EntityKey("song", 12)),
        (" artist:3 ", EntityKey("artist", 3)),
        ("work:0", EntityKey("work", 0)),
        ("review:4", None),
        ("song:", None),
        ("song:x", None),
        ("Love wins all", None),
        ("", None),
        (None, None),
    ],
)
def test_key_parses_only_kind_colon_id(text: str | None, key: EntityKey | None) -> None:
    assert EntityKey.parse(text) == key
    if key is not None:
        assert EntityKey.parse(str(key)) == key


def test_keys_sort_by_kind_then_id() -> None:
    keys = [EntityKey("song", 10), EntityKey("artist", 7), EntityKey("song", 2)]
    assert [str(k) for k in sorted(keys)] == ["artist:7", "song:2", "song:10"]


async def test_entity_reads_by_key_and_checks_the_kind(small_store: Store) -> None:
    song = (await resolve(small_store, "Love wins all", ["song"]))[0]
    found = await entities.entity(small_store, song.key)
    assert found == EntityRef(song.key, "Love wins all", song.label)
    assert (found.kind, found.id, found.value) == ("song", song.id, f"song:{song.id}")
    assert await entities.entity(small_store, EntityKey("artist", song.id)) is None
    assert await entities.entity(small_store, EntityKey("song", 10**9)) is None


async def test_release_for_a_song_is_its_single(small_store: Store) -> None:
    song = (await resolve(small_store, "Love wins all", ["song"]))[0]
    single = (await resolve(small_store, "Love wins all", ["release"]))[0]
    release = await entities.release_for(small_store, song.key)
    assert release is not None and release.key == single.key
    assert await entities.release_for(small_store, single.key) == single.ref
    assert await entities.release_for(small_store, EntityKey("song", 10**9)) is None


async def test_a_song_and_its_single_count_as_one(small_store: Store) -> None:
    with pytest.raises(AmbiguousError) as caught:
        await resolve_one(small_store, "Love wins all", ["song", "release"])
    candidates = caught.value.candidates
    assert sorted(c.kind for c in candidates) == ["release", "song"]
    song = await song_or_release(small_store, candidates, "song")
    release = await song_or_release(small_store, candidates, "release")
    assert song is not None and song.kind == "song"
    assert release is not None and release.kind == "release"
    picked = await resolve_one(small_store, "Love wins all", ["song", "release"], prefer="song")
    assert picked == song
    # Two songs of one name are a real ambiguity: no choice is made.
    assert await song_or_release(small_store, [song, song], "song") is None


async def _videos_named(store: Store, tmp_path: Path, *video_ids: str) -> None:
    """Import the small catalog with these videos titled "Love wins all", like the song."""
    folder = tmp_path / "catalog"
    shutil.copytree(SMALL_CATALOG, folder)
    for path in folder.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        for video_id in video_ids:
            start = text.find(f'id = "{video_id}"')
            if start >= 0:
                end = text.index("\n", text.index("title = ", start))
                line = text[text.index("title = ", start) : end]
                text = text[:start] + text[start:].replace(line, 'title = "Love wins all"', 1)
        path.write_text(text, encoding="utf-8")
    await import_catalog(store, [folder])


async def test_a_song_its_video_and_its_single_resolve_alike_everywhere(
    store: Store, tmp_path: Path
) -> None:
    # A music video named exactly like its song (as MusicBrainz names video recordings).
    await _videos_named(store, tmp_path, "love-wins-all-mv")
    kinds = ("song", "release", "video")  # what /credits and /references look up
    exact = [m for m in await resolve(store, "Love wins all", kinds) if m.tier == "exact"]
    assert sorted(m.kind for m in exact) == ["release", "song", "video"]
    # The resolver every command uses: one work, shown as the kind the command prefers.
    song = await resolve_one(store, "Love wins all", kinds, prefer="song")
    assert (song.kind, song.name) == ("song", "Love wins all")
    release = await resolve_one(store, "Love wins all", ("release", "song"), prefer="release")
    assert release.kind == "release"
    # /ask decides by the same rule: the question is answered about that song.
    answer = await ask.answer(store, "Who composed Love wins all?")
    assert answer.answered
    assert answer.entities[0].key == song.key
    assert "Seo Dong-hwan" in answer.text


async def test_a_video_of_another_song_of_that_name_stays_a_question(
    store: Store, tmp_path: Path
) -> None:
    await _videos_named(store, tmp_path, "love-wins-all-mv", "spring-day-mv")
    kinds = ("song", "release", "video")
    with pytest.raises(AmbiguousError) as caught:
        await resolve_one(store, "Love wins all", kinds, prefer="song")
    assert sorted(c.kind for c in caught.value.candidates) == ["release", "song", "video", "video"]
    answer = await ask.answer(store, "Who composed Love wins all?")
    assert not answer.answered


async def test_a_name_and_a_function_word_never_become_another_persons_alias(
    store: Store, tmp_path: Path
) -> None:
    # "Is Yunwon on …": the span "Yunwon on" spells ``yunwonon``, an alias of someone else
    # (as romanized Hangul names are), and "Yunwon 나와" another; the question names Yunwon.
    folder = tmp_path / "catalog"
    shutil.copytree(SMALL_CATALOG, folder)
    people = [
        ("yunwon-a", "Yunwon", "rapper", []),
        ("yunwon-b", "Yunwon", "arranger", []),
        ("yoon-wonon", "Yoon Wonon", "", ["Yunwon On"]),
        ("yoon-wonna", "Yoon Wonna", "", ["Yunwon Na"]),
    ]
    text = ""
    for key, name, note, aliases in people:
        text += f'[[artist]]\nid = "{key}"\nname = "{name}"\nkind = "person"\n'
        text += f"aliases = {aliases!r}\n".replace("'", '"')
        text += 'sources = ["wiki-love-wins-all"]\n'
        text += f'disambiguation = "{note}"\n\n' if note else "\n"
    (folder / "homonyms.toml").write_text(text, encoding="utf-8")
    await import_catalog(store, [folder])
    for question in ("Is Yunwon on Love wins all?", "Love wins all 뮤비에 Yunwon 나와?"):
        answer = await ask.answer(store, question)
        assert not answer.answered, answer.text
        assert "Wonon" not in answer.text and "Wonna" not in answer.text, answer.text
        assert "Yunwon" in answer.text
