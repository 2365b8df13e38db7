"""Safe text for Discord: mention neutralising, markdown escaping, cutting to limits.

HTML fragments become this text in ``bot/feeds/html_text.py`` (``html_to_text``), which alone
loads the stdlib's HTML modules: a bot whose feeds have nothing new never does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ZWSP = "\u200b"
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
ELLIPSIS = "…"

_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(?=\S)", re.IGNORECASE)
SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_MD_SPECIAL = re.compile(r"([\\*_~`|\[\]<>])")
# What Discord reads as a block at the start of a line: headings (#, ##, ###), subtext (-#),
# bullets (- and +; * is escaped anyway) and quotes (> is escaped anyway).
_LINE_START = re.compile(r"^([ \t]*)(#{1,3}|-#|[>\-+])(?=[ \t])", re.MULTILINE)
# An ordered-list marker is digits, a dot and a space; escaping the dot ("1\. ") keeps the number,
# whereas a backslash before the digit would be shown as written ("\1.").
_ORDERED = re.compile(r"^([ \t]*\d+)\.(?=[ \t])", re.MULTILINE)


def neutralise_mentions(text: str) -> str:
    """Break ``@everyone``, ``@here`` and ``<@…>``/``<@&…>``/``<#…>`` with a zero-width space."""

    def repl(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return "@" + ZWSP + match.group(1)
        return "<" + ZWSP + match.group(2)

    return _MENTION.sub(repl, text)


def escape_markdown(text: str) -> str:
    """Escape the characters Discord markdown would interpret."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _ORDERED.sub(lambda m: m.group(1) + "\\.", text)


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters at a word boundary, ending with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS) + 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    # Keep a word boundary only when it does not throw away most of the text.
    cut = cut[:space] if space >= (limit // 2) else cut[: limit - len(ELLIPSIS)]
    # Never end on a lone backslash, which would escape the ellipsis.
    cut = cut.rstrip()
    while cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]
    return cut.rstrip(" \n,;:-") + ELLIPSIS


@dataclass(frozen=True, slots=True)
class Converted:
    """One HTML fragment as plain text and as Discord markdown (both mention-safe, uncut)."""

    text: str
    markdown: str
    blocks_text: tuple[str, ...]
    blocks_markdown: tuple[str, ...]
    separators: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()


def cut_markdown(converted: Converted, limit: int) -> str:
    """Join markdown blocks up to ``limit``; a block that does not fit is cut as plain text.

    Cutting inside formatting could leave a dangling ``**`` or half a link, so the last,
    partial block is taken from the escaped plain text instead.
    """
    out: list[str] = []
    used = 0
    seps = converted.separators or ("",) + ("\n\n",) * len(converted.blocks_text)
    for md, text, joiner in zip(
        converted.blocks_markdown, converted.blocks_text, seps, strict=False
    ):
        sep = joiner if out else ""
        if used + len(sep) + len(md) <= limit:
            out.append(sep + md)
            used += len(sep) + len(md)
            continue
        room = limit - used - len(sep)
        if room > 20:
            out.append(sep + truncate(escape_markdown(text), room))
        elif out and used + len(ELLIPSIS) <= limit:
            out[-1] += ELLIPSIS
        break
    result = "".join(out)
    return result if len(result) <= limit else truncate(result, limit)


def cut_text(converted: Converted, limit: int) -> str:
    """Return the plain text cut to ``limit`` at a word boundary."""
    return truncate(converted.text, limit)


def clean_inline(text: str, limit: int) -> str:
    """Make a one-line field (title, author, outlet) mention-safe and cut it to ``limit``."""
    text = SPACES.sub(" ", (text or "").replace("\n", " ")).strip()
    return truncate(neutralise_mentions(text), limit)
