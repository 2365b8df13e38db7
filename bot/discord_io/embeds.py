"""Embeds for catalog answers: every fact line carries its source; long lists become pages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

import discord

from bot.core.i18n import N_, t, tn
from bot.discord_io.card_media import decorate, media_footer
from bot.discord_io.escape import text as e
from bot.discord_io.escape import url as escape_url
from bot.discord_io.render import Field, clip, link, make_embed, pack_lines
from bot.knowledge import vocab, wording
from bot.knowledge.cards import (
    ArtistCard,
    CardImage,
    CreditLine,
    CreditsView,
    ListenLink,
    OnThisDay,
    ReferenceLine,
    ReferencesView,
    ReleaseCard,
    ReviewInfo,
    SongCard,
    SourceRef,
    VideoInfo,
    WorksView,
)
from bot.knowledge.prompts import Prompt
from bot.knowledge.release_time import is_future
from bot.store.posts import ReviewPost

SOURCE_FOOTER = N_(
    "Every line links its source. Unmarked: official or encyclopedic; press; database; "
    "fan source; community = approved by a moderator."
)
FIELD_BUDGET = 1000
DISPUTED_FIELDS = {"date": N_("release date"), "label": N_("label"), "premiere": N_("premiere")}


def grade_mark(grade: str, lang: str = "en") -> str:
    """Return a fact's grade label in italics (" *(press)*"), or "" for the best grades."""
    note = wording.grade_note(grade, lang)
    return f" *({note})*" if note else ""


def sources_text(sources: Sequence[SourceRef], limit: int = 2, lang: str = "en") -> str:
    """Return up to ``limit`` source links, noting how many more there are."""
    unique = list(dict.fromkeys(sources))
    shown = " · ".join(link(s.outlet, s.url) for s in unique[:limit])
    extra = len(unique) - limit
    return shown + (f" +{extra}" if extra > 0 else "") if shown else t("no source", lang)


def fact_source(sources: Sequence[SourceRef], lang: str = "en") -> str:
    """Return the link of one fact's own source, or say that none is recorded."""
    return sources_text(sources, 1, lang) if sources else t("no source recorded", lang)


def prompt_lines(prompts: Iterable[Prompt], lang: str = "en") -> list[str]:
    """One bullet per discussion prompt, each ending with its source's link (never embedded)."""
    lines = []
    for prompt in prompts:
        url = f"<{escape_url(prompt.source.url) or '?'}>"
        lines.append(f"• {e(prompt.text)} " + t("(source: {url})", lang, url=url))
    return lines


def titled(name: str, hangul: str | None) -> str:
    """Return "Title (한글)" when a Hangul title differs from the romanized one (inert text)."""
    return f"{e(name)} ({e(hangul)})" if hangul and hangul != name else e(name)


def mmss(seconds: int | None) -> str | None:
    """Return m:ss for a length in seconds."""
    return None if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"


def _status(status: str, lang: str = "en") -> str:
    if lang != "en":
        return e(wording.status_phrase(status, lang))
    known = vocab.STATUS.get(status)
    return known.card if known else e(status)


def _role_title(role: str, lang: str) -> str:
    return e(vocab.role_title(role) if lang == "en" else wording.role_title(role, lang))


def _names(refs: Iterable[object]) -> str:
    return ", ".join(e(getattr(r, "name", str(r))) for r in refs)


def _pages(
    title: str,
    lines: Sequence[str],
    *,
    url: str | None = None,
    footer: str = SOURCE_FOOTER,
    lang: str = "en",
) -> list[discord.Embed]:
    chunks = pack_lines(lines, 3800) or [t("Nothing recorded yet.", lang)]
    total = len(chunks)
    return [
        make_embed(
            title,
            chunk,
            url=url,
            footer=t(footer, lang)
            + (t(" · page {n}/{total}", lang, n=i + 1, total=total) if total > 1 else ""),
        )
        for i, chunk in enumerate(chunks)
    ]


def video_line(video: VideoInfo, lang: str = "en") -> str:
    """Return one line about a video: link, premiere, length, directors, source."""
    parts = [link(video.video.name, video.youtube_url)]
    if video.kind != "music video":
        parts.append(e(t(video.kind, lang)))
    if video.premiere:
        date = wording.format_date(video.premiere, lang)
        parts.append(
            t("premiered {date}", lang, date=date)
            + f" ({fact_source(video.source_of('premiere'), lang)})"
        )
    if video.length_s:
        parts.append(mmss(video.length_s) or "")
    if video.directors:
        names = _names(d.artist for d in video.directors)
        parts.append(t("directed by {names}", lang, names=names))
    sources = [s for d in video.directors for s in d.sources] or list(video.sources)
    return " · ".join(p for p in parts if p) + f" — {sources_text(sources, lang=lang)}"


