"""Answers to one-hop questions about one entity, in English or Korean, each fact sourced.

Each function takes the entity the question is about and the language to answer in, reads
stored facts through ``cards`` and the store, and returns an :class:`Answer`: facts with
their sources, or a decline that says what is missing and offers what is known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.i18n import N_, t, tn
from bot.knowledge import cards
from bot.knowledge.ask.intents import Intent, IntentName
from bot.knowledge.ask.model import Answer, declined, found, merge_sources
from bot.knowledge.ask.parsing import FILLERS, words_of
from bot.knowledge.cards import CreditLine, SourceRef
from bot.knowledge.entities import EntityRef
from bot.knowledge.normalize import normalize
from bot.knowledge.release_time import is_future
from bot.knowledge.wording import (
    format_date,
    format_duration,
    grade_note,
    join_list,
    relation_phrase,
    release_type_word,
    role_phrase,
    role_title,
    role_verb,
    status_phrase,
    video_kind_word,
    work_kind_word,
    work_label,
)
from bot.store import catalog as db
from bot.store.core import Store

# Relations that put another piece of music inside a song: what "samples" questions mean.
MUSIC_RELATIONS = ("quotation", "adaptation")
WORKS_LISTED = 12
_ANY_ROLE = re.compile(
    r"\bcredits?\b|\bworked on\b|\bwork on\b|\bworks\b|\bfilmography\b|\bdiscography\b|참여|작품",
    re.IGNORECASE,
)
_VIDEO_WORDS = re.compile(r"\b(?:video|mv|m/v|premier\w*)\b|뮤비|뮤직비디오", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WorkKind:
    """A kind of outside work a question can ask for ("films", "what book", "그림")."""

    pattern: re.Pattern[str]
    kinds: tuple[str, ...]  # the stored work kinds it covers
    plural: str  # a catalogue message: how an answer names them ("films")


WORK_KINDS = (
    # "the Black Swan art film" is a video of the song, not a film it references.
    WorkKind(
        re.compile(r"\b(?<!art )(?<!short )(?:films?|movies?)\b|(?<!단편 )영화", re.IGNORECASE),
        ("film",),
        N_("films"),
    ),
    WorkKind(re.compile(r"\b(?:k-?)?dramas?\b|드라마", re.IGNORECASE), ("drama",), N_("dramas")),
    WorkKind(
        re.compile(r"\bbooks?\b|\bnovels?\b|\bstor(?:y|ies)\b|책|소설", re.IGNORECASE),
        ("book", "story"),
        N_("books"),
    ),
    WorkKind(
        re.compile(
            r"\bpaintings?\b|\bartworks?\b|\bsculptures?\b|\bstatues?\b|그림|명화|조각",
            re.IGNORECASE,
        ),
        ("artwork", "installation"),
        N_("artworks"),
    ),
    # The noun ("what quote opens …"), not the verb ("what does … quote").
    WorkKind(
        re.compile(r"\b(?:what|which|the)\s+(?:quotes?|quotations?)\b|명언|문구", re.IGNORECASE),
        ("quote",),
        N_("quotes"),
    ),
)


def asked_work_kind(question: str) -> WorkKind | None:
    """Return the kind of outside work a question asks for, if it names one."""
    return next((k for k in WORK_KINDS if k.pattern.search(question)), None)


def _grade(grade: str, lang: str) -> str:
    note = grade_note(grade, lang)
    return f" ({note})" if note else ""


def quote(text: str) -> str:
    """Quote a name or what a member typed as answers show it: “Love wins all”."""
    return f"“{text}”"


def q(entity: EntityRef) -> str:
    """Quote a title as answers show it."""
    return quote(entity.name)


def names_text(lines: Sequence[CreditLine], lang: str) -> str:
    """Return credited names, with "credited as" and a note when a source is weaker."""
    grades = {line.grade for line in lines}
    shared = len(grades) == 1
    parts = []
    for line in lines:
        text = line.artist.name
        if line.credited_as and normalize(line.credited_as) != normalize(line.artist.name):
            text += t(" (credited as {credited_as})", lang, credited_as=line.credited_as)
        if not shared:
            text += _grade(line.grade, lang)
        parts.append(text)
    text = ", ".join(dict.fromkeys(parts))
    if shared:
        text += _grade(lines[0].grade, lang)
    return text


def line_sources(lines: Sequence[CreditLine]) -> tuple[SourceRef, ...]:
    """Return the sources of credit lines, in order, without repeats."""
    return merge_sources(*(line.sources for line in lines))


async def subject_phrase(store: Store, entity: EntityRef, lang: str = "en") -> str:
    """Say what a subject is: "“Love wins all” (IU)", "the “Spring Day” music video"."""
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        if v is not None and v.song is not None:
            kind = video_kind_word(v.kind, lang)
            song = q(EntityRef.of(v.song))
            return t("the {song} {kind}", lang, song=song, kind=kind)
        return q(entity)
    return _performed(entity, await db.performers(store, entity.id), lang)


def _performed(entity: EntityRef, performers: Sequence[db.PerformerRow], lang: str) -> str:
    """Say a title with its performers: "“Lilac” (IU)"; in Korean "IU의 “Lilac”", so that a
    particle after it follows the title's last sound, not the performer's."""
    by = [p.artist.name for p in performers]
    if not by:
        return q(entity)
    if lang == "ko":
        return f"{', '.join(by)}의 {q(entity)}"
    return f"{q(entity)} ({', '.join(by)})"


async def subject_phrases(store: Store, entities: Sequence[EntityRef], lang: str) -> list[str]:
    """Say several subjects as ``subject_phrase`` does, their performers read at once."""
    rows = await db.performers_many(store, [e.id for e in entities if e.kind != "video"])
    return [
        await subject_phrase(store, e, lang)
        if e.kind == "video"
        else _performed(e, rows[e.id], lang)
        for e in entities
    ]


def yes_text(lang: str, text: str) -> str:
    """Return "Yes — " and a sentence, as it reads after the dash."""
    return t("Yes — {text}", lang, text=_after_dash(text))


def no_text(lang: str, text: str) -> str:
    """Return "No — " and a sentence, as it reads after the dash."""
    return t("No — {text}", lang, text=_after_dash(text))


# Words that start a sentence but not a name: lowercased after "Yes —" / "No —".
_SENTENCE_WORDS = frozenset({"No", "By", "The", "Its", "It", "There", "Nothing", "Neither"})


def _after_dash(text: str) -> str:
    """Return a sentence as it reads after "Yes —": "No source …" becomes "no source …"."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first in _SENTENCE_WORDS else text


