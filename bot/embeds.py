"""Embeds for catalog answers: every fact line carries its source; long lists become pages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import discord
from linernotes.bot.knowledge import vocab
from linernotes.bot.knowledge.cards import (
    ArtistCard,
    CreditLine,
    CreditsView,
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
from linernotes.bot.render import Field, clip, link, make_embed, pack_lines
from linernotes.bot.store.posts import ReviewPost

SOURCE_FOOTER = (
    "Every line links its source. Unmarked: official or encyclopedic; press; database; "
    "fan source; community = approved by a moderator."
)
FIELD_BUDGET = 1000
DISPUTED_FIELDS = {"date": "release date", "label": "label", "premiere": "premiere"}


def grade_mark(grade: str) -> str:
    """Return a fact's grade label in italics (" *(press)*"), or "" for the best grades."""
    note = vocab.grade_note(grade).strip()
    return f" *{note}*" if note else ""


def sources_text(sources: Sequence[SourceRef], limit: int = 2) -> str:
    """Return up to ``limit`` source links, noting how many more there are."""
    unique = list(dict.fromkeys(sources))
    shown = " · ".join(link(s.outlet, s.url) for s in unique[:limit])
    extra = len(unique) - limit
    return shown + (f" +{extra}" if extra > 0 else "") if shown else "no source"


def fact_source(sources: Sequence[SourceRef]) -> str:
    """Return the link of one fact's own source, or say that none is recorded."""
    return sources_text(sources, 1) if sources else "no source recorded"


def titled(name: str, hangul: str | None) -> str:
    """Return "Title (한글)" when a Hangul title differs from the romanized one."""
    return f"{name} ({hangul})" if hangul and hangul != name else name


def mmss(seconds: int | None) -> str | None:
    """Return m:ss for a length in seconds."""
    return None if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"


def _status(status: str) -> str:
    known = vocab.STATUS.get(status)
    return known.card if known else status


def _names(refs: Iterable[object]) -> str:
    return ", ".join(getattr(r, "name", str(r)) for r in refs)


def _pages(
    title: str, lines: Sequence[str], *, url: str | None = None, footer: str = SOURCE_FOOTER
) -> list[discord.Embed]:
    chunks = pack_lines(lines, 3800) or ["Nothing recorded yet."]
    total = len(chunks)
    return [
        make_embed(
            title,
            chunk,
            url=url,
            footer=f"{footer}" + (f" · page {i + 1}/{total}" if total > 1 else ""),
        )
        for i, chunk in enumerate(chunks)
    ]


def video_line(video: VideoInfo) -> str:
    """Return one line about a video: link, premiere, length, directors, source."""
    parts = [link(video.video.name, video.youtube_url)]
    if video.kind != "music video":
        parts.append(video.kind)
    if video.premiere:
        parts.append(f"premiered {video.premiere} ({fact_source(video.source_of('premiere'))})")
    if video.length_s:
        parts.append(mmss(video.length_s) or "")
    if video.directors:
        parts.append("directed by " + ", ".join(d.artist.name for d in video.directors))
    sources = [s for d in video.directors for s in d.sources] or list(video.sources)
    return " · ".join(p for p in parts if p) + f" — {sources_text(sources)}"


def _counts(credits: int, references: int, reviews: int) -> str:
    return (
        f"{credits} credit{'s' * (credits != 1)} (`/credits`), "
        f"{references} reference{'s' * (references != 1)} (`/references`), "
        f"{reviews} review{'s' * (reviews != 1)} (`/reviews`)"
    )


