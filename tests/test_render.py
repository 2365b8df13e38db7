"""The pure helpers of bot/discord_io/render.py: Discord's limits applied in one place."""

from __future__ import annotations

import pytest

from bot.discord_io import render
from bot.discord_io.render import (
    ELLIPSIS,
    Field,
    choice_name,
    clip,
    link,
    make_embed,
    pack_lines,
    thread_name,
)
from bot.discord_io.threads import archive_minutes


def test_clip_keeps_short_text_and_trims_spaces() -> None:
    assert clip("  Love wins all  ", 20) == "Love wins all"
    assert clip("abc", 3) == "abc"


def test_clip_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    text = "Lyrics by IU and music by Seo Dong-hwan"
    out = clip(text, 20)
    assert out == "Lyrics by IU and" + ELLIPSIS
    assert len(out) <= 20


def test_clip_cuts_inside_a_long_word_when_no_space_is_near() -> None:
    out = clip("x" * 50, 10)
    assert out == "x" * 9 + ELLIPSIS
    assert len(out) == 10


def test_clip_drops_dangling_punctuation_before_the_ellipsis() -> None:
    assert clip("Producer, arranger; composer", 20) == "Producer, arranger" + ELLIPSIS


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("  IU's   Love wins all\n review ", "IU's Love wins all review"),
        ("", "Discussion"),
        ("   ", "Discussion"),
    ],
)
def test_thread_name_is_one_line_and_never_empty(title: str, expected: str) -> None:
    assert thread_name(title) == expected


def test_thread_and_choice_names_fit_discord() -> None:
    long = "word " * 60
    assert len(thread_name(long)) <= render.THREAD_NAME
    assert len(choice_name(long)) <= render.CHOICE_NAME
    assert choice_name("   ") == "?"
    assert choice_name("V\n(BTS)") == "V (BTS)"


def test_link_escapes_brackets_and_falls_back_to_the_label() -> None:
    assert link("Wikipedia", "https://w.example/x") == "[Wikipedia](https://w.example/x)"
    assert link("[a] b", "https://x.example") == "[\\[a\\] b](https://x.example)"
    # A ")" in the address cannot end the link early; a non-web address is no link.
    assert link("a", "https://x.example/a)b c") == "[a](https://x.example/a%29b%20c)"
    assert link("a", "javascript:alert(1)") == "a"
    assert link("no url", None) == "no url"
    assert link("no url", "") == "no url"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(60, 60), ("1440", 1440), (4320, 4320), (10080, 10080), (30, 10080), ("soon", 10080)],
)
def test_archive_minutes_only_gives_discords_four_values(value: object, expected: int) -> None:
    assert archive_minutes({"archive_minutes": value}) == expected


def test_pack_lines_fills_pages_up_to_the_limit() -> None:
    pages = pack_lines(["a" * 4, "b" * 4, "c" * 4], limit=9)
    assert pages == ["aaaa\nbbbb", "cccc"]
    assert all(len(p) <= 9 for p in pages)
    assert pack_lines([]) == []


def test_pack_lines_clips_a_line_longer_than_a_page() -> None:
    pages = pack_lines(["short", "y" * 30], limit=10)
    assert pages[0] == "short"
    assert len(pages[1]) == 10 and pages[1].endswith(ELLIPSIS)


def test_make_embed_clips_every_part() -> None:
    embed = make_embed(
        "t" * 300,
        "d" * 3000,
        fields=[Field("n" * 300, "v" * 2000, inline=True)],
        footer="f" * 2100,
    )
    assert len(embed.title or "") <= render.EMBED_TITLE
    assert len(embed.description or "") == 3000
    assert len(make_embed("t", "d" * 5000).description or "") <= render.EMBED_DESCRIPTION
    assert len(embed.fields[0].name or "") <= render.FIELD_NAME
    assert len(embed.fields[0].value or "") <= render.FIELD_VALUE
    assert embed.fields[0].inline
    assert len(embed.footer.text or "") <= render.FOOTER_TEXT
    assert len(embed) <= render.EMBED_TOTAL


def test_make_embed_keeps_to_25_fields_and_6000_characters() -> None:
    many = [Field(f"field {i}", "x" * 1000) for i in range(40)]
    embed = make_embed("Credits", "y" * 4000, fields=many)
    assert len(embed.fields) <= render.EMBED_FIELDS
    assert len(embed) <= render.EMBED_TOTAL
    few = make_embed("Credits", fields=[Field(f"f{i}", "v") for i in range(30)])
    assert len(few.fields) == render.EMBED_FIELDS


def test_make_embed_fills_empty_parts_discord_would_refuse() -> None:
    embed = make_embed("Title", "", fields=[Field("", "")])
    assert embed.description is None
    assert embed.fields[0].name == "\u200b" and embed.fields[0].value == "\u200b"