# Words a sentence may start with that are no name: capitalised there. A name keeps its own
# styling ("aespa의 …", "aespa performs …"), whatever its place in the sentence.
_LOWER_STARTS = frozenset(
    {*(w.lower() for w in _SENTENCE_WORDS), "a", "an", "this", "that", "both", "their", "as"}
)


def cap_sentence(text: str) -> str:
    """Capitalise a sentence's first word unless it is a name ("the video" → "The video")."""
    first = text.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if first in _LOWER_STARTS else text


# ------------------------------------------------------------------------------ credits
# What "who wrote" asks for: each named as itself.
_WRITER_ROLES = ("writer", "lyricist", "composer")


async def credits_answer(store: Store, intent: Intent, entity: EntityRef, lang: str) -> Answer:
    """Answer who holds a credit role on a song, release or video."""
    view = await cards.kept_credits_view(store, entity.id)
    subject = await subject_phrase(store, entity, lang)
    if intent.name is IntentName.WRITER:
        parts: list[str] = []
        lines_all: list[CreditLine] = []
        for role in _WRITER_ROLES:
            lines = view.role(role)
            if lines:
                label = role_phrase(role, lang)
                parts.append(f"{label}: {names_text(lines, lang)}")
                lines_all.extend(lines)
        if not parts and entity.kind == "release":
            # "who wrote the songs on Love Poem": an album's writers are its songs'.
            by_song = await _track_credits(store, entity, _WRITER_ROLES, lang)
            if by_song is not None:
                return by_song
        if not parts:
            return declined(
                t(
                    "I don't have songwriting credits for {subject} in the catalog.",
                    lang,
                    subject=subject,
                ),
                intent.name,
                [entity.label],
                lang,
            )
        return found(
            f"{subject} — " + "; ".join(parts) + ".",
            line_sources(lines_all),
            intent.name,
            (entity,),
            lang,
        )
    lines = view.role(*intent.roles)
    if intent.name is IntentName.DIRECTOR:
        # Only the video's director answers "who directed": a song has no director.
        lines = tuple(
            line
            for line in lines
            if line.subject.kind in ("video", "release") or entity.kind == "video"
        )
    if lines:
        if intent.name in (IntentName.DIRECTOR, IntentName.CAST) and entity.kind != "video":
            videos = {line.subject.id: line.subject for line in lines}
            phrases = [await subject_phrase(store, v, lang) for v in videos.values()]
            subject = join_list(phrases, lang)
        roles_found = list(dict.fromkeys(line.role for line in lines))
        if intent.name is IntentName.CAST and len(roles_found) == 1:
            text = t(
                "Cast of {subject}: {names}.", lang, subject=subject, names=names_text(lines, lang)
            )
        else:
            # Each role as itself: a composer question may find writers (lyrics and music).
            video = video_kind_word("music video", lang)
            pieces = []
            for each in roles_found:
                phrase = role_phrase(each, lang)
                if subject.endswith(video):  # not "the video's video director" (Korean)
                    phrase = phrase.removeprefix(video + " ")
                sep = " " if phrase.endswith(" by") or phrase == "featuring" else ": "
                mine = [line for line in lines if line.role == each]
                pieces.append(f"{phrase}{sep}{names_text(mine, lang)}")
            text = t(
                "{subject} — {credits}.",
                lang,
                subject=cap_sentence(subject),
                credits="; ".join(pieces),
            )
        return found(text, line_sources(lines), intent.name, (entity,), lang)
    if intent.name is IntentName.FEATURED and view.groups:
        return await _no_feature(store, view, entity, subject, lang)
    return await _no_credit(store, intent, entity, subject, lang)


