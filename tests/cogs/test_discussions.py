"""/discuss, /onthisday, release-day threads and the digest, through the emulator."""

from __future__ import annotations

from bot.discord_io.checks import missing_bot_permissions
from tests.support.bot import Server
from tests.support.commands import set_discussions


async def test_discuss_twice_gives_one_thread(server: Server) -> None:
    fd = server.discord
    talk = server.guild.add_text_channel("talk")
    await set_discussions(server, talk)
    first = await fd.slash("discuss", user=server.alice, query="Love wins all")
    message = await first.final()
    threads = fd.threads(talk)
    assert len(threads) == 1
    thread = threads[0]
    assert thread.name == "Love wins all"
    assert f"<#{thread.id}>" in message.embeds[0]["description"]
    assert message.embeds[0]["title"].startswith("Opened the discussion")
    # The starter: the release card on the parent message, prompts in the thread.
    starter = fd.channel_messages(talk)[0]
    assert starter.embeds[0]["title"] == "Love wins all (러브 윈즈 올)"
    prompts = fd.channel_messages(thread)[0].content
    assert "No Man's Land" in prompts
    assert "Concrete Utopia" in prompts

    again = await fd.slash("discuss", user=server.mina, query="러브 윈즈 올")
    message = await again.final()
    assert message.embeds[0]["title"].startswith("Here is the discussion")
    assert len(fd.threads(talk)) == 1


async def test_discuss_unarchives_the_existing_thread(server: Server) -> None:
    fd = server.discord
    talk = server.guild.add_text_channel("talk")
    await set_discussions(server, talk)
    await (await fd.slash("discuss", user=server.alice, query="Spring Day")).final()
    thread = fd.threads(talk)[0]
    server.guild.archive_thread(thread)
    await (await fd.slash("discuss", user=server.alice, query="봄날")).final()
    assert len(fd.threads(talk)) == 1
    assert not fd.threads(talk)[0].archived


async def test_forum_channel_post_has_artist_tags(server: Server) -> None:
    fd = server.discord
    forum = server.guild.add_forum_channel("discussions", tags=["IU", "BTS", "Other"])
    await set_discussions(server, forum)
    await (await fd.slash("discuss", user=server.alice, query="Love wins all")).final()
    posts = fd.threads(forum)
    assert len(posts) == 1
    tag_names = {t.name for t in forum.available_tags if t.id in posts[0].applied_tags}
    assert tag_names == {"IU"}
    assert posts[0].auto_archive_duration == 10080


async def test_discuss_without_a_channel_says_how_to_set_one(server: Server) -> None:
    reply = await server.discord.slash("discuss", user=server.alice, query="Love wins all")
    assert reply.ephemeral
    assert "/config discussions" in reply.content


async def test_onthisday_counts_the_years(server: Server) -> None:
    server.clock.set("2026-02-13T12:00:00+09:00")
    reply = await server.discord.slash("onthisday", user=server.alice)
    text = reply.embeds[0]["description"]
    assert "Spring Day" in text
    assert "9 years ago (2017)" in text
    reply = await server.discord.slash("onthisday", user=server.alice, date="01-24")
    assert "Love wins all" in reply.embeds[0]["description"]
    reply = await server.discord.slash("onthisday", user=server.alice, date="13-45")
    assert reply.ephemeral and "not a" in reply.content


async def test_digest_posts_once_across_restart_and_after_downtime(server: Server) -> None:
    fd = server.discord
    daily = server.guild.add_text_channel("daily")
    await fd.slash("config digest", user=server.mina, options={"channel": daily, "time": "09:00"})

    cog = server.bot.get_cog("Discussions")
    server.clock.set("2026-02-13T08:59:00+09:00")
    await cog.run_scheduled()
    assert fd.channel_messages(daily) == []

    server.clock.set("2026-02-13T09:00:30+09:00")
    await cog.run_scheduled()
    await cog.run_scheduled()
    posted = fd.channel_messages(daily)
    assert len(posted) == 1
    assert "Spring Day" in posted[0].embeds[0]["description"]

    await server.restart()
    server.clock.set("2026-02-13T18:00:00+09:00")
    await server.bot.get_cog("Discussions").run_scheduled()
    assert len(fd.channel_messages(daily)) == 1

    # Down from the 14th before nine until the 16th at noon: the missed digest comes late, once.
    server.clock.set("2026-02-16T12:00:00+09:00")
    await server.bot.get_cog("Discussions").run_scheduled()
    await server.bot.get_cog("Discussions").run_scheduled()
    posted = fd.channel_messages(daily)
    assert len(posted) == 2
    assert "February 16" in posted[1].embeds[0]["title"]


async def test_release_day_thread_opens_once_for_followed_artists(server: Server) -> None:
    fd = server.discord
    talk = server.guild.add_text_channel("talk")
    await set_discussions(server, talk)
    await fd.slash("config follow", user=server.mina, artist="IU")
    cog = server.bot.get_cog("Discussions")
    server.clock.set("2024-01-24T00:05:00+09:00")
    await cog.run_scheduled()
    await cog.run_scheduled()
    names = [t.name for t in fd.threads(talk)]
    assert names == ["Love wins all"]
    await server.restart()
    await server.bot.get_cog("Discussions").run_scheduled()
    assert len(fd.threads(talk)) == 1


async def test_digest_blocked_by_permissions_tells_moderators_once(server: Server) -> None:
    fd = server.discord
    daily = server.guild.add_text_channel("daily")
    modlog = server.guild.add_text_channel("mod-log")
    await fd.slash("config modlog", user=server.mina, options={"channel": modlog})
    await fd.slash("config digest", user=server.mina, options={"channel": daily, "time": "09:00"})
    server.guild.deny_bot(daily, "send_messages")
    # The overwrite reaches the bot as CHANNEL_UPDATE; wait until its cache has it.
    await fd.wait_for(
        lambda: missing_bot_permissions(server.bot.get_channel(daily.id), ("send_messages",))
    )
    server.clock.set("2026-02-13T10:00:00+09:00")
    cog = server.bot.get_cog("Discussions")
    await cog.run_scheduled()
    await cog.run_scheduled()
    warnings = [m.content for m in fd.channel_messages(modlog) if "digest can't go" in m.content]
    assert len(warnings) == 1 and "Send Messages" in warnings[0]
    assert fd.channel_messages(daily) == []


async def test_onthisday_reads_common_date_forms_and_refuses_a_missing_leap_day(
    server: Server,
) -> None:
    server.clock.set("2026-02-13T12:00:00+09:00")
    for written in ("Jan 24", "1월 24일", "01/24"):
        reply = await server.discord.slash("onthisday", user=server.alice, date=written)
        assert reply.embeds, written
        assert reply.embeds[0]["title"] == "On this day — January 24", written
        assert "Love wins all" in reply.embeds[0]["description"], written
    reply = await server.discord.slash("onthisday", user=server.alice, date="2023-02-29")
    assert reply.ephemeral
    assert "2023 is not a leap year" in reply.content
