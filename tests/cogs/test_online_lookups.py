"""On-demand MusicBrainz and Wikidata lookups through the Discord emulator, against stand-ins."""

from __future__ import annotations

from bot import __version__
from tests.standins.musicbrainz import MusicBrainzStandIn
from tests.standins.wikidata import WikidataStandIn
from tests.support.bot import Server
from tests.support.commands import set_discussions, text_of
from tests.support.online import CONTACT, quick

ABBA = "2d40c8b2-7524-49e3-af44-ebb924c5b023"  # "Knowing Me, Knowing You", with credits


async def ask(server: Server, command: str, **options: str) -> str:
    reply = await server.discord.slash(command, user=server.alice, **options)
    if reply.deferred:
        message = await reply.final()
        parts = [message.content or ""]
        for embed in message.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
        return "\n".join(parts)
    return text_of(reply)


async def test_credits_for_a_recording_only_musicbrainz_knows(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    # The bot asks MusicBrainz at most once a second, as it requires; the interval between
    # the two requests below is shown with a shorter one (without the queue they go at once).
    assert online.bot.online is not None
    limiter = online.bot.online.musicbrainz.limiter
    assert limiter.interval == 1.0
    limiter.interval = 0.25
    text = await ask(online, "credits", query="Knowing Me, Knowing You")
    assert "Credits — Knowing Me, Knowing You" in text
    assert "**Producer**" in text and "Benny Andersson" in text and "Björn Ulvaeus" in text
    assert "**Arranger**" in text and "Michael B. Tretow" in text
    assert f"(https://musicbrainz.org/recording/{ABBA})" in text
    assert "*(database)*" in text
    # Politeness: one search, one lookup, an interval apart, each naming the contact.
    assert [r.path for r in musicbrainz.log] == ["/ws/2/recording", f"/ws/2/recording/{ABBA}"]
    assert musicbrainz.log[1].at - musicbrainz.log[0].at >= 0.249
    for request in musicbrainz.log:
        assert request.user_agent == f"LinerNotes/{__version__} ( {CONTACT} )"
    assert musicbrainz.log[0].params["fmt"] == "json"
    assert "work-level-rels" in musicbrainz.log[1].params["inc"]
    assert online.bot.get_cog("Lookups") is not None  # refreshes what it stored, in the background


async def test_the_same_question_again_and_after_a_restart_makes_no_request(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online)
    first = await ask(online, "credits", query="knowing me knowing you abba")
    assert "Benny Andersson" in first
    asked = len(musicbrainz.log)
    assert asked == 2
    assert "Benny Andersson" in await ask(online, "credits", query="knowing me knowing you abba")
    assert "Benny Andersson" in await ask(online, "credits", query="Knowing Me, Knowing You")
    await online.restart()
    quick(online)
    assert "Benny Andersson" in await ask(online, "credits", query="knowing me knowing you abba")
    card = await ask(online, "release", query="Knowing Me, Knowing You")
    assert "**Song** by ABBA" in card
    assert len(musicbrainz.log) == asked


async def test_a_title_not_found_is_not_searched_again(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online)
    text = await ask(online, "credits", query="Qwzx Nonexistent Song")
    assert "MusicBrainz has nothing clearly called that either" in text
    searched = len(musicbrainz.log)
    assert searched == 2  # recordings, then release groups
    await ask(online, "credits", query="qwzx nonexistent song")
    assert len(musicbrainz.log) == searched


async def test_a_curated_title_makes_no_request(
    online: Server, musicbrainz: MusicBrainzStandIn, wikidata: WikidataStandIn
) -> None:
    text = await ask(online, "credits", query="Love wins all")
    assert "Um Tae-hwa" in text
    await ask(online, "release", query="Love wins all")
    await ask(online, "artist", query="아이유")
    await online.discord.autocomplete("credits", "query", "Love", user=online.alice)
    assert musicbrainz.log == [] and wikidata.log == []


async def test_503_with_retry_after_is_honoured_and_then_reported_clearly(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online)
    # One 503: the client waits Retry-After (for every caller) and tries again.
    musicbrainz.fail(503, times=1, retry_after="1")
    text = await ask(online, "credits", query="Knowing Me, Knowing You")
    assert "Benny Andersson" in text
    assert musicbrainz.log[1].at - musicbrainz.log[0].at >= 0.99
    # 503 again on the retry: a clear message, no error id, nothing remembered as missing.
    # (Retry-After: 0, a valid delay the client honours at once: the wait is checked above.)
    musicbrainz.fail(503, times=2, retry_after="0")
    text = await ask(online, "artist", query="Ed Sheeran")
    assert "MusicBrainz did not answer; try again in a minute." in text
    assert "error" not in text.lower()
    text = await ask(online, "artist", query="Ed Sheeran")
    assert "Ed Sheeran" in text and "musicbrainz.org/artist/" in text


async def test_timeout_and_malformed_json_give_a_clear_reply_and_lose_nothing(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online, timeout=0.2)
    musicbrainz.hold()  # never answers until released: the client gives up after 0.2 s
    text = await ask(online, "credits", query="Knowing Me, Knowing You")
    assert "MusicBrainz did not answer; try again in a minute." in text
    musicbrainz.release()
    musicbrainz.gate = None
    # The usual timeout again: on a loaded machine (the suite runs on every core) a local
    # answer can take longer than 0.5 s, and this part is about what the answer says.
    quick(online)
    musicbrainz.malformed = True
    text = await ask(online, "credits", query="Knowing Me, Knowing You")
    assert "MusicBrainz sent an answer I could not read; try again in a minute." in text
    musicbrainz.malformed = False
    text = await ask(online, "credits", query="Knowing Me, Knowing You")
    assert "Benny Andersson" in text


async def test_autocomplete_answers_while_musicbrainz_is_slow(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online)
    musicbrainz.hold()
    pending = await online.discord.slash(
        "credits", user=online.alice, query="Knowing Me, Knowing You"
    )
    assert pending.deferred
    await musicbrainz.entered.wait()  # the lookup is now waiting on MusicBrainz
    choices = await online.discord.autocomplete("credits", "query", "Love", user=online.alice)
    assert any("Love wins all" in c["name"] for c in choices)
    assert not musicbrainz.gate.is_set()  # answered while MusicBrainz still had not
    musicbrainz.release()
    message = await pending.final()
    assert "Benny Andersson" in str(message.embeds)


async def test_two_members_asking_at_once_cause_one_lookup(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online)
    musicbrainz.hold()
    fd = online.discord
    first = await fd.slash("credits", user=online.alice, query="Knowing Me, Knowing You")
    await musicbrainz.entered.wait()
    second = await fd.slash("credits", user=online.mina, query="knowing me, knowing you")
    musicbrainz.release()
    for reply in (first, second):
        assert "Benny Andersson" in str((await reply.final()).embeds)
    assert [r.path for r in musicbrainz.log] == ["/ws/2/recording", f"/ws/2/recording/{ABBA}"]


async def test_music_video_director_and_wikidata_additions(
    online: Server, musicbrainz: MusicBrainzStandIn, wikidata: WikidataStandIn
) -> None:
    quick(online)
    video = await ask(online, "credits", query="The Enemy")
    assert "**MV director**" in video and "Edward Mavskegg" in video
    assert "musicbrainz.org/recording/370889ee-7a70-4d0a-8f4d-e514e0494d7e" in video
    song = await ask(online, "credits", query="Thinking Out Loud")
    assert "Ed Sheeran" in song and "Amy Wadge" in song  # writers, through the work
    assert "musicbrainz.org/work/dc469dc8-198e-42e5-b5a7-6be2f0a95ac0" in song
    assert "Emil Nava" in song and "Brittany Cherry" in song  # from Wikidata
    assert "(https://www.wikidata.org/wiki/Q17332468)" in song
    assert all(r.user_agent.endswith(f"( {CONTACT} )") for r in wikidata.log)
    # The Korean alias Wikidata gives now finds the song, from the store.
    choices = await online.discord.autocomplete("credits", "query", "싱킹 아웃", user=online.alice)
    assert any("Thinking Out Loud" in c["name"] for c in choices)


async def test_ask_looks_up_an_unknown_song(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online)
    text = await ask(online, "ask", question="who produced Knowing Me, Knowing You?")
    assert "Benny Andersson" in text and "(database)" in text
    assert "musicbrainz.org/recording/" in text


async def test_unclear_matches_go_to_the_picker(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online)
    other = dict(musicbrainz.documents[ABBA])
    other.update(
        id="11111111-2222-4333-8444-555555555555",
        relations=[],
        **{
            "artist-credit": [
                {
                    "name": "Cover Band",
                    "joinphrase": "",
                    "artist": {
                        "id": "66666666-7777-4888-8999-000000000000",
                        "name": "Cover Band",
                        "sort-name": "Cover Band",
                    },
                }
            ]
        },
    )
    musicbrainz.documents[other["id"]] = other
    fd = online.discord
    reply = await fd.slash("credits", user=online.alice, query="Knowing Me, Knowing You")
    message = await reply.final()
    assert "MusicBrainz has several" in message.content
    menu = message.components[0]["components"][0]
    labels = sorted(o["label"] for o in menu["options"])
    assert labels == ["Knowing Me, Knowing You — ABBA", "Knowing Me, Knowing You — Cover Band"]
    abba = next(o["value"] for o in menu["options"] if o["label"].endswith("— ABBA"))
    assert abba == f"mb:recording:{ABBA}"
    fetched_before = len(musicbrainz.log)
    chosen = await fd.select(reply, menu["custom_id"], values=[abba], user=online.alice)
    shown = await chosen.next_followup()
    assert "Benny Andersson" in str(shown.embeds)
    assert musicbrainz.log[fetched_before].path == f"/ws/2/recording/{ABBA}"


async def test_online_lookups_off_makes_no_request(
    offline: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    assert offline.settings.musicbrainz_api_base == musicbrainz.base
    assert offline.bot.online is None
    assert offline.bot.get_cog("Lookups") is None  # no background refresh either
    text = await ask(offline, "credits", query="Knowing Me, Knowing You")
    assert "No song or release or video" in text
    assert musicbrainz.log == []


async def test_discuss_opens_a_thread_for_a_release_only_musicbrainz_knows(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online)
    musicbrainz.serve("release_group.json", "release.json")
    talk = online.guild.add_text_channel("talk")
    await set_discussions(online, talk)
    reply = await online.discord.slash(
        "discuss", user=online.alice, query="The Dark Side of the Moon"
    )
    message = await reply.final()
    assert "discussion of The Dark Side of the Moon" in str(message.embeds)
    assert [t.name for t in online.discord.threads(talk)] == ["The Dark Side of the Moon"]
    group = "f5093c06-23e3-404f-aeaa-40f72885ee3a"
    assert [r.path for r in musicbrainz.log][:2] == [
        "/ws/2/release-group",
        f"/ws/2/release-group/{group}",
    ]


async def test_ask_offers_a_local_near_match_when_musicbrainz_is_unreachable(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online, timeout=0.5)
    musicbrainz.fail(503, times=50)
    # Two pairs of letters swapped in a title the catalog holds: "Did you mean", no request.
    text = await ask(online, "ask", question="who composed Spirng Dya?")
    assert "Did you mean" in text and "Spring Day" in text
    assert "MusicBrainz did not answer" not in text
    assert not musicbrainz.searches()
    # A title the catalog does not know is looked up; the lookup fails, and says so clearly.
    text = await ask(online, "ask", question="who produced Knowing Me, Knowing You?")
    assert "Knowing Me" in text and "MusicBrainz did not answer" in text
    assert "error" not in text.lower() and musicbrainz.searches()


async def test_ask_answers_the_writers_when_every_recording_is_of_one_work(
    online: Server, musicbrainz: MusicBrainzStandIn
) -> None:
    quick(online)
    original = next(
        doc for doc in musicbrainz.documents.values() if doc.get("title") == "Thinking Out Loud"
    )
    cover = dict(original)
    cover.update(
        id="11111111-2222-4333-8444-666666666666",
        **{
            "artist-credit": [
                {
                    "name": "Cover Band",
                    "joinphrase": "",
                    "artist": {
                        "id": "66666666-7777-4888-8999-111111111111",
                        "name": "Cover Band",
                        "sort-name": "Cover Band",
                    },
                }
            ]
        },
    )
    musicbrainz.documents[cover["id"]] = cover
    text = await ask(online, "ask", question="who wrote Thinking Out Loud?")
    # Two artists' recordings, so not one song; but one work, so one set of writers.
    assert "Ed Sheeran" in text and "Amy Wadge" in text and "all of one work" in text
    assert "musicbrainz.org/work/" in text
