"""On-demand lookups below the Discord layer: Wikidata mapping, match picking, the lookup
service's memory (negative cache, refresh), precedence of curated facts."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import NotFoundError
from bot.discord_io.embeds import release_embed
from bot.knowledge import cards
from bot.knowledge.importers import import_catalog, import_musicbrainz
from bot.knowledge.importers.wikidata import Alias, facts_from_entity, store_facts
from bot.knowledge.online.http import ServiceUnavailable, retry_after_seconds
from bot.knowledge.online.limiter import RateLimiter
from bot.knowledge.online.lookup import OnlineLookup
from bot.knowledge.online.musicbrainz import MusicBrainzClient, lucene_escape
from bot.knowledge.online.picking import pick
from bot.knowledge.online.wikidata import WikidataClient, qid_from_url
from bot.store import Store
from bot.store import catalog as db
from bot.store import online as online_db
from tests.standins.musicbrainz import MusicBrainzStandIn
from tests.standins.wikidata import WikidataStandIn
from tests.support.data import FIXTURES


@pytest.fixture
async def store(database: Path | str) -> AsyncIterator[Store]:
    """An empty, migrated store: these tests run on SQLite and on PostgreSQL."""
    async with Store.open(database) as s:
        yield s


ABBA = "2d40c8b2-7524-49e3-af44-ebb924c5b023"
START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def item(qid: str, **claims: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "item",
        "id": qid,
        "labels": {"en": {"language": "en", "value": f"Item {qid}"}},
        "aliases": {},
        "claims": claims,
        "sitelinks": {},
    }


def link(prop: str, qid: str, rank: str = "normal") -> dict[str, Any]:
    return {
        "mainsnak": {
            "snaktype": "value",
            "property": prop,
            "datavalue": {
                "value": {"entity-type": "item", "numeric-id": int(qid[1:]), "id": qid},
                "type": "wikibase-entityid",
            },
        },
        "type": "statement",
        "rank": rank,
    }


async def _sitelinks(store: Store, entity_id: int) -> int | None:
    # Importance signals live in the entities columns the name rank reads.
    row = await store.fetchone("SELECT sitelinks FROM entities WHERE id = ?", (entity_id,))
    assert row is not None
    return None if row[0] is None else int(row[0])


def when(time: str, precision: int) -> dict[str, Any]:
    return {
        "mainsnak": {
            "snaktype": "value",
            "property": "P577",
            "datavalue": {"value": {"time": time, "precision": precision}, "type": "time"},
        },
        "type": "statement",
        "rank": "normal",
    }


# ------------------------------------------------------------------------------ Wikidata
def test_facts_from_entity_reads_labels_people_references_dates_and_importance() -> None:
    data = json.loads((FIXTURES / "wikidata" / "thinking_out_loud.json").read_text("utf-8"))
    facts = facts_from_entity(data["entities"]["Q17332468"])
    assert facts is not None
    assert (facts.qid, facts.label_en, facts.url) == (
        "Q17332468",
        "Thinking Out Loud",
        "https://www.wikidata.org/wiki/Q17332468",
    )
    assert facts.aliases == (Alias("싱킹 아웃 라우드", "ko"),)
    assert facts.published == "2014-09-24"
    assert facts.directors == ("Q990000001",)
    assert facts.cast == ("Q990000002", "Q990000003")
    # Its only MusicBrainz id is a work's (P435): the catalog records none to tie it to.
    assert facts.musicbrainz == ()
    assert facts.sitelinks == 7
    assert facts.referenced == ("Q990000001", "Q990000002", "Q990000003")


def test_facts_from_entity_ranks_precision_and_references() -> None:
    entity = item(
        "Q10",
        P144=[link("P144", "Q20")],
        P941=[link("P941", "Q30", "deprecated"), link("P941", "Q31")],
        P57=[link("P57", "Q40"), link("P57", "Q41", "preferred")],
        P577=[when("+2019-04-00T00:00:00Z", 10), when("+2020-01-01T00:00:00Z", 9)],
    )
    facts = facts_from_entity(entity)
    assert facts is not None
    assert facts.based_on == ("Q20",) and facts.inspired_by == ("Q31",)
    assert facts.directors == ("Q41",)  # a preferred statement outranks the normal one
    assert facts.published == "2019-04"  # month precision, the earliest date
    assert facts.label_ko is None and facts.sitelinks == 0
    assert facts_from_entity({"id": "P57"}) is None
    bare = facts_from_entity({"id": "Q1", "missing": ""})
    assert bare is not None and bare.sitelinks is None  # not said, unlike {} (on no wiki)
    assert qid_from_url("https://www.wikidata.org/wiki/Q17332468") == "Q17332468"
    assert qid_from_url("https://example.org/wiki/Q1") is None


async def test_wikidata_references_are_stored_as_database_and_curated_values_kept(
    small_store: Store,
) -> None:
    store = small_store
    video = await db.entity_by_key(store, "video", "love-wins-all-mv")
    assert video is not None
    before = await db.video(store, video.id)
    facts = facts_from_entity(
        item(
            "Q10",
            P144=[link("P144", "Q20")],
            P941=[link("P941", "Q21")],
            P57=[link("P57", "Q22")],
            P577=[when("+1999-01-01T00:00:00Z", 11)],
        )
    )
    linked = {q: facts_from_entity(item(q)) for q in ("Q20", "Q21", "Q22")}
    async with store.transaction() as conn:
        counts = await store_facts(conn, video.id, facts, linked)
    assert counts["reference"] == 2 and counts["credit"] == 1
    view = await cards.references_view(store, video.id)
    database = [r for r in view.outgoing if r.status == "database"]
    assert sorted((r.relation, r.target.name) for r in database) == [
        ("based on", "Item Q20"),
        ("inspired by", "Item Q21"),
    ]
    assert all(r.sources[0].url == "https://www.wikidata.org/wiki/Q10" for r in database)
    # The curated premiere stays; the curated director comes first, Wikidata's is noted.
    assert (await db.video(store, video.id)).premiere == before.premiere
    directors = (await cards.credits_view(store, video.id)).role("mv director")
    assert [(d.artist.name, d.grade) for d in directors] == [
        ("Um Tae-hwa", "encyclopedic"),
        ("Item Q22", "database"),
    ]


# ------------------------------------------------------------------------------ picking
def hit(mbid: str, title: str, artist: str, score: int = 100, **extra: Any) -> dict[str, Any]:
    credit = [{"name": artist, "joinphrase": "", "artist": {"id": "a-" + artist, "name": artist}}]
    return {"id": mbid, "score": score, "title": title, "artist-credit": credit, **extra}


def test_pick_only_when_clearly_the_one_asked_for() -> None:
    same = [hit("b", "Next Level", "aespa"), hit("a", "Next Level", "aespa", 98)]
    assert pick("recording", "Next Level", same).choice.mbid == "b"  # versions collapse
    two = [hit("a", "Next Level", "aespa"), hit("b", "Next Level", "A'Studio", 100)]
    unclear = pick("recording", "next level", two)
    assert unclear.choice is None
    assert [c.label for c in unclear.candidates] == [
        "Next Level — aespa",
        "Next Level — A'Studio",
    ]
    named = pick("recording", "next level aespa", two)
    assert named.choice is not None and named.choice.mbid == "a"
    weak = pick("recording", "Next Level", [hit("a", "Next Level", "aespa", 85)])
    assert weak.choice is None and len(weak.candidates) == 1
    nothing = pick("recording", "Next Level", [hit("a", "Savage", "aespa", 40)])
    assert nothing.choice is None and nothing.candidates == ()
    video = [hit("v", "Spring Day", "BTS", video=True), hit("s", "Spring Day", "BTS")]
    assert pick("recording", "Spring Day", video).choice.mbid == "s"  # audio before video
    groups = [
        hit("c", "Love wins all", "IU", **{"primary-type": "Other"}),
        hit("d", "Love wins all", "IU", **{"primary-type": "Single"}),
    ]
    assert pick("release-group", "Love wins all", groups).choice.mbid == "d"
    artists = [
        {"id": "x", "score": 100, "name": "Jisoo", "disambiguation": "BLACKPINK"},
        {"id": "y", "score": 100, "name": "Jisoo", "disambiguation": "actress"},
    ]
    assert pick("artist", "Jisoo", artists).choice is None
    assert pick("artist", "Jisoo", artists[:1]).choice.mbid == "x"


def test_search_text_is_escaped_and_retry_after_parsed() -> None:
    assert lucene_escape('AND "x" (y)*') == 'AND \\"x\\" \\(y\\)\\*'
    assert retry_after_seconds("3") == 3.0
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Sat, 28 Nov 2026 12:00:05 GMT", now) == 5.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


# ------------------------------------------------------------------------------ service
@pytest.fixture
async def standins() -> AsyncIterator[tuple[MusicBrainzStandIn, WikidataStandIn]]:
    mb = await MusicBrainzStandIn().serve("recording_credits.json", "recording.json").start()
    wd = await WikidataStandIn().serve("thinking_out_loud.json").start()
    try:
        yield mb, wd
    finally:
        await mb.stop()
        await wd.stop()


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def service(
    store: Store, mb: MusicBrainzStandIn, wd: WikidataStandIn, clock: Clock
) -> OnlineLookup:
    agent = "LinerNotes/test ( ops@example.org )"
    return OnlineLookup(
        store,
        MusicBrainzClient(mb.base, agent, limiter=RateLimiter(0.0)),
        WikidataClient(wd.base, agent, limiter=RateLimiter(0.0)),
        now=clock,
    )


async def test_not_found_is_remembered_for_a_day(store: Store, standins) -> None:
    mb, wd = standins
    clock = Clock()
    online = service(store, mb, wd, clock)
    try:
        assert (await online.find("Qwzx Unknown", ["song"])).entity_id is None
        assert len(mb.log) == 1
        clock.now += timedelta(hours=23)
        await online.find("qwzx unknown", ["song"])
        assert len(mb.log) == 1
        clock.now += timedelta(hours=2)
        await online.find("qwzx unknown", ["song"])
        assert len(mb.log) == 2
    finally:
        await online.close()


async def test_stored_entities_are_refreshed_after_their_age(store: Store, standins) -> None:
    mb, wd = standins
    clock = Clock()
    online = service(store, mb, wd, clock)
    try:
        outcome = await online.find("Knowing Me, Knowing You", ["song"])
        assert outcome.entity_id is not None and outcome.requested
        assert await online.refresh_stale() == 0
        clock.now += timedelta(days=31)
        assert await online.refresh_stale() == 1
        assert [r.path for r in mb.log][-1] == f"/ws/2/recording/{ABBA}"
        (row,) = await online_db.fetched_for(store, outcome.entity_id)
        assert row.fetched_at.startswith("2026-12-29")
        credits = (await cards.credits_view(store, outcome.entity_id)).role("producer")
        assert len(credits) == 2  # refreshed, not duplicated
    finally:
        await online.close()


async def test_wikidata_failing_keeps_what_musicbrainz_said(store: Store, standins) -> None:
    mb, wd = standins
    wd.fail_status = 503
    online = service(store, mb, wd, Clock())
    online.wikidata.max_retry_wait = 0
    try:
        outcome = await online.find("Thinking Out Loud", ["song"])
        assert outcome.entity_id is not None
        writers = (await cards.credits_view(store, outcome.entity_id)).role("writer")
        assert {w.artist.name for w in writers} == {"Ed Sheeran", "Amy Wadge"}
        assert await _sitelinks(store, outcome.entity_id) is None
    finally:
        await online.close()


async def test_wikidata_adds_korean_names_people_and_importance(store: Store, standins) -> None:
    mb, wd = standins
    online = service(store, mb, wd, Clock())
    try:
        song = (await online.find("Thinking Out Loud", ["song"])).entity_id
        names = {n.name for n in await db.names_of(store, song)}
        assert "싱킹 아웃 라우드" in names
        view = await cards.credits_view(store, song)
        assert [(c.artist.name, c.grade) for c in view.role("mv director")] == [
            ("Emil Nava", "database")
        ]
        cast = {c.artist.name: c.artist.id for c in view.role("mv cast")}
        performer = (await db.performers(store, song))[0].artist
        assert cast["Ed Sheeran"] == performer.id  # matched by his MusicBrainz id
        assert await _sitelinks(store, song) == 7
        assert [r.params["action"] for r in wd.log] == ["wbgetentities", "wbgetentities"]
    finally:
        await online.close()


async def test_malformed_answers_are_clear_errors(store: Store, standins) -> None:
    mb, wd = standins
    mb.malformed = True
    online = service(store, mb, wd, Clock())
    try:
        with pytest.raises(ServiceUnavailable, match="could not read"):
            await online.find("Knowing Me, Knowing You", ["song"])
        mb.malformed = False
        assert (await online.find("Knowing Me, Knowing You", ["song"])).entity_id is not None
    finally:
        await online.close()


async def test_every_request_is_reported_with_its_result(standins) -> None:
    # The bot core passes metrics.online_lookup here; the knowledge layer never imports it.
    mb, _ = standins
    seen: list[tuple[str, str]] = []
    client = MusicBrainzClient(
        mb.base,
        "LinerNotes/test ( a@example.org )",
        limiter=RateLimiter(0.0),
        on_request=lambda *r: seen.append(r),
    )
    try:
        assert await client.search("recording", "Knowing Me, Knowing You")
        mb.malformed = True
        with pytest.raises(ServiceUnavailable):
            await client.search("recording", "Knowing Me, Knowing You")
        mb.malformed = False
        mb.fail(503, times=2, retry_after="0")
        with pytest.raises(ServiceUnavailable):
            await client.search("recording", "Knowing Me, Knowing You")
    finally:
        await client.close()
    assert seen == [
        ("musicbrainz", "ok"),
        ("musicbrainz", "malformed"),
        ("musicbrainz", "throttled"),
        ("musicbrainz", "throttled"),
    ]


async def test_curated_entity_never_causes_a_request(
    store: Store, standins, tmp_path: Path
) -> None:
    mb, wd = standins
    (tmp_path / "x.toml").write_text(
        '[[source]]\nid = "s"\nurl = "https://example.org"\noutlet = "Ex"\n'
        '[[artist]]\nid = "abba"\nname = "ABBA"\nkind = "group"\nsources = ["s"]\n'
        '[[song]]\nid = "kmky"\ntitle = "Knowing Me, Knowing You"\nartists = ["abba"]\n'
        f'sources = ["s"]\nmusicbrainz = "{ABBA}"\n',
        encoding="utf-8",
    )
    await import_catalog(store, [tmp_path / "x.toml"])
    online = service(store, mb, wd, Clock())
    try:
        song = await db.entity_by_key(store, "song", "kmky")
        assert await online.ensure_details(song.id) is False
        assert mb.log == []
        await import_musicbrainz(store, [FIXTURES / "musicbrainz" / "recording_credits.json"])
        stub = await db.entity_by_key(store, "artist", "mb:2f031686-3f01-4f33-a4fc-fb3944532efa")
        assert await online.ensure_details(song.id) is False  # still curated after the import
        assert mb.log == []
        mb.serve("artist.json")  # Benny Andersson is not served: a stub fetched gets a 404
        with pytest.raises(NotFoundError):
            await online.ensure_details(stub.id)  # an imported stub may be fetched
        assert mb.log[-1].path == "/ws/2/artist/2f031686-3f01-4f33-a4fc-fb3944532efa"
    finally:
        await online.close()


async def test_a_database_disagreeing_with_the_catalog_is_noted_after_it(
    store: Store, tmp_path: Path
) -> None:
    # A deliberately different curated date: the card keeps it first and notes MusicBrainz's.
    (tmp_path / "x.toml").write_text(
        '[[source]]\nid = "s"\nurl = "https://example.org"\noutlet = "Ex"\n'
        '[[artist]]\nid = "pf"\nname = "Pink Floyd"\nkind = "group"\nsources = ["s"]\n'
        '[[release]]\nid = "dsotm"\ntitle = "The Dark Side of the Moon"\ntype = "album"\n'
        'artists = ["pf"]\ndate = "1973-03-23"\nsources = ["s"]\n'
        'musicbrainz = "f5093c06-23e3-404f-aeaa-40f72885ee3a"\n',
        encoding="utf-8",
    )
    await import_catalog(store, [tmp_path / "x.toml"])
    await import_musicbrainz(store, [FIXTURES / "musicbrainz" / "release_group.json"])
    release = await db.entity_by_key(store, "release", "dsotm")
    card = await cards.release_card(store, release.id)
    assert card.date == "1973-03-23"
    assert [(d.field, d.value, d.source.outlet) for d in card.disputed] == [
        ("date", "1973-03-24", "MusicBrainz")
    ]
    embed = release_embed(card).to_dict()
    noted = next(f["value"] for f in embed["fields"] if f["name"] == "Other sources say")
    assert noted.startswith("• release date: 1973-03-24 *(database)* — [MusicBrainz](")
    # Agreeing again (or only less precise) leaves nothing to note.
    async with store.transaction() as conn:
        await db.note_disputes(conn, release.id, "release", {"date": "1973"}, 1, "x")
    assert [d.origin for d in await db.disputed(store, release.id)] == ["musicbrainz"]


async def test_one_queue_per_service_across_the_process(standins) -> None:
    mb, _ = standins
    # Two clients (the bot's lookups and, say, the CLI fetch) on one host share one limiter.
    first = MusicBrainzClient(mb.base, "LinerNotes/test ( a@example.org )", interval=0.1)
    second = MusicBrainzClient(mb.base, "LinerNotes/test ( a@example.org )")
    assert first.limiter is second.limiter and first.limiter.interval == 0.1
    try:
        await asyncio.gather(
            first.search("recording", "Knowing Me, Knowing You"),
            second.search("recording", "Thinking Out Loud"),
            first.lookup("recording", ABBA),
            second.search("recording", "Anything"),
        )
    finally:
        await first.close()
        await second.close()
    times = sorted(r.at for r in mb.log)
    assert len(times) == 4
    # Each leaves an interval after the previous one was answered, so it arrives at least an
    # interval after the previous one arrived (without the queue: all four at once).
    assert all(b - a >= 0.099 for a, b in itertools.pairwise(times))


@pytest.mark.postgres
async def test_a_name_one_process_looked_up_is_not_looked_up_by_another(standins) -> None:
    from tests.support.postgres import fresh_database, release_database

    mb, wd = standins
    url = await fresh_database()
    first_store, second_store = await Store.open(url), await Store.open(url)
    clock = Clock()
    first, second = (service(s, mb, wd, clock) for s in (first_store, second_store))
    try:
        found = await first.find("Knowing Me, Knowing You", ["song"])
        assert found.entity_id is not None and found.requested
        asked = len(mb.log)
        # The other process (its own pool on the same database) has the answer already.
        again = await second.find("knowing me knowing you", ["song"])
        assert (again.entity_id, again.requested) == (found.entity_id, False)
        assert len(mb.log) == asked
        assert (await first.find("Qwzx Unknown", ["song"])).entity_id is None
        await second.find("qwzx unknown", ["song"])
        assert len(mb.log) == asked + 1  # "not found" is shared too
    finally:
        await first.close()
        await second.close()
        await first_store.close()
        await second_store.close()
        await release_database(url)
