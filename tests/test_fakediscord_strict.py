"""The emulator is at least as strict as Discord: each rule cites its documentation section.

Sections are from Discord's developer documentation (discord/discord-api-docs).
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.fakediscord import Channel, FakeDiscord, Guild, Permissions
from tests.support.emulator_http import api, error_codes


@pytest.fixture
async def world(fake_discord: FakeDiscord) -> tuple[FakeDiscord, Guild, Channel]:
    guild = fake_discord.add_guild("K-pop Club")
    return fake_discord, guild, guild.add_text_channel("reviews")


def command(**extra: Any) -> dict[str, Any]:
    return {"name": "credits", "description": "Who made a song", "type": 1, **extra}


def option(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": 3, "name": name, "description": "A song", **extra}


async def sync(fd: FakeDiscord, guild: Guild, commands: list[dict[str, Any]]) -> tuple[int, Any]:
    path = f"/applications/{fd.application_id}/guilds/{guild.id}/commands"
    status, body, _ = await api(fd, "PUT", path, commands)
    return status, body


# -- Application Commands, "Localization" and "Application Command Object" --------------


async def test_valid_korean_localizations_are_accepted(world) -> None:
    fd, guild, _ = world
    status, body = await sync(
        fd,
        guild,
        [
            command(
                name_localizations={"ko": "크레딧", "en-US": "credits"},
                description_localizations={"ko": "곡을 만든 사람"},
                options=[option("query", name_localizations={"ko": "검색어"})],
            )
        ],
    )
    assert status == 200, body
    assert body[0]["name_localizations"]["ko"] == "크레딧"


@pytest.mark.parametrize(
    ("bad", "path"),
    [
        ({"name_localizations": {"kr": "크레딧"}}, (0, "name_localizations", "kr")),  # not a locale
        ({"name_localizations": {"en": "credits"}}, (0, "name_localizations", "en")),  # en-US/GB
        ({"name_localizations": {"ko": "Credits"}}, (0, "name_localizations", "ko")),  # lowercase
        ({"name_localizations": {"ko": "크 레딧"}}, (0, "name_localizations", "ko")),  # a space
        ({"name_localizations": {"ko": "가" * 33}}, (0, "name_localizations", "ko")),  # 1-32
        ({"description_localizations": {"ko": ""}}, (0, "description_localizations", "ko")),
        ({"description_localizations": {"ja": "x" * 101}}, (0, "description_localizations", "ja")),
    ],
)
async def test_one_bad_localization_refuses_the_whole_sync(world, bad, path) -> None:
    """Values "follow the same restrictions as" name/description; keys are Discord's locales."""
    fd, guild, _ = world
    status, body = await sync(fd, guild, [command(name="help", description="Help"), command(**bad)])
    assert status == 400 and body["code"] == 50035
    assert error_codes(body, 1, *path[1:])
    assert fd.commands(guild) == []  # nothing of the sync was kept


async def test_localized_option_names_must_be_distinct(world) -> None:
    """ "Localized option names ... must be distinct from all other default option names of
    that command, as well as all other option names within that locale."""
    fd, guild, _ = world
    clash_default = [option("query", name_localizations={"ko": "role"}), option("role")]
    status, body = await sync(fd, guild, [command(options=clash_default)])
    assert status == 400
    assert error_codes(body, 0, "options", 0, "name_localizations", "ko")
    clash_locale = [
        option("query", name_localizations={"ko": "검색"}),
        option("role", name_localizations={"ko": "검색"}),
    ]
    status, body = await sync(fd, guild, [command(options=clash_locale)])
    assert status == 400
    assert error_codes(body, 0, "options", 1, "name_localizations", "ko")


