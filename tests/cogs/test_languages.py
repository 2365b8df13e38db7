"""Korean and English through the emulator: synced names, replies by locale, /config language."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from babel.messages.pofile import read_po
from discord import app_commands

from bot.app.catalogues import coverage, ids
from bot.core import i18n
from bot.discord_io.translator import command_strings, valid_translation
from bot.knowledge import search
from bot.store.guilds import GuildStore
from cogs.help import shown_name
from tests.cogs.rss_server import Item, RssServer
from tests.fakediscord.rules import _command_size as command_size
from tests.support.bot import Server
from tests.support.commands import T0, add, cycle, fill, posts, text_of


def catalogue_ids(lang: str) -> set[tuple[str | None, str]]:
    with (Path(i18n.LOCALE_DIR) / f"{lang}.po").open("rb") as handle:
        return ids(read_po(handle, locale=lang))


def walk(command: dict):
    yield command
    for option in command.get("options") or []:
        yield from walk(option)


async def test_synced_commands_carry_korean_names_and_descriptions(server: Server) -> None:
    fd, guild = server.discord, server.guild
    assert server.bot.commands_state.startswith("synced"), server.bot.commands_state
    credits = fd.command("credits", guild)
    assert credits["name_localizations"] == {"ko": "크레딧"}
    assert credits["description_localizations"]["ko"].startswith("곡이나 영상의")
    query, role = credits["options"]
    assert query["name_localizations"] == {"ko": "검색어"}
    composer = next(c for c in role["choices"] if c["value"] == "composer")
    assert composer["name_localizations"] == {"ko": "작곡"}
    config = next(c for c in fd.commands(guild) if c["name"] == "config")
    assert config["name_localizations"] == {"ko": "설정"}
    show = next(o for o in config["options"] if o["name"] == "show")
    assert show["name_localizations"] == {"ko": "보기"}

    # Every name, description and choice went out in Korean, and by Discord's rules (the
    # emulator refuses a sync that breaks them, as Discord does; here each one is checked too).
    commands = fd.commands(guild)
    assert len(commands) >= 13
    # Discord's 8,000-character budget per command counts the localisations too.
    sizes = {c["name"]: command_size(c) for c in commands}
    assert max(sizes.values()) <= 8000, sizes
    for command in commands:
        for item in walk(command):
            names = item.get("name_localizations") or {}
            assert set(names) == {"ko"}, item["name"]
            context = (
                "parameter_name"
                if item is not command and item.get("type", 1) > 2
                else ("command_name")
            )
            assert valid_translation(context, names["ko"]), names
            for choice in item.get("choices") or []:
                assert set(choice.get("name_localizations") or {}) == {"ko"}, choice["name"]
                assert valid_translation("choice_name", choice["name_localizations"]["ko"])
            if "description" in item and item.get("description"):
                assert "ko" in (item.get("description_localizations") or {}), item["name"]


async def test_every_command_string_is_in_the_catalogues_and_translated(server: Server) -> None:
    strings = set(command_strings(server.bot.tree))
    assert len(strings) > 100
    missing = sorted(strings - catalogue_ids("en"))
    assert missing == [], "run: python -m bot.app.catalogues update"
    report = coverage("ko", strings)
    assert report.translated == report.total


async def test_korean_member_gets_korean_credits_and_english_member_english(
    server: Server,
) -> None:
    fd = server.discord
    ko = await fd.slash("credits", user=server.alice, locale="ko", query="Love wins all")
    text = text_of(ko)
    assert "크레딧 — Love wins all" in text
    assert "**작사**" in text and "**뮤직비디오 감독**" in text
    assert "Um Tae-hwa" in text  # names stay as the catalog has them
    assert "모든 줄에 출처 링크가 있습니다" in ko.embeds[0]["footer"]["text"]
    en = await fd.slash("credits", user=server.alice, locale="en-US", query="Love wins all")
    text = text_of(en)
    assert "Credits — Love wins all" in text and "**Lyricist**" in text
    assert "작사" not in text


async def test_ask_answers_in_the_language_of_the_question(server: Server) -> None:
    fd = server.discord
    ko = await fd.slash(
        "ask", user=server.alice, locale="ko", question="러브 윈즈 올 뮤비 감독 누구야?"
    )
    assert not ko.ephemeral, ko.content
    assert [f["name"] for f in ko.embeds[0]["fields"]] == ["출처"]
    assert "Liner Notes 카탈로그에서 답했습니다" in ko.embeds[0]["footer"]["text"]
    en = await fd.slash(
        "ask", user=server.alice, locale="ko", question="who directed the Love wins all video?"
    )
    assert [f["name"] for f in en.embeds[0]["fields"]] == ["Sources"]


async def test_config_show_and_errors_in_korean(server: Server) -> None:
    fd = server.discord
    show = await fd.slash("config show", user=server.mina, locale="ko")
    assert show.ephemeral
    embed = show.embeds[0]
    assert embed["title"] == "Liner Notes 설정"
    assert "**리뷰 채널**: 설정 안 됨 — 기본값" in embed["description"]
    assert "**답변 언어**: 멤버마다 자신의 디스코드 언어" in embed["description"]
    assert embed["fields"][0]["name"] == "팔로우한 아티스트"

    missing = await fd.slash("credits", user=server.alice, locale="ko", query="Qwzxv Plorp")
    assert missing.ephemeral
    assert "카탈로그에 “Qwzxv Plorp”에 해당하는 항목이 없습니다." in missing.content
    refused = await fd.slash("config show", user=server.alice, locale="ko", force=True)
    assert refused.content == "그렇게 하려면 서버 관리 권한이 필요합니다."
    english = await fd.slash("credits", user=server.alice, locale="en-US", query="Qwzxv Plorp")
    assert "called “Qwzxv Plorp” in the catalog" in english.content


async def test_config_language_pins_one_language_for_everyone(server: Server) -> None:
    fd = server.discord
    pinned = await fd.slash("config language", user=server.mina, locale="ko", language="en")
    assert pinned.content == "Reply language: each member's Discord language → English."
    ko_member = await fd.slash("credits", user=server.alice, locale="ko", query="Love wins all")
    assert "Credits — Love wins all" in text_of(ko_member)

    pinned = await fd.slash("config language", user=server.mina, locale="en-US", language="ko")
    assert pinned.content == "답변 언어: English → 한국어."
    en_member = await fd.slash("credits", user=server.alice, locale="en-US", query="Love wins all")
    assert "크레딧 — Love wins all" in text_of(en_member)

    back = await fd.slash("config language", user=server.mina, locale="en-US", language="auto")
    assert back.content == "Reply language: 한국어 → each member's Discord language."
    en_member = await fd.slash("credits", user=server.alice, locale="en-US", query="Love wins all")
    assert "Credits — Love wins all" in text_of(en_member)


async def test_a_korean_server_gets_its_hint_digest_and_release_threads_in_korean(
    server: Server,
) -> None:
    fd, bot = server.discord, server.bot
    guild = fd.add_guild("케이팝 클럽", locale="ko")  # the server's preferred locale
    general = next(c for c in guild.channels.values() if c.name == "general")
    hint = await fd.wait_for_message(general, check=lambda m: "Liner Notes" in m.content)
    assert hint.content.startswith("안녕하세요, **Liner Notes**입니다")

    # Set up as /config would (commands are synced to the test's dev server only).
    guilds = GuildStore(bot.store)
    await guilds.set(guild.id, "digest_channel", general.id, None)
    await guilds.set(guild.id, "discussions_channel", general.id, None)
    iu = await search.resolve_one(bot.store, "IU", ["artist"])
    await guilds.follow(guild.id, iu.value, iu.label, None)
    server.clock.set("2024-01-24T09:00:30+09:00")
    await bot.get_cog("Discussions").run_scheduled()

    digest = next(
        m
        for m in fd.channel_messages(general)
        if m.embeds and "오늘의 역사" in (m.embeds[0].get("title") or "")
    )
    assert digest.embeds[0]["title"] == "오늘의 역사 — 1월 24일"
    assert "**발매**" in digest.embeds[0]["description"]
    (thread,) = fd.threads(general)
    assert thread.name == "Love wins all"
    starter = fd.channel_messages(thread)[0].content
    assert starter.startswith("**토론: Love wins all")
    assert "이야깃거리:" in starter
    assert "그렇게 보이나요?" in starter  # the prompts themselves, from sourced facts
    assert "Do you see it?" not in starter
    # Particles follow the names, and the kind of an outside work is in Korean too.
    assert "은(는)" not in starter and "(이)라고" not in starter
    assert "(설치 미술, 2010)" in starter and "(installation, 2010)" not in starter


async def test_a_pinned_language_sets_feed_posts(server: Server) -> None:
    fd = server.discord
    await fd.slash("config language", user=server.mina, language="ko")
    feed = RssServer(items=[Item("old-1", "An older review", T0 - timedelta(days=30))])
    await feed.start()
    try:
        reviews = server.guild.add_text_channel("reviews")
        clock = server.clock.set(T0)
        added = await (await add(server, feed.url(), reviews)).final()
        assert "팔로우합니다" in added.content  # the pinned language answers the moderator too
        feed.items.append(Item("new-1", "IU's Love wins all", T0 + timedelta(hours=1)))
        await cycle(server, clock)
        await cycle(server, clock)
        (post,) = posts(server, reviews)
        embed = post.embeds[0]
        assert embed["footer"]["text"] == "Liner Notes가 매체의 피드에서 올린 리뷰"
        assert any(f["name"] == "Liner Notes 카탈로그에서" for f in embed["fields"])
    finally:
        await feed.stop()


async def test_the_korean_readme_lists_every_command_by_its_korean_name(server: Server) -> None:
    readme = (Path(i18n.__file__).resolve().parents[2] / "README.ko.md").read_text("utf-8")
    rows = re.findall(r"^\| `/([^`]+)` \| `/([^`]+)` \|", readme, flags=re.M)
    shown = {korean.split(" [")[0]: english.split(" [")[0] for korean, english in rows}
    commands = [c for c in server.bot.tree.walk_commands() if isinstance(c, app_commands.Command)]
    for command in commands:
        name = shown_name(command, "ko")
        row = next((k for k in shown if k == name or k.startswith(name + " ")), None)
        assert row is not None, f"README.ko.md does not list /{name} (/{command.qualified_name})"
        assert shown[row].startswith(command.qualified_name)
    assert len(rows) == len(commands)


async def test_help_lists_commands_as_a_korean_client_shows_them(server: Server) -> None:
    reply = await server.discord.slash("help", user=server.alice, locale="ko")
    embed = reply.embeds[0]
    assert embed["title"] == "Liner Notes 명령어"
    assert (
        "`/크레딧` — 곡이나 영상의 작사, 작곡, 프로듀서, 감독을 보여 줍니다."
        in embed["description"]
    )
    assert "`/설정 언어` — 이 서버에서 봇이 답할 언어를 고정합니다." in embed["description"]
    english = await server.discord.slash("help", user=server.alice, locale="en-GB")
    assert "`/credits` — Who wrote" in english.embeds[0]["description"]


async def test_suggest_form_in_the_members_language_and_mod_log_in_the_servers(
    server: Server,
) -> None:
    fd = server.discord
    modlog = server.guild.add_text_channel("mod-log")
    await fd.slash("config modlog", user=server.mina, options={"channel": modlog})
    # A member whose Discord is in Korean: every interaction of theirs carries locale "ko".
    jisoo = server.guild.add_member(fd.add_user("jisoo", locale="ko"))
    reply = await fd.slash("suggest", user=jisoo, kind="credit", subject="Blueming")
    assert reply.modal["title"].startswith("크레딧 제안 — ")
    done = await fd.submit_modal(
        reply,
        fill(
            reply,
            {
                "인물": "Jane Example",
                "역할": "mixing engineer",
                "근거 URL": "https://example.org/a",
            },
        ),
    )
    assert done.content.startswith("고마워요!")
    # The mod-log is the server's: English here (nothing pinned, the server's locale is en-US).
    (card,) = [m for m in fd.channel_messages(modlog) if m.embeds]
    assert card.embeds[0]["title"].startswith("Suggested credit #")
    assert {b["label"] for row in card.components for b in row["components"]} == {
        "Approve",
        "Reject",
    }


async def test_a_feed_refusal_is_explained_in_korean_down_to_its_reason(server: Server) -> None:
    reviews = server.guild.add_text_channel("reviews")
    reply = await server.discord.slash(
        "feed add",
        user=server.mina,
        locale="ko",
        options={"url": "ftp://example.org/feed", "channel": reviews},
    )
    text = (await reply.final()).content
    assert text == (
        "그 피드를 팔로우할 수 없습니다: http://와 https:// 피드 주소만 지원합니다 "
        "(받은 스킴: ftp). 아무것도 저장하지 않았습니다."
    )