async def _no_feature(
    store: Store, view: cards.CreditsView, entity: EntityRef, subject: str, lang: str
) -> Answer:
    text = t("No featured artist is credited on {subject}.", lang, subject=subject)
    sources = merge_sources(
        *(line.sources for g in view.groups for line in g.lines if line.subject.kind == "song")
    )
    performers = {normalize(p.artist.name) for p in await db.performers(store, entity.id)}
    others = [
        line for line in view.role("mv cast") if normalize(line.artist.name) not in performers
    ]
    if others:
        who = names_text(others, lang)
        text += tn(
            " {who} appears in the music video as cast, not on the track.",
            " {who} appear in the music video as cast, not on the track.",
            len(others),
            lang,
            who=who,
        )
        sources = merge_sources(sources, line_sources(others))
    return found(text, sources, "featured", (entity,), lang)


async def _no_credit(
    store: Store, intent: Intent, entity: EntityRef, subject: str, lang: str
) -> Answer:
    role = intent.roles[0]
    if intent.name is IntentName.DIRECTOR:
        videos = await db.videos_of_song(store, entity.id) if entity.kind == "song" else []
        if entity.kind == "song" and not videos:
            return declined(
                t(
                    "I don't know of a music video for {subject}, so I have no director to name.",
                    lang,
                    subject=subject,
                ),
                intent.name,
                [entity.label],
                lang,
            )
        return declined(
            t(
                "The catalog has no director credit for {subject} music video; I don't know "
                "who directed it.",
                lang,
                subject=subject,
            )
            if videos
            else t(
                "The catalog has no director credit for {subject}; I don't know who directed it.",
                lang,
                subject=subject,
            ),
            intent.name,
            [entity.label],
            lang,
        )
    if entity.kind == "release":
        by_song = await _track_credits(store, entity, intent.roles, lang)
        if by_song is not None:
            return by_song
    return declined(
        t(
            "I don't have an {role} credit for {subject} in the catalog.",
            lang,
            role=role_title(role, lang),
            subject=subject,
        )
        if role[:1] in "aeiou"
        else t(
            "I don't have a {role} credit for {subject} in the catalog.",
            lang,
            role=role_title(role, lang),
            subject=subject,
        ),
        intent.name,
        [entity.label],
        lang,
    )


_TRACKS_SHOWN = 12


async def _track_credits(
    store: Store, release: EntityRef, roles: Sequence[str], lang: str
) -> Answer | None:
    """Answer a role asked of a release from its songs' credits ("who composed the songs on
    Love Poem"), when the release has none of its own; None when no song has one either."""
    pieces: list[str] = []
    sources: list[tuple[SourceRef, ...]] = []
    for track in (await db.tracks(store, release.id))[:_TRACKS_SHOWN]:
        song = EntityRef.of(track.song)
        view = await cards.kept_credits_view(store, song, include_related=False)
        lines = view.role(*roles)
        if not lines:
            continue
        found_roles = list(dict.fromkeys(line.role for line in lines))
        said = "; ".join(
            f"{role_phrase(r, lang)}: {names_text([x for x in lines if x.role == r], lang)}"
            for r in found_roles
        )
        pieces.append(f"{q(song)} — {said}")
        sources.append(line_sources(lines))
    if not pieces:
        return None
    subject = await subject_phrase(store, release, lang)
    text = t(
        "{subject} has no such credit of its own; its songs: {credits}.",
        lang,
        subject=subject,
        credits="; ".join(pieces),
    )
    return found(text, merge_sources(*sources), None, (release,), lang)


