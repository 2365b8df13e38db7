"""The reviews pipeline through the emulator and a real local feed server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.discord_io.checks import missing_bot_permissions
from bot.store.feeds import FeedStore
from tests.cogs.rss_server import Item, RssServer
from tests.support.bot import Server
from tests.support.commands import T0, add, cycle, posts


@pytest.fixture
async def feed() -> AsyncIterator[RssServer]:
    server = RssServer(
        items=[
            Item("old-1", "An older review of Palette", T0 - timedelta(days=30)),
            Item("old-2", "Thoughts on Blueming", T0 - timedelta(days=20)),
        ]
    )
    await server.start()
    yield server
    await server.stop()


class Crash(BaseException):
    """Stands for the process dying right after Discord accepted the message."""


def crash_after_send(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make recording a sent post die, as a kill -9 between send and record would."""

    async def die(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(FeedStore, "mark_sent", die)


async def post_then_crash(
    server: Server, feed: RssServer, monkeypatch: pytest.MonkeyPatch, title: str, forum=False
):
    """Follow the feed, publish an entry, and die right after Discord accepts its post."""
    if forum:
        reviews = server.guild.add_forum_channel("reviews", tags=["IU"])
    else:
        reviews = server.guild.add_text_channel("reviews")
    clock = server.clock.set(T0)
    await (await add(server, feed.url(), reviews)).final()
    feed.items.append(Item("crashy", title, T0 + timedelta(hours=4)))
    crash_after_send(monkeypatch)
    with pytest.raises(Crash):
        await cycle(server, clock)
    assert len(server.discord.threads(reviews) if forum else posts(server, reviews)) == 1
    monkeypatch.undo()
    return reviews


def can_send(server: Server, channel) -> bool:
    """Whether the bot's own cache already says it may send in the channel."""
    return not missing_bot_permissions(server.bot.get_channel(channel.id), ("send_messages",))


def bot_cache_says(server: Server, channel, **perms: bool) -> bool:
    """Whether the bot's cache has the channel with these permissions for the bot."""
    cached = server.bot.get_channel(channel.id)
    if cached is None:
        return False
    have = cached.permissions_for(cached.guild.me)
    return all(getattr(have, name) == value for name, value in perms.items())


def embed_sends(server: Server, channel) -> list:
    """Every request the bot made to post a review embed in a text channel."""
    sends = server.discord.requests_to("POST", f"/channels/{channel.id}/messages")
    return [r for r in sends if r.json and r.json.get("embeds")]


async def test_add_first_poll_silent_new_entry_posted_once_with_thread(
    server: Server, feed: RssServer
) -> None:
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    clock = server.clock.set(T0)
    reply = await add(server, feed.url(), reviews)
    done = await reply.final()
    assert "Following **Pop Notes**" in done.content
    assert reply.ephemeral

    await cycle(server, clock)
    assert posts(server, reviews) == []  # what was there when added is never posted

    feed.items.append(
        Item(
            "new-1",
            "IU's Love wins all @everyone and the pile of clothes",
            T0 + timedelta(hours=1),
            body="<p>Um Tae-hwa films <b>IU</b> and V among heaps of clothes.</p>",
        )
    )
    await cycle(server, clock)
    await cycle(server, clock)
    posted = posts(server, reviews)
    assert len(posted) == 1
    embed = posted[0].embeds[0]
    assert "Love wins all" in embed["title"]
    assert embed["url"].endswith("/p/new-1")
    assert "Pop Notes" in embed["author"]["name"] and "Jae Critic" in embed["author"]["name"]
    catalog = next(f for f in embed["fields"] if f["name"] == "In the Liner Notes catalog")
    assert "Love wins all" in catalog["value"]
    # Mention safety: nothing pings, and the title's @everyone is defused.
    request = fd.requests_to("POST", f"/channels/{reviews.id}/messages")[-1]
    assert request.json["allowed_mentions"]["parse"] == []
    assert "@everyone" not in embed["title"].replace("@\u200beveryone", "")
    # The thread, with a starter drawn from the catalog.
    thread = fd.thread_for(posted[0])
    assert thread is not None
    assert thread.name.startswith("IU's Love wins all")
    starter = fd.channel_messages(thread)[0].content
    assert "Love wins all" in starter
    # /reviews and the catalog know it now.
    listed = await fd.slash("reviews", user=server.alice, query="Love wins all")
    assert "IU's Love wins all" in listed.embeds[0]["description"]

    await server.restart()
    server.clock.later(10_000)
    await server.bot.get_cog("Feeds").run_cycle()
    assert len(posts(server, reviews)) == 1


async def test_refused_feeds_save_nothing(server: Server, feed: RssServer) -> None:
    reviews = server.guild.add_text_channel("reviews")
    for url, words in [
        ("not a url", "address"),
        ("ftp://example.org/feed", "http"),
        (feed.url("/page.html"), "not an RSS or Atom feed"),
        ("http://127.0.0.1:9/feed.xml", "can't follow"),
        (feed.url("/billion.xml"), "can't follow"),
        (feed.url("/huge.xml"), "5 MB"),
    ]:
        reply = await add(server, url, reviews)
        text = (await reply.final()).content if reply.deferred else reply.content
        assert words in text, (url, text)
        assert "Nothing was saved" in text or "address" in text or "http" in text
    assert await FeedStore(server.bot.store).list_subscriptions(server.guild.id) == []


async def test_private_addresses_refused_by_default(server: Server, feed: RssServer) -> None:
    await server.restart(FEED_ALLOW_PRIVATE_HOSTS="false")
    reviews = server.guild.add_text_channel("reviews")
    for url in (feed.url(), "http://169.254.169.254/latest/meta-data/"):
        reply = await add(server, url, reviews)
        text = (await reply.final()).content
        assert "address" in text and "public internet" in text, text
        assert "Nothing was saved" in text
    assert await FeedStore(server.bot.store).list_subscriptions(server.guild.id) == []


async def test_member_without_manage_server_cannot_add(server: Server, feed: RssServer) -> None:
    reviews = server.guild.add_text_channel("reviews")
    server.guild.allow_command_for_everyone("feed")
    reply = await server.discord.slash(
        "feed add", user=server.alice, options={"url": feed.url(), "channel": reviews}
    )
    assert reply.ephemeral and "Manage Server" in reply.content
    assert await FeedStore(server.bot.store).list_subscriptions(server.guild.id) == []


async def test_304_costs_nothing_and_5xx_backs_off(server: Server, feed: RssServer) -> None:
    reviews = server.guild.add_text_channel("reviews")
    clock = server.clock.set(T0)
    await (await add(server, feed.url(), reviews)).final()
    await cycle(server, clock)
    assert feed.not_modified >= 1
    status = await server.discord.slash("feed status", user=server.mina)
    assert "unchanged (304)" in status.embeds[0]["description"]

    feed.status, feed.retry_after = 503, "120"
    await cycle(server, clock)
    status = await server.discord.slash("feed status", user=server.mina)
    text = status.embeds[0]["description"]
    assert "failures in a row 1" in text
    assert "HTTP 503" in text


async def test_failure_streak_disables_the_feed_and_tells_moderators(
    server: Server, feed: RssServer
) -> None:
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    modlog = server.guild.add_text_channel("mod-log")
    await fd.slash("config modlog", user=server.mina, options={"channel": modlog})
    clock = server.clock.set(T0)
    await (await add(server, feed.url(), reviews)).final()
    feed.status = 500
    store = FeedStore(server.bot.store)
    for _ in range(8):
        # Poll exactly when the backoff allows: eight failures in a row, within the day.
        row = (await store.list_subscriptions(server.guild.id))[0].feed
        clock.now = max(clock.now, row.next_poll_at)
        await server.bot.get_cog("Feeds").run_cycle()
    notice = [m.content for m in fd.channel_messages(modlog) if "stopped polling" in m.content]
    assert len(notice) == 1
    assert "8 failed attempts" in notice[0]
    assert "/feed remove" in notice[0]
    hits = feed.hits
    await cycle(server, clock)
    assert feed.hits == hits  # disabled: not polled any more
    listed = await fd.slash("feed list", user=server.mina)
    assert "disabled" in listed.embeds[0]["description"]


async def test_discord_429_and_5xx_are_retried_and_posted_once(
    server: Server, feed: RssServer
) -> None:
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    clock = server.clock.set(T0)
    await (await add(server, feed.url(), reviews)).final()
    feed.items.append(Item("new-2", "Spring Day, revisited", T0 + timedelta(hours=2)))
    path = f"/channels/{reviews.id}/messages"
    fd.fail_next("POST", path, status=429, retry_after=0.01)
    await cycle(server, clock)
    assert len(posts(server, reviews)) == 1  # discord.py waited and retried the 429

    feed.items.append(Item("new-3", "Blood Sweat & Tears at ten", T0 + timedelta(hours=3)))
    # 500/502/504 discord.py retries itself (seconds apart); a 503 comes back to us at once.
    fd.fail_next("POST", path, status=503)
    await cycle(server, clock)
    assert len(posts(server, reviews)) == 1
    rows = await FeedStore(server.bot.store).pending_outbox(now=clock.now + timedelta(days=1))
    assert [r.post.title for r in rows] == ["Blood Sweat & Tears at ten"]
    await cycle(server, clock)
    assert len(posts(server, reviews)) == 2


async def test_crash_between_send_and_record_does_not_post_twice(
    server: Server, feed: RssServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fd = server.discord
    reviews = await post_then_crash(server, feed, monkeypatch, "Palette at nine")

    await server.restart()
    clock = server.clock.set(T0)
    await cycle(server, clock)
    assert len(posts(server, reviews)) == 1
    sends = fd.requests_to("POST", f"/channels/{reviews.id}/messages")
    nonces = [r.json.get("nonce") for r in sends if r.json and r.json.get("embeds")]
    assert len(nonces) == 2 and nonces[0] == nonces[1]
    assert fd.thread_for(posts(server, reviews)[0]) is not None


async def test_missing_permission_keeps_the_post_and_tells_moderators(
    server: Server, feed: RssServer
) -> None:
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    modlog = server.guild.add_text_channel("mod-log")
    await fd.slash("config modlog", user=server.mina, options={"channel": modlog})
    clock = server.clock.set(T0)
    await (await add(server, feed.url(), reviews)).final()
    server.guild.deny_bot(reviews, "send_messages")
    await fd.wait_for(lambda: not can_send(server, reviews))
    feed.items.append(Item("new-5", "Blueming, five years on", T0 + timedelta(hours=5)))
    await cycle(server, clock)
    await cycle(server, clock)
    assert posts(server, reviews) == []
    warnings = [m.content for m in fd.channel_messages(modlog) if "missing" in m.content]
    assert len(warnings) == 1 and "Send Messages" in warnings[0]
    server.guild.allow_bot(reviews, "send_messages")
    await fd.wait_for(lambda: can_send(server, reviews))
    clock.later(7200)
    await cycle(server, clock)
    assert len(posts(server, reviews)) == 1


async def test_role_mention_pings_only_that_role(server: Server, feed: RssServer) -> None:
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    fans = server.guild.add_role("Reviews fans")
    clock = server.clock.set(T0)
    await (await add(server, feed.url(), reviews, mention=fans)).final()
    feed.items.append(Item("new-6", "@here a new IU review", T0 + timedelta(hours=6)))
    await cycle(server, clock)
    request = fd.requests_to("POST", f"/channels/{reviews.id}/messages")[-1]
    assert request.json["content"] == f"<@&{fans.id}>"
    allowed = request.json["allowed_mentions"]
    assert allowed["parse"] == []
    assert [str(r) for r in allowed["roles"]] == [str(fans.id)]


async def test_artist_filter_and_forum_posts_with_tags(server: Server, feed: RssServer) -> None:
    fd = server.discord
    forum = server.guild.add_forum_channel("reviews", tags=["IU", "BTS"])
    clock = server.clock.set(T0)
    reply = await add(server, feed.url(), forum, artist="아이유")
    assert "only reviews mentioning IU" in (await reply.final()).content
    feed.items.append(Item("new-7", "BTS and the Spring Day video", T0 + timedelta(hours=7)))
    feed.items.append(Item("new-8", "IU sings Love wins all", T0 + timedelta(hours=8)))
    await cycle(server, clock)
    threads = fd.threads(forum)
    assert [t.name for t in threads] == ["IU sings Love wins all"]
    tags = {t.name for t in forum.available_tags if t.id in threads[0].applied_tags}
    assert tags == {"IU"}


async def test_backfill_and_preview(server: Server, feed: RssServer) -> None:
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    server.clock.set(T0)
    await (await add(server, feed.url(), reviews)).final()
    preview = await fd.slash("feed preview", user=server.mina, url=feed.url())
    shown = await preview.final()
    assert shown.embeds[0]["title"] == "Thoughts on Blueming"
    assert posts(server, reviews) == []
    done = await (
        await fd.slash("feed backfill", user=server.mina, url=feed.url(), count=5)
    ).final()
    assert "Queued 2" in done.content
    assert [p.embeds[0]["title"] for p in posts(server, reviews)] == [
        "An older review of Palette",
        "Thoughts on Blueming",
    ]
    removed = await fd.slash("feed remove", user=server.mina, url=feed.url())
    assert "Stopped following" in removed.content


async def test_add_defaults_to_the_reviews_channel(server: Server, feed: RssServer) -> None:
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    reply = await fd.slash("feed add", user=server.mina, url=feed.url())
    assert "/config reviews" in reply.content
    await fd.slash("config reviews", user=server.mina, options={"channel": reviews})
    reply = await fd.slash("feed add", user=server.mina, url=feed.url())
    assert f"<#{reviews.id}>" in (await reply.final()).content


async def test_crash_and_long_outage_finds_the_unrecorded_post(
    server: Server, feed: RssServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past Discord's nonce window a re-send would duplicate, so the bot looks first."""
    fd = server.discord
    reviews = await post_then_crash(server, feed, monkeypatch, "Spring Day after the war")
    fd.advance_clock(3600)  # Discord has forgotten the nonce by now
    await server.restart()
    clock = server.clock.set(T0)
    clock.later(3600)
    await server.bot.get_cog("Feeds").run_cycle()
    posted = posts(server, reviews)
    assert len(posted) == 1
    sends = [
        r
        for r in fd.requests_to("POST", f"/channels/{reviews.id}/messages")
        if r.json and r.json.get("embeds")
    ]
    assert len(sends) == 1
    assert fd.thread_for(posted[0]) is not None


async def test_per_release_mode_sends_reviews_to_the_release_thread(
    server: Server, feed: RssServer
) -> None:
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    talk = server.guild.add_text_channel("talk")
    await fd.slash("config discussions", user=server.mina, options={"channel": talk})
    await fd.slash("config threads", user=server.mina, mode="per release")
    clock = server.clock.set(T0)
    await (await add(server, feed.url(), reviews)).final()
    feed.items.append(Item("new-10", "Love wins all, one year on", T0 + timedelta(hours=10)))
    feed.items.append(Item("new-11", "Love wins all and its video", T0 + timedelta(hours=11)))
    await cycle(server, clock)
    posted = posts(server, reviews)
    assert len(posted) == 2
    assert all(fd.thread_for(p) is None for p in posted)  # no thread per review
    threads = fd.threads(talk)
    assert [t.name for t in threads] == ["Love wins all"]  # one release thread for both
    notes = [m.content for m in fd.channel_messages(threads[0]) if "New review" in m.content]
    assert len(notes) == 2
    # A later review links the existing thread in its post.
    feed.items.append(Item("new-12", "Love wins all revisited", T0 + timedelta(hours=12)))
    await cycle(server, clock)
    last = posts(server, reviews)[-1].embeds[0]
    assert f"<#{threads[0].id}>" in str(last["fields"])


async def test_feed_and_config_are_for_manage_server_by_default(server: Server) -> None:
    manage_guild = str(1 << 5)
    synced = {c["name"]: c for c in server.discord.commands(server.guild)}
    for name in ("feed", "config"):
        # discord.py sends the bit field as a number; Discord stores it as a string.
        assert str(synced[name]["default_member_permissions"]) == manage_guild, name
        assert synced[name]["contexts"] == [0], name  # servers only
    assert synced["help"]["default_member_permissions"] is None


async def test_feed_requests_carry_the_operator_contact(server: Server, feed: RssServer) -> None:
    await server.restart(MUSICBRAINZ_CONTACT="ops@example.org")
    agents: list[str] = []
    feed.on_request = lambda request: agents.append(request.headers["User-Agent"])
    reviews = server.guild.add_text_channel("reviews")
    assert "Following" in (await (await add(server, feed.url(), reviews)).final()).content
    assert agents
    assert all(a.startswith("LinerNotes/") and a.endswith("( ops@example.org )") for a in agents)


async def test_twelve_new_entries_all_post_over_the_next_cycles(
    server: Server, feed: RssServer
) -> None:
    """Issue 13.2: nothing beyond 5 a poll is dropped; a burst goes out oldest first, paced."""
    reviews = server.guild.add_text_channel("reviews")
    clock = server.clock.set(T0)
    await (await add(server, feed.url(), reviews)).final()
    titles = [f"Review number {n:02}" for n in range(1, 13)]
    for n, title in enumerate(titles, start=1):
        feed.items.append(Item(f"burst-{n}", title, T0 + timedelta(minutes=n)))
    await cycle(server, clock)
    assert len(posts(server, reviews)) == 5  # the steady rate: five a channel a cycle
    await cycle(server, clock)
    await cycle(server, clock)
    assert [p.embeds[0]["title"] for p in posts(server, reviews)] == titles
    await cycle(server, clock)
    assert len(posts(server, reviews)) == 12


async def test_a_slow_feed_does_not_delay_another_feeds_post(
    server: Server, feed: RssServer
) -> None:
    """Issue 13.3: each feed's posts go out when its own fetch is done."""
    fd = server.discord
    slow = await RssServer(title="Slow Notes", items=list(feed.items)).start()
    try:
        fast_channel = server.guild.add_text_channel("reviews")
        slow_channel = server.guild.add_text_channel("slow-reviews")
        clock = server.clock.set(T0)
        await (await add(server, feed.url(), fast_channel)).final()
        await (await add(server, slow.url(), slow_channel)).final()
        feed.items.append(Item("fast-1", "Fast news about Palette", T0 + timedelta(hours=1)))
        slow.items.append(Item("slow-1", "Slow news about Palette", T0 + timedelta(hours=1)))
        slow.gate = asyncio.Event()  # the slow feed answers only when the test lets it
        clock.later()
        running = asyncio.create_task(server.bot.get_cog("Feeds").run_cycle())
        # Passes only if the healthy feed's post goes out while the slow fetch still hangs.
        await fd.wait_for(lambda: len(posts(server, fast_channel)) == 1, what="the fast post")
        assert posts(server, slow_channel) == [] and not running.done()
        slow.gate.set()
        await running
        assert [p.embeds[0]["title"] for p in posts(server, slow_channel)] == [
            "Slow news about Palette"
        ]
    finally:
        if slow.gate is not None:
            slow.gate.set()
        await slow.stop()


async def test_role_ping_with_an_unmentionable_role_warns_at_add(
    server: Server, feed: RssServer
) -> None:
    """Issue 13.5. Discord docs, Message resource, "Allowed Mentions Object": a role is
    pinged only if mentionable or the bot has MENTION_EVERYONE."""
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    quiet = server.guild.add_role("Quiet fans")
    loud = server.guild.add_role("Loud fans", mentionable=True)
    server.guild.deny_bot(reviews, "mention_everyone")
    await fd.wait_for(lambda: bot_cache_says(server, reviews, mention_everyone=False))
    clock = server.clock.set(T0)
    reply = await (await add(server, feed.url(), reviews, mention=quiet)).final()
    assert "not mentionable" in reply.content and "Mention Everyone" in reply.content
    other = server.guild.add_text_channel("more-reviews")
    server.guild.deny_bot(other, "mention_everyone")
    await fd.wait_for(lambda: bot_cache_says(server, other, mention_everyone=False))
    reply = await (await add(server, feed.url(), other, mention=loud)).final()
    assert "not mentionable" not in reply.content
    third = server.guild.add_text_channel("everyone-ok")  # here the bot may mention everyone
    reply = await (await add(server, feed.url(), third, mention=quiet)).final()
    assert "not mentionable" not in reply.content
    feed.items.append(Item("ping-1", "A review to ping about", T0 + timedelta(hours=1)))
    await cycle(server, clock)
    (quiet_post,) = posts(server, reviews)
    (loud_post,) = posts(server, other)
    (allowed_post,) = posts(server, third)
    assert quiet_post.raw["mention_roles"] == []  # shown, but notified nobody
    assert loud_post.raw["mention_roles"] == [str(loud.id)]
    assert allowed_post.raw["mention_roles"] == [str(quiet.id)]


async def test_a_post_deleted_by_a_moderator_is_not_posted_again(
    server: Server, feed: RssServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13.6: the re-send's nonce belongs to a deleted message; Discord answers
    Unknown Message, and the bot records the post as deleted instead of posting it again."""
    fd = server.discord
    reviews = await post_then_crash(server, feed, monkeypatch, "A review they took down")
    fd.delete_message(posts(server, reviews)[0])
    await server.restart()
    clock = server.clock.set(T0)
    await cycle(server, clock)
    await cycle(server, clock)
    assert posts(server, reviews) == []
    assert len(embed_sends(server, reviews)) == 2  # the first send and the refused re-send
    (sub,) = await FeedStore(server.bot.store).list_subscriptions()
    (row,) = await FeedStore(server.bot.store).outbox_for_subscription(sub.subscription.id)
    assert row.state == "deleted"


async def test_crash_and_long_outage_in_a_forum_posts_nothing_twice(
    server: Server, feed: RssServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13.7 for forums: forum posts take no nonce, so the bot looks for its post."""
    fd = server.discord
    forum = await post_then_crash(server, feed, monkeypatch, "Palette in the forum", forum=True)
    fd.advance_clock(3600)  # longer than Discord's nonce window
    await server.restart()
    clock = server.clock.set(T0)
    clock.later(3600)
    await server.bot.get_cog("Feeds").run_cycle()
    await cycle(server, clock)
    assert [t.name for t in fd.threads(forum)] == ["Palette in the forum"]
    (sub,) = await FeedStore(server.bot.store).list_subscriptions()
    (row,) = await FeedStore(server.bot.store).outbox_for_subscription(sub.subscription.id)
    assert (row.state, row.thread_id) == ("sent", fd.threads(forum)[0].id)


async def test_a_rekeyed_feed_is_held_back_and_moderators_are_told_once(
    server: Server, feed: RssServer
) -> None:
    """Issue 13.2: the flood guard still stops a feed that re-keys every entry at once."""
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    modlog = server.guild.add_text_channel("mod-log")
    await fd.slash("config modlog", user=server.mina, options={"channel": modlog})
    clock = server.clock.set(T0)
    await (await add(server, feed.url(), reviews)).final()
    feed.items = [Item(f"a-{n}", f"Review {n}", T0 + timedelta(hours=n)) for n in range(1, 9)]
    await cycle(server, clock)
    await cycle(server, clock)
    assert len(posts(server, reviews)) == 8
    feed.items = [Item(f"moved-{i.guid}", i.title, i.published) for i in feed.items]
    await cycle(server, clock)
    await cycle(server, clock)
    assert len(posts(server, reviews)) == 8  # nothing posted twice
    told = [m.content for m in fd.channel_messages(modlog) if "changed its id" in m.content]
    assert len(told) == 1 and feed.url() in told[0]
