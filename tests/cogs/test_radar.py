"""The release radar through the emulator: /upcoming, the `time` key, alerts by DM sent once
(also across a kill), closed DMs, and the calendar message edited in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.knowledge.importers.catalog import import_catalog
from bot.store.radar import RadarStore
from tests.support.bot import Server

# 2026-12-07 12:00 UTC = 21:00 KST; "tomorrow" in KST is 2026-12-08.
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
RELEASE_AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # 18:00 KST
UNIX = int(RELEASE_AT.timestamp())

SOURCE = """
[[source]]
id = "radar-agency"
url = "https://www.edam-ent.com/notice/winter-letter"
outlet = "EDAM Entertainment"
"""


def release_toml(release_id: str, title: str, day: str, time: str | None = None) -> str:
    """Return a catalog entry of an IU single on ``day`` (and at ``time``)."""
    timed = f'time = "{time}"\n' if time else ""
    return (
        f'[[release]]\nid = "{release_id}"\ntitle = "{title}"\ntype = "single"\n'
        f'artists = ["iu"]\ndate = "{day}"\n{timed}sources = ["radar-agency"]\n'
    )


async def import_radar(server: Server, tmp_path: Path, *entries: str) -> None:
    """Import one catalog file holding the source and these releases."""
    path = tmp_path / "radar.toml"
    path.write_text(SOURCE + "\n".join(entries), encoding="utf-8")
    await import_catalog(server.bot.store, [path])


async def cycle(server: Server) -> None:
    """Run one round of the radar loop by hand."""
    await server.bot.get_cog("Radar").run_cycle()


def dms(server: Server, member) -> list:
    return server.discord.channel_messages(server.discord.world.dm_channel(member.user))


def text_of(reply) -> str:
    parts = [reply.content or ""]
    for embed in reply.embeds:
        parts.append(embed.get("title") or "")
        parts.append(embed.get("description") or "")
    return "\n".join(parts)


class Crash(BaseException):
    """Stands for the process dying right after Discord accepted the DM."""


async def test_a_release_for_tomorrow_with_a_time_is_upcoming_as_discord_timestamps(
    server: Server, tmp_path: Path
) -> None:
    server.clock.set(NOW)
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    reply = await server.discord.slash("upcoming", user=server.alice)
    text = text_of(reply)
    assert "Winter Letter" in text
    assert f"<t:{UNIX}:F>" in text and f"<t:{UNIX}:R>" in text
    assert "comes out" in text and "was released" not in text
    assert "EDAM Entertainment" in text  # the date's source

    only_iu = text_of(await server.discord.slash("upcoming", user=server.alice, artist="IU"))
    assert "Winter Letter" in only_iu


async def test_time_with_an_offset_and_a_date_alone(server: Server, tmp_path: Path) -> None:
    server.clock.set(NOW)
    await import_radar(
        server,
        tmp_path,
        release_toml("la-show", "LA Show", "2026-12-09", "01:00-08:00"),
        release_toml("day-only", "Day Only", "2026-12-10"),
    )
    text = text_of(await server.discord.slash("upcoming", user=server.alice))
    la = int(datetime(2026, 12, 9, 9, 0, tzinfo=UTC).timestamp())
    assert f"<t:{la}:F>" in text
    kst_midnight = int(datetime(2026, 12, 9, 15, 0, tzinfo=UTC).timestamp())
    assert "2026-12-10 (KST" in text and f"<t:{kst_midnight}:R>" in text
    assert text.index("LA Show") < text.index("Day Only")  # soonest first


async def test_a_bad_time_is_refused_with_the_file_and_entry(
    server: Server, tmp_path: Path
) -> None:
    from bot.core.errors import LinerNotesError

    with pytest.raises(LinerNotesError) as caught:
        await import_radar(server, tmp_path, release_toml("bad", "Bad", "2026-12-08", "25:00"))
    assert "radar.toml" in str(caught.value) and "time" in str(caught.value)


async def test_upcoming_for_an_artist_with_nothing_scheduled_says_so(server: Server) -> None:
    server.clock.set(NOW)
    reply = await server.discord.slash("upcoming", user=server.alice, artist="BIGBANG")
    assert reply.ephemeral
    assert "Nothing is scheduled for BIGBANG" in reply.content
    assert "I looked at the catalog" in reply.content


async def test_notify_sends_one_dm_a_day_before_and_one_at_release_time(
    server: Server, tmp_path: Path
) -> None:
    server.clock.set(NOW - timedelta(days=1))
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    reply = await server.discord.slash("notify add", user=server.alice, artist="IU")
    assert reply.ephemeral and "IU" in reply.content

    server.clock.set(RELEASE_AT - timedelta(days=1, minutes=1))
    await cycle(server)
    assert dms(server, server.alice) == []

    server.clock.set(RELEASE_AT - timedelta(days=1) + timedelta(seconds=30))
    await cycle(server)
    await cycle(server)
    assert [m.content.splitlines()[0] for m in dms(server, server.alice)] == [
        f"⏰ Tomorrow: **Winter Letter** by IU comes out <t:{UNIX}:F> (<t:{UNIX}:R>)."
    ]

    server.clock.set(RELEASE_AT - timedelta(seconds=1))
    await cycle(server)
    assert len(dms(server, server.alice)) == 1  # not yet

    server.clock.set(RELEASE_AT + timedelta(seconds=20))
    await cycle(server)
    await cycle(server)
    messages = dms(server, server.alice)
    assert len(messages) == 2 and "Out now: **Winter Letter**" in messages[1].content
    assert "EDAM Entertainment" in messages[1].content


async def test_an_alert_added_less_than_a_day_before_gets_only_the_release_one(
    server: Server, tmp_path: Path
) -> None:
    server.clock.set(NOW)  # 21 hours before the release
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    await server.discord.slash("notify add", user=server.alice, artist="IU")
    await cycle(server)
    assert dms(server, server.alice) == []
    server.clock.set(RELEASE_AT + timedelta(seconds=5))
    await cycle(server)
    assert ["Out now" in m.content for m in dms(server, server.alice)] == [True]


async def test_killed_at_the_instant_the_dm_is_sent_it_is_not_sent_twice(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fd = server.discord
    server.clock.set(NOW)
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    await fd.slash("notify add", user=server.alice, artist="IU")
    server.clock.set(RELEASE_AT + timedelta(seconds=10))

    async def die(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr(RadarStore, "mark_delivery_sent", die)
    with pytest.raises(Crash):
        await cycle(server)
    assert len(dms(server, server.alice)) == 1  # Discord has it; we never recorded it
    monkeypatch.undo()

    await server.restart()
    await cycle(server)
    await cycle(server)
    assert len(dms(server, server.alice)) == 1
    channel = fd.world.dm_channel(server.alice.user)
    sends = fd.requests_to("POST", f"/channels/{channel.id}/messages")
    assert len(sends) == 2 and sends[0].json["nonce"] == sends[1].json["nonce"]
    [key] = await _release_keys(server)
    rows = await RadarStore(server.bot.store).deliveries_of(key)
    assert [(r.kind, r.state) for r in rows] == [("at release", "sent")]


async def _release_keys(server: Server) -> list[str]:
    from bot.knowledge.upcoming import upcoming

    items = await upcoming(server.bot.store, RELEASE_AT - timedelta(hours=1))
    return [i.release.value for i in items if i.release.name == "Winter Letter"]


async def test_killed_after_the_claim_before_the_send_the_dm_still_goes_once(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.clock.set(NOW)
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    await server.discord.slash("notify add", user=server.alice, artist="IU")
    server.clock.set(RELEASE_AT + timedelta(seconds=10))

    async def die(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr(RadarStore, "mark_delivery_attempt", die)
    with pytest.raises(Crash):
        await cycle(server)
    assert dms(server, server.alice) == []
    monkeypatch.undo()
    await server.restart()
    await cycle(server)
    assert len(dms(server, server.alice)) == 1


async def test_closed_dms_are_recorded_once_and_the_member_told_once(
    server: Server, tmp_path: Path
) -> None:
    fd = server.discord
    bob = server.guild.add_member("bob", dms_open=False)
    server.clock.set(NOW)
    await import_radar(
        server,
        tmp_path,
        release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00"),
        release_toml("spring-letter", "Spring Letter", "2026-12-08", "19:00"),
    )
    first = await fd.slash("notify add", user=bob, artist="IU")
    assert "closed" not in first.content

    server.clock.set(RELEASE_AT + timedelta(hours=1, seconds=5))  # both are out
    await cycle(server)
    await cycle(server)
    channel = fd.world.dm_channel(bob.user)
    attempts = fd.requests_to("POST", f"/channels/{channel.id}/messages")
    assert len(attempts) == 1  # the first 50007 is recorded; nothing is tried again
    radar = RadarStore(server.bot.store)
    closed = await radar.closed_dm(bob.id)
    assert closed is not None and closed.told_at is None

    told = await fd.slash("notify list", user=bob)
    assert told.ephemeral and "DMs are closed" in told.content
    again = await fd.slash("notify list", user=bob)
    assert "DMs are closed" not in (again.content or "")


async def test_notify_list_and_remove(server: Server) -> None:
    fd = server.discord
    await fd.slash("notify add", user=server.alice, artist="IU")
    listed = await fd.slash("notify list", user=server.alice)
    assert listed.ephemeral and "IU" in text_of(listed)
    removed = await fd.slash("notify remove", user=server.alice, artist="IU")
    assert "No more alerts for IU" in removed.content
    again = await fd.slash("notify remove", user=server.alice, artist="IU")
    assert again.ephemeral and "don't get alerts" in again.content


async def test_the_calendar_is_one_message_edited_not_reposted(
    server: Server, tmp_path: Path
) -> None:
    fd = server.discord
    calendar = server.guild.add_text_channel("calendar")
    server.clock.set(NOW)
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    reply = await fd.slash("calendar set", user=server.mina, options={"channel": calendar})
    await reply.final()
    [message] = fd.channel_messages(calendar)
    assert "Winter Letter" in message.embeds[0]["description"]
    assert f"<t:{UNIX}:F>" in message.embeds[0]["description"]

    await cycle(server)  # nothing changed: no edit
    assert message.edits == 0

    await import_radar(
        server,
        tmp_path,
        release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00"),
        release_toml("spring-letter", "Spring Letter", "2026-12-20"),
    )
    server.clock.later(30)
    await cycle(server)
    assert fd.channel_messages(calendar) == [message]
    assert message.edits == 1 and "Spring Letter" in message.embeds[0]["description"]

    await server.restart()
    server.clock.later(30)
    await cycle(server)
    assert message.edits == 1  # same content after a restart: nothing to edit
    server.clock.later(86400)  # a day on: Winter Letter is out, and the daily edit is due
    await cycle(server)
    assert fd.channel_messages(calendar) == [message] and message.edits == 2
    assert "Winter Letter" not in message.embeds[0]["description"]
    posts = fd.requests_to("POST", f"/channels/{calendar.id}/messages")
    assert len(posts) == 1

    off = await fd.slash("calendar off", user=server.mina)
    assert off.ephemeral
    assert fd.channel_messages(calendar) == []


async def test_calendar_set_needs_manage_server(server: Server) -> None:
    calendar = server.guild.add_text_channel("calendar")
    # An admin lets everyone see /calendar: the bot's own check still refuses a non-moderator.
    server.guild.allow_command_for_everyone("calendar")
    reply = await server.discord.slash(
        "calendar set", user=server.alice, options={"channel": calendar}
    )
    assert reply.ephemeral
    assert server.discord.channel_messages(calendar) == []


async def test_a_future_release_is_told_as_future_in_release_and_ask(
    server: Server, tmp_path: Path
) -> None:
    # /release and /ask read the wall clock: the release is a month from the real today.
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    song = (
        '[[song]]\nid = "far-song"\ntitle = "Far Song"\nartists = ["iu"]\n'
        'sources = ["radar-agency"]\n'
    )
    release = release_toml("far-letter", "Far Letter", day).replace(
        "sources =", 'tracks = ["far-song"]\nsources =', 1
    )
    await import_radar(server, tmp_path, song, release)
    card = text_of(await server.discord.slash("release", user=server.alice, query="Far Letter"))
    assert f"comes out on {day} (KST)" in card and "released" not in card
    song_card = await server.discord.slash("release", user=server.alice, query="Far Song")
    fields = {f["name"]: f["value"] for f in song_card.embeds[0]["fields"]}
    assert "Released on" not in fields and "comes out then" in fields["Comes out on"]
    answer = await server.discord.slash(
        "ask", user=server.alice, question="When was Far Letter released?"
    )
    answer = await answer.final() if answer.deferred else answer
    assert f"“Far Letter” (IU) comes out on {day} (KST)" in text_of(answer)
    assert "was released" not in text_of(answer)


RADAR_MBID = "0d5b2c4e-7a51-4c59-9f3e-6f1d2b8a9c10"
FUTURE_RG = "5f1c9e2a-3b4d-4e6f-8a7b-9c0d1e2f3a4b"
PAST_RG = "6a2d0f3b-4c5e-4f70-9b8c-0d1e2f3a4b5c"


def release_group(mbid: str, title: str, day: str) -> dict:
    """A ws/2 release-group document as MusicBrainz serves it (no releases yet: announced)."""
    return {
        "id": mbid,
        "title": title,
        "primary-type": "Single",
        "secondary-types": [],
        "first-release-date": day,
        "disambiguation": "",
        "artist-credit": [
            {
                "name": "Sunny Radar",
                "joinphrase": "",
                "artist": {
                    "id": RADAR_MBID,
                    "name": "Sunny Radar",
                    "sort-name": "Radar, Sunny",
                    "type": "Person",
                },
            }
        ],
        "releases": [],
        "relations": [],
        "aliases": [],
    }


async def test_musicbrainz_future_releases_of_followed_artists_once_a_day(
    server: Server, tmp_path: Path
) -> None:
    from tests.standins.musicbrainz import MusicBrainzStandIn

    mb = MusicBrainzStandIn()
    mb.documents[FUTURE_RG] = release_group(FUTURE_RG, "Radar Love", "2026-12-10")
    mb.documents[PAST_RG] = release_group(PAST_RG, "Old Radar", "2020-01-01")
    await mb.start()
    try:
        path = tmp_path / "sunny.toml"
        path.write_text(
            SOURCE
            + '[[artist]]\nid = "sunny-radar"\nname = "Sunny Radar"\nkind = "person"\n'
            + f'musicbrainz = "{RADAR_MBID}"\nsources = ["radar-agency"]\n',
            encoding="utf-8",
        )
        await import_catalog(server.bot.store, [path])
        await server.restart(
            ONLINE_LOOKUPS="true", MUSICBRAINZ_API_BASE=mb.base, WIKIDATA_API_BASE=mb.base
        )
        server.bot.online.musicbrainz.limiter.interval = 0.01
        server.clock.set(NOW)
        nothing = await server.discord.slash("upcoming", user=server.alice, artist="Sunny Radar")
        assert "Nothing is scheduled for Sunny Radar" in nothing.content
        await server.discord.slash("config follow", user=server.mina, artist="Sunny Radar")

        await cycle(server)
        searches = mb.searches()
        assert len(searches) == 1
        assert searches[0].params["query"] == (
            f"arid:{RADAR_MBID} AND firstreleasedate:[2026-12-07 TO *]"
        )
        text = text_of(
            await server.discord.slash("upcoming", user=server.alice, artist="Sunny Radar")
        )
        assert "Radar Love" in text and "Old Radar" not in text
        assert "MusicBrainz" in text  # the date's source

        server.clock.later(3600)
        await cycle(server)
        assert len(mb.searches()) == 1  # once a day per artist
        server.clock.later(86400)
        await cycle(server)
        assert len(mb.searches()) == 2
    finally:
        await mb.stop()


async def test_an_approved_release_date_suggestion_reaches_upcoming_and_the_calendar(
    server: Server, tmp_path: Path
) -> None:
    from tests.support.commands import fill, setup_modlog

    fd = server.discord
    modlog = await setup_modlog(server)
    calendar = server.guild.add_text_channel("calendar")
    server.clock.set(NOW)
    await import_radar(server, tmp_path, release_toml("far-letter", "Far Letter", "2027-01-20"))
    await (await fd.slash("calendar set", user=server.mina, options={"channel": calendar})).final()
    [message] = fd.channel_messages(calendar)
    assert "Far Letter" in message.embeds[0]["description"]

    reply = await fd.slash("suggest", user=server.alice, kind="release date", subject="Far Letter")
    bad = await fd.submit_modal(
        reply, fill(reply, {"Release date": "next week", "Evidence": "https://example.org/x"})
    )
    assert bad.ephemeral and "YYYY-MM-DD" in bad.content
    reply = await fd.slash("suggest", user=server.alice, kind="release date", subject="Far Letter")
    await fd.submit_modal(
        reply,
        fill(
            reply,
            {
                "Release date": "2026-12-09",
                "Time": "18:00",
                "Evidence": "https://example.org/far-letter-teaser",
            },
        ),
    )
    card = next(m for m in fd.channel_messages(modlog) if m.embeds)
    pending = text_of(await fd.slash("upcoming", user=server.alice, artist="IU"))
    assert "2027-01-20" in pending  # not approved yet: the catalog's date stands
    await (await fd.click(card, label="Approve", user=server.mina)).wait_edit()

    when = int(datetime(2026, 12, 9, 9, 0, tzinfo=UTC).timestamp())
    text = text_of(await fd.slash("upcoming", user=server.alice, artist="IU"))
    assert f"<t:{when}:F>" in text and "example.org" in text
    assert "EDAM Entertainment says 2027-01-20" in text  # the other value is noted

    server.clock.later(30)
    await cycle(server)
    assert fd.channel_messages(calendar) == [message] and message.edits == 1
    assert f"<t:{when}:F>" in message.embeds[0]["description"]


async def test_artist_roles_a_role_menu_and_one_ping_in_the_alerts_channel(
    server: Server, tmp_path: Path
) -> None:
    from tests.fakediscord import Permissions

    fd = server.discord
    guild = server.guild
    guild.bot_role.permissions |= Permissions.MANAGE_ROLES
    guild.bot_role.position = 50  # above the artist roles, as a moderator would drag it
    fans = guild.add_role("IU fans")
    alerts = guild.add_text_channel("alerts")
    roles_channel = guild.add_text_channel("roles")
    server.clock.set(NOW)
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    mapped = await fd.slash(
        "config alerts role", user=server.mina, options={"artist": "IU", "role": fans}
    )
    assert mapped.ephemeral and "IU" in mapped.content
    await fd.slash("config alerts channel", user=server.mina, options={"channel": alerts})
    await fd.slash("config alerts role-menu", user=server.mina, options={"channel": roles_channel})
    [menu] = fd.channel_messages(roles_channel)

    picked = await fd.select(
        menu, custom_id=f"radar:roles:{guild.id}", values=[str(fans.id)], user=server.alice
    )
    assert picked.ephemeral and "IU" in picked.content
    assert fans in guild.members[server.alice.id].roles
    dropped = await fd.select(
        menu, custom_id=f"radar:roles:{guild.id}", values=[], user=server.alice
    )
    assert "No more release pings for IU" in dropped.content
    assert fans not in guild.members[server.alice.id].roles

    server.clock.set(RELEASE_AT + timedelta(seconds=15))
    await cycle(server)
    await cycle(server)
    [ping] = fd.channel_messages(alerts)
    assert ping.content.startswith(f"<@&{fans.id}> 🎉 Out now: **Winter Letter**")
    sends = fd.requests_to("POST", f"/channels/{alerts.id}/messages")
    assert [int(r) for r in sends[0].json["allowed_mentions"]["roles"]] == [fans.id]


async def test_the_role_menu_says_so_when_discord_refuses_the_role(server: Server) -> None:
    fd = server.discord
    guild = server.guild
    fans = guild.add_role("IU fans")  # above the bot's role, and the bot lacks Manage Roles
    menu_channel = guild.add_text_channel("roles")
    await fd.slash("config alerts role", user=server.mina, options={"artist": "IU", "role": fans})
    await fd.slash("config alerts role-menu", user=server.mina, options={"channel": menu_channel})
    [menu] = fd.channel_messages(menu_channel)
    refused = await fd.select(
        menu, custom_id=f"radar:roles:{guild.id}", values=[str(fans.id)], user=server.alice
    )
    assert refused.ephemeral and "Manage Roles" in refused.content
    assert fans not in guild.members[server.alice.id].roles


async def test_a_calendar_post_killed_before_it_was_recorded_is_not_posted_twice(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cogs.radar._calendar import calendar_nonce

    fd = server.discord
    calendar = server.guild.add_text_channel("calendar")
    server.clock.set(NOW)
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    radar = RadarStore(server.bot.store)
    await radar.set_calendar(server.guild.id, calendar.id, calendar_nonce(server.guild.id), NOW)

    async def die(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr(RadarStore, "mark_calendar_posted", die)
    with pytest.raises(Crash):
        await cycle(server)
    monkeypatch.undo()
    await server.restart()
    await cycle(server)
    await cycle(server)
    [message] = fd.channel_messages(calendar)
    posts = fd.requests_to("POST", f"/channels/{calendar.id}/messages")
    assert len(posts) == 2 and posts[0].json["nonce"] == posts[1].json["nonce"]
    cal = await RadarStore(server.bot.store).calendar(server.guild.id)
    assert cal is not None and cal.message_id == message.id


async def test_a_deleted_calendar_is_posted_again_once(server: Server, tmp_path: Path) -> None:
    fd = server.discord
    calendar = server.guild.add_text_channel("calendar")
    server.clock.set(NOW)
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    await (await fd.slash("calendar set", user=server.mina, options={"channel": calendar})).final()
    [first] = fd.channel_messages(calendar)
    first.deleted = True  # a moderator deleted it
    await import_radar(
        server,
        tmp_path,
        release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00"),
        release_toml("spring-letter", "Spring Letter", "2026-12-20"),
    )
    server.clock.later(30)
    await cycle(server)
    await cycle(server)
    [second] = fd.channel_messages(calendar)
    assert second.id != first.id and "Spring Letter" in second.embeds[0]["description"]


async def test_the_calendar_in_a_forum_is_one_post_edited_even_once_archived(
    server: Server, tmp_path: Path
) -> None:
    fd = server.discord
    forum = server.guild.add_forum_channel("schedule")
    server.clock.set(NOW)
    await import_radar(
        server, tmp_path, release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00")
    )
    await (await fd.slash("calendar set", user=server.mina, options={"channel": forum})).final()
    [post] = fd.threads(forum)
    [starter] = fd.channel_messages(post)
    assert "Winter Letter" in starter.embeds[0]["description"]

    server.guild.archive_thread(post)  # a week without messages: Discord archives the post
    await fd.wait_for(
        lambda: getattr(server.bot.get_channel(post.id), "archived", True), what="the archive"
    )
    await import_radar(
        server,
        tmp_path,
        release_toml("winter-letter", "Winter Letter", "2026-12-08", "18:00"),
        release_toml("spring-letter", "Spring Letter", "2026-12-20"),
    )
    server.clock.later(30)
    await cycle(server)
    assert fd.threads(forum) == [post] and starter.edits == 1
    assert "Spring Letter" in starter.embeds[0]["description"]


async def test_a_curated_date_wins_over_musicbrainz_which_is_noted_and_not_fetched_daily(
    server: Server, tmp_path: Path
) -> None:
    from tests.standins.musicbrainz import MusicBrainzStandIn

    mb = MusicBrainzStandIn()
    mb.documents[FUTURE_RG] = release_group(FUTURE_RG, "Radar Love", "2026-12-10")
    await mb.start()
    try:
        path = tmp_path / "sunny.toml"
        path.write_text(
            SOURCE
            + '[[artist]]\nid = "sunny-radar"\nname = "Sunny Radar"\nkind = "person"\n'
            + f'musicbrainz = "{RADAR_MBID}"\nsources = ["radar-agency"]\n'
            + '[[release]]\nid = "radar-love"\ntitle = "Radar Love"\ntype = "single"\n'
            + 'artists = ["sunny-radar"]\ndate = "2026-12-11"\n'
            + f'musicbrainz = "{FUTURE_RG}"\nsources = ["radar-agency"]\n',
            encoding="utf-8",
        )
        await import_catalog(server.bot.store, [path])
        await server.restart(
            ONLINE_LOOKUPS="true", MUSICBRAINZ_API_BASE=mb.base, WIKIDATA_API_BASE=mb.base
        )
        server.bot.online.musicbrainz.limiter.interval = 0.01
        server.clock.set(NOW)
        await server.discord.slash("notify add", user=server.alice, artist="Sunny Radar")
        await cycle(server)
        text = text_of(
            await server.discord.slash("upcoming", user=server.alice, artist="Sunny Radar")
        )
        assert "2026-12-11 (KST" in text  # the curated date
        assert "MusicBrainz says 2026-12-10" in text  # the other value, noted
        lookups = [r for r in mb.log if r.path.endswith(FUTURE_RG)]
        assert len(lookups) == 1
        server.clock.later(86400 + 60)
        await cycle(server)
        assert len(mb.searches()) == 2
        assert len([r for r in mb.log if r.path.endswith(FUTURE_RG)]) == 1  # nothing new
    finally:
        await mb.stop()