def release_embed(card: ReleaseCard) -> discord.Embed:
    """Render a release card."""
    facts = [f"**{vocab.release_type_title(card.type)}** by {_names(card.artists) or '?'}"]
    if card.date:
        facts.append(f"released {card.date} (KST) ({fact_source(card.source_of('date'))})")
    if card.label:
        facts.append(f"{card.label} ({fact_source(card.source_of('label'))})")
    description = " · ".join(facts)
    if card.parent:
        description += f"\nFrom **{card.parent.name}**"
    if card.children:
        description += "\nSingles and repackages: " + _names(card.children)
    fields = []
    if card.tracks:
        tracks = "\n".join(f"{i}. {t.name}" for i, t in enumerate(card.tracks, start=1))
        fields.append(Field("Tracklist (songs in the catalog)", tracks))
    if card.videos:
        fields.append(Field("Video", "\n".join(video_line(v) for v in card.videos)))
    fields.append(
        Field("In the catalog", _counts(card.credit_count, card.reference_count, card.review_count))
    )
    if card.disputed:
        # The catalog's value is the one above; a database that says otherwise is noted.
        fields.append(
            Field(
                "Other sources say",
                "\n".join(
                    f"• {DISPUTED_FIELDS.get(d.field, d.field)}: {d.value}"
                    f"{grade_mark(vocab.DATABASE)} — {sources_text([d.source])}"
                    for d in card.disputed
                ),
            )
        )
    fields.append(Field("Sources", sources_text(card.sources, 4)))
    return make_embed(
        titled(card.title, card.hangul), description, fields=fields, footer=SOURCE_FOOTER
    )


def song_embed(card: SongCard) -> discord.Embed:
    """Render a song card."""
    description = f"**Song** by {_names(card.artists) or '?'}"
    if card.length_s:
        description += f" · {mmss(card.length_s)}"
    fields = []
    if card.releases:
        lines = [
            f"{r.release.name} ({vocab.release_type_title(r.type).lower()}"
            + (f", {r.date}" if r.date else "")
            + f", track {r.position})"
            for r in card.releases
        ]
        fields.append(Field("Released on", "\n".join(lines)))
    if card.videos:
        fields.append(Field("Video", "\n".join(video_line(v) for v in card.videos)))
    fields.append(
        Field("In the catalog", _counts(card.credit_count, card.reference_count, card.review_count))
    )
    fields.append(Field("Sources", sources_text(card.sources, 4)))
    return make_embed(
        titled(card.title, card.hangul), description, fields=fields, footer=SOURCE_FOOTER
    )


def credit_line(line: CreditLine, *, with_subject: bool = False) -> str:
    """Return one credit: the name (as credited), its grade and sources."""
    name = line.artist.name
    if line.credited_as and line.credited_as != name:
        name += f" (credited as {line.credited_as})"
    if with_subject:
        name = f"{line.subject.name}: {name}"
    detail = f" — {line.detail}" if line.detail else ""
    return f"• {name}{detail}{grade_mark(line.grade)} — {sources_text(line.sources)}"


def credits_pages(view: CreditsView, role: str | None = None) -> list[discord.Embed]:
    """Render credits grouped by role."""
    lines: list[str] = []
    multiple_subjects = len({ln.subject.id for g in view.groups for ln in g.lines}) > 1
    for group in view.groups:
        if role and group.role != role:
            continue
        lines.append(f"**{vocab.role_title(group.role)}**")
        lines.extend(credit_line(ln, with_subject=multiple_subjects) for ln in group.lines)
    if not lines:
        what = f"{role} credits" if role else "credits"
        lines = [
            f"No {what} for {view.subject.name} in the catalog yet. `/suggest` one "
            "with a source, and a moderator can add it."
        ]
    return _pages(f"Credits — {view.subject.name}", lines)


def reference_line(line: ReferenceLine, outgoing: bool) -> str:
    """Return one reference with its status and evidence."""
    other = line.target if outgoing else line.source_entity
    arrow = f"{line.relation} of" if outgoing else f"{line.relation} in"
    text = (
        f"• **{line.relation.capitalize()}** → {other.label or other.name}"
        if outgoing
        else (f"• {other.label or other.name} — **{arrow}** this")
    )
    text += f" *({_status(line.status)})*"
    if line.timestamp_s is not None:
        text += f" at {mmss(line.timestamp_s)}"
    if line.note:
        text += f": {clip(line.note, 300)}"
    if line.review is not None:
        review = line.review
        by = f" by {review.author}" if review.author else ""
        text += f" — reading from {link(review.title, review.url)}{by}, {review.outlet}"
    text += f" — evidence: {sources_text(line.sources)}"
    return text