def _counts(credits: int, references: int, reviews: int, lang: str = "en") -> str:
    return ", ".join(
        (
            tn("{n} credit", "{n} credits", credits, lang) + " (`/credits`)",
            tn("{n} reference", "{n} references", references, lang) + " (`/references`)",
            tn("{n} review", "{n} reviews", reviews, lang) + " (`/reviews`)",
        )
    )


def _release_type(type_: str, lang: str) -> str:
    if lang == "en":
        return e(vocab.release_type_title(type_))
    return e(wording.release_type_word(type_, lang))


def release_embed(
    card: ReleaseCard, lang: str = "en", now: datetime | None = None
) -> discord.Embed:
    """Render a release card (a release still ahead of ``now`` "comes out")."""
    facts = [
        t(
            "**{type}** by {artists}",
            lang,
            type=_release_type(card.type, lang),
            artists=_names(card.artists) or "?",
        )
    ]
    if card.date:
        date = wording.format_date(card.date, lang)
        ahead = is_future(card.date, None, now or datetime.now(UTC))
        when = (
            t("comes out on {date} (KST)", lang, date=date)
            if ahead
            else t("released {date} (KST)", lang, date=date)
        )
        facts.append(when + f" ({fact_source(card.source_of('date'), lang)})")
    if card.label:
        facts.append(f"{e(card.label)} ({fact_source(card.source_of('label'), lang)})")
    description = " · ".join(facts)
    if card.parent:
        description += "\n" + t("From **{release}**", lang, release=e(card.parent.name))
    if card.children:
        description += "\n" + t(
            "Singles and repackages: {names}", lang, names=_names(card.children)
        )
    fields = []
    if card.tracks:
        tracks = "\n".join(f"{i}. {e(track.name)}" for i, track in enumerate(card.tracks, start=1))
        fields.append(Field(t("Tracklist (songs in the catalog)", lang), tracks))
    if card.videos:
        fields.append(Field(t("Video", lang), "\n".join(video_line(v, lang) for v in card.videos)))
    fields.append(
        Field(
            t("In the catalog", lang),
            _counts(card.credit_count, card.reference_count, card.review_count, lang),
        )
    )
    if card.disputed:
        # The catalog's value is the one above; a database that says otherwise is noted.
        fields.append(
            Field(
                t("Other sources say", lang),
                "\n".join(
                    f"• {e(t(DISPUTED_FIELDS.get(d.field, d.field), lang))}: {e(d.value)}"
                    f"{grade_mark(vocab.DATABASE, lang)} — {sources_text([d.source], lang=lang)}"
                    for d in card.disputed
                ),
            )
        )
    fields.append(Field(t("Sources", lang), sources_text(card.sources, 4, lang)))
    embed = make_embed(
        titled(card.title, card.hangul), description, fields=fields, footer=t(SOURCE_FOOTER, lang)
    )
    return _pictured(embed, card.cover, card.videos, card.links, lang)


def _pictured(
    embed: discord.Embed,
    cover: CardImage | None,
    videos: Sequence[VideoInfo],
    links: Sequence[ListenLink],
    lang: str,
) -> discord.Embed:
    """Show the cover large and a video's thumbnail small (or large, when there is no cover)."""
    thumbnail = next((v.thumbnail for v in videos if v.thumbnail), None)
    return decorate(
        embed,
        image=cover.url if cover else thumbnail,
        thumbnail=thumbnail if cover else None,
        footer_extra=media_footer(cover, links, lang, video_thumbnail=thumbnail is not None),
    )


def video_embed(video: VideoInfo, lang: str = "en") -> discord.Embed:
    """Render a video card: its thumbnail, linked to the video, and what is known about it."""
    description = video_line(video, lang)
    if video.song is not None:
        description += "\n" + t("Song: **{song}**", lang, song=video.song.name)
    embed = make_embed(
        video.video.name,
        description,
        url=video.youtube_url,
        fields=[Field(t("Sources", lang), sources_text(video.sources, 4, lang))],
        footer=t(SOURCE_FOOTER, lang),
    )
    return decorate(
        embed,
        image=video.thumbnail,
        footer_extra=media_footer(None, (), lang, video_thumbnail=video.thumbnail is not None),
    )