# The ties that answer "who directed / wrote <an outside work>", by the question's roles.
_MAKER_LINKS = {"mv director": ("director",), "lyricist": ("author",), "writer": ("author",)}


async def work_maker_answer(
    store: Store, roles: Sequence[str], work: EntityRef, lang: str
) -> Answer | None:
    """Answer who made an outside work the catalog holds ("who directed Concrete Utopia"):
    its documented ties in the asked role, else the creator its own sources name; None
    when the role is not one an outside work has, or nothing is stored."""
    wanted = {r for role in roles for r in _MAKER_LINKS.get(role, ())}
    if not wanted:
        return None
    row = await db.work(store, work.id)
    if row is None:
        return None
    links = [
        link
        for link in await db.artist_works(store, work.id)
        if link.work.id == work.id and link.role in wanted
    ]
    if links:
        names = join_list(list(dict.fromkeys(link.artist.name for link in links)), lang)
        sources = merge_sources([SourceRef.of(link.source) for link in links])
    elif row.creator:
        names = row.creator
        sources = tuple(SourceRef.of(s) for s in await db.entity_sources(store, work.id))
    else:
        return None
    if not sources:
        return None
    kind = work_kind_word(row.kind, lang)
    detail = f"{kind}, {row.year}" if row.year else kind
    return found(
        t("{work} ({detail}) is by {names}.", lang, work=q(work), detail=detail, names=names),
        sources,
        None,
        (work,),
        lang,
    )


# How an answer lists an artist's tie to an outside work, by the link's role.
_LINKED = {
    "director": N_("directed {work}{detail}"),
    "actor": N_("acted in {work}{detail}"),
    "author": N_("wrote {work}{detail}"),
}


def linked_work_text(link: cards.WorkLink, work: db.WorkRow | None, lang: str) -> str:
    """Word an artist's tie to an outside work ("directed “Concrete Utopia” (film, 2023)")."""
    w = work
    kind = work_kind_word(w.kind, lang) if w else ""
    detail = f" ({kind}, {w.year})" if w and w.year else f" ({kind})" if w else ""
    said = _LINKED.get(link.role)
    return (
        t(said, lang, work=q(link.work), detail=detail)
        if said
        else f"{link.role} {q(link.work)}{detail}"
    )


async def works_answer(
    store: Store, intent: Intent, artist: EntityRef, question: str, lang: str
) -> Answer:
    """Answer what a person is credited with (in the intent's roles, or any role)."""
    roles = None if _ANY_ROLE.search(question) else intent.roles
    view = await cards.works_by(store, artist.id, roles)
    link_roles = {"director": ("director",), "cast": ("actor",)}.get(intent.name, ())
    # Asked for every credit ("Um Tae-hwa's works"), the ties to outside works count too.
    links = [link for link in view.links if roles is None or link.role in link_roles]
    if not view.groups and not links:
        wanted = join_list([role_title(r, lang) for r in intent.roles], lang, "or")
        return declined(
            t("I have no {roles} credits for {artist}.", lang, roles=wanted, artist=artist.label),
            intent.name,
            [artist.label],
            lang,
        )
    parts: list[str] = []
    sources: list[SourceRef] = []
    for group in view.groups:
        # A prolific writer has hundreds of credits: name the first few, point to /works.
        listed = group.lines[:WORKS_LISTED]
        subjects = await subject_phrases(store, [line.subject for line in listed], lang)
        sources.extend(s for line in listed for s in line.sources)
        more = len(group.lines) - WORKS_LISTED
        if more > 0:
            subjects.append(
                tn(
                    "and {n} more (`/works` lists them all)",
                    "and {n} more (`/works` lists them all)",
                    more,
                    lang,
                )
            )
        verb = role_verb(group.role, lang)
        parts.append(t("{verb} {subjects}", lang, verb=verb, subjects=", ".join(subjects)))
    for link in links:
        parts.append(linked_work_text(link, await db.work(store, link.work.id), lang))
        sources.append(link.source)
    return found(
        f"{artist.name} — " + "; ".join(parts) + ".",
        merge_sources(sources),
        intent.name,
        (artist,),
        lang,
    )


