"""HTML fragments to mention-safe plain text and Discord markdown (``html_to_text``).

Built on the stdlib ``html.parser``: it never recurses, so deep nesting costs only a counter.
A module of its own so that the HTML modules (0.6 MiB) load with the first feed entry to
convert, not with every module that needs ``bot/feeds/text.py``'s escaping.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.feeds.text import SPACES, Converted, escape_markdown, neutralise_mentions

_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl"),
        *("dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4"),
        *("h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section"),
        *("summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)
_SKIP_TAGS = frozenset(
    {"script", "style", "iframe", "noscript", "template", "svg", "math", "object", "embed"}
    | {"head", "title"}
)
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)
# Every tag name HTML knows; anything else ("<Love wins all>", as K-pop writing quotes album
# titles) is text that a sloppy feed forgot to escape, and is shown as written.
_KNOWN_TAGS = (
    _BLOCK_TAGS
    | _SKIP_TAGS
    | _VOID_TAGS
    | frozenset(
        {
            *("a", "abbr", "b", "bdi", "bdo", "big", "body", "button", "caption", "cite", "code"),
            *("colgroup", "data", "del", "dfn", "em", "font", "html", "i", "ins", "kbd", "label"),
            *("legend", "mark", "meter", "nobr", "optgroup", "option", "output", "picture"),
            *("progress", "q", "rp", "rt", "ruby", "s", "samp", "select", "small", "span"),
            *("strike", "strong", "sub", "sup", "textarea", "time", "tt", "u", "var", "video"),
            *("audio", "canvas", "dialog", "map", "menu", "slot", "o:p"),
        }
    )
)
_BOLD = frozenset({"b", "strong", "h1", "h2", "h3", "h4", "h5", "h6"})
_ITALIC = frozenset({"i", "em", "cite"})
_MAX_DEPTH = 200


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks_text: list[str] = []
        self.blocks_md: list[str] = []
        self._text: list[str] = []
        self._md: list[str] = []
        self._skip = 0
        self._depth = 0
        self._bold = 0
        self._italic = 0
        self._open: list[str] = []  # markers emitted in the current block
        self._link: str | None = None
        self._link_text: list[str] = []
        self._pre = 0
        self._list_item = False
        self.list_items: list[bool] = []
        self.images: list[str] = []
        self.classes: list[str] = []

    # -- helpers ------------------------------------------------------------------
    def _close_markers(self) -> None:
        if not self._open:
            return
        # Close before trailing spaces: Discord ignores "*word *".
        trailing = ""
        while self._md and not self._md[-1].strip():
            trailing = self._md.pop() + trailing
        if self._md:
            last = self._md[-1]
            stripped = last.rstrip()
            trailing = last[len(stripped) :] + trailing
            self._md[-1] = stripped
        while self._open:
            self._md.append(self._open.pop())
        if trailing:
            self._md.append(trailing)

    def _sync_markers(self) -> None:
        wanted = []
        if self._bold:
            wanted.append("**")
        if self._italic:
            wanted.append("*")
        if wanted == self._open:
            return
        self._close_markers()
        for marker in wanted:
            self._md.append(marker)
            self._open.append(marker)

    def _flush_block(self) -> None:
        self._close_markers()
        text = "".join(self._text).strip()
        md = "".join(self._md).strip()
        if text:
            self.blocks_text.append(text)
            self.blocks_md.append(md)
            self.list_items.append(self._list_item)
        self._text = []
        self._md = []
        self._list_item = False

    # -- parser events ------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _KNOWN_TAGS:
            self.handle_data(self.get_starttag_text() or "")
            return
        attributes = {k: (v or "") for k, v in attrs}
        if attributes.get("class"):
            self.classes.append(attributes["class"])
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if tag == "img":
            src = attributes.get("src", "")
            if src.startswith(("http://", "https://")):
                self.images.append(src)
            return
        if tag in _VOID_TAGS:
            if tag == "br":
                self.handle_data("\n")
            elif tag == "hr":
                self._flush_block()
            return
        self._depth += 1
        if self._depth > _MAX_DEPTH:
            return
        if tag in _BLOCK_TAGS:
            self._flush_block()
            if tag == "li":
                self._list_item = True
                self._text.append("• ")
                self._md.append("• ")
            if tag == "pre":
                self._pre += 1
        if tag in _BOLD:
            self._bold += 1
        elif tag in _ITALIC:
            self._italic += 1
        elif tag == "a" and self._link is None:
            href = attributes.get("href", "").strip()
            self._link = href if href.startswith(("http://", "https://")) else ""
            self._link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag not in _KNOWN_TAGS:
            return
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if tag in _VOID_TAGS:
            return
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth >= _MAX_DEPTH:
            return
        if tag in _BOLD and self._bold:
            self._bold -= 1
        elif tag in _ITALIC and self._italic:
            self._italic -= 1
        elif tag == "a" and self._link is not None:
            self._emit_link()
        if tag in _BLOCK_TAGS:
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            self._flush_block()

    def _emit_link(self) -> None:
        href, self._link = self._link or "", None
        label = SPACES.sub(" ", "".join(self._link_text)).strip()
        self._link_text = []
        if not label:
            return
        self._text.append(label)
        if not href:
            self._sync_markers()
            self._md.append(escape_markdown(label))
            return
        safe_href = href.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        self._sync_markers()
        if label == href:
            self._md.append(safe_href)
        else:
            self._md.append(f"[{escape_markdown(label)}]({safe_href})")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if not self._pre:
            data = SPACES.sub(" ", data.replace("\n", " ") if data != "\n" else data)
        if self._link is not None:
            self._link_text.append(data)
            return
        if not data:
            return
        # Avoid a run of spaces across tag boundaries ("a <b> b</b>").
        if data.startswith(" ") and (not self._text or self._text[-1].endswith((" ", "\n"))):
            data = data.lstrip(" ")
            if not data:
                return
        self._text.append(data)
        if data.strip():
            self._sync_markers()
        self._md.append(escape_markdown(data))

    def close(self) -> None:
        super().close()
        if self._link is not None:
            self._emit_link()
        self._flush_block()


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(html: str) -> Converted:
    """Convert an HTML fragment to mention-safe plain text and Discord markdown."""
    conv = _Converter()
    conv.feed(html or "")
    conv.close()
    blocks_text = tuple(neutralise_mentions(_tidy(b)) for b in conv.blocks_text)
    blocks_md = tuple(neutralise_mentions(_tidy(b)) for b in conv.blocks_md)
    seps = _separators(conv.list_items)
    return Converted(
        text="".join(sep + b for sep, b in zip(seps, blocks_text, strict=True)),
        markdown="".join(sep + b for sep, b in zip(seps, blocks_md, strict=True)),
        blocks_text=blocks_text,
        blocks_markdown=blocks_md,
        separators=tuple(seps),
        images=tuple(conv.images),
        classes=tuple(conv.classes),
    )


def _separators(list_items: list[bool]) -> list[str]:
    # Consecutive list items sit on adjacent lines; other blocks get a blank line.
    return [
        "" if i == 0 else ("\n" if item and list_items[i - 1] else "\n\n")
        for i, item in enumerate(list_items)
    ]
