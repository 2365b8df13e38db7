"""/config through the emulator: real permission checks, audit, round trips, bot permissions."""

from __future__ import annotations

from tests.support.bot import Server


async def show_text(server: Server) -> str:
    reply = await server.discord.slash("config show", user=server.mina)
    assert reply.ephemeral
    embed = reply.embeds[0]
    return (
        embed["description"]
        + "\n"
        + "\n".join(f"{f['name']}: {f['value']}" for f in embed.get("fields", []))
    )


async def test_member_without_manage_server_is_refused_and_nothing_changes(
    server: Server,
) -> None:
    reviews = server.guild.add_text_channel("reviews")
    before = await show_text(server)
    # Discord's default_permissions is only a hint: the emulator lets alice invoke it
    # as a server that overrode the hint would, and the bot's own check must refuse.
    reply = await server.discord.slash(
        "config reviews",
        user=server.alice,
        channel=server.general,
        options={"channel": reviews},
        force=True,
    )
    assert reply.ephemeral
    assert "Manage Server" in reply.content
    assert await show_text(server) == before


async def test_each_setting_round_trips_through_show(server: Server) -> None:
    fd, mina = server.discord, server.mina
    reviews = server.guild.add_text_channel("reviews")
    forum = server.guild.add_forum_channel("discussions", tags=["IU", "BTS"])
    modlog = server.guild.add_text_channel("mod-log")
    digest = server.guild.add_text_channel("daily")
    editors = server.guild.add_role("Editors")

    for name, options in [
        ("config reviews", {"channel": reviews}),
        ("config discussions", {"channel": forum}),
        ("config modlog", {"channel": modlog}),
        ("config threads", {"archive": 4320, "slowmode": 30, "mode": "per release"}),
        ("config timezone", {"zone": "Europe/Paris"}),
        ("config digest", {"channel": digest, "time": "9:30"}),
        ("config editors", {"role": editors}),
        ("config follow", {"artist": "아이유"}),
    ]:
        reply = await fd.slash(name, user=mina, options=options)
        assert reply.ephemeral, name
        assert "can't" not in (reply.content or ""), (name, reply.content)

    text = await show_text(server)
    assert f"**Reviews channel**: <#{reviews.id}> — by <@{mina.id}>" in text
    assert f"**Discussions channel**: <#{forum.id}>" in text
    assert f"**Mod-log channel**: <#{modlog.id}>" in text
    assert "**Thread auto-archive**: 3 days" in text
    assert "**Thread slowmode**: 30 s" in text
    assert "**Review threads**: per release" in text
    assert "**Time zone**: Europe/Paris" in text
    assert f"**Digest channel**: <#{digest.id}>" in text
    assert "**Digest time**: 09:30" in text
    assert f"**Editors role**: <@&{editors.id}>" in text
    assert "Followed artists: IU" in text

    # Every change after the mod-log was set is echoed there, naming who did it.
    echoes = [m.content for m in fd.channel_messages(modlog)]
    assert any("Time zone set to Europe/Paris" in e for e in echoes)
    assert all(f"<@{mina.id}>" in e for e in echoes)
    assert len(echoes) >= 5


async def test_missing_bot_permission_is_named(server: Server) -> None:
    reviews = server.guild.add_text_channel("reviews")
    server.guild.deny_bot(reviews, "create_public_threads", "embed_links")
    reply = await server.discord.slash(
        "config reviews", user=server.mina, options={"channel": reviews}
    )
    assert reply.ephemeral
    assert "**Embed Links**" in reply.content
    assert "**Create Public Threads**" in reply.content
    assert "Not set" not in reply.content
    assert "**Reviews channel**: not set" in await show_text(server)


async def test_bad_values_are_refused_clearly(server: Server) -> None:
    fd, mina = server.discord, server.mina
    reply = await fd.slash("config timezone", user=mina, zone="Mars/Olympus")
    assert "not a time zone" in reply.content
    reply = await fd.slash(
        "config digest", user=mina, options={"channel": server.general, "time": "25:99"}
    )
    assert "HH:MM" in reply.content
    reply = await fd.slash("config threads", user=mina)
    assert "at least one" in reply.content
    reply = await fd.slash("config follow", user=mina, artist="zzqqxx no such artist")
    assert reply.ephemeral and "No artist" in reply.content
    text = await show_text(server)
    assert "**Time zone**: Asia/Seoul — default" in text


async def test_timezone_autocomplete(server: Server) -> None:
    choices = await server.discord.autocomplete(
        "config timezone", "zone", "seoul", user=server.mina
    )
    assert choices[0]["value"] == "Asia/Seoul"
    assert len(choices) <= 25


async def test_follow_accepts_hangul_and_unfollow(server: Server) -> None:
    fd, mina = server.discord, server.mina
    choices = await fd.autocomplete("config follow", "artist", "방탄", user=mina)
    assert any("BTS" in c["name"] for c in choices)
    reply = await fd.slash("config follow", user=mina, artist=choices[0]["value"])
    assert "Now following BTS" in reply.content
    reply = await fd.slash("config follow", user=mina, artist="bts")
    assert "already follows" in reply.content
    reply = await fd.slash("config unfollow", user=mina, artist="BTS")
    assert "No longer following BTS" in reply.content
    assert "none (all artists)" in await show_text(server)


async def test_reset_needs_confirmation(server: Server) -> None:
    fd, mina = server.discord, server.mina
    await fd.slash("config timezone", user=mina, zone="UTC")
    reply = await fd.slash("config reset", user=mina)
    assert reply.ephemeral
    assert "**Time zone**: UTC" in await show_text(server)
    await fd.click(reply, label="Cancel", user=mina)
    edited = await reply.wait_edit()
    assert "Nothing was changed" in edited.content
    assert "**Time zone**: UTC" in await show_text(server)

    reply = await fd.slash("config reset", user=mina)
    await fd.click(reply, label="Reset everything", user=mina)
    edited = await reply.wait_edit()
    assert "back to its default" in edited.content
    assert "**Time zone**: Asia/Seoul" in await show_text(server)