# ------------------------------------------------------------------------------ dates, albums
async def release_date(
    store: Store, entity: EntityRef
) -> tuple[str, EntityRef, tuple[SourceRef, ...], str] | None:
    """Return (date, release, sources, release type) of a song's or release's first release."""
    if entity.kind == "release":
        rel = await db.release(store, entity.id)
        if rel and rel.date:
            return (
                rel.date,
                entity,
                await cards.attribute_source(store, "release", entity.id, "date"),
                rel.type,
            )
        return None
    song_id = entity.id if entity.kind == "song" else None
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        song_id = v.song.id if v and v.song else None
    if song_id is None:
        return None
    card = await cards.song_card(store, song_id)
    dated = sorted((r for r in card.releases if r.date), key=lambda r: (r.date or "", r.release.id))
    if not dated:
        return None
    first = dated[0]
    return (
        first.date or "",
        first.release,
        await cards.attribute_source(store, "release", first.release.id, "date"),
        first.type,
    )


async def date_answer(
    store: Store, intent: Intent, entity: EntityRef, question: str, lang: str
) -> Answer:
    """Answer when a song, release or video came out."""
    wants_video = _VIDEO_WORDS.search(question)
    # When the video was asked and its premiere is not stored, the song's date below is said
    # as the song's, after saying so: never as if it answered the video question.
    no_premiere = ""
    if entity.kind == "video" or (entity.kind == "song" and wants_video):
        videos = (
            [await db.video(store, entity.id)]
            if entity.kind == "video"
            else await db.videos_of_song(store, entity.id)
        )
        asked = EntityRef.of(videos[0].entity) if videos and videos[0] else entity
        no_premiere = t(
            "I have no premiere date for {subject}.",
            lang,
            subject=await subject_phrase(store, asked, lang),
        )
        for v in videos:
            if v and v.premiere:
                ref = EntityRef.of(v.entity)
                return found(
                    t(
                        "{subject} premiered on {date} (KST).",
                        lang,
                        subject=cap_sentence(await subject_phrase(store, ref, lang)),
                        date=format_date(v.premiere, lang),
                    ),
                    await cards.attribute_source(store, "video", v.entity.id, "premiere"),
                    intent.name,
                    (ref,),
                    lang,
                )
    dated = await release_date(store, entity)
    if dated is not None:
        date, release, sources, rtype = dated
        subject = await subject_phrase(store, entity if entity.kind != "video" else release, lang)
        # A date still ahead is told as future: it "comes out", it was not released.
        ahead = is_future(date, None, datetime.now(UTC))
        if entity.kind == "release" and ahead:
            text = t(
                "{subject} comes out on {date} (KST).",
                lang,
                subject=subject,
                date=format_date(date, lang),
            )
        elif entity.kind == "release":
            text = t(
                "{subject} was released on {date} (KST).",
                lang,
                subject=subject,
                date=format_date(date, lang),
            )
        else:
            what = release_type_word(rtype, lang)
            text = (
                t(
                    "{subject} comes out on {date} (KST), on the {what} {release}.",
                    lang,
                    subject=subject,
                    date=format_date(date, lang),
                    what=what,
                    release=q(release),
                )
                if ahead
                else t(
                    "{subject} was released on {date} (KST), on the {what} {release}.",
                    lang,
                    subject=subject,
                    date=format_date(date, lang),
                    what=what,
                    release=q(release),
                )
            )
        if no_premiere:
            text = no_premiere + "\n" + text
        return found(text, sources, intent.name, (entity,), lang)
    if entity.kind == "song":
        for v in await db.videos_of_song(store, entity.id):
            if v.premiere:
                ref = EntityRef.of(v.entity)
                return found(
                    t(
                        "I have no release date for the song itself, but "
                        "{subject_phrase} premiered on {premiere} (KST).",
                        lang,
                        subject_phrase=await subject_phrase(store, ref, lang),
                        premiere=format_date(v.premiere, lang),
                    ),
                    await cards.attribute_source(store, "video", v.entity.id, "premiere"),
                    intent.name,
                    (ref,),
                    lang,
                )
    return declined(
        t("I don't have a release date for {label}.", lang, label=entity.label),
        intent.name,
        [entity.label],
        lang,
    )