def song_embed(card: SongCard, lang: str = "en", now: datetime | None = None) -> discord.Embed:
    """Render a song card (releases still ahead of ``now`` are marked as coming out)."""
    now = now or datetime.now(UTC)
    description = t("**Song** by {artists}", lang, artists=_names(card.artists) or "?")
    if card.length_s:
        description += f" · {mmss(card.length_s)}"
    fields = []
    if card.releases:
        lines = [
            f"{e(r.release.name)} ("
            + ", ".join(
                [_release_type(r.type, lang).lower()]
                + ([wording.format_date(r.date, lang)] if r.date else [])
                + [t("track {n}", lang, n=r.position)]
                + ([t("comes out then", lang)] if is_future(r.date, None, now) else [])
            )
            + ")"
            for r in card.releases
        ]
        ahead = all(is_future(r.date, None, now) for r in card.releases)
        title = t("Comes out on", lang) if ahead else t("Released on", lang)
        fields.append(Field(title, "\n".join(lines)))
    if card.videos:
        fields.append(Field(t("Video", lang), "\n".join(video_line(v, lang) for v in card.videos)))
    fields.append(
        Field(
            t("In the catalog", lang),
            _counts(card.credit_count, card.reference_count, card.review_count, lang),
        )
    )
    fields.append(Field(t("Sources", lang), sources_text(card.sources, 4, lang)))
    embed = make_embed(
        titled(card.title, card.hangul), description, fields=fields, footer=t(SOURCE_FOOTER, lang)
    )
    return _pictured(embed, card.cover, card.videos, card.links, lang)


def credit_line(line: CreditLine, *, with_subject: bool = False, lang: str = "en") -> str:
    """Return one credit: the name (as credited), its grade and sources."""
    name = e(line.artist.name)
    if line.credited_as and line.credited_as != line.artist.name:
        name += t(" (credited as {name})", lang, name=e(line.credited_as))
    if with_subject:
        name = f"{e(line.subject.name)}: {name}"
    detail = f" — {e(line.detail)}" if line.detail else ""
    grade = grade_mark(line.grade, lang)
    return f"• {name}{detail}{grade} — {sources_text(line.sources, lang=lang)}"


def credits_pages(
    view: CreditsView, role: str | None = None, lang: str = "en"
) -> list[discord.Embed]:
    """Render credits grouped by role."""
    lines: list[str] = []
    multiple_subjects = len({ln.subject.id for g in view.groups for ln in g.lines}) > 1
    for group in view.groups:
        if role and group.role != role:
            continue
        lines.append(f"**{_role_title(group.role, lang)}**")
        lines.extend(
            credit_line(ln, with_subject=multiple_subjects, lang=lang) for ln in group.lines
        )
    if not lines:
        subject = e(view.subject.name)
        lines = [
            t(
                "No {role} credits for {subject} in the catalog yet. `/suggest` one with a "
                "source, and a moderator can add it.",
                lang,
                role=_role_title(role, lang),
                subject=subject,
            )
            if role
            else t(
                "No credits for {subject} in the catalog yet. `/suggest` one with a source, "
                "and a moderator can add it.",
                lang,
                subject=subject,
            )
        ]
    return _pages(t("Credits — {subject}", lang, subject=e(view.subject.name)), lines, lang=lang)


def reference_line(line: ReferenceLine, outgoing: bool, lang: str = "en") -> str:
    """Return one reference with its status and evidence."""
    other = line.target if outgoing else line.source_entity
    relation = line.relation if lang == "en" else wording.relation_phrase(line.relation, lang)
    text = (
        f"• **{e(relation[:1].upper() + relation[1:])}** → {e(other.label or other.name)}"
        if outgoing
        else "• "
        + t(
            "{other} — **{relation} in** this",
            lang,
            other=e(other.label or other.name),
            relation=e(relation),
        )
    )
    text += f" *({_status(line.status, lang)})*"
    if line.timestamp_s is not None:
        text += t(" at {time}", lang, time=mmss(line.timestamp_s))
    if line.note:
        text += f": {e(clip(line.note, 300))}"
    if line.review is not None:
        review = line.review
        by = t(" by {author}", lang, author=e(review.author)) if review.author else ""
        text += t(
            " — reading from {review}{by}, {outlet}",
            lang,
            review=link(review.title, review.url),
            by=by,
            outlet=e(review.outlet),
        )
    text += t(" — evidence: {sources}", lang, sources=sources_text(line.sources, lang=lang))
    return text


