"""Markdown escaping of feed text: what Discord would turn into blocks is shown as written."""

from __future__ import annotations

import pytest

from bot.feeds.html_text import html_to_text
from bot.feeds.text import escape_markdown


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        # Discord headings are one to three #s and a space; subtext is -# and a space.
        ("# Love wins all", r"\# Love wins all"),
        ("## Love wins all", r"\## Love wins all"),
        ("### Love wins all", r"\### Love wins all"),
        ("-# small print", r"\-# small print"),
        ("- a bullet", r"\- a bullet"),
        ("> a quote", r"\> a quote"),
        # An ordered-list marker: the dot is escaped, the number is kept as it is.
        ("1. Love wins all", r"1\. Love wins all"),
        ("12. Track twelve", r"12\. Track twelve"),
        ("first line\n2. second", "first line\n" + r"2\. second"),
        # Not blocks: nothing to escape.
        ("#hashtag and #1", "#hashtag and #1"),
        ("#### four hashes", "#### four hashes"),
        ("1.5 million views", "1.5 million views"),
        ("In 2024. the end", "In 2024. the end"),
        ("-#nospace", "-#nospace"),
    ],
)
def test_line_start_markdown_is_escaped_minimally(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_headings_and_lists_in_feed_html_stay_text() -> None:
    converted = html_to_text("<p>## Not a heading</p><p>-# not subtext</p><p>1. not a list</p>")
    lines = converted.markdown.splitlines()
    assert r"\## Not a heading" in lines
    assert r"\-# not subtext" in lines
    assert r"1\. not a list" in lines
    assert "\\1." not in converted.markdown
