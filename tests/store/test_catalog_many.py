"""The readers of several subjects at once give each subject what its one-subject reader gives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store
from bot.store import catalog as db


@pytest.fixture
async def store(database: Path | str) -> AsyncIterator[Store]:
    async with Store.open(database) as s:
        yield s


async def _seed(store: Store) -> dict[str, int]:
    ids: dict[str, int] = {}
    async with store.transaction() as conn:
        src = await db.upsert_source(conn, "s", "test", "https://example.org", "Example")
        for key in ("g1", "g2", "p1", "p2", "p3"):
            ids[key] = await db.upsert_entity(conn, "artist", key, "test", key.upper())
            await db.upsert_artist(conn, ids[key], "group" if key.startswith("g") else "person")
        for key in ("s1", "s2", "s3"):
            ids[key] = await db.upsert_entity(conn, "song", key, "test", key.upper())
            await db.upsert_song(conn, ids[key], 200)
        # p2 left g1 before p1 joined it; p1 is in both groups; nobody is in g2 but p1.
        await db.add_memberships(
            conn,
            [
                db.MembershipInsert(ids["p1"], ids["g1"], "One", "2020", None, 1, None, src, "t"),
                db.MembershipInsert(ids["p2"], ids["g1"], None, "2015", "2019", 0, None, src, "t"),
                db.MembershipInsert(ids["p1"], ids["g2"], None, "2010", None, 1, None, src, "t"),
            ],
        )
        # s1 by g1 then p3 (written out of order); s2 by p2; s3 by nobody.
        await db.add_performers(
            conn,
            [
                db.PerformerInsert(ids["s1"], 2, ids["p3"], None, src, "t"),
                db.PerformerInsert(ids["s1"], 1, ids["g1"], "G-One", src, "t"),
                db.PerformerInsert(ids["s2"], 1, ids["p2"], None, src, "t"),
            ],
        )
    return ids


async def test_memberships_of_several_match_one_at_a_time(store: Store) -> None:
    ids = await _seed(store)
    people = [ids["p3"], ids["p1"], ids["p2"]]
    groups = await db.groups_of_many(store, people)
    assert list(groups) == people
    for person in people:
        assert groups[person] == await db.groups_of(store, person)
    # Oldest membership first: p1 joined g2 before g1.
    assert [m.group.key for m in groups[ids["p1"]]] == ["g2", "g1"]
    assert groups[ids["p3"]] == []

    rosters = await db.members_of_many(store, [ids["g1"], ids["g2"], ids["s3"]])
    for group in (ids["g1"], ids["g2"], ids["s3"]):
        assert rosters[group] == await db.members_of(store, group)
    assert [m.person.key for m in rosters[ids["g1"]]] == ["p2", "p1"]
    assert rosters[ids["s3"]] == []
    assert await db.groups_of_many(store, []) == {}


async def test_performers_of_several_match_one_at_a_time(store: Store) -> None:
    ids = await _seed(store)
    songs = [ids["s2"], ids["s3"], ids["s1"]]
    rows = await db.performers_many(store, songs)
    assert list(rows) == songs
    for song in songs:
        assert rows[song] == await db.performers(store, song)
    assert [(p.position, p.artist.key, p.credited_as) for p in rows[ids["s1"]]] == [
        (1, "g1", "G-One"),
        (2, "p3", None),
    ]
    assert rows[ids["s3"]] == []