async def test_localizations_count_toward_the_8000_character_size(world) -> None:
    """ "Slash commands can have a maximum of 8000 characters ... only the longest localization
    for each field (including the default value) is counted towards the size limit.\""""
    fd, guild, _ = world

    def options(localized: bool) -> list[dict[str, Any]]:
        extra = {"description_localizations": {"ko": "설" * 100}} if localized else {}
        return [option(f"o{i}", description="d" * 60, required=False, **extra) for i in range(25)]

    group = [
        {"type": 1, "name": f"s{k}", "description": "s", "options": options(False)}
        for k in range(4)
    ]
    status, _ = await sync(fd, guild, [command(options=group)])
    assert status == 200  # about 6,200 characters without localizations
    group[0]["options"] = options(True)
    group[1]["options"] = options(True)
    status, body = await sync(fd, guild, [command(options=group)])
    assert status == 400
    assert error_codes(body, 0) == ["APPLICATION_COMMAND_TOO_LARGE"]


@pytest.mark.parametrize(
    ("otype", "value", "ok"),
    [(3, "iu", True), (3, 1, False), (4, 1, True), (4, "1", False), (4, 1.5, False),
     (10, 1.5, True), (10, "1.5", False), (4, True, False)],
)  # fmt: skip
async def test_choice_values_have_the_options_type(world, otype, value, ok) -> None:
    """ "Application Command Option Choice Structure": the value's type depends on the option
    type (string, integer, or double)."""
    fd, guild, _ = world
    opt = {"type": otype, "name": "pick", "description": "Pick", "choices": [
        {"name": "one", "value": value}
    ]}  # fmt: skip
    status, body = await sync(fd, guild, [command(options=[opt])])
    assert (status == 200) is ok, body


# -- Message resource, "Allowed Mentions Object" -----------------------------------------


@pytest.mark.parametrize(
    ("allowed", "ok"),
    [
        ({"parse": ["users"], "users": ["1234"]}, False),  # the documented invalid example
        ({"parse": ["roles"], "roles": ["1234"]}, False),
        ({"parse": ["users", "roles"], "users": []}, True),  # an empty list is no conflict
        ({"parse": ["everyone"], "users": ["1234"]}, True),  # different types
        ({"parse": ["nobody"]}, False),
    ],
)
async def test_allowed_mentions_parse_is_exclusive_with_id_lists(world, allowed, ok) -> None:
    fd, _, reviews = world
    status, body, _ = await api(
        fd,
        "POST",
        f"/channels/{reviews.id}/messages",
        {"content": "hi <@1234>", "allowed_mentions": allowed},
    )
    assert (status == 200) is ok, body
    if not ok:
        assert body["code"] == 50035 and "allowed_mentions" in body["errors"]


async def test_mentions_are_computed_as_discord_does(world) -> None:
    """Only mentions in the content, as far as ``allowed_mentions`` and permissions let."""
    fd, guild, reviews = world
    alice = guild.add_member("alice")
    quiet = guild.add_role("Quiet")
    loud = guild.add_role("Loud", mentionable=True)
    content = f"<@{alice.id}> <@&{quiet.id}> <@&{loud.id}> @everyone"
    path = f"/channels/{reviews.id}/messages"
    _, sent, _ = await api(fd, "POST", path, {"content": content})
    # The bot's default role has no Mention Everyone; @everyone's default permissions do.
    assert [u["id"] for u in sent["mentions"]] == [str(alice.id)]
    assert sent["mention_roles"] == [str(quiet.id), str(loud.id)]
    assert sent["mention_everyone"] is True
    guild.deny_bot(reviews, "mention_everyone")
    _, sent, _ = await api(fd, "POST", path, {"content": content})
    assert sent["mention_roles"] == [str(loud.id)] and sent["mention_everyone"] is False
    none = {"content": content, "allowed_mentions": {"parse": []}}
    _, sent, _ = await api(fd, "POST", path, none)
    assert (sent["mentions"], sent["mention_roles"], sent["mention_everyone"]) == ([], [], False)
    only_loud = {"content": content, "allowed_mentions": {"roles": [str(loud.id)]}}
    _, sent, _ = await api(fd, "POST", path, only_loud)
    assert sent["mentions"] == [] and sent["mention_roles"] == [str(loud.id)]


