"""Read API: cards and lists carry the facts the commands show, each with its source."""

from __future__ import annotations

import pytest

from bot.core.errors import NotFoundError
from bot.discord_io.embeds import artist_embed
from bot.knowledge import cards
from bot.knowledge.search import resolve_one
from bot.store import Store
from bot.store import catalog as db


async def key(store: Store, kind: str, k: str) -> int:
    row = await db.entity_by_key(store, kind, k)
    assert row is not None
    return row.id


async def test_release_card(full_store: Store) -> None:
    card = await cards.release_card(
        full_store, await key(full_store, "release", "love-wins-all-single")
    )
    assert (card.title, card.hangul, card.type, card.date, card.label) == (
        "Love wins all",
        "러브 윈즈 올",
        "single",
        "2024-01-24",
        "EDAM Entertainment",
    )
    assert [a.name for a in card.artists] == ["IU"]
    assert card.parent is not None and card.parent.name == "The Winning"
    assert [t.name for t in card.tracks] == ["Love wins all"]
    video = card.videos[0]
    assert video.youtube_url == "https://www.youtube.com/watch?v=JleoAppaxi0"
    assert [d.artist.name for d in video.directors] == ["Um Tae-hwa"]
    assert video.directors[0].sources[0].url.startswith("https://en.wikipedia.org")
    assert card.credit_count >= 6 and card.reference_count >= 4 and card.review_count == 1
    assert card.sources and all(s.url and s.outlet for s in card.sources)
    parent = await cards.release_card(full_store, card.parent.id)
    assert [c.name for c in parent.children] == ["Love wins all"]


async def test_song_card_and_credits_grouped_by_role(full_store: Store) -> None:
    song_id = await key(full_store, "song", "spring-day")
    card = await cards.song_card(full_store, song_id)
    assert card.length_s == 274 and card.releases[0].release.name == "You Never Walk Alone"
    view = await cards.credits_view(full_store, song_id)
    roles = [g.role for g in view.groups]
    assert roles.index("lyricist") < roles.index("composer") < roles.index("mv director")
    lyricists = view.role("lyricist")
    bang = next(line for line in lyricists if line.artist.name == "Bang Si-hyuk")
    assert bang.credited_as == '"hitman" bang' and bang.grade == "encyclopedic"
    assert all(line.sources for g in view.groups for line in g.lines)


async def test_references_both_ways(full_store: Store) -> None:
    song_id = await key(full_store, "song", "love-wins-all")
    view = await cards.references_view(full_store, song_id)
    targets = {(r.target.name, r.status) for r in view.outgoing}
    assert ("No Man's Land", "fan") in targets and ("No Man's Land", "critic") in targets
    critic = next(r for r in view.outgoing if r.status == "critic" and r.review)
    assert critic.review.author == "Jae-Ha Kim"
    work = await cards.references_view(
        full_store, await key(full_store, "work", "boltanski-no-mans-land")
    )
    assert {r.source_entity.name for r in work.incoming} >= {
        "Love wins all (music video)",
        "Spring Day (music video)",
    }


async def test_artist_card(full_store: Store) -> None:
    v = await cards.artist_card(full_store, await key(full_store, "artist", "v"))
    scripts = {(n.name, n.type) for n in v.names}
    assert ("뷔", "hangul") in scripts and ("Kim Taehyung", "legal") in scripts
    assert [m.group.name for m in v.groups] == ["BTS"]
    assert v.birth_date == "1995-12-30"
    assert any(c.role == "mv cast" for c in v.notable_credits)
    bts = await cards.artist_card(full_store, await key(full_store, "artist", "bts"))
    assert len(bts.members) == 7 and bts.debut_date == "2013-06-13"
    iu = await cards.artist_card(full_store, await key(full_store, "artist", "iu"))
    assert iu.agency == "EDAM Entertainment" and iu.works[0].work.name == "My Mister"