def references_pages(view: ReferencesView, lang: str = "en") -> list[discord.Embed]:
    """Render what a subject references and what references it."""
    lines: list[str] = []
    if view.outgoing:
        lines.append(t("**What it references**", lang))
        lines.extend(reference_line(r, True, lang) for r in view.outgoing)
    if view.incoming:
        lines.append(t("**What references it**", lang))
        lines.extend(reference_line(r, False, lang) for r in view.incoming)
    if not lines:
        lines = [
            t(
                "No references recorded for {subject} yet (MusicBrainz and Wikidata do not "
                "record what a video's images allude to). Know one? `/suggest` it with evidence.",
                lang,
                subject=e(view.subject.name),
            )
        ]
    return _pages(
        t("References — {subject}", lang, subject=e(view.subject.label or view.subject.name)),
        lines,
        footer=N_("Status: confirmed by the creators, critic's reading, or fan reading."),
        lang=lang,
    )


def artist_embed(card: ArtistCard, lang: str = "en") -> discord.Embed:
    """Render an artist card."""
    title = titled(card.artist.name, card.hangul)
    if card.disambiguation:
        title += f" — {e(card.disambiguation)}"
    lines = []
    if card.legal_name or card.legal_name_hangul:
        legal = titled(card.legal_name or card.legal_name_hangul or "", card.legal_name_hangul)
        lines.append(
            t("Legal name: {name}", lang, name=legal)
            + f" — {fact_source(card.source_of('legal_name'), lang)}"
        )
    others = [
        n.name
        for n in card.names
        if n.name not in {card.artist.name, card.hangul, card.legal_name, card.legal_name_hangul}
    ]
    if others:
        lines.append(t("Also known as: {names}", lang, names=_names(dict.fromkeys(others))))
    # Each fact cites its own source: a birthday links the page that states the birthday.
    for attribute, value, words in (
        ("birth_date", card.birth_date, N_("Born {value}")),
        ("debut_date", card.debut_date, N_("Debuted {value}")),
        ("end_date", card.end_date, N_("Ended {value}")),
        ("agency", card.agency, N_("Agency: {value}")),
    ):
        if value:
            shown = wording.format_date(value, lang) if attribute != "agency" else e(value)
            lines.append(
                t(words, lang, value=shown) + f" — {fact_source(card.source_of(attribute), lang)}"
            )
    fields = []
    if card.groups:
        fields.append(
            Field(
                t("Member of", lang),
                "\n".join(
                    f"{e(m.group.name)}"
                    + (t(" as {name}", lang, name=e(m.stage_name)) if m.stage_name else "")
                    + (
                        t(" (since {date})", lang, date=wording.format_date(m.since, lang))
                        if m.since
                        else ""
                    )
                    + f" — {sources_text(m.sources, 1, lang)}"
                    for m in card.groups
                ),
            )
        )
    if card.members:
        fields.append(
            Field(
                t("Members", lang),
                "\n".join(
                    f"{e(m.stage_name or m.person.name)}"
                    + (t(" (former)", lang) if m.former else "")
                    + f" — {sources_text(m.sources, 1, lang)}"
                    for m in card.members
                ),
            )
        )
    if card.notable_credits:
        fields.append(
            Field(
                t("Notable credits (`/works`)", lang),
                "\n".join(
                    f"{_role_title(ln.role, lang) if lang != 'en' else e(ln.role)}: "
                    f"{e(ln.subject.name)} — {sources_text(ln.sources, 1, lang)}"
                    for ln in card.notable_credits
                ),
            )
        )
    if card.works:
        fields.append(
            Field(
                t("Other work", lang),
                "\n".join(
                    t("{role} in {work}", lang, role=e(w.role), work=e(w.work.name))
                    + f" — {link(w.source.outlet, w.source.url)}"
                    for w in card.works
                ),
            )
        )
    fields.append(Field(t("Sources", lang), sources_text(card.sources, 4, lang)))
    embed = make_embed(title, "\n".join(lines), fields=fields, footer=t(SOURCE_FOOTER, lang))
    return decorate(
        embed,
        thumbnail=card.portrait.url if card.portrait else None,
        footer_extra=media_footer(card.portrait, card.links, lang),
    )


