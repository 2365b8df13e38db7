"""Untrusted text stays text: the one escape for every value shown in Discord that we did not write.

Names, roles and ids from MusicBrainz and Wikidata, approved ``/suggest`` values, evidence
URLs and catalog names all pass through :func:`text` (or :func:`link` for a labelled link)
wherever a card, embed, mod-log notice or reply shows them. What it guarantees:

- no markdown: ``*``, ``_``, ``~``, `` ` ``, ``|``, ``[``, ``]``, ``<``, ``>`` and ``\\`` are
  backslash-escaped, and block markers at the start of a line (headings, ``-#``, lists,
  quotes) lose their meaning, so a name is shown as written;
- no masked link: both brackets of every ``[label](url)`` are escaped, however many sit on one
  line (discord.py's ``escape_markdown`` leaves URLs alone and, on a line holding two masked
  links, leaves one live);
- no mention: ``@everyone``, ``@here``, ``<@id>``, ``<@!id>``, ``<@&id>`` and ``<#id>`` get a
  zero-width space, so they neither ping nor render as a mention even if ``allowed_mentions``
  were wrong;
- no hidden text (here and on a terminal, :func:`terminal`): control characters and
  bidirectional overrides (which can make a URL read backwards) are removed; line breaks
  survive only where ``multiline``.

:func:`url` percent-encodes an address placed inside a link so a ``)`` or a space cannot end
the link early, and refuses anything that is not http(s) with a host.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from bot.feeds.text import escape_markdown, neutralise_mentions

# Bidirectional embeddings, overrides and isolates, and the invisible marks that steer them.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters allowed to stay as written inside a link target; everything else is %-encoded
# (notably "(", ")", "[", "]", "<", ">", spaces, quotes and non-ASCII letters).
_URL_SAFE = ":/?#@!$&'*+,;=%~"
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _visible(value: str, multiline: bool) -> str:
    """Drop control characters and bidi overrides; keep newlines only when ``multiline``."""
    if value.isprintable():
        # Nothing to drop: line breaks, tabs, control characters (Cc) and bidi marks (Cf) are
        # all non-printable, and most names are printable.
        return value
    out = []
    for ch in value:
        if ch in "\n\t":
            out.append(ch if multiline or ch == "\t" else " ")
        elif ch == "\r" or ch in _BIDI or unicodedata.category(ch) == "Cc":
            continue
        else:
            out.append(ch)
    return "".join(out)


def text(value: object, *, multiline: bool = False) -> str:
    """Return ``value`` as inert Discord text: no markdown, masked link or mention survives."""
    shown = str(value)
    if len(shown) <= _NAME_MAX:
        return _name(shown, multiline)
    return _escape(shown, multiline)


def _escape(value: str, multiline: bool) -> str:
    return escape_markdown(neutralise_mentions(_visible(value, multiline)))


# Cards show the same names over and over (a credit line escapes two or three): escape each
# short text once. Four regular-expression passes per name were most of rendering a card.
_NAME_MAX = 200
_name = functools.lru_cache(maxsize=4096)(_escape)


def url(value: str | None) -> str | None:
    """Return ``value`` safe to put inside ``[label](…)``, or None if it is no web address."""
    if not value:
        return None
    return _url(value)


# Cards cite the same few sources over and over: parse and encode each address once.
@functools.lru_cache(maxsize=4096)
def _url(value: str) -> str | None:
    raw = _visible(value.strip(), False).replace(" ", "%20")
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    # A lone "%" is encoded too, so what Discord decodes is what was stored; brackets stay
    # only in the host part, where they enclose an IPv6 address.
    rest = raw[len(parts.scheme) + 3 + len(parts.netloc) :]
    netloc = quote(_PERCENT.sub("%25", parts.netloc), safe=_URL_SAFE + "[]")
    return f"{parts.scheme}://{netloc}{quote(_PERCENT.sub('%25', rest), safe=_URL_SAFE)}"


def terminal(value: object) -> str:
    """Return ``value`` safe to print on a terminal: no escape sequence or control character.

    ESC (and every other C0/C1 control, and bidi override) is dropped, so a name cannot move
    the cursor, recolour, retitle or clear the operator's terminal; line breaks stay.
    """
    return _visible(str(value), True)


def link(label: object, address: str | None) -> str:
    """Return a masked link whose label is inert text, or the inert label alone without a URL."""
    shown = text(label)
    target = url(address)
    if target is None:
        return shown
    return f"[{shown}]({target})"


def names(values: Iterable[object], sep: str = ", ") -> str:
    """Return several untrusted values as inert text, joined with ``sep``."""
    return sep.join(text(v) for v in values)