async def test_works_by_role(full_store: Store) -> None:
    um = await key(full_store, "artist", "um-tae-hwa")
    view = await cards.works_by(full_store, um, ["mv director"])
    assert [g.role for g in view.groups] == ["mv director"]
    assert view.groups[0].lines[0].subject.name == "Love wins all (music video)"
    assert [link.work.name for link in view.links] == ["Concrete Utopia"]


async def test_reviews_about(full_store: Store) -> None:
    reviews = await cards.reviews_about(full_store, await key(full_store, "song", "love-wins-all"))
    assert reviews[0].author == "Jae-Ha Kim" and reviews[0].url == "https://jaehakim.com/?p=55055"
    assert reviews[0].source.url == "https://jaehakim.com/?p=55055"


async def test_on_this_day(full_store: Store) -> None:
    day = await cards.on_this_day(full_store, 1, 24)
    assert "Love wins all" in {f.entity.name for f in day.releases}
    assert all(f.sources for f in day.releases + day.premieres)
    birthdays = await cards.on_this_day(full_store, 12, 30)
    assert "V" in {f.entity.name for f in birthdays.birthdays}
    debuts = await cards.on_this_day(full_store, 6, 13)
    assert "BTS" in {f.entity.name for f in debuts.debuts}


async def test_wrong_kind_is_not_found(full_store: Store) -> None:
    with pytest.raises(NotFoundError):
        await cards.release_card(full_store, await key(full_store, "song", "love-wins-all"))
    with pytest.raises(NotFoundError):
        await cards.artist_card(full_store, 10**9)


async def test_feed_review_is_recorded_once_and_shows_up(full_store: Store) -> None:
    from bot.knowledge.linking import link_entities

    text = "Why IU's Love wins all is the best video of the year"
    subjects = [e.id for e in await link_entities(full_store, text)]
    url = "https://example.org/reviews/love-wins-all"
    first = await db.record_review(
        full_store,
        url=url,
        title=text,
        outlet="Example",
        subject_ids=subjects,
        published="2024-02-01",
    )
    again = await db.record_review(
        full_store, url=url, title=text, outlet="Example", subject_ids=subjects
    )
    assert first == again
    reviews = await cards.reviews_about(full_store, await key(full_store, "song", "love-wins-all"))
    mine = next(r for r in reviews if r.url == url)
    assert mine.source.url == url
    assert {s.name for s in mine.subjects} >= {"IU", "Love wins all"}


async def test_credits_with_relatives_are_the_credits_of_the_related_ids(
    full_store: Store,
) -> None:
    song_id = await key(full_store, "song", "love-wins-all")
    video_ids = [v.entity.id for v in await db.videos_of_song(full_store, song_id)]
    assert video_ids
    for entity_id in (song_id, video_ids[0]):
        related = await cards.related_ids(full_store, entity_id)
        assert len(related) > 1
        expected = await db.credits_of(full_store, related)
        assert await db.credits_with_relatives(full_store, entity_id) == expected
    # A view built from a just-resolved reference is the view built from the id.
    song = await db.entity(full_store, song_id)
    assert song is not None
    by_ref = await cards.credits_view(full_store, cards.EntityRef.of(song))
    assert by_ref == await cards.credits_view(full_store, song_id)
    artist = await db.entity_by_key(full_store, "artist", "iu")
    assert artist is not None
    with pytest.raises(NotFoundError):
        await cards.credits_view(full_store, cards.EntityRef.of(artist))


async def test_a_former_member_is_marked_on_the_card_and_in_its_embed(full_store: Store) -> None:
    group = await resolve_one(full_store, "(G)I-DLE", ["artist"])
    card = await cards.artist_card(full_store, group.id)
    former = [m.stage_name or m.person.name for m in card.members if m.former]
    assert former == ["Soojin"]
    members = next(f for f in artist_embed(card).fields if f.name == "Members")
    lines = (members.value or "").splitlines()
    assert any(line.startswith("Soojin (former)") for line in lines)
    assert not any("(former)" in line for line in lines if not line.startswith("Soojin"))