async def album_answer(store: Store, intent: Intent, entity: EntityRef, lang: str) -> Answer:
    """Answer what a release contains, or which release a song is on."""
    if entity.kind == "release":
        release = await cards.release_card(store, entity.id)
        if release.tracks:
            tracks = ", ".join(q(t) for t in release.tracks)
            return found(
                t(
                    "{entity} ({type}) contains: {tracks}.",
                    lang,
                    entity=q(entity),
                    type=release_type_word(release.type, lang),
                    tracks=tracks,
                ),
                release.sources,
                intent.name,
                (entity,),
                lang,
            )
        return declined(
            t("I don't have the tracklist of {label}.", lang, label=entity.label),
            intent.name,
            (),
            lang,
        )
    song_id = entity.id
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        if v is None or v.song is None:
            return declined(
                t("I don't know which song {label} is for.", lang, label=entity.label),
                intent.name,
                (),
                lang,
            )
        song_id = v.song.id
    card = await cards.song_card(store, song_id)
    parts: list[str] = []
    sources: list[SourceRef] = []
    rels = [
        (item, rel)
        for item in card.releases
        if (rel := await db.release(store, item.release.id)) is not None
    ]
    # An album a single belongs to is named once, in the single's clause ("Celebrity": a
    # single, and on Lilac), not again as a release of its own.
    parents = {r.parent.id for _, r in rels if r.type == "single" and r.parent is not None}
    for item, rel in rels:
        if rel.type != "single" and rel.entity.id in parents:
            continue
        sources.extend(await cards._sources(store, rel.entity.id))
        if rel.type == "single" and rel.parent is not None:
            parent = await db.release(store, rel.parent.id)
            kind = release_type_word(parent.type, lang) if parent else ""
            when = f", {format_date(parent.date, lang)}" if parent and parent.date else ""
            parts.append(
                t(
                    "it was released as a single and belongs to {parent} ({kind}{when})",
                    lang,
                    parent=q(EntityRef.of(rel.parent)),
                    kind=kind,
                    when=when,
                )
            )
            sources.extend(await cards._sources(store, rel.parent.id))
            continue
        if rel.type == "single":
            continue
        when = f", {format_date(rel.date, lang)}" if rel.date else ""
        text = t(
            "it is on {release} ({type}{when})",
            lang,
            release=q(item.release),
            type=release_type_word(rel.type, lang),
            when=when,
        )
        if rel.parent is not None:
            text += t(
                ", a {type} of {parent}",
                lang,
                type=release_type_word(rel.type, lang),
                parent=q(EntityRef.of(rel.parent)),
            )
        parts.append(text)
    if not parts:
        return declined(
            t("I don't know which album {song} is on.", lang, song=q(card.song)),
            intent.name,
            [card.song.label],
            lang,
        )
    subject = await subject_phrase(store, card.song, lang)
    return found(
        f"{subject}: " + "; ".join(parts) + ".",
        merge_sources(sources),
        intent.name,
        (card.song,),
        lang,
    )


# ------------------------------------------------------------------------------ references
def reference_text(line: cards.ReferenceLine, outgoing: bool, lang: str) -> str:
    relation = relation_phrase(line.relation, lang)
    if outgoing:
        label = work_label(line.target.label, lang)
        text = t("{relation} {label}", lang, relation=relation, label=label)
    else:
        label = work_label(line.source_entity.label, lang)
        text = f"{label} ({line.relation if lang == 'en' else relation})"
    text += f" — {status_phrase(line.status, lang)}"
    if line.review is not None:
        review = line.review
        text += (
            t(
                " (review “{title}” by {author}, {outlet})",
                lang,
                title=review.title,
                author=review.author,
                outlet=review.outlet,
            )
            if review.author
            else t(" (review “{title}”, {outlet})", lang, title=review.title, outlet=review.outlet)
        )
    if line.note:
        text += f": {line.note}"
    return text


