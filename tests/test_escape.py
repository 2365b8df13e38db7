"""Untrusted text stays text: the one escape, and every card kind rendered with hostile values
in every field (issue 24). The emulator tests are in tests/cogs/test_hostile_text.py."""

from __future__ import annotations

import dataclasses
import typing
from datetime import date
from typing import Any

import discord
import pytest

from bot.discord_io import embeds, escape
from bot.knowledge import cards
from bot.knowledge.entities import EntityKey, EntityRef
from bot.store.posts import LinkedEntity, ReviewPost
from tests.support.escape_checks import assert_inert, live_links

# A name that tries everything: two masked links on one line (discord.py's escape_markdown
# leaves the second live), mentions of every kind, markdown, a heading, a bidi override.
HOSTILE = (
    "# [Verify](https://evil.example/phish) **x** [again](<https://evil.example/2>) "
    "@everyone @here <@123> <@!123> <@&456> <#789> `code` ||spoiler|| \u202eevil"
)
HOSTILE_URL = "https://src.example/a)b c [x](https://evil.example/phish)"
DATES = frozenset(
    {"date", "premiere", "birth_date", "debut_date", "end_date", "since", "until", "published"}
)


def embed_text(embed: discord.Embed) -> str:
    data = embed.to_dict()
    parts = [data.get("title", ""), data.get("description", "")]
    parts += [data.get("footer", {}).get("text", ""), data.get("author", {}).get("name", "")]
    for f in data.get("fields", []):
        parts += [f["name"], f["value"]]
    return "\n".join(parts)


def hostile(cls: Any, name: str = "") -> Any:
    """Build a value of type ``cls`` with the hostile text in every string it holds."""
    origin = typing.get_origin(cls)
    if origin is typing.Union or origin is getattr(__import__("types"), "UnionType", None):
        args = [a for a in typing.get_args(cls) if a is not type(None)]
        return hostile(args[0], name)
    if origin is tuple:
        args = typing.get_args(cls)
        if len(args) == 2 and args[1] is Ellipsis:
            return (hostile(args[0], name), hostile(args[0], name + "2"))
        return tuple(hostile(a, name) for a in args)
    if cls is str:
        if name in DATES:
            return "2024-01-24"
        if name == "url" or name.endswith("_url"):
            return HOSTILE_URL
        return HOSTILE + name
    if cls is int:
        return 61
    if cls is bool:
        return True
    if cls is EntityKey:
        return EntityKey("song", 1 + len(name))
    if cls is EntityRef:
        return EntityRef(EntityKey("song", 1 + len(name)), HOSTILE + "n", HOSTILE + "l")
    if dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls, vars(cards) | vars(typing))
        return cls(
            **{f.name: hostile(hints[f.name], f.name) for f in dataclasses.fields(cls) if f.init}
        )
    raise TypeError(f"no hostile value for {cls!r}")


CARDS = {
    "release": lambda lang: [embeds.release_embed(hostile(cards.ReleaseCard), lang)],
    "song": lambda lang: [embeds.song_embed(hostile(cards.SongCard), lang)],
    "artist": lambda lang: [embeds.artist_embed(hostile(cards.ArtistCard), lang)],
    "credits": lambda lang: embeds.credits_pages(hostile(cards.CreditsView), lang=lang),
    "credits by role": lambda lang: embeds.credits_pages(hostile(cards.CreditsView), "x", lang),
    "references": lambda lang: embeds.references_pages(hostile(cards.ReferencesView), lang),
    "works": lambda lang: embeds.works_pages(hostile(cards.WorksView), lang=lang),
    "works by role": lambda lang: embeds.works_pages(hostile(cards.WorksView), "x", lang),
    "reviews": lambda lang: embeds.reviews_pages("Reviews", [hostile(cards.ReviewInfo)], lang),
}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("kind", sorted(CARDS))
def test_every_card_kind_keeps_hostile_values_inert(kind: str, lang: str) -> None:
    rendered = CARDS[kind](lang)
    assert rendered
    text = "\n".join(embed_text(e) for e in rendered)
    assert "Verify" in text or "No " in text or "없" in text  # the value is shown, as text
    assert_inert(text)


def test_the_digest_and_a_review_post_keep_catalog_names_inert() -> None:
    day = hostile(cards.OnThisDay)
    lines = embeds.on_this_day_lines(day, date(2026, 1, 24), {"song:1"})
    assert any("Verify" in line for line in lines)
    assert_inert("\n".join(lines))
    post = ReviewPost(
        "k", "A review", "https://outlet.example/r", "Outlet",
        entities=(LinkedEntity("song:1", "song", HOSTILE, HOSTILE),),
    )  # fmt: skip
    assert_inert(embed_text(embeds.review_post_embed(post)))


def test_discord_py_leaves_a_second_masked_link_live_and_ours_does_not() -> None:
    two = "[a](https://evil.example/1) [b](https://evil.example/phish)"
    assert live_links(discord.utils.escape_markdown(two))  # why we have our own
    assert live_links(escape.text(two)) == []
    assert escape.text("[a](x)") == "\\[a\\](x)"


def test_mentions_markdown_and_controls() -> None:
    shown = escape.text("@everyone <@&1> *b* _i_ ~s~ > q\n# h\x1b[31m")
    assert "@everyone" not in shown and "<@&1>" not in shown
    assert "\\*b\\*" in shown and "\\_i\\_" in shown and "\\~s\\~" in shown
    assert "\x1b" not in shown and "\n" not in shown  # one line unless asked
    assert escape.text("a\n# b", multiline=True) == "a\n\\# b"


def test_urls_inside_links_are_percent_encoded_and_only_web_addresses_link() -> None:
    assert escape.url("https://x.example/a)b c") == "https://x.example/a%29b%20c"
    assert escape.url("https://ko.wikipedia.org/wiki/아이유") == (
        "https://ko.wikipedia.org/wiki/%EC%95%84%EC%9D%B4%EC%9C%A0"
    )
    assert escape.url("https://x.example/100%") == "https://x.example/100%25"
    assert escape.url("https://[::1]:8080/p(1)") == "https://[::1]:8080/p%281%29"
    for bad in ("javascript:alert(1)", "ftp://x.example/", "https://", "http://[::1", ""):
        assert escape.url(bad) is None, bad
    assert escape.link("label", "https://x.example/)") == "[label](https://x.example/%29)"
    assert escape.link("[x](y)", None) == "\\[x\\](y)"


def test_terminal_output_drops_escape_sequences() -> None:
    shown = escape.terminal("IU\x1b]0;pwned\x07 \x1b[2J\x9b31m 아이유\nnext")
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert shown.endswith("아이유\nnext")
