"""The catalog schema makes a fact without a source impossible and keeps the name index in sync."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store
from bot.store import catalog as db


@pytest.fixture
async def store(database: Path | str) -> AsyncIterator[Store]:
    async with Store.open(database) as s:
        yield s


async def _seed(store: Store) -> tuple[int, int, int]:
    async with store.transaction() as conn:
        source = await db.upsert_source(conn, "s", "test", "https://example.org", "Example")
        artist = await db.upsert_entity(conn, "artist", "a", "test", "A")
        await db.upsert_artist(conn, artist, "person")
        song = await db.upsert_entity(conn, "song", "x", "test", "Song X")
        await db.upsert_song(conn, song, 200)
        await db.add_names(
            conn, [(song, "song", "Song X", "songx", "title", "en", True, "test")], overwrite=True
        )
    return source, artist, song


async def test_credit_without_source_is_rejected(store: Store) -> None:
    _, artist, song = await _seed(store)
    with pytest.raises(sqlite3.IntegrityError):
        await store.execute(
            "INSERT INTO credits (subject_kind, subject_id, artist_id, role, source_id, origin) "
            "VALUES ('song', ?, ?, 'composer', NULL, 'test')",
            (song, artist),
        )
    with pytest.raises(sqlite3.IntegrityError):
        await store.execute(
            "INSERT INTO credits (subject_kind, subject_id, artist_id, role, source_id, origin) "
            "VALUES ('song', ?, ?, 'composer', 999, 'test')",
            (song, artist),
        )


async def test_reference_membership_and_link_need_sources(store: Store) -> None:
    _, artist, song = await _seed(store)
    for sql in (
        "INSERT INTO entity_references (from_id, to_id, relation, status, source_id, origin) "
        f"VALUES ({song}, {song}, 'echo', 'fan', NULL, 't')",
        "INSERT INTO memberships (person_id, group_id, source_id, origin) "
        f"VALUES ({artist}, {artist}, NULL, 't')",
        "INSERT INTO artist_works (artist_id, work_id, role, source_id, origin) "
        f"VALUES ({artist}, {song}, 'actor', NULL, 't')",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            await store.execute(sql)


async def test_credit_subject_kind_must_match(store: Store) -> None:
    source, artist, song = await _seed(store)
    with pytest.raises(sqlite3.IntegrityError, match="subject_kind"):
        await store.execute(
            "INSERT INTO credits (subject_kind, subject_id, artist_id, role, source_id, origin) "
            "VALUES ('video', ?, ?, 'composer', ?, 'test')",
            (song, artist, source),
        )


async def test_one_primary_name_per_locale(store: Store) -> None:
    _, _, song = await _seed(store)
    with pytest.raises(sqlite3.IntegrityError):
        await store.execute(
            "INSERT INTO names (entity_id, kind, name, norm, type, locale, is_primary, origin) "
            "VALUES (?, 'song', 'Other', 'other', 'title', 'en', 1, 'test')",
            (song,),
        )


async def test_trigram_index_follows_names_through_cascades(store: Store) -> None:
    _, _, song = await _seed(store)
    hits = await db.names_matching(store, '"ngx"', None, 10, ranked=False)
    assert [h.entity_id for h in hits] == [song]
    await store.execute("DELETE FROM entities WHERE id = ?", (song,))
    assert await db.names_matching(store, '"ngx"', None, 10, ranked=False) == []


async def test_labels_fit_discord_autocomplete(store: Store) -> None:
    async with store.transaction() as conn:
        entity_id = await db.upsert_entity(conn, "work", "w", "test", "W" * 150)
        await db.upsert_work(conn, entity_id, "book", "C" * 50, 1999, None)
        await db.refresh_labels(conn)
    row = await db.entity(store, entity_id)
    assert len(row.label) == 100 and row.label.endswith("…")