async def references_answer(
    store: Store, intent: Intent, entity: EntityRef, lang: str, question: str = ""
) -> Answer:
    """Answer what something references, or what references it; "samples" asks for music,
    "what book does … quote" for the references to books only."""
    view = await cards.references_view(store, entity.id)
    outgoing = (
        intent.name in (IntentName.REFERENCES_OUT, IntentName.SAMPLES) and entity.kind != "work"
    )
    lines = view.outgoing if outgoing else view.incoming
    if intent.name is IntentName.SAMPLES:
        lines = tuple(line for line in lines if line.relation in MUSIC_RELATIONS)
    subject = await subject_phrase(store, entity, lang)
    named = named_reference(question, entity) if outgoing and lines else None
    if named is not None:
        # A name of the subject itself ("the bst mv") picks no reference.
        own = {normalize(n.name) for n in await db.names_of(store, entity.id)}
        kept = [w for w in named.split() if normalize(w) not in own]
        named = " ".join(kept) or None
    if named is not None:
        picked = tuple(line for line in lines if _mentions(line, named))
        if not picked:
            # "Which Titanic scene does the What Is Love MV recreate?": say so, then what is held;
            # asked yes or no ("does the OMG mv reference titanic"), a "No" first.
            head = t(
                "I have no reference to {name} stored for {subject}; it references:",
                lang,
                name=quote(named),
                subject=subject,
            )
            if asks_about_reference(question):
                head = t("No — {text}", lang, text=head)
            return _reference_list(head, lines, True, intent, entity, lang)
        lines = picked
    kind = asked_work_kind(question) if outgoing else None
    if kind is not None and lines:
        of_kind = tuple(
            [line for line in lines if await _work_kind(store, line.target) in kind.kinds]
        )
        if not of_kind:
            return declined(
                t(
                    "None of the references stored for {subject} is one of the {kinds} you ask "
                    "about; it references {targets}.",
                    lang,
                    subject=subject,
                    kinds=t(kind.plural, lang),
                    targets=join_list(list(dict.fromkeys(x.target.label for x in lines)), lang),
                ),
                intent.name,
                [entity.label],
                lang,
            )
        lines = of_kind
    if not lines:
        if intent.name is IntentName.SAMPLES:
            text = t(
                "I have no samples or interpolations stored for {subject}.", lang, subject=subject
            )
        elif outgoing:
            text = t(
                "I have no references stored for {subject}; MusicBrainz and "
                "Wikidata do not record artistic references, only people can "
                "(`/suggest`).",
                lang,
                subject=subject,
            )
        else:
            text = t(
                "I don't know of anything in the catalog that references {subject}.",
                lang,
                subject=subject,
            )
        return declined(text, intent.name, [entity.label], lang)
    if outgoing:
        head = t("{subject} references:", lang, subject=subject)
    else:
        head = t("{subject} is referenced by:", lang, subject=subject)
    if named is not None and asks_about_reference(question):
        head = yes_text(lang, head)  # "does nxde sample carmen": the yes first
    return _reference_list(head, lines, outgoing, intent, entity, lang)


def _reference_list(
    head: str,
    lines: Sequence[cards.ReferenceLine],
    outgoing: bool,
    intent: Intent,
    entity: EntityRef,
    lang: str,
) -> Answer:
    """Return a heading and one bullet per reference, with every reference's sources."""
    body = "\n".join(f"• {reference_text(line, outgoing, lang)}" for line in lines)
    return found(
        f"{head}\n{body}",
        merge_sources(*(line.sources for line in lines)),
        intent.name,
        (entity,),
        lang,
    )


# "which Titanic scene", "the Boltanski thing", "what Venus statue": a word naming the
# reference asked about, before a noun for a part of a video or an outside work.
_NAMED_REFERENCE = re.compile(
    r"\b(?:which|what|whats|what's|the)\s+(?P<name>[\w'’.-]+(?:\s+[\w'’.-]+){0,2}?)\s+"
    r"(?:scenes?|things?|bits?|parts?|shots?|films?|movies?|paintings?|books?|novels?|statues?|"
    r"sculptures?|quotes?|references?|homages?)\b",
    re.IGNORECASE,
)
# Words that describe a reference rather than name one ("which famous scene").
_NOT_A_NAME = words_of(
    """famous iconic classic old new other main first last big little same whole art short
    music video mv m/v song movie film painting book scene quote one ones kind sort type
    exact specific real best trailer teaser comeback clip visualizer official"""
)


# "does the omg mv reference titanic": a yes/no naming the reference it asks about.
_ASKED_REFERENCE = re.compile(
    r"^(?:does|did|do|is|was)\s+.+?\s+(?:reference|references|referencing|sample|samples|"
    r"sampling|quote|quotes|quoting|recreate|recreates|allude\s+to|nod\s+to|homage\s+to)\s+"
    r"(?:the\s+)?(?P<name>[^?!.]+?)\s*[?!.]*$",
    re.IGNORECASE,
)


def asks_about_reference(question: str) -> bool:
    """Tell whether a question asks yes or no about one reference ("does X reference Y")."""
    return _ASKED_REFERENCE.match(" ".join(question.split())) is not None