async def test_a_resent_nonce_of_a_deleted_message_is_unknown_message(world) -> None:
    """Create Message, ``enforce_nonce``: a re-send within the window returns the original;
    once that message is deleted Discord answers Unknown Message (10008)."""
    fd, _, reviews = world
    path = f"/channels/{reviews.id}/messages"
    body = {"content": "review", "nonce": "ln123", "enforce_nonce": True}
    _, first, _ = await api(fd, "POST", path, body)
    _, again, _ = await api(fd, "POST", path, body)
    assert again["id"] == first["id"]
    status, _, _ = await api(fd, "DELETE", f"{path}/{first['id']}")
    assert status == 204
    status, answer, _ = await api(fd, "POST", path, body)
    assert (status, answer["code"], answer["message"]) == (404, 10008, "Unknown Message")
    fd.advance_clock(fd.nonce_window + 1)  # past the window the nonce is forgotten
    status, later, _ = await api(fd, "POST", path, body)
    assert status == 200 and later["id"] != first["id"]


# -- Threads, "Locked Threads", "Active & Archived Threads", "Permissions" ----------------


async def new_thread(fd: FakeDiscord, channel: Channel) -> str:
    _, thread, _ = await api(
        fd, "POST", f"/channels/{channel.id}/threads", {"name": "talk", "type": 11}
    )
    return thread["id"]


async def test_locked_threads_refuse_posts_edits_and_renames_without_manage_threads(world):
    fd, guild, reviews = world
    thread_id = await new_thread(fd, reviews)
    _, msg, _ = await api(fd, "POST", f"/channels/{thread_id}/messages", {"content": "hi"})
    guild.deny_bot(reviews, "manage_threads")
    thread = guild.get_channel(int(thread_id))
    guild.update_channel(thread, locked=True)
    for method, path, body in [
        ("POST", f"/channels/{thread_id}/messages", {"content": "more"}),
        ("PATCH", f"/channels/{thread_id}/messages/{msg['id']}", {"content": "edited"}),
        ("PATCH", f"/channels/{thread_id}", {"name": "renamed"}),
    ]:
        status, answer, _ = await api(fd, method, path, body)
        assert (status, answer["code"]) == (403, 160005), (method, path)
    guild.archive_thread(thread)
    reaction = f"/channels/{thread_id}/messages/{msg['id']}/reactions/%F0%9F%91%8D/@me"
    status, answer, _ = await api(fd, "PUT", reaction)
    assert (status, answer["code"]) == (403, 160005)
    status, answer, _ = await api(fd, "DELETE", f"/channels/{thread_id}/messages/{msg['id']}")
    assert (status, answer["code"]) == (403, 160005)  # deleting needs the locked thread active
    status, answer, _ = await api(fd, "PATCH", f"/channels/{thread_id}", {"archived": False})
    assert status == 403  # only MANAGE_THREADS unarchives a locked thread


async def test_unarchiving_needs_thread_membership(world) -> None:
    """Threads, "Permissions": unarchiving "only requires the current user has already been
    added to the thread"; leaving or joining needs the thread active."""
    fd, guild, reviews = world
    thread_id = await new_thread(fd, reviews)
    thread = guild.get_channel(int(thread_id))
    assert (await api(fd, "DELETE", f"/channels/{thread_id}/thread-members/@me"))[0] == 204
    guild.deny_bot(reviews, "manage_threads")
    guild.archive_thread(thread)
    status, answer, _ = await api(fd, "PATCH", f"/channels/{thread_id}", {"archived": False})
    assert (status, answer["code"]) == (403, 50001)
    status, answer, _ = await api(fd, "PUT", f"/channels/{thread_id}/thread-members/@me")
    assert (status, answer["code"]) == (400, 50083)  # cannot join an archived thread
    guild.unarchive_thread(thread)
    assert (await api(fd, "PUT", f"/channels/{thread_id}/thread-members/@me"))[0] == 204
    guild.archive_thread(thread)
    status, _, _ = await api(fd, "PATCH", f"/channels/{thread_id}", {"archived": False})
    assert status == 200


