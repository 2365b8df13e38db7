"""Parse RSS and Atom bytes into ``FeedEntry`` rows, in a worker thread, refusing hostile XML."""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import hashlib
import io
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from bot.core.i18n import N_
from bot.feeds.errors import HostileFeed, NotAFeed
from bot.feeds.text import (
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    clean_inline,
    cut_markdown,
    cut_text,
)
from bot.feeds.urls import canonical_url
from bot.feeds.youtube import is_short

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 512
_DOCTYPE_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")

# Substack's RSS has no "paid" flag: a paid post's content:encoded is only the part above the
# paywall. What marks it is Substack's paywall block and its calls to action. The
# "paywall-jump"/"PaywallToDOM" node is deliberately NOT a marker: Substack also leaves it in
# full posts as the place where the paywall would go.
_PAYWALL_CLASSES = re.compile(r"(^|\s)(paywall|paywall-title|paywall-cta|paywall-content)(\s|$)")
_PAYWALL_PHRASES = (
    "this post is for paid subscribers",
    "this post is for paying subscribers",
    "keep reading with a 7-day free trial",
    "keep reading with a free trial",
    "subscribe to keep reading",
    "upgrade to paid to keep reading",
    "continue reading this post for free",
    "this episode is for paid subscribers",
)
_PAID_CATEGORIES = frozenset(
    {"paid", "paid subscribers", "subscriber-only", "members only", "premium"}
)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed, cleaned for Discord: every text field is mention-safe and cut."""

    key: str
    title: str
    link: str | None
    author: str | None
    published: datetime | None
    summary_text: str
    summary_markdown: str
    image_url: str | None
    is_preview: bool
    raw_id: str | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its title (the outlet), home link, format and entries in document order."""

    title: str
    link: str | None
    version: str
    entries: tuple[FeedEntry, ...]


def refuse_entity_declarations(data: bytes) -> None:
    """Raise ``HostileFeed`` if the prolog declares entities (billion laughs, XXE).

    Feeds never need ENTITY declarations. Expat has an amplification limit of its own, but
    feedparser then retries with its lenient parser, so the document is refused up front.
    """
    # Dropping NULs makes UTF-16 and UTF-32 prologs look like ASCII for this scan.
    head = data.replace(b"\x00", b"")
    first = _FIRST_ELEMENT.search(head)
    prolog = head if first is None else head[: first.start()]
    if _DOCTYPE_ENTITY.search(prolog):
        raise HostileFeed(
            N_("the feed declares XML entities, which feeds do not need and attacks use; refused")
        )