def named_reference(question: str, entity: EntityRef) -> str | None:
    """Return the name a reference question picks one reference by ("titanic"), or None."""
    m = _ASKED_REFERENCE.match(" ".join(question.split())) or _NAMED_REFERENCE.search(question)
    if m is None:
        return None
    label = normalize(entity.label)
    # Words of the subject's own label ("the newjeans omg mv reference") name the subject.
    words = [
        w
        for w in m.group("name").split()
        if w.lower() not in FILLERS
        and w.lower().strip("'’") not in _NOT_A_NAME
        and normalize(w) not in label
    ]
    name = " ".join(words)
    norm = normalize(name)
    if not norm or norm in label:
        return None
    return name


def _mentions(line: cards.ReferenceLine, name: str) -> bool:
    """Tell whether a reference's target or its note names ``name``."""
    norm = normalize(name)
    return norm in normalize(line.target.label) or norm in normalize(line.note or "")


async def _work_kind(store: Store, target: EntityRef) -> str:
    """Return the stored kind of an outside work ("film", "book"), or the entity kind."""
    if target.kind != "work":
        return target.kind
    row = await db.work(store, target.id)
    return row.kind if row is not None else target.kind


# ------------------------------------------------------------------------------ the rest
async def reviews_answer(store: Store, intent: Intent, entity: EntityRef, lang: str) -> Answer:
    """Answer which reviews discuss something."""
    reviews = await cards.reviews_about(store, entity.id)
    subject = await subject_phrase(store, entity, lang) if entity.kind != "artist" else entity.name
    if not reviews:
        return declined(
            t("I don't have any reviews that discuss {subject}.", lang, subject=subject),
            intent.name,
            [entity.label],
            lang,
        )
    lines = []
    for r in reviews:
        by = f" by {r.author}" if r.author else ""
        when = f", {r.published}" if r.published else ""
        lines.append(f"• “{r.title}”{by} ({r.outlet}{when}) {r.url}")
    head = t("Reviews discussing {subject}:", lang, subject=subject)
    return found(
        head + "\n" + "\n".join(lines),
        tuple(dict.fromkeys(r.source for r in reviews)),
        intent.name,
        (entity,),
        lang,
    )


async def stored_label(store: Store, entity: EntityRef) -> db.ReleaseRow | None:
    """Return the first release of a song (or the release itself) that has a label stored."""
    ids = [entity.id]
    if entity.kind == "song":
        ids = [x.release.id for x in await db.releases_with_song(store, entity.id)]
    for release_id in ids:
        rel = await db.release(store, release_id)
        if rel is not None and rel.label:
            return rel
    return None


async def release_label_answer(
    store: Store, intent: Intent, entity: EntityRef, lang: str
) -> Answer:
    """Answer which label put out a release (or a song's release)."""
    rel = await stored_label(store, entity)
    if rel is not None and rel.label:
        return found(
            t(
                "{entity} was released on the {label} label.",
                lang,
                entity=q(EntityRef.of(rel.entity)),
                label=rel.label,
            ),
            await cards.attribute_source(store, "release", rel.entity.id, "label"),
            intent.name,
            (entity,),
            lang,
        )
    return declined(
        t("I don't have a label for {label}.", lang, label=entity.label),
        intent.name,
        [entity.label],
        lang,
    )


async def length_answer(
    store: Store, intent: Intent, entity: EntityRef, question: str, lang: str
) -> Answer:
    """Answer how long a song or video runs."""
    wants_video = entity.kind == "video" or _VIDEO_WORDS.search(question)
    if entity.kind == "song" and not wants_video:
        s = await db.song(store, entity.id)
        if s and s.length_s:
            subject = await subject_phrase(store, entity, lang)
            return found(
                t(
                    "{subject} runs {length}.",
                    lang,
                    subject=subject,
                    length=format_duration(s.length_s, lang),
                ),
                await cards._sources(store, entity.id),
                intent.name,
                (entity,),
                lang,
            )
    videos = (
        [await db.video(store, entity.id)]
        if entity.kind == "video"
        else await db.videos_of_song(store, entity.id)
    )
    for v in videos:
        if v and v.length_s:
            ref = EntityRef.of(v.entity)
            subject = await subject_phrase(store, ref, lang)
            return found(
                t(
                    "{subject} runs {length}.",
                    lang,
                    subject=cap_sentence(subject),
                    length=format_duration(v.length_s, lang),
                ),
                await cards._sources(store, v.entity.id),
                intent.name,
                (ref,),
                lang,
            )
    return declined(
        t("I don't have a length for {label}.", lang, label=entity.label),
        intent.name,
        [entity.label],
        lang,
    )