def references_pages(view: ReferencesView) -> list[discord.Embed]:
    """Render what a subject references and what references it."""
    lines: list[str] = []
    if view.outgoing:
        lines.append("**What it references**")
        lines.extend(reference_line(r, True) for r in view.outgoing)
    if view.incoming:
        lines.append("**What references it**")
        lines.extend(reference_line(r, False) for r in view.incoming)
    if not lines:
        lines = [
            f"No references recorded for {view.subject.name} yet (MusicBrainz and Wikidata "
            "do not record what a video's images allude to). Know one? `/suggest` it with "
            "evidence."
        ]
    return _pages(
        f"References — {view.subject.label or view.subject.name}",
        lines,
        footer="Status: confirmed by the creators, critic's reading, or fan reading.",
    )


def artist_embed(card: ArtistCard) -> discord.Embed:
    """Render an artist card."""
    title = titled(card.artist.name, card.hangul)
    if card.disambiguation:
        title += f" — {card.disambiguation}"
    lines = []
    if card.legal_name or card.legal_name_hangul:
        lines.append(
            "Legal name: "
            + titled(card.legal_name or card.legal_name_hangul or "", card.legal_name_hangul)
            + f" — {fact_source(card.source_of('legal_name'))}"
        )
    others = [
        n.name
        for n in card.names
        if n.name not in {card.artist.name, card.hangul, card.legal_name, card.legal_name_hangul}
    ]
    if others:
        lines.append("Also known as: " + ", ".join(dict.fromkeys(others)))
    # Each fact cites its own source: a birthday links the page that states the birthday.
    for attribute, value, words in (
        ("birth_date", card.birth_date, "Born"),
        ("debut_date", card.debut_date, "Debuted"),
        ("end_date", card.end_date, "Ended"),
        ("agency", card.agency, "Agency:"),
    ):
        if value:
            lines.append(f"{words} {value} — {fact_source(card.source_of(attribute))}")
    fields = []
    if card.groups:
        fields.append(
            Field(
                "Member of",
                "\n".join(
                    f"{m.group.name}"
                    + (f" as {m.stage_name}" if m.stage_name else "")
                    + (f" (since {m.since})" if m.since else "")
                    + f" — {sources_text(m.sources, 1)}"
                    for m in card.groups
                ),
            )
        )
    if card.members:
        fields.append(
            Field(
                "Members",
                "\n".join(
                    f"{m.stage_name or m.person.name}"
                    + (" (former)" if m.current is False or m.until else "")
                    + f" — {sources_text(m.sources, 1)}"
                    for m in card.members
                ),
            )
        )
    if card.notable_credits:
        fields.append(
            Field(
                "Notable credits (`/works`)",
                "\n".join(
                    f"{ln.role}: {ln.subject.name} — {sources_text(ln.sources, 1)}"
                    for ln in card.notable_credits
                ),
            )
        )
    if card.works:
        fields.append(
            Field(
                "Other work",
                "\n".join(
                    f"{w.role} in {w.work.name} — {link(w.source.outlet, w.source.url)}"
                    for w in card.works
                ),
            )
        )
    fields.append(Field("Sources", sources_text(card.sources, 4)))
    return make_embed(title, "\n".join(lines), fields=fields, footer=SOURCE_FOOTER)