def _aware(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _get(obj: Mapping[str, Any], key: str) -> Any:
    try:
        return obj.get(key)
    except (AttributeError, KeyError):
        return None


def _is_html(detail: Any) -> bool:
    # feedparser decides: "IU <Love wins all>" stays text/plain, "<b>x</b>" becomes html.
    kind = (_get(detail, "type") or "") if isinstance(detail, Mapping) else ""
    return kind in _HTML_TYPES


def _plain(value: str | None, detail: Any = None) -> str:
    value = value or ""
    if _is_html(detail):
        from bot.feeds.html_text import html_to_text  # the HTML modules load with a first entry

        return html_to_text(value).text.replace("\n", " ")
    return value


def _http_url(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        if value.lower().startswith(("http://", "https://")) and len(value) <= 2048:
            return value
    return None


def _image(entry: Mapping[str, Any], html_images: list[str]) -> str | None:
    for enclosure in _get(entry, "enclosures") or []:
        kind = str(_get(enclosure, "type") or "")
        href = _http_url(_get(enclosure, "href") or _get(enclosure, "url"))
        if href and (kind.startswith("image/") or re.search(r"\.(jpe?g|png|gif|webp)$", href)):
            return href
    for media in (_get(entry, "media_content") or []) + (_get(entry, "media_thumbnail") or []):
        kind = str(_get(media, "type") or _get(media, "medium") or "image")
        href = _http_url(_get(media, "url"))
        if href and kind.startswith("image"):
            return href
    image = _get(entry, "image")
    if isinstance(image, Mapping):
        href = _http_url(_get(image, "href") or _get(image, "url"))
        if href:
            return href
    for href in html_images:
        if _http_url(href):
            return href
    return None


def _is_preview(entry: Mapping[str, Any], html: str, classes: Iterable[str]) -> bool:
    for tag in _get(entry, "tags") or []:
        term = str(_get(tag, "term") or "").strip().lower()
        if term in _PAID_CATEGORIES:
            return True
    if any(_PAYWALL_CLASSES.search(cls) for cls in classes):
        return True
    lowered = html.lower()
    return any(phrase in lowered for phrase in _PAYWALL_PHRASES)


def entry_key(raw_id: str | None, link: str | None, title: str, published: datetime | None) -> str:
    """Return the stable key: id/guid, else the canonical link, else a hash of title and date."""
    if raw_id and raw_id.strip():
        key = "id:" + raw_id.strip()
    elif link:
        key = "url:" + canonical_url(link)
    else:
        stamp = published.isoformat() if published else ""
        digest = hashlib.sha256(f"{title}\n{stamp}".encode()).hexdigest()
        return "sha256:" + digest
    if len(key) > MAX_KEY_LENGTH:
        key = key[:4] + "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _absolute(value: Any, base_url: str | None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    if base_url:
        with contextlib.suppress(ValueError):
            value = urljoin(base_url, value.strip())
    return _http_url(value)


def _entry(entry: Mapping[str, Any], summary_limit: int, base_url: str | None) -> FeedEntry:
    raw_id = _get(entry, "id")
    raw_id = str(raw_id).strip() if raw_id else None
    link = _absolute(_get(entry, "link"), base_url)
    title_raw = _plain(_get(entry, "title"), _get(entry, "title_detail"))
    title = clean_inline(title_raw, TITLE_LIMIT) or "(untitled)"
    author_raw = _get(entry, "author") or ""
    author = clean_inline(_plain(author_raw), TITLE_LIMIT) or None
    published = _aware(_get(entry, "published_parsed")) or _aware(_get(entry, "updated_parsed"))

    content_html = ""
    for content in _get(entry, "content") or []:
        value = _get(content, "value") or ""
        if len(value) > len(content_html):
            content_html = value
    summary_html = _get(entry, "summary") or ""
    # Prefer the short description (a Substack subtitle); fall back to the full content.
    source = summary_html if summary_html.strip() and summary_html != content_html else content_html
    if not source.strip():
        source = summary_html
    from bot.feeds.html_text import html_to_text  # the HTML modules load with a first entry

    converted = html_to_text(source)
    # The full content is read too when it is not the summary: images and paywall marks.
    full = converted if source is content_html or not content_html else html_to_text(content_html)
    if not converted.text and full.text:
        converted = full
    images = [*full.images, *converted.images]
    classes = [*full.classes, *converted.classes]
    return FeedEntry(
        key=entry_key(raw_id, link, title_raw, published),
        title=title,
        link=link,
        author=author,
        published=published,
        summary_text=cut_text(converted, summary_limit),
        summary_markdown=cut_markdown(converted, summary_limit),
        image_url=_image(entry, images),
        is_preview=_is_preview(entry, content_html + summary_html, classes),
        raw_id=raw_id,
    )


def parse_feed_sync(
    data: bytes, *, base_url: str | None = None, summary_limit: int = DESCRIPTION_LIMIT
) -> ParsedFeed:
    """Parse feed bytes; raise ``NotAFeed`` or ``HostileFeed``. Blocking: prefer ``parse_feed``."""
    refuse_entity_declarations(data)
    # No base URL for feedparser: it would resolve a relative guid ("post-12") against it,
    # and a feed that moved would then re-key, and re-post, every entry. Links are joined
    # to the base here instead.
    # A stream, never bytes or str: feedparser would treat those as a path or URL to open.
    # Its HTML sanitizer is off because nothing here is rendered as HTML (text.py keeps only
    # text and http links), and it would delete the "<Album>" titles K-pop writing uses.
    import feedparser  # loaded with the first feed read, not in every bot at start-up

    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    version = parsed.get("version") or ""
    if not version:
        raise NotAFeed(N_("not an RSS or Atom feed"))
    feed = parsed.get("feed") or {}
    entries: list[FeedEntry] = []
    for raw in parsed.get("entries") or []:
        try:
            entry = _entry(raw, summary_limit, base_url)
        except (TypeError, ValueError, AttributeError) as exc:
            log.warning("skipped a malformed feed entry: %s", exc)
            continue
        if not is_short(entry.link):  # a YouTube Short is never a post
            entries.append(entry)
    return ParsedFeed(
        title=clean_inline(_plain(_get(feed, "title"), _get(feed, "title_detail")), TITLE_LIMIT),
        link=_absolute(_get(feed, "link"), base_url),
        version=version,
        entries=tuple(entries),
    )


async def parse_feed(
    data: bytes, *, base_url: str | None = None, summary_limit: int = DESCRIPTION_LIMIT
) -> ParsedFeed:
    """Parse feed bytes in a worker thread so the event loop keeps running."""
    return await asyncio.to_thread(
        parse_feed_sync, data, base_url=base_url, summary_limit=summary_limit
    )
