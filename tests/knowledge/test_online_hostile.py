"""A hostile MusicBrainz/Wikidata stand-in on the loopback interface: every answer it can send
costs a bounded amount, ends in a clear reply, and leaves the store as it was (issue 24)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.knowledge.online import shapes
from bot.knowledge.online.http import (
    MAX_BODY,
    MAX_HOLD,
    REQUESTS_PER_QUESTION,
    ServiceBusy,
    ServiceUnavailable,
)
from bot.knowledge.online.limiter import RateLimiter
from bot.knowledge.online.lookup import (
    MAX_PER_MEMBER,
    MAX_VIDEOS,
    OnlineLookup,
    TooManyLookups,
)
from bot.knowledge.online.musicbrainz import MusicBrainzClient
from bot.knowledge.online.wikidata import WikidataClient
from bot.store import Store
from tests.standins.musicbrainz import MusicBrainzStandIn
from tests.standins.wikidata import WikidataStandIn

AGENT = "LinerNotes/test ( ops@example.org )"
TITLE = "Thinking Out Loud"  # recording.json, which links Wikidata


@pytest.fixture
async def standins() -> AsyncIterator[tuple[MusicBrainzStandIn, WikidataStandIn]]:
    mb = await MusicBrainzStandIn().serve("recording_credits.json", "recording.json").start()
    wd = await WikidataStandIn().serve("thinking_out_loud.json").start()
    try:
        yield mb, wd
    finally:
        await mb.stop()
        await wd.stop()


def service(store: Store, mb: MusicBrainzStandIn, wd: WikidataStandIn) -> OnlineLookup:
    return OnlineLookup(
        store,
        MusicBrainzClient(mb.base, AGENT, limiter=RateLimiter(0.0), timeout=10.0),
        WikidataClient(wd.base, AGENT, limiter=RateLimiter(0.0)),
    )


TABLES = ("entities", "names", "credits", "external_ids", "online_queries", "online_entities")


async def snapshot(store: Store) -> dict[str, int]:
    """Return the row count of every table a lookup writes."""
    counts = {}
    for table in TABLES:
        row = await store.fetchone(f"SELECT count(*) FROM {table}")
        assert row is not None
        counts[table] = int(row[0])
    return counts


async def refused(online: OnlineLookup, match: str) -> ServiceUnavailable:
    with pytest.raises(ServiceUnavailable, match=match) as caught:
        await asyncio.wait_for(online.find(TITLE, ["song"]), 30)
    return caught.value


async def test_a_day_long_retry_after_holds_one_minute_and_later_questions_answer_at_once(
    store: Store, standins
) -> None:
    mb, wd = standins
    online = service(store, mb, wd)
    before = await snapshot(store)
    try:
        mb.fail(503, times=1, retry_after="100000")
        error = await refused(online, "asked me to wait; try again in 1 min")
        assert isinstance(error, ServiceBusy)
        held = online.musicbrainz.limiter.held_for()
        assert 0 < held <= MAX_HOLD
        # While the hold lasts, another question is answered at once, without a request.
        # (Queued, it would make a request once the hold ended: none is made.)
        asked = len(mb.log)
        with pytest.raises(ServiceBusy, match="try again in 1 min"):
            await asyncio.wait_for(online.find("Knowing Me, Knowing You", ["song"]), 30)
        assert len(mb.log) == asked
        assert await snapshot(store) == before
    finally:
        await online.close()


async def test_a_gzip_bomb_is_too_large_to_read(store: Store, standins) -> None:
    mb, wd = standins
    mb.bomb = 64 * 1024 * 1024  # about 64 KB on the wire
    online = service(store, mb, wd)
    before = await snapshot(store)
    try:
        await refused(online, "MusicBrainz sent an answer too large to read")
        mb.bomb = MAX_BODY + 1
        await refused(online, "too large to read")
        assert await snapshot(store) == before
        mb.bomb = 0
        assert (await online.find(TITLE, ["song"])).entity_id is not None
    finally:
        await online.close()


async def test_a_plain_body_over_the_cap_is_too_large_to_read(store: Store, standins) -> None:
    mb, wd = standins
    mb.oversize = MAX_BODY + 1024
    online = service(store, mb, wd)
    before = await snapshot(store)
    try:
        await refused(online, "too large to read")
        assert await snapshot(store) == before
    finally:
        await online.close()


async def test_redirects_to_another_host_are_refused(store: Store, standins) -> None:
    mb, wd = standins
    elsewhere = await MusicBrainzStandIn().serve("recording.json").start()
    online = service(store, mb, wd)
    before = await snapshot(store)
    try:
        # Another port is another origin: the User-Agent does not travel there, and nothing
        # it says is stored as MusicBrainz's.
        mb.redirect_to = f"{elsewhere.base}/recording?query=x&fmt=json"
        await refused(online, "sent me to another site, which I do not follow")
        assert elsewhere.log == []
        assert await snapshot(store) == before
    finally:
        await online.close()
        await elsewhere.stop()


async def test_a_redirect_within_the_service_is_followed(store: Store, standins) -> None:
    mb, wd = standins
    online = service(store, mb, wd)
    try:
        mb.redirect_to = "/ws/2/recording?query=Thinking+Out+Loud&fmt=json"
        mb.redirect_times = 1
        hits = await online.musicbrainz.search("recording", "thinking out loud")
        assert [h["title"] for h in hits][:1] == [TITLE]
        assert [r.path for r in mb.log] == ["/ws/2/recording", "/ws/2/recording"]
    finally:
        await online.close()


def _with(path: tuple[str | int, ...], value: Any) -> Callable[[Any], Any]:
    """Return a mangle that sets one place of every answer that has it."""

    def mangle(data: Any) -> Any:
        data = copy.deepcopy(data)
        target = data
        for step in path[:-1]:
            try:
                target = target[step]
            except (KeyError, IndexError, TypeError):
                return data
        with contextlib.suppress(IndexError, TypeError):
            target[path[-1]] = value
        return data

    return mangle


def _deep(data: Any) -> Any:
    nested: Any = {}
    for _ in range(800):  # deeper than any reader should walk, shallow enough to send
        nested = {"a": nested}
    return {**data, "relations": [nested]}


MALFORMED: dict[str, Callable[[Any], Any]] = {
    "answer is a list": lambda data: [data],
    "answer is a string": lambda data: "recordings",
    "hits are an object": _with(("recordings",), {"id": "x"}),
    "hit id is a number": _with(("recordings", 0, "id"), 12),
    "score is a word": _with(("recordings", 0, "score"), "high"),
    "artist-credit is a string": _with(("artist-credit",), "Ed Sheeran"),
    "artist credit names a string artist": _with(("artist-credit", 0, "artist"), "Ed"),
    "relations are an object": _with(("relations",), {"type": "producer"}),
    "a relation's artist is a list": _with(("relations", 0, "artist"), ["x"]),
    "a relation's work is a number": _with(("relations", 1, "work"), 7),
    "title is a number": _with(("title",), 12345),
    "aliases hold numbers": _with(("relations", 0, "artist", "aliases"), [1, 2, None]),
    "nesting 800 deep": _deep,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_malformed_shapes_are_a_clear_reply_or_an_answer_without_the_bad_part(
    store: Store, standins, case: str
) -> None:
    mb, wd = standins
    mb.mangle = MALFORMED[case]
    online = service(store, mb, wd)
    before = await snapshot(store)
    try:
        try:
            outcome = await asyncio.wait_for(online.find(TITLE, ["song"]), 30)
        except ServiceUnavailable as exc:
            # Said plainly, nothing stored, and nothing but our own message reaches the member.
            assert "MusicBrainz" in str(exc) and "Traceback" not in str(exc)
            assert await snapshot(store) == before
        else:
            # Used without the bad part: whatever was stored is within the bounds.
            if outcome.entity_id is not None:
                names = await store.fetchone("SELECT max(length(name)) FROM names")
                assert names is not None and (names[0] or 0) <= shapes.MAX_TEXT
    finally:
        await online.close()


async def test_a_deeply_nested_json_text_is_unreadable_not_a_recursion_error(
    store: Store, standins
) -> None:
    mb, wd = standins
    mb.raw = "[" * 100_000 + "]" * 100_000
    online = service(store, mb, wd)
    before = await snapshot(store)
    try:
        await refused(online, "MusicBrainz sent an answer I could not read")
        assert await snapshot(store) == before
    finally:
        await online.close()


def _fan_out(data: Any) -> Any:
    """Give the recording 40 music videos and 120 Wikidata links (one answer, many asks)."""
    if not isinstance(data, dict) or data.get("id") != _ED:
        return data
    data = copy.deepcopy(data)
    videos = [
        {
            "type": "music video",
            "target-type": "recording",
            "direction": "backward",
            "recording": {"id": f"00000000-0000-4000-8000-{i:012d}", "title": f"MV {i}"},
        }
        for i in range(40)
    ]
    work = next(r for r in data["relations"] if r.get("target-type") == "work")
    links = [
        {
            "type": "wikidata",
            "target-type": "url",
            "url": {"resource": f"https://www.wikidata.org/wiki/Q{900000 + i}"},
        }
        for i in range(120)
    ]
    work["work"]["relations"] = list(work["work"].get("relations") or []) + links
    data["relations"] = list(data["relations"]) + videos
    return data


_ED = "cb2cc207-8125-445c-9ef9-6ea44eee959a"


async def test_one_question_makes_a_bounded_number_of_requests(store: Store, standins) -> None:
    mb, wd = standins
    mb.mangle = _fan_out
    for i in range(40):
        mbid = f"00000000-0000-4000-8000-{i:012d}"
        mb.documents[mbid] = {
            "id": mbid,
            "title": f"MV {i}",
            "video": True,
            "relations": [],
            "artist-credit": [],
        }
    for i in range(120):
        qid = f"Q{900000 + i}"
        wd.items[qid] = {
            "type": "item",
            "id": qid,
            "labels": {"en": {"language": "en", "value": f"Person {i}"}},
            "claims": {},
            "sitelinks": {},
        }
    online = service(store, mb, wd)
    try:
        outcome = await online.find(TITLE, ["song"])
        assert outcome.entity_id is not None
        asked = len(mb.log) + len(wd.log)
        assert asked <= REQUESTS_PER_QUESTION
        videos = [r for r in mb.log if r.path.startswith("/ws/2/recording/00000000")]
        assert len(videos) <= MAX_VIDEOS
        entities = await store.fetchone("SELECT count(*) FROM entities")
        assert entities is not None and entities[0] < 100
    finally:
        await online.close()


async def test_one_member_has_a_bounded_number_of_lookups_in_flight(store: Store, standins) -> None:
    mb, wd = standins
    online = service(store, mb, wd)
    mb.hold()
    try:
        running = []
        for title in ("Thinking Out Loud", "Knowing Me, Knowing You")[:MAX_PER_MEMBER]:

            async def one(title: str = title) -> None:
                async with online.member(7):
                    await online.find(title, ["song"])

            running.append(asyncio.create_task(one()))
        await mb.entered.wait()
        with pytest.raises(TooManyLookups, match="lookups running already"):
            async with online.member(7):
                pass
        # Somebody else is not held up by member 7's questions.
        async with online.member(8):
            pass
        mb.release()
        await asyncio.gather(*running)
        async with online.member(7):  # finished ones no longer count
            pass
    finally:
        mb.release()
        await online.close()


def test_shapes_bound_names_lists_and_depth() -> None:
    doc = {
        "id": "x",
        "title": "A" * 100_000,
        "aliases": [{"name": str(i)} for i in range(10_000)],
        "relations": [{"type": "producer"}] * 5000 + ["not an object"],
        "artist-credit": "not a list",
    }
    out = shapes.document(doc)
    assert out is not None
    assert len(out["title"]) == shapes.MAX_TEXT
    assert len(out["aliases"]) == shapes.MAX_ALIASES
    assert len(out["relations"]) == shapes.MAX_ITEMS
    assert "artist-credit" not in out
    assert shapes.document([doc]) is None
    assert json.dumps(shapes.document(_deep({"id": "x"}))).count("{") <= shapes.MAX_DEPTH + 2


def _huge_names(data: Any) -> Any:
    """A megabyte-long title and ten thousand aliases on every recording answer."""
    if not isinstance(data, dict) or "relations" not in data:
        return data
    return {
        **data,
        "title": TITLE + " " + "A" * 1_000_000,
        "aliases": [{"name": f"alias {i}", "type": "Search hint"} for i in range(10_000)],
    }


async def test_stored_names_are_capped_in_length_and_count(store: Store, standins) -> None:
    mb, wd = standins
    online = service(store, mb, wd)
    try:
        outcome = await online.find(TITLE, ["song"])
        assert outcome.entity_id is not None
        mb.mangle = _huge_names
        await online.fetch("recording", _ED, force=True)
        longest = await store.fetchone("SELECT max(length(name)) FROM names")
        assert longest is not None and longest[0] <= shapes.MAX_TEXT
        count = await store.fetchone(
            "SELECT count(*) FROM names WHERE entity_id = ?", (outcome.entity_id,)
        )
        assert count is not None and count[0] <= shapes.MAX_ALIASES + 10
    finally:
        await online.close()


async def test_everything_one_member_asks_at_once_shares_one_budget(store: Store, standins) -> None:
    mb, wd = standins
    online = service(store, mb, wd)
    try:
        async with online.member(7):
            for n in range(REQUESTS_PER_QUESTION):
                assert (await online.find(f"Qwzx Unknown {n}", ["song"])).entity_id is None
            with pytest.raises(ServiceUnavailable, match="needs more lookups than I make"):
                await online.find("Qwzx Unknown one too many", ["song"])
        assert len(mb.log) == REQUESTS_PER_QUESTION
        # The next question has a budget of its own.
        async with online.member(7):
            assert (await online.find("Qwzx Unknown again", ["song"])).entity_id is None
    finally:
        await online.close()
