"""Tests of the Discord emulator against the real, unpatched discord.py client.

The bot here is a throwaway ``commands.Bot`` with inline commands (not the project's bot);
it is pointed at the emulator only through ``Route.BASE`` and ``DEFAULT_GATEWAY``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import Channel, FakeDiscord, Guild, Member, Permissions, Role
from tests.support.emulator_http import api, error_codes

# --------------------------------------------------------------------------------------
# A small inline bot
# --------------------------------------------------------------------------------------


@dataclass
class Env:
    fd: FakeDiscord
    bot: commands.Bot
    guild: Guild
    reviews: Channel
    forum: Channel
    mods: Role
    alice: Member
    mina: Member
    errors: list[Exception] = field(default_factory=list)
    saved: list[discord.Interaction] = field(default_factory=list)

    def chan(self, ch: Channel) -> Any:
        return self.bot.get_channel(ch.id)


class Pager(discord.ui.View):
    @discord.ui.button(label="Next", custom_id="pager:next")
    async def next_page(self, inter: discord.Interaction, _: discord.ui.Button) -> None:
        await inter.response.edit_message(content="page 2")

    @discord.ui.select(
        custom_id="pager:pick",
        options=[
            discord.SelectOption(label="IU", value="iu"),
            discord.SelectOption(label="BTS", value="bts"),
        ],
    )
    async def pick(self, inter: discord.Interaction, select: discord.ui.Select) -> None:
        await inter.response.send_message(f"picked {select.values[0]}", ephemeral=True)


class Ask(discord.ui.Modal, title="Your review"):
    answer: discord.ui.TextInput = discord.ui.TextInput(
        label="Review", custom_id="review", max_length=200
    )

    async def on_submit(self, inter: discord.Interaction) -> None:
        await inter.response.send_message(f"You said: {self.answer.value}")


def make_bot(env_box: dict[str, Env]) -> commands.Bot:
    bot = commands.Bot(
        command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.01
    )
    tree = bot.tree

    @tree.command(description="How to use the bot")
    async def help(inter: discord.Interaction) -> None:
        await inter.response.send_message("Liner Notes help", ephemeral=True)

    @tree.command(description="Credits for a song")
    @app_commands.describe(query="Song title")
    async def credits(
        inter: discord.Interaction,
        query: str,
        member: discord.Member | None = None,
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
    ) -> None:
        parts = [
            query,
            type(member).__name__ if member else "-",
            member.display_name if member else "-",
            channel.name if channel else "-",
            role.name if role else "-",
        ]
        await inter.response.send_message("|".join(parts))

    @credits.autocomplete("query")
    async def credits_ac(
        inter: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if current == "many":
            return [app_commands.Choice(name=f"s{i}", value=f"s{i}") for i in range(30)]
        songs = ["Love wins all", "Love poem", "Blueming", "Palette"]
        return [app_commands.Choice(name=s, value=s) for s in songs if current.lower() in s.lower()]

    feed = app_commands.Group(name="feed", description="Feeds")

    @feed.command(name="add", description="Add a feed")
    async def feed_add(inter: discord.Interaction, url: str) -> None:
        await inter.response.send_message(f"added {url}")

    config = app_commands.Group(
        name="config",
        description="Settings",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )
    threads = app_commands.Group(name="threads", description="Threads", parent=config)

    @threads.command(name="set", description="Turn review threads on or off")
    async def threads_set(inter: discord.Interaction, enabled: bool) -> None:
        await inter.response.send_message(f"threads={enabled}")

    tree.add_command(feed)
    tree.add_command(config)

    @tree.command(description="Paged answer")
    async def pages(inter: discord.Interaction) -> None:
        await inter.response.send_message("page 1", view=Pager(timeout=None))

    @tree.command(description="Write a review")
    async def ask(inter: discord.Interaction) -> None:
        await inter.response.send_modal(Ask())

    @tree.command(description="Slow answer")
    async def slow(inter: discord.Interaction) -> None:
        await inter.response.defer(thinking=True)
        await inter.followup.send("done")  # after a defer this edits the loading message
        await inter.followup.send("extra info")
        await inter.edit_original_response(content="done (edited)")

    @tree.command(description="Publish a review")
    async def publish(inter: discord.Interaction, text: str) -> None:
        env = env_box["env"]
        await inter.response.defer(ephemeral=True, thinking=True)
        chan = inter.client.get_channel(env.reviews.id)
        msg = await chan.send(text)
        thread = await msg.create_thread(name=f"Discuss: {text}", auto_archive_duration=1440)
        await thread.send("Discuss here")
        forum = inter.client.get_channel(env.forum.id)
        tag = next(t for t in forum.available_tags if t.name == "IU")
        post = await forum.create_thread(name=text, content="Forum post", applied_tags=[tag])
        await inter.followup.send(f"published {thread.id} {post.thread.id}")

    @tree.command(description="Answers too late")
    async def late(inter: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        try:
            await inter.response.send_message("late")
        except discord.HTTPException as exc:
            env_box["env"].errors.append(exc)

    @tree.command(description="Never answers")
    async def silent(inter: discord.Interaction) -> None:
        env_box["env"].saved.append(inter)

    @tree.command(description="Answers and keeps the interaction")
    async def remind(inter: discord.Interaction) -> None:
        await inter.response.send_message("ok")
        env_box["env"].saved.append(inter)

    return bot


@pytest.fixture
async def env(fake_discord: FakeDiscord) -> AsyncIterator[Env]:
    fd = fake_discord
    guild = fd.add_guild("K-pop Club")
    reviews = guild.add_text_channel("reviews")
    forum = guild.add_forum_channel("discussions", tags=["IU", "BTS"])
    mods = guild.add_role("Mods", permissions=discord.Permissions(manage_guild=True).value)
    alice = guild.add_member("alice")
    mina = guild.add_member("mina", roles=[mods])
    box: dict[str, Env] = {}
    bot = make_bot(box)
    box["env"] = e = Env(fd, bot, guild, reviews, forum, mods, alice, mina)
    with fd.patch_discord_py():
        task = asyncio.create_task(bot.start(fd.token))
        await fd.wait_until_ready()
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        await bot.tree.sync()  # global (for DMs)
        bot.tree.copy_global_to(guild=discord.Object(guild.id))
        await bot.tree.sync(guild=discord.Object(guild.id))
        try:
            yield e
        finally:
            await bot.close()
            await asyncio.wait_for(task, 5)


# --------------------------------------------------------------------------------------
# Raw HTTP helpers (for rules tested without discord.py in the way)
# --------------------------------------------------------------------------------------


@pytest.fixture
async def world(fake_discord: FakeDiscord) -> tuple[FakeDiscord, Guild, Channel]:
    guild = fake_discord.add_guild("K-pop Club")
    return fake_discord, guild, guild.add_text_channel("reviews")


# --------------------------------------------------------------------------------------
# 1. discord.py end to end
# --------------------------------------------------------------------------------------


async def test_login_gateway_and_sync(env: Env) -> None:
    fd, bot = env.fd, env.bot
    assert fd.requests_to("GET", "/users/@me")[0].status == 200
    assert fd.requests_to("GET", "/oauth2/applications/@me")[0].status == 200
    assert bot.user.id == fd.bot_user_id and bot.application_id == fd.application_id
    names = {c["name"] for c in fd.commands(env.guild)}
    assert {"help", "credits", "feed", "config", "pages", "ask", "slow"} <= names
    assert all(c["application_id"] == str(fd.application_id) for c in fd.commands())
    # The gateway used transport compression as discord.py asked, and GUILD_CREATE gave the
    # client channels, forum tags, roles and computed permissions.
    assert {c.compressor.kind for c in fd.gateway.connections} == {"zlib-stream"}
    g = bot.get_guild(env.guild.id)
    assert g is not None and g.owner_id == env.guild.owner_id
    forum = g.get_channel(env.forum.id)
    assert isinstance(forum, discord.ForumChannel)
    assert [t.name for t in forum.available_tags] == ["IU", "BTS"]
    assert g.get_role(env.mods.id).permissions.manage_guild
    perms = g.get_channel(env.reviews.id).permissions_for(g.me)
    assert perms.send_messages and perms.create_public_threads and not perms.administrator


async def test_slash_with_options_and_resolved_objects(env: Env) -> None:
    reply = await env.fd.slash("help", user=env.alice)
    assert reply.type == 4 and reply.content == "Liner Notes help" and reply.ephemeral
    assert env.fd.channel_messages(env.guild.general) == []  # ephemeral: not in history
    reply = await env.fd.slash(
        "credits",
        user=env.alice,
        query="Love wins all",
        member=env.mina,
        role=env.mods,
        options={"channel": env.reviews},
    )
    assert reply.content == "Love wins all|Member|mina|reviews|Mods"
    payload = reply.interaction
    assert payload["member"]["user"]["id"] == str(env.alice.id)
    assert set(payload["data"]["resolved"]) == {"users", "members", "channels", "roles"}
    assert int(payload["app_permissions"]) & Permissions.SEND_MESSAGES
    assert reply.message in env.fd.channel_messages(env.guild.general)


async def test_subcommands_groups_and_default_permissions(env: Env) -> None:
    reply = await env.fd.slash("feed add", user=env.alice, url="https://example.com/rss")
    assert reply.content == "added https://example.com/rss"
    reply = await env.fd.slash("config threads set", user=env.mina, enabled=True)
    assert reply.content == "threads=True"
    with pytest.raises(AssertionError, match="hidden from alice"):
        await env.fd.slash("config threads set", user=env.alice, enabled=True)
    with pytest.raises(AssertionError, match="required option"):
        await env.fd.slash("feed add", user=env.alice)


async def test_command_permission_overrides_and_force(env: Env) -> None:
    fd = env.fd
    # An admin lets @everyone use /config (Server Settings > Integrations).
    env.guild.allow_command_for_everyone("config")
    reply = await fd.slash("config threads set", user=env.alice, enabled=False)
    assert reply.content == "threads=False"
    env.guild.set_command_permission("config", env.alice, False)
    with pytest.raises(AssertionError, match="disabled for alice"):
        await fd.slash("config threads set", user=env.alice, enabled=False)
    # force=True skips the client-side checks, to exercise the bot's own checks.
    reply = await fd.slash("config threads set", user=env.alice, enabled=True, force=True)
    assert reply.content == "threads=True"
    status, perms, _ = await api(
        fd, "GET", f"/applications/{fd.application_id}/guilds/{env.guild.id}/commands/permissions"
    )
    assert status == 200 and perms[0]["permissions"][-1]["id"] == str(env.alice.id)


async def test_autocomplete(env: Env) -> None:
    choices = await env.fd.autocomplete("credits", "query", "love", user=env.alice)
    assert [c["name"] for c in choices] == ["Love wins all", "Love poem"]
    # 30 choices break Discord's limit of 25: the callback is refused with 50035.
    with pytest.raises(AssertionError, match="50035"):
        await env.fd.autocomplete("credits", "query", "many", user=env.alice)
    bad = env.fd.requests_to("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
    assert bad[-1].status == 400
    assert error_codes(bad[-1].response, "data", "choices") == ["BASE_TYPE_MAX_LENGTH"]


async def test_button_and_select(env: Env) -> None:
    reply = await env.fd.slash("pages", user=env.alice)
    assert reply.content == "page 1"
    assert reply.button("Next")["custom_id"] == "pager:next"
    click = await env.fd.click(reply, label="Next", user=env.mina)
    assert click.type == 7 and click.message is reply.message
    assert reply.content == "page 2" and reply.message.edits == 1
    picked = await env.fd.select(reply, "pager:pick", ["bts"], user=env.alice)
    assert picked.content == "picked bts" and picked.ephemeral
    assert picked.interaction["message"]["id"] == str(reply.message.id)


async def test_modal(env: Env) -> None:
    reply = await env.fd.slash("ask", user=env.alice)
    assert reply.type == 9 and reply.modal["title"] == "Your review"
    submitted = await env.fd.submit_modal(reply, {"review": "A masterpiece"})
    assert submitted.content == "You said: A masterpiece"
    with pytest.raises(AssertionError, match="length 201"):
        await env.fd.submit_modal(reply, {"review": "x" * 201})


async def test_deferred_followup_and_edit_original(env: Env) -> None:
    fd = env.fd
    reply = await fd.slash("slow", user=env.alice)
    assert reply.deferred and reply.type == 5
    final = await reply.final()
    assert final is reply.message and final.content.startswith("done")
    extra = await reply.next_followup()
    assert extra.content == "extra info" and extra.id != final.id
    await fd.wait_for(lambda: reply.content == "done (edited)", what="edit of @original")
    assert len(reply.followups) == 1


async def test_thread_from_message_and_forum_post(env: Env) -> None:
    fd = env.fd
    reply = await fd.slash("publish", user=env.alice, text="Love wins all")
    done = await reply.final()
    thread = await fd.wait_for_thread(env.reviews)
    starter = fd.channel_messages(env.reviews)[0]
    assert thread.id == starter.id and starter.thread is thread  # same id, as on Discord
    assert thread.name == "Discuss: Love wins all" and thread.auto_archive_duration == 1440
    assert [m.content for m in fd.channel_messages(thread)] == ["Discuss here"]
    post = fd.threads(env.forum)[0]
    assert post.applied_tags == [env.forum.tag("IU").id]
    assert fd.channel_messages(post)[0].id == post.id
    assert done.content == f"published {thread.id} {post.id}"
    # discord.py sees both threads through THREAD_CREATE.
    g = env.bot.get_guild(env.guild.id)
    assert {t.id for t in g.threads} == {thread.id, post.id}
    # One thread per message.
    msg = await env.chan(env.reviews).fetch_message(starter.id)
    with pytest.raises(discord.HTTPException) as exc:
        await msg.create_thread(name="again")
    assert (exc.value.status, exc.value.code) == (400, 160004)


async def test_dm_slash_uses_user_not_member(env: Env) -> None:
    reply = await env.fd.slash("help", user=env.alice, dm=True)
    assert reply.content == "Liner Notes help"
    assert "user" in reply.interaction and "member" not in reply.interaction
    assert reply.interaction["context"] == 1
    with pytest.raises(AssertionError, match="cannot be used in DMs"):
        await env.fd.slash("config threads set", user=env.alice, dm=True, enabled=True)


async def test_guild_and_channel_events_reach_discord_py(env: Env) -> None:
    fd, bot = env.fd, env.bot
    joined = asyncio.ensure_future(bot.wait_for("guild_join", timeout=3))
    second = fd.add_guild("Second Club")
    assert (await joined).id == second.id
    created = asyncio.ensure_future(bot.wait_for("guild_channel_create", timeout=3))
    news = env.guild.add_text_channel("news")
    assert (await created).id == news.id
    updated = asyncio.ensure_future(bot.wait_for("guild_channel_update", timeout=3))
    env.guild.deny_bot(env.reviews, "send_messages")
    _, after = await updated
    assert not after.permissions_for(after.guild.me).send_messages
    with pytest.raises(discord.Forbidden) as exc:
        await env.chan(env.reviews).send("hi")
    assert (exc.value.status, exc.value.code) == (403, 50013)
    removed = asyncio.ensure_future(bot.wait_for("guild_remove", timeout=3))
    fd.remove_guild(second)
    assert (await removed).id == second.id
    assert bot.get_guild(second.id) is None


async def test_user_messages_respect_message_content_intent(env: Env) -> None:
    fd, bot = env.fd, env.bot
    got = asyncio.ensure_future(
        bot.wait_for("message", timeout=3, check=lambda m: m.author.id == env.alice.id)
    )
    await fd.post_message(env.guild.general, "hello everyone", user=env.alice)
    assert (await got).content == ""  # no MESSAGE_CONTENT intent
    got = asyncio.ensure_future(
        bot.wait_for("message", timeout=3, check=lambda m: m.author.id == env.alice.id)
    )
    await fd.post_message(env.guild.general, f"<@{fd.bot_user_id}> hi", user=env.alice)
    assert (await got).content.endswith(" hi")  # mentions are always visible


async def test_bot_messages_nonce_dedupe_and_edit(env: Env) -> None:
    fd = env.fd
    ch = env.chan(env.reviews)
    first = await ch.send("Review posted", nonce="review-42")
    again = await ch.send("Review posted (retry)", nonce="review-42")
    assert again.id == first.id and again.content == "Review posted"
    assert [m.content for m in fd.channel_messages(env.reviews)] == ["Review posted"]
    edited = await first.edit(content="Review posted ✏️", embed=discord.Embed(title="IU"))
    assert edited.embeds[0].title == "IU"
    stored = fd.channel_messages(env.reviews)[0]
    assert stored.edits == 1 and stored.embed["title"] == "IU"
    await first.delete()
    assert fd.channel_messages(env.reviews) == []


async def test_gateway_resume_after_reconnect(env: Env) -> None:
    fd = env.fd
    resumed = asyncio.ensure_future(env.bot.wait_for("resumed", timeout=3))
    await fd.request_reconnect()
    await resumed
    assert fd.gateway.resumes == 1 and fd.gateway.identifies == 1
    assert any(c.path == "/resume" for c in fd.gateway.connections)
    reply = await fd.slash("help", user=env.alice)
    assert reply.content == "Liner Notes help"


# --------------------------------------------------------------------------------------
# 2. Interaction rules
# --------------------------------------------------------------------------------------


async def test_three_second_rule_is_enforced(env: Env) -> None:
    env.fd.interaction_timeout = 0.2  # instead of Discord's 3 s, to keep the test fast
    with pytest.raises(AssertionError, match="10062"):
        await env.fd.slash("late", user=env.alice)
    await env.fd.wait_for(lambda: env.errors, what="the bot to see the error")
    err = env.errors[0]
    assert isinstance(err, discord.NotFound) and err.code == 10062


async def test_double_acknowledgement_is_refused(env: Env) -> None:
    fd = env.fd
    reply = await fd.slash("silent", user=env.alice, wait=False)
    await fd.wait_for(lambda: env.saved, what="the bot to receive /silent")
    path = f"/interactions/{reply.id}/{reply.token}/callback"
    status, _, _ = await api(fd, "POST", path, {"type": 4, "data": {"content": "one"}}, auth=False)
    assert status == 204
    status, body, _ = await api(
        fd, "POST", path, {"type": 4, "data": {"content": "two"}}, auth=False
    )
    assert (status, body["code"]) == (400, 40060)
    assert reply.content == "one"


async def test_interaction_callback_validation(env: Env) -> None:
    fd = env.fd
    reply = await fd.slash("silent", user=env.alice, wait=False)
    path = f"/interactions/{reply.id}/{reply.token}/callback"
    status, body, _ = await api(
        fd,
        "POST",
        path,
        {
            "type": 9,
            "data": {
                "custom_id": "m",
                "title": "t" * 46,
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 4, "custom_id": "a", "label": "A", "style": 1}],
                    }
                ],
            },
        },
        auth=False,
    )
    assert (status, body["code"]) == (400, 50035)
    assert error_codes(body, "data", "title") == ["BASE_TYPE_BAD_LENGTH"]
    status, body, _ = await api(fd, "POST", path, {"type": 7, "data": {"content": "x"}}, auth=False)
    assert status == 400 and "type" in body["errors"]  # UPDATE_MESSAGE needs a component
    status, body, _ = await api(
        fd, "POST", path, {"type": 4, "data": {"content": "x" * 2001}}, auth=False
    )
    assert error_codes(body, "data", "content") == ["BASE_TYPE_MAX_LENGTH"]
    status, body, _ = await api(
        fd, "POST", f"/interactions/{reply.id}/{reply.token}x/callback", {"type": 4}, auth=False
    )
    assert (status, body["code"]) == (404, 10062)
    assert not reply.record.acknowledged  # invalid answers do not acknowledge


async def test_followup_after_token_expiry(env: Env) -> None:
    fd = env.fd
    await fd.slash("remind", user=env.alice)
    inter = await fd.wait_for(lambda: env.saved and env.saved[-1])
    msg = await inter.followup.send("still here", wait=True)
    assert msg.content == "still here"
    fd.advance_clock(15 * 60 + 1)
    with pytest.raises(discord.HTTPException) as exc:
        await inter.followup.send("too late")
    assert (exc.value.status, exc.value.code) == (401, 50027)
    with pytest.raises(discord.HTTPException) as exc:
        await inter.edit_original_response(content="too late")
    assert exc.value.code == 50027


# --------------------------------------------------------------------------------------
# 3. REST rules, raw
# --------------------------------------------------------------------------------------


async def test_auth_and_unknown_resources(world: tuple[FakeDiscord, Guild, Channel]) -> None:
    fd, guild, ch = world
    status, body, _ = await api(fd, "GET", "/users/@me", token="wrong")
    assert (status, body) == (401, {"message": "401: Unauthorized", "code": 0})
    assert (await api(fd, "GET", "/channels/1"))[1]["code"] == 10003
    assert (await api(fd, "GET", f"/channels/{ch.id}/messages/1"))[1]["code"] == 10008
    assert (await api(fd, "GET", f"/guilds/{guild.id}/members/1"))[1]["code"] == 10007
    assert (await api(fd, "GET", "/nope"))[0] == 404
    status, body, headers = await api(fd, "GET", f"/channels/{ch.id}")
    assert status == 200 and body["name"] == "reviews"
    assert headers["Content-Type"] == "application/json"
    for h in (
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-RateLimit-Reset-After",
        "X-RateLimit-Bucket",
    ):
        assert h in headers


async def test_message_limits(world: tuple[FakeDiscord, Guild, Channel]) -> None:
    fd, _, ch = world
    path = f"/channels/{ch.id}/messages"

    async def post(payload: dict[str, Any]) -> dict[str, Any]:
        status, body, _ = await api(fd, "POST", path, payload)
        assert status == 400, body
        return body

    body = await post({"content": "x" * 2001})
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body"
    assert error_codes(body, "content") == ["BASE_TYPE_MAX_LENGTH"]
    assert (await post({}))["code"] == 50006
    assert (await post({"content": "", "embeds": []}))["code"] == 50006
    body = await post({"embeds": [{"title": "t"}] * 11})
    assert error_codes(body, "embeds") == ["BASE_TYPE_MAX_LENGTH"]
    body = await post({"embeds": [{"title": "t" * 257, "description": "d" * 4097}]})
    assert error_codes(body, "embeds", 0, "title") == ["BASE_TYPE_MAX_LENGTH"]
    assert error_codes(body, "embeds", 0, "description") == ["BASE_TYPE_MAX_LENGTH"]
    body = await post({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]})
    assert error_codes(body, "embeds", 0, "fields") == ["BASE_TYPE_MAX_LENGTH"]
    body = await post({"embeds": [{"fields": [{"name": "", "value": "v" * 1025}]}]})
    assert error_codes(body, "embeds", 0, "fields", 0, "name") == ["BASE_TYPE_REQUIRED"]
    assert error_codes(body, "embeds", 0, "fields", 0, "value") == ["BASE_TYPE_MAX_LENGTH"]
    body = await post({"embeds": [{"footer": {"text": "f" * 2049}, "author": {"name": "a" * 257}}]})
    assert error_codes(body, "embeds", 0, "footer", "text") == ["BASE_TYPE_MAX_LENGTH"]
    assert error_codes(body, "embeds", 0, "author", "name") == ["BASE_TYPE_MAX_LENGTH"]
    body = await post({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]})
    assert error_codes(body, "embeds") == ["MAX_EMBED_SIZE_EXCEEDED"]


async def test_component_limits(world: tuple[FakeDiscord, Guild, Channel]) -> None:
    fd, _, ch = world

    def button(i: int, **kw: Any) -> dict[str, Any]:
        return {"type": 2, "style": 1, "label": f"b{i}", "custom_id": f"c{i}"} | kw

    async def post(components: list[dict[str, Any]]) -> dict[str, Any]:
        status, body, _ = await api(
            fd, "POST", f"/channels/{ch.id}/messages", {"content": "x", "components": components}
        )
        assert status == 400, body
        return body

    rows = [{"type": 1, "components": [button(i)]} for i in range(6)]
    assert error_codes(await post(rows), "components") == ["BASE_TYPE_MAX_LENGTH"]
    row = [{"type": 1, "components": [button(i) for i in range(6)]}]
    assert error_codes(await post(row), "components", 0, "components") == ["BASE_TYPE_MAX_LENGTH"]
    body = await post([{"type": 1, "components": [button(0, custom_id="c" * 101, label="l" * 81)]}])
    assert error_codes(body, "components", 0, "components", 0, "custom_id") == [
        "BASE_TYPE_BAD_LENGTH"
    ]
    assert error_codes(body, "components", 0, "components", 0, "label") == ["BASE_TYPE_MAX_LENGTH"]
    status, body, _ = await api(
        fd,
        "POST",
        f"/channels/{ch.id}/messages",
        {"components": [{"type": 1, "components": [button(1)]}]},
    )
    assert status == 200 and body["components"][0]["components"][0]["custom_id"] == "c1"


async def test_threads_rules(world: tuple[FakeDiscord, Guild, Channel]) -> None:
    fd, guild, ch = world
    _, msg, _ = await api(fd, "POST", f"/channels/{ch.id}/messages", {"content": "hi"})
    path = f"/channels/{ch.id}/messages/{msg['id']}/threads"
    status, body, _ = await api(fd, "POST", path, {"name": "n" * 101, "auto_archive_duration": 30})
    assert error_codes(body, "name") == ["BASE_TYPE_BAD_LENGTH"]
    assert error_codes(body, "auto_archive_duration") == ["BASE_TYPE_CHOICES"]
    status, thread, _ = await api(fd, "POST", path, {"name": "Discuss"})
    assert status == 201 and thread["id"] == msg["id"] and thread["type"] == 11
    status, body, _ = await api(fd, "POST", path, {"name": "Again"})
    assert (status, body["code"]) == (400, 160004)
    # Forum posts: message required, tags must exist, REQUIRE_TAG honoured.
    forum = guild.add_forum_channel("discussions", tags=["IU"], require_tag=True)
    fpath = f"/channels/{forum.id}/threads"
    status, body, _ = await api(fd, "POST", fpath, {"name": "Post"})
    assert error_codes(body, "message") == ["BASE_TYPE_REQUIRED"]
    status, body, _ = await api(fd, "POST", fpath, {"name": "Post", "message": {"content": "x"}})
    assert (status, body["code"]) == (400, 40067)
    status, post, _ = await api(
        fd,
        "POST",
        fpath,
        {"name": "Post", "message": {"content": "x"}, "applied_tags": [str(forum.tag("IU").id)]},
    )
    assert status == 201 and post["message"]["id"] == post["id"]
    assert (await api(fd, "POST", f"/channels/{forum.id}/messages", {"content": "x"}))[1][
        "code"
    ] == 40058
    # A moderator archives the thread; sending in it unarchives it again.
    th = guild.get_channel(int(thread["id"]))
    guild.archive_thread(th)
    assert (await api(fd, "GET", f"/channels/{th.id}"))[1]["thread_metadata"]["archived"]
    assert (await api(fd, "POST", f"/channels/{th.id}/messages", {"content": "up"}))[0] == 200
    assert not th.archived
    # Archive/lock: the bot owns the thread, but locking needs MANAGE_THREADS.
    guild.set_bot_permissions(
        Permissions.VIEW_CHANNEL
        | Permissions.SEND_MESSAGES
        | Permissions.SEND_MESSAGES_IN_THREADS
        | Permissions.READ_MESSAGE_HISTORY
    )
    tpath = f"/channels/{thread['id']}"
    assert (await api(fd, "PATCH", tpath, {"locked": True}))[1]["code"] == 50013
    status, body, _ = await api(fd, "PATCH", tpath, {"archived": True, "name": "Closed"})
    assert status == 200 and body["thread_metadata"]["archived"] and body["name"] == "Closed"
    assert (await api(fd, "PATCH", tpath, {"name": "x"}))[1]["code"] == 50083
    status, _, _ = await api(fd, "PATCH", tpath, {"archived": False})
    assert status == 200
    # No CREATE_PUBLIC_THREADS (@everyone has it by default, so deny it on the channel).
    guild.deny_bot(ch, "create_public_threads")
    _, msg2, _ = await api(fd, "POST", f"/channels/{ch.id}/messages", {"content": "two"})
    status, body, _ = await api(
        fd, "POST", f"/channels/{ch.id}/messages/{msg2['id']}/threads", {"name": "t"}
    )
    assert (status, body["code"]) == (403, 50013)


async def test_permissions_computed_like_discord(world: tuple[FakeDiscord, Guild, Channel]) -> None:
    fd, guild, ch = world
    path = f"/channels/{ch.id}/messages"
    guild.deny_bot(ch, "send_messages")
    assert (await api(fd, "POST", path, {"content": "x"}))[1]["code"] == 50013
    guild.allow_bot(ch, "send_messages")
    assert (await api(fd, "POST", path, {"content": "x"}))[0] == 200
    # A private channel: @everyone denied VIEW_CHANNEL, a Staff role allowed.
    staff = guild.add_role("Staff")
    guild.set_overwrite(ch, guild.everyone, deny=Permissions.VIEW_CHANNEL)
    guild.set_overwrite(ch, staff, allow=Permissions.VIEW_CHANNEL)
    guild.set_overwrite(ch, guild.bot_member, allow=0, deny=0)
    assert guild.bot_permissions(ch) == 0  # no VIEW_CHANNEL → nothing at all
    status, body, _ = await api(fd, "POST", path, {"content": "x"})
    assert (status, body["code"]) == (403, 50001)
    guild.set_roles(guild.bot_member, [guild.bot_role, staff])
    assert (await api(fd, "POST", path, {"content": "x"}))[0] == 200  # role allow wins
    guild.set_overwrite(ch, guild.bot_member, deny=Permissions.VIEW_CHANNEL)
    assert guild.bot_permissions(ch) == 0  # member overwrite beats role overwrite
    guild.set_overwrite(ch, guild.bot_member, allow=0, deny=0)
    # Without EMBED_LINKS embeds are dropped silently; embed-only becomes empty → 50006.
    guild.deny_bot(ch, "embed_links")
    status, body, _ = await api(fd, "POST", path, {"content": "x", "embeds": [{"title": "t"}]})
    assert status == 200 and body["embeds"] == []
    assert (await api(fd, "POST", path, {"embeds": [{"title": "t"}]}))[1]["code"] == 50006
    # Owner and ADMINISTRATOR get everything.
    admin = guild.add_member("admin", roles=[guild.add_role("Admin", Permissions.ADMINISTRATOR)])
    assert guild.permissions_for(admin, ch) == Permissions.all()
    assert guild.permissions_for(guild.owner, ch) == Permissions.all()
    # DMs to users with closed DMs.
    shy = fd.add_user("shy", dms_open=False)
    _, dm, _ = await api(fd, "POST", "/users/@me/channels", {"recipient_id": str(shy.id)})
    assert (await api(fd, "POST", f"/channels/{dm['id']}/messages", {"content": "hi"}))[1][
        "code"
    ] == 50007


async def test_command_validation(fake_discord: FakeDiscord) -> None:
    fd = fake_discord
    path = f"/applications/{fd.application_id}/commands"
    status, body, _ = await api(
        fd,
        "PUT",
        path,
        [
            {"name": "Bad Name", "description": "x"},
            {
                "name": "ok",
                "description": "d" * 101,
                "options": [{"type": 3, "name": f"o{i}", "description": "o"} for i in range(26)],
            },
        ],
    )
    assert (status, body["code"]) == (400, 50035)
    assert error_codes(body, 0, "name") == ["APPLICATION_COMMAND_INVALID_NAME"]
    assert error_codes(body, 1, "description") == ["BASE_TYPE_BAD_LENGTH"]
    assert error_codes(body, 1, "options") == ["BASE_TYPE_MAX_LENGTH"]
    too_many = [{"name": f"c{i}", "description": "x"} for i in range(101)]
    assert (await api(fd, "PUT", path, too_many))[0] == 400
    status, cmds, _ = await api(fd, "PUT", path, [{"name": "노래", "description": "Korean"}])
    assert status == 200 and cmds[0]["name"] == "노래" and cmds[0]["version"]
    status, again, _ = await api(fd, "PUT", path, [{"name": "노래", "description": "Korean"}])
    assert again[0]["id"] == cmds[0]["id"]  # ids survive a bulk overwrite


async def test_multipart_upload(world: tuple[FakeDiscord, Guild, Channel]) -> None:
    fd, _, ch = world
    form = aiohttp.FormData()
    form.add_field(
        "payload_json",
        json.dumps({"content": "cover art", "attachments": [{"id": 0, "filename": "cover.png"}]}),
    )
    form.add_field("files[0]", b"\x89PNG fake", filename="cover.png", content_type="image/png")
    status, body, _ = await api(fd, "POST", f"/channels/{ch.id}/messages", data=form)
    assert status == 200 and body["attachments"][0]["filename"] == "cover.png"
    rec = fd.requests_to("POST", "/channels/{channel_id}/messages")[-1]
    assert rec.json["content"] == "cover art" and rec.files[0].data == b"\x89PNG fake"


# --------------------------------------------------------------------------------------
# 4. Faults and rate limits
# --------------------------------------------------------------------------------------


async def test_injected_429_has_real_headers_and_discord_py_retries(env: Env) -> None:
    fd = env.fd
    fd.fail_next("POST", "/channels/{channel_id}/messages", status=429, retry_after=0.05)
    status, body, headers = await api(
        fd, "POST", f"/channels/{env.reviews.id}/messages", {"content": "x"}
    )
    assert status == 429
    assert body == {
        "message": "You are being rate limited.",
        "retry_after": 0.05,
        "global": False,
        "code": 0,
    }
    assert headers["Retry-After"] == "1" and headers["X-RateLimit-Scope"] == "user"
    assert headers["X-RateLimit-Remaining"] == "0" and "X-RateLimit-Bucket" in headers
    fd.fail_next("POST", "/channels/{channel_id}/messages", status=429, global_=True)
    fd.fail_next("POST", "/channels/{channel_id}/messages", status=429)
    msg = await env.chan(env.reviews).send("through the storm")
    statuses = [r.status for r in fd.requests_to("POST", f"/channels/{env.reviews.id}/messages")]
    assert statuses == [429, 429, 429, 200]
    assert fd.channel_messages(env.reviews)[-1].id == msg.id


async def test_injected_5xx(env: Env) -> None:
    fd = env.fd
    fd.fail_next(f"POST /channels/{env.reviews.id}/messages", status=503)
    with pytest.raises(discord.DiscordServerError) as exc:
        await env.chan(env.reviews).send("x")
    assert exc.value.status == 503
    fd.fail_next("GET", "/channels/{channel_id}", status=500)
    status, body, _ = await api(fd, "GET", f"/channels/{env.reviews.id}")
    assert (status, body) == (500, {"message": "500: Internal Server Error", "code": 0})
    # discord.py retries 500/502 by itself (after ~1 s).
    fd.fail_next("POST", "/channels/{channel_id}/messages", status=502)
    msg = await env.chan(env.reviews).send("retried")
    assert msg.content == "retried"


async def test_a_held_answer_comes_only_when_released(env: Env) -> None:
    fd = env.fd
    path = f"/channels/{env.reviews.id}/messages"
    held = fd.hold_next("POST", "/channels/{channel_id}/messages")
    sending = asyncio.create_task(api(fd, "POST", path, {"content": "held", "nonce": "n1"}))
    await asyncio.wait_for(held.arrived.wait(), 10)
    # Discord has acted: the message is in the channel, while its sender still waits.
    assert [m.content for m in fd.channel_messages(env.reviews)][-1] == "held"
    assert not sending.done()
    assert (await api(fd, "POST", path, {"content": "not held"}))[0] == 200  # only the next
    held.release()
    status, body, _ = await sending
    assert status == 200 and body["content"] == "held"


async def test_rate_limiter_buckets(env: Env) -> None:
    fd = env.fd
    fd.enable_rate_limits(messages=(2, 0.1), global_limit=None)
    path = f"/channels/{env.guild.general.id}/messages"
    results = [await api(fd, "POST", path, {"content": str(i)}) for i in range(3)]
    assert [r[0] for r in results] == [200, 200, 429]
    assert results[1][2]["X-RateLimit-Remaining"] == "0"
    assert 0 < results[2][1]["retry_after"] <= 0.1
    # discord.py reads the headers and waits on its own: no 429s, but it takes a window.
    fd.rate_limited.clear()
    start = time.monotonic()
    for i in range(4):
        await env.chan(env.reviews).send(f"post {i}")
    assert time.monotonic() - start >= 0.09
    assert fd.rate_limited == []
    assert len(fd.channel_messages(env.reviews)) == 4


# --------------------------------------------------------------------------------------
# 5. Gateway edge cases
# --------------------------------------------------------------------------------------


async def test_gateway_rejects_bad_token(fake_discord: FakeDiscord) -> None:
    fd = fake_discord
    async with (
        aiohttp.ClientSession() as s,
        s.ws_connect(fd.gateway_url + "?v=10&encoding=json") as ws,
    ):
        hello = await ws.receive_json()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250
        await ws.send_json({"op": 1, "d": None})
        assert (await ws.receive_json())["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": "nope", "intents": 1, "properties": {}}})
        msg = await ws.receive()
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4004


async def test_fixture_restores_discord_py_urls(fake_discord: FakeDiscord) -> None:
    # The plugin restores both after the test; here we only check patch_discord_py's own
    # restore and that the values are what the bot settings should use.
    before = discord.http.Route.BASE
    with fake_discord.patch_discord_py():
        assert fake_discord.api_base == discord.http.Route.BASE
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == fake_discord.gateway_url
    assert before == discord.http.Route.BASE


async def test_members_intent_chunks_and_privileged_intents_are_enforced(
    fake_discord: FakeDiscord,
) -> None:
    fd = fake_discord
    guild = fd.add_guild("K-pop Club")
    for name in ("alice", "bob", "mina"):
        guild.add_member(name)
    intents = discord.Intents.default()
    intents.members = True
    with fd.patch_discord_py():
        bot = discord.Client(intents=intents, guild_ready_timeout=0.01)
        task = asyncio.create_task(bot.start(fd.token))
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        g = bot.get_guild(guild.id)
        assert g.chunked and {m.name for m in g.members} >= {"alice", "bob", "mina"}
        await bot.close()
        await task
        # An app without the Server Members intent enabled gets close code 4014.
        fd.privileged_intents = 0
        bot = discord.Client(intents=intents)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(bot.start(fd.token), 5)
        await bot.close()