def works_pages(view: WorksView, role: str | None = None) -> list[discord.Embed]:
    """Render what a person is credited on, by role."""
    lines: list[str] = []
    for group in view.groups:
        if role and group.role != role:
            continue
        lines.append(f"**{vocab.role_title(group.role)}**")
        lines.extend(
            f"• {ln.subject.label or ln.subject.name}{grade_mark(ln.grade)}"
            f" — {sources_text(ln.sources, 1)}"
            for ln in group.lines
        )
    if view.links and not role:
        lines.append("**Other work**")
        lines.extend(
            f"• {w.role} in {w.work.name} — {link(w.source.outlet, w.source.url)}"
            for w in view.links
        )
    if not lines:
        what = f"as {role}" if role else ""
        lines = [f"{view.artist.name} has no credits {what} in the catalog yet."]
    return _pages(f"Works — {view.artist.name}", lines)


def review_line(review: ReviewInfo) -> str:
    """Return one review: linked title, author, outlet, date, what it discusses."""
    by = f" by {review.author}" if review.author else ""
    when = f", {review.published[:10]}" if review.published else ""
    about = f" — on {_names(review.subjects)}" if review.subjects else ""
    return f"• {link(review.title, review.url)}{by} ({review.outlet}{when}){about}"


def reviews_pages(title: str, reviews: Sequence[ReviewInfo]) -> list[discord.Embed]:
    """Render a list of reviews."""
    lines = [review_line(r) for r in reviews] or ["No reviews in the catalog yet."]
    return _pages(title, lines, footer="Reviews link to their outlet.")


def years_ago(fact_date: str, today: date) -> str:
    """Return "9 years ago" style text for an anniversary (or "today")."""
    years = today.year - int(fact_date[:4])
    if years <= 0:
        return "today"
    return f"{years} year{'s' * (years != 1)} ago"


def on_this_day_lines(day: OnThisDay, today: date, followed: set[str]) -> list[str]:
    """Return digest lines, followed artists' facts first."""
    groups = [
        ("Released", day.releases),
        ("Premiered", day.premieres),
        ("Born", day.birthdays),
        ("Debuted", day.debuts),
    ]
    lines: list[str] = []
    for heading, facts in groups:
        if not facts:
            continue
        ordered = sorted(facts, key=lambda f: (f.entity.value not in followed, f.date))
        lines.append(f"**{heading}**")
        lines.extend(
            f"• {f.entity.label or f.entity.name}, {years_ago(f.date, today)} ({f.date[:4]})"
            f"{' ★' if f.entity.value in followed else ''} — {sources_text(f.sources, 1)}"
            for f in ordered
        )
    return lines


def review_post_embed(post: ReviewPost, discussion_thread_id: int | None = None) -> discord.Embed:
    """Render a feed entry as the review post: linked title, outlet, author, date, summary."""
    title = post.title or "Untitled review"
    if post.is_preview:
        title = f"[Preview] {title}"
    byline = " · ".join(x for x in (post.outlet, f"by {post.author}" if post.author else "") if x)
    summary = post.summary
    if post.is_preview:
        summary += "\n\n*Paid post: this is the free preview; the full text is on the site.*"
    fields = []
    releases = post.names_of(("release", "song"))
    artists = post.names_of(("artist",))
    if releases or artists:
        lines = []
        if releases:
            lines.append("Releases: " + ", ".join(releases))
        if artists:
            lines.append("Artists: " + ", ".join(artists))
        lines.append("Ask me: `/release`, `/credits`, `/references`")
        fields.append(Field("In the Liner Notes catalog", "\n".join(lines)))
    if discussion_thread_id:
        fields.append(Field("Discussion", f"Join the server's thread: <#{discussion_thread_id}>"))
    embed = make_embed(
        title,
        summary,
        url=post.link,
        fields=fields,
        footer="Review posted by Liner Notes from the outlet's feed",
    )
    if byline:
        embed.set_author(name=clip(byline, 256))
    if post.published:
        embed.timestamp = discord.utils.parse_time(post.published)
    if post.image_url:
        embed.set_image(url=post.image_url)
    return embed