def works_pages(view: WorksView, role: str | None = None, lang: str = "en") -> list[discord.Embed]:
    """Render what a person is credited on, by role."""
    lines: list[str] = []
    for group in view.groups:
        if role and group.role != role:
            continue
        lines.append(f"**{_role_title(group.role, lang)}**")
        lines.extend(
            f"• {e(ln.subject.label or ln.subject.name)}{grade_mark(ln.grade, lang)}"
            f" — {sources_text(ln.sources, 1, lang)}"
            for ln in group.lines
        )
    if view.links and not role:
        lines.append(f"**{t('Other work', lang)}**")
        lines.extend(
            "• "
            + t("{role} in {work}", lang, role=e(w.role), work=e(w.work.name))
            + f" — {link(w.source.outlet, w.source.url)}"
            for w in view.links
        )
    if not lines:
        lines = [
            t(
                "{name} has no credits as {role} in the catalog yet.",
                lang,
                name=e(view.artist.name),
                role=_role_title(role, lang),
            )
            if role
            else t("{name} has no credits in the catalog yet.", lang, name=e(view.artist.name))
        ]
    return _pages(t("Works — {name}", lang, name=e(view.artist.name)), lines, lang=lang)


def review_line(review: ReviewInfo, lang: str = "en") -> str:
    """Return one review: linked title, author, outlet, date, what it discusses."""
    by = t(" by {author}", lang, author=e(review.author)) if review.author else ""
    when = f", {wording.format_date(review.published[:10], lang)}" if review.published else ""
    about = t(" — on {subjects}", lang, subjects=_names(review.subjects)) if review.subjects else ""
    return f"• {link(review.title, review.url)}{by} ({e(review.outlet)}{when}){about}"


def reviews_pages(
    title: str, reviews: Sequence[ReviewInfo], lang: str = "en"
) -> list[discord.Embed]:
    """Render a list of reviews."""
    lines = [review_line(r, lang) for r in reviews] or [t("No reviews in the catalog yet.", lang)]
    return _pages(title, lines, footer=N_("Reviews link to their outlet."), lang=lang)


def years_ago(fact_date: str, today: date, lang: str = "en") -> str:
    """Return "9 years ago" style text for an anniversary (or "today")."""
    years = today.year - int(fact_date[:4])
    if years <= 0:
        return t("today", lang)
    return tn("{n} year ago", "{n} years ago", years, lang)


def on_this_day_lines(
    day: OnThisDay, today: date, followed: set[str], lang: str = "en"
) -> list[str]:
    """Return digest lines, followed artists' facts first."""
    groups = [
        (N_("Released"), day.releases),
        (N_("Premiered"), day.premieres),
        (N_("Born"), day.birthdays),
        (N_("Debuted"), day.debuts),
    ]
    lines: list[str] = []
    for heading, facts in groups:
        if not facts:
            continue
        ordered = sorted(facts, key=lambda f: (f.entity.value not in followed, f.date))
        lines.append(f"**{t(heading, lang)}**")
        lines.extend(
            f"• {e(f.entity.label or f.entity.name)}, {years_ago(f.date, today, lang)}"
            f" ({f.date[:4]})"
            f"{' ★' if f.entity.value in followed else ''} — {sources_text(f.sources, 1, lang)}"
            for f in ordered
        )
    return lines


def review_post_embed(
    post: ReviewPost, discussion_thread_id: int | None = None, lang: str = "en"
) -> discord.Embed:
    """Render a feed entry as the review post: linked title, outlet, author, date, summary."""
    title = post.title or t("Untitled review", lang)
    if post.is_preview:
        title = t("[Preview] {title}", lang, title=title)
    byline = " · ".join(
        x
        for x in (post.outlet, t("by {author}", lang, author=post.author) if post.author else "")
        if x
    )
    summary = post.summary
    if post.is_preview:
        summary += (
            "\n\n*"
            + t("Paid post: this is the free preview; the full text is on the site.", lang)
            + "*"
        )
    fields = []
    releases = post.names_of(("release", "song"))
    artists = post.names_of(("artist",))
    if releases or artists:
        lines = []
        if releases:
            lines.append(t("Releases: {names}", lang, names=_names(releases)))
        if artists:
            lines.append(t("Artists: {names}", lang, names=_names(artists)))
        lines.append(
            t("Ask me: {commands}", lang, commands="`/release`, `/credits`, `/references`")
        )
        fields.append(Field(t("In the Liner Notes catalog", lang), "\n".join(lines)))
    if discussion_thread_id:
        thread = f"<#{discussion_thread_id}>"
        fields.append(
            Field(
                t("Discussion", lang),
                t("Join the server's thread: {thread}", lang, thread=thread),
            )
        )
    embed = make_embed(
        title,
        summary,
        url=post.link,
        fields=fields,
        footer=t("Review posted by Liner Notes from the outlet's feed", lang),
    )
    if byline:
        embed.set_author(name=clip(byline, 256))
    if post.published:
        embed.timestamp = discord.utils.parse_time(post.published)
    if post.image_url:
        embed.set_image(url=post.image_url)
    return embed
