"""/ask through the emulator: Korean answers, yes/no checks, two hops, pickers; misspelt names."""

from __future__ import annotations

from tests.support.bot import Server
from tests.support.commands import text_of


async def test_a_korean_question_gets_a_korean_answer(server: Server) -> None:
    reply = await server.discord.slash("ask", user=server.alice, question="봄날 언제 나왔어?")
    assert not reply.ephemeral
    embed = reply.embeds[0]
    assert "2017년 2월 13일" in embed["description"] and "2017-02-13" not in embed["description"]
    assert embed["fields"][0]["name"] == "출처"
    assert "카탈로그" in embed["footer"]["text"]
    english = await server.discord.slash(
        "ask", user=server.alice, question="When did 봄날 come out?"
    )
    assert "2017-02-13" in english.embeds[0]["description"]
    assert english.embeds[0]["fields"][0]["name"] == "Sources"


async def test_a_false_statement_gets_no_and_the_truth(server: Server) -> None:
    reply = await server.discord.slash(
        "ask", user=server.alice, question="Did Choi Yong-seok direct the Love wins all MV?"
    )
    text = text_of(reply)
    assert reply.embeds[0]["description"].startswith("No — ")
    assert "Um Tae-hwa" in text and "wikipedia.org" in text
    ko = await server.discord.slash("ask", user=server.alice, question="나연이 트와이스 리더 맞아?")
    assert ko.embeds[0]["description"].startswith("아니요 — ") and "Jihyo" in text_of(ko)


async def test_a_two_hop_question_answers_both_hops(server: Server) -> None:
    reply = await server.discord.slash(
        "ask",
        user=server.alice,
        question="Who directed the video that references No Man's Land?",
    )
    text = reply.embeds[0]["description"]
    # First hop: what references the installation; second: who directed each of those videos.
    assert "referenced by" in text and "Love wins all" in text and "Spring Day" in text
    assert "Um Tae-hwa" in text and "Choi Yong-seok" in text


async def test_an_ambiguous_question_gets_a_picker_then_the_answer(server: Server) -> None:
    fd = server.discord
    reply = await fd.slash("ask", user=server.alice, question="지수 생일")
    assert reply.ephemeral
    menu = reply.components[0]["components"][0]
    value = next(o["value"] for o in menu["options"] if o["label"] == "Jisoo (BLACKPINK)")
    chosen = await fd.select(reply, menu["custom_id"], values=[value], user=server.alice)
    shown = await chosen.next_followup()
    assert "1995년 1월 3일" in shown.embeds[0]["description"]


async def test_a_korean_decline_is_in_korean(server: Server) -> None:
    reply = await server.discord.slash(
        "ask", user=server.alice, question="블루밍 뮤비 감독 누구야?"
    )
    assert reply.ephemeral and "감독" in reply.content and "Did you mean" not in reply.content


async def test_a_clearly_misspelt_name_is_shown_and_said(server: Server) -> None:
    reply = await server.discord.slash("artist", user=server.alice, query="Twcie")
    assert reply.content == "Showing TWICE for “Twcie”."
    assert "TWICE" in reply.embeds[0]["title"]
    exact = await server.discord.slash("artist", user=server.alice, query="TWICE")
    assert not exact.content


async def test_a_short_misspelt_name_gets_did_you_mean(server: Server) -> None:
    reply = await server.discord.slash("works", user=server.alice, person="Sga")
    assert reply.ephemeral and "Suga" in reply.content
    assert not reply.embeds


async def test_equal_typos_of_one_work_answer_for_it_and_say_so(server: Server) -> None:
    reply = await server.discord.slash("credits", user=server.alice, query="Ditot")
    assert reply.content == "Showing Ditto for “Ditot”."
    assert "Ylva Dimberg" in text_of(reply)


async def test_a_generic_yes_no_about_a_featured_artist_names_the_role(server: Server) -> None:
    reply = await server.discord.slash("ask", user=server.alice, question="Is Suga on Eight?")
    text = reply.embeds[0]["description"]
    # Suga is not Eight's performer (IU is), but the featured artist: "Yes", with the role.
    assert text.startswith("Yes — ") and "featured artist" in text and "Suga" in text
    assert "not Suga" not in text
    assert reply.embeds[0]["fields"][0]["value"]
    ko = await server.discord.slash("ask", user=server.alice, question="에잇에 슈가 참여했어?")
    ko_text = ko.embeds[0]["description"]
    assert ko_text.startswith("네 — ") and "피처링" in ko_text and "Suga는" in ko_text


async def test_a_two_hop_question_through_a_credit(server: Server) -> None:
    reply = await server.discord.slash(
        "ask", user=server.alice, question="What else did Spring Day's producer make?"
    )
    text = reply.embeds[0]["description"]
    # First hop: Spring Day's producer; second: that person's other productions.
    assert "Pdogg" in text and "Blood Sweat & Tears" in text
    assert "Members of BTS" not in text