# -- Permissions, "Permissions For Timed Out Members" --------------------------------------


async def test_timed_out_members_keep_only_view_and_history(world) -> None:
    fd, guild, reviews = world
    alice = guild.add_member("alice")
    admin = guild.add_member("admin", roles=[guild.add_role("Admins", "administrator")])
    guild.time_out(alice, 600)
    guild.time_out(admin, 600)
    kept = int(Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY)
    assert guild.permissions_for(alice, reviews) == kept
    assert guild.permissions_for(admin, reviews) == int(Permissions.all())  # exempt
    guild.time_out(guild.bot_member, 600)
    status, answer, _ = await api(fd, "POST", f"/channels/{reviews.id}/messages", {"content": "hi"})
    assert (status, answer["code"]) == (403, 50013)
    guild.time_out(guild.bot_member, None)
    assert (await api(fd, "POST", f"/channels/{reviews.id}/messages", {"content": "hi"}))[0] == 200


# -- Gateway, "Rate Limiting" and Opcodes and Status Codes (4008, 4012) ---------------------


async def test_gateway_refuses_a_bad_version_with_4012(fake_discord: FakeDiscord) -> None:
    for query in ("?v=6&encoding=json", "?encoding=json"):
        async with (
            aiohttp.ClientSession() as s,
            s.ws_connect(fake_discord.gateway_url + query) as ws,
        ):
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4012, query


async def test_gateway_closes_4008_past_120_payloads_a_minute(fake_discord: FakeDiscord) -> None:
    async with (
        aiohttp.ClientSession() as s,
        s.ws_connect(fake_discord.gateway_url + "?v=10&encoding=json") as ws,
    ):
        assert (await ws.receive_json())["op"] == 10
        for _ in range(120):
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
        await ws.send_json({"op": 1, "d": None})
        msg = await ws.receive()
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4008


# -- Message Components, "Button" (link buttons) and Channel, "Embed Image Structure" -------


async def test_link_buttons_need_a_url_and_no_custom_id_and_embed_images_a_real_url(
    world,
) -> None:
    fd, _, reviews = world

    async def post(body: dict[str, Any]) -> tuple[int, Any]:
        status, answer, _ = await api(fd, "POST", f"/channels/{reviews.id}/messages", body)
        return status, answer

    def row(*buttons: dict[str, Any]) -> dict[str, Any]:
        return {"components": [{"type": 1, "components": list(buttons)}]}

    link = {"type": 2, "style": 5, "label": "Listen", "url": "https://open.spotify.com/album/x"}
    status, answer = await post(row(link))
    assert status == 200, answer
    status, answer = await post(row({**link, "custom_id": "listen"}))
    assert error_codes(answer, "components", 0, "components", 0, "custom_id") == [
        "BUTTON_COMPONENT_CUSTOM_ID_URL_INVALID"
    ]
    status, answer = await post(row({k: v for k, v in link.items() if k != "url"}))
    assert status == 400 and "url" in str(answer["errors"])
    status, answer = await post(row({**link, "url": "javascript:alert(1)"}))
    assert error_codes(answer, "components", 0, "components", 0, "url") == ["URL_TYPE_INVALID_URL"]
    status, answer = await post(row({**link, "url": "https://x.example/" + "a" * 500}))
    assert error_codes(answer, "components", 0, "components", 0, "url") == ["BASE_TYPE_MAX_LENGTH"]
    status, answer = await post(row(*[dict(link, label=f"L{i}") for i in range(6)]))
    assert error_codes(answer, "components", 0, "components") == ["BASE_TYPE_MAX_LENGTH"]
    status, answer = await post({"embeds": [{"title": "t", "image": {"url": "not a url"}}]})
    assert error_codes(answer, "embeds", 0, "image", "url") == ["URL_TYPE_INVALID_URL"]
    status, answer = await post(
        {"embeds": [{"title": "t", "thumbnail": {"url": "https://i.ytimg.com/vi/x/hqdefault.jpg"}}]}
    )
    assert status == 200, answer
