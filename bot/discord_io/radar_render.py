"""Rendering the release radar for Discord: upcoming lines, the calendar, alert messages.

Every time is a Discord timestamp (``<t:UNIX:F>`` and ``<t:UNIX:R>``), so each member reads
it in their own time zone; a release known only by its day shows that KST day and how far
away it is. A release that has not come out is always told as future ("comes out").
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import discord

from bot.core.i18n import N_, t
from bot.discord_io.embeds import grade_mark, sources_text
from bot.discord_io.render import EMBED_DESCRIPTION, MESSAGE_LIMIT, clip, make_embed, pack_lines
from bot.knowledge import vocab, wording
from bot.knowledge.upcoming import Upcoming

ALERT_KINDS = {
    "day before": N_("⏰ Tomorrow: **{release}** by {artists} comes out {when}."),
    "at release": N_("🎉 Out now: **{release}** by {artists} came out {when}."),
    "channel": N_("🎉 Out now: **{release}** by {artists} came out {when}."),
}


def discord_timestamp(moment: datetime, style: str = "F") -> str:
    """Return a Discord timestamp (``<t:UNIX:F>``): shown in each reader's own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def when_text(item: Upcoming, lang: str) -> str:
    """Return when a release comes out: its time as Discord timestamps, or its KST day."""
    relative = discord_timestamp(item.instant, "R")
    if item.has_time:
        return f"{discord_timestamp(item.instant, 'F')} ({relative})"
    return t(
        "on {date} (KST, {relative})",
        lang,
        date=wording.format_date(item.date, lang),
        relative=relative,
    )


def _type_word(type_: str, lang: str) -> str:
    return (
        vocab.release_type_title(type_) if lang == "en" else wording.release_type_word(type_, lang)
    )


def _artists(item: Upcoming, lang: str) -> str:
    return wording.join_list([a.name for a in item.artists], lang) or "?"


def _title(item: Upcoming) -> str:
    if item.hangul and item.hangul != item.release.name:
        return f"{item.release.name} ({item.hangul})"
    return item.release.name


def _source_note(item: Upcoming, lang: str) -> str:
    grades = sorted({s.grade for s in item.sources})
    mark = grade_mark(grades[0], lang) if len(grades) == 1 else ""
    note = t("source: {sources}", lang, sources=sources_text(item.sources, 2, lang)) + mark
    for value, source in item.disputed:
        note += " · " + t(
            "{outlet} says {date}",
            lang,
            outlet=source.outlet,
            date=wording.format_date(value, lang),
        )
    return note


def upcoming_line(item: Upcoming, lang: str) -> str:
    """Return one release of ``/upcoming`` or the calendar, with its source."""
    head = t(
        "**{release}** · {type} by {artists} — comes out {when}",
        lang,
        release=_title(item),
        type=_type_word(item.type, lang),
        artists=_artists(item, lang),
        when=when_text(item, lang),
    )
    return f"{head}\n  ↳ {_source_note(item, lang)}"


def upcoming_pages(
    items: Sequence[Upcoming], title: str, lang: str, *, footer: str | None = None
) -> list[discord.Embed]:
    """Return ``/upcoming`` as pages of at most one embed description each."""
    pages = pack_lines([upcoming_line(i, lang) for i in items], EMBED_DESCRIPTION - 200)
    return [make_embed(title, page, footer=footer) for page in pages]


def calendar_embed(
    items: Sequence[Upcoming], lang: str, *, followed: int, updated: datetime
) -> discord.Embed:
    """Return the server's calendar: one embed, the soonest releases that fit."""
    lines = [upcoming_line(i, lang) for i in items]
    shown: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > EMBED_DESCRIPTION - 300:
            break
        shown.append(line)
        size += len(line) + 1
    if len(shown) < len(lines):
        shown.append(
            t("…and {n} more: `/upcoming` lists them all.", lang, n=len(lines) - len(shown))
        )
    if not shown:
        shown = [
            t(
                "Nothing scheduled yet for the {n} artists this server follows. I look at the "
                "catalog, approved suggestions and MusicBrainz every day.",
                lang,
                n=followed,
            )
            if followed
            else t(
                "This server follows no artists yet, so the calendar shows every upcoming "
                "release in the catalog; there are none. Moderators: `/config follow`.",
                lang,
            )
        ]
    footer = t("Times are shown in your own time zone; dates without a time are KST days.", lang)
    embed = make_embed(t("🗓️ Release calendar", lang), "\n".join(shown), footer=footer)
    # Embed footers do not render timestamps: the update time goes in the description.
    embed.description = clip(
        (embed.description or "")
        + "\n\n"
        + t("Last checked {when}.", lang, when=discord_timestamp(updated, "R")),
        EMBED_DESCRIPTION,
    )
    return embed


def calendar_hash(embed: discord.Embed) -> str:
    """Return what the calendar shows, as a hash: an edit is needed only when it changes.

    The "last checked" line is left out, or every round would edit.
    """
    text = (embed.title or "") + "\n" + (embed.description or "").rsplit("\n\n", 1)[0]
    return hashlib.sha256(text.encode()).hexdigest()


def alert_text(item: Upcoming, kind: str, lang: str, role_ids: Sequence[int] = ()) -> str:
    """Return an alert's message, naming the release, with its source."""
    body = t(
        ALERT_KINDS[kind],
        lang,
        release=_title(item),
        artists=_artists(item, lang),
        when=when_text(item, lang),
    )
    prefix = "".join(f"<@&{r}> " for r in role_ids)
    return clip(f"{prefix}{body}\n-# {_source_note(item, lang)}", MESSAGE_LIMIT)
