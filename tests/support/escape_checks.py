"""Checks that text from outside stays inert in what the bot renders (issue 24)."""

from __future__ import annotations

import re


def live_links(text: str) -> list[tuple[str, str]]:
    """Return the masked links Discord would render: unescaped "[label](target)"."""
    links = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            j, depth = i + 1, 1
            while j < len(text) and depth:
                if text[j] == "\\":
                    j += 2
                    continue
                depth += {"[": 1, "]": -1}.get(text[j], 0)
                j += 1
            if depth == 0 and text[j : j + 1] == "(":
                end = text.find(")", j)
                if end != -1:
                    links.append((text[i + 1 : j - 1], text[j + 1 : end]))
        i += 1
    return links


def assert_inert(text: str) -> None:
    """Fail if any link from outside, mention or block markup would be live in ``text``."""
    for label, target in live_links(text):
        assert "evil.example/phish" not in target or target.startswith("https://src.example/")
        assert not re.search(r"[\s()<>\[\]]", target), target  # nothing breaks out
        assert not live_links(label), label
    for mention in ("@everyone", "@here", "<@123>", "<@!123>", "<@&456>", "<#789>"):
        assert mention not in text, mention
    assert "||spoiler||" not in text and "`code`" not in text and "**x**" not in text
    assert "\u202e" not in text
    assert not re.search(r"^#", text, re.MULTILINE)
