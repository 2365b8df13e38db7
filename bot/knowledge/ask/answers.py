"""Answers to one-hop questions about one entity, in English or Korean, each fact sourced.

Each function takes the entity the question is about and the language to answer in, reads
stored facts through ``cards`` and the store, and returns an :class:`Answer`: facts with
their sources, or a decline that says what is missing and offers what is known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.knowledge import cards
from bot.knowledge.ask.intents import Intent, IntentName
from bot.knowledge.ask.model import Answer, declined, found, merge_sources
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
    say,
    status_phrase,
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


def _grade(grade: str, lang: str) -> str:
    note = grade_note(grade, lang)
    return f" ({note})" if note else ""


def q(entity: EntityRef) -> str:
    """Quote a title as answers show it."""
    return f"“{entity.name}”"


def names_text(lines: Sequence[CreditLine], lang: str) -> str:
    """Return credited names, with "credited as" and a note when a source is weaker."""
    grades = {line.grade for line in lines}
    shared = len(grades) == 1
    parts = []
    for line in lines:
        text = line.artist.name
        if line.credited_as and normalize(line.credited_as) != normalize(line.artist.name):
            text += say(
                lang, f" (credited as {line.credited_as})", f" (크레딧: {line.credited_as})"
            )
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
            kind = say(lang, v.kind, "뮤직비디오" if v.kind == "music video" else v.kind)
            song = q(EntityRef.of(v.song))
            return say(lang, f"the {song} {kind}", f"{song} {kind}")
        return q(entity)
    by = [p.artist.name for p in await db.performers(store, entity.id)]
    return f"{q(entity)} ({', '.join(by)})" if by else q(entity)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# ------------------------------------------------------------------------------ credits
async def credits_answer(store: Store, intent: Intent, entity: EntityRef, lang: str) -> Answer:
    """Answer who holds a credit role on a song, release or video."""
    view = await cards.credits_view(store, entity.id)
    subject = await subject_phrase(store, entity, lang)
    if intent.name is IntentName.WRITER:
        parts: list[str] = []
        lines_all: list[CreditLine] = []
        for role in ("writer", "lyricist", "composer"):
            lines = view.role(role)
            if lines:
                label = say(
                    lang,
                    {"writer": "written by", "lyricist": "lyrics"}.get(role, "music"),
                    role_title(role, lang),
                )
                parts.append(f"{label}: {names_text(lines, lang)}")
                lines_all.extend(lines)
        if not parts:
            return declined(
                say(
                    lang,
                    f"I don't have songwriting credits for {subject} in the catalog.",
                    f"카탈로그에 {subject}의 작사·작곡 크레딧이 없어요.",
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
        role = roles_found[0] if len(roles_found) == 1 else intent.roles[0]
        if lang == "ko":
            title = role_title(role, lang)
            if subject.endswith("뮤직비디오") and title.startswith("뮤직비디오 "):
                title = title.removeprefix("뮤직비디오 ")
            text = f"{subject} {title}: {names_text(lines, lang)}."
        elif intent.name is IntentName.CAST:
            text = f"Cast of {subject}: {names_text(lines, lang)}."
        else:
            # Each role as itself: a composer question may find writers (lyrics and music).
            pieces = []
            for each in dict.fromkeys(line.role for line in lines):
                phrase = role_phrase(each, lang)
                sep = " " if phrase.endswith(" by") or phrase == "featuring" else ": "
                mine = [line for line in lines if line.role == each]
                pieces.append(f"{phrase}{sep}{names_text(mine, lang)}")
            text = f"{_cap(subject)} — {'; '.join(pieces)}."
        if lang == "ko" and len({line.role for line in lines}) > 1:
            text = (
                f"{subject} "
                + "; ".join(
                    f"{role_title(r, lang)}: {names_text([x for x in lines if x.role == r], lang)}"
                    for r in dict.fromkeys(line.role for line in lines)
                )
                + "."
            )
        return found(text, line_sources(lines), intent.name, (entity,), lang)
    if intent.name is IntentName.FEATURED and view.groups:
        return await _no_feature(store, view, entity, subject, lang)
    return await _no_credit(store, intent, entity, subject, lang)


async def _no_feature(
    store: Store, view: cards.CreditsView, entity: EntityRef, subject: str, lang: str
) -> Answer:
    text = say(
        lang,
        f"No featured artist is credited on {subject}.",
        f"{subject}에는 피처링 아티스트 크레딧이 없어요.",
    )
    sources = merge_sources(
        *(line.sources for g in view.groups for line in g.lines if line.subject.kind == "song")
    )
    performers = {normalize(p.artist.name) for p in await db.performers(store, entity.id)}
    others = [
        line for line in view.role("mv cast") if normalize(line.artist.name) not in performers
    ]
    if others:
        who = names_text(others, lang)
        text += say(
            lang,
            f" {who} appear{'s' if len(others) == 1 else ''} in the music video as cast, "
            "not on the track.",
            f" {who}은(는) 곡이 아니라 뮤직비디오에 출연했어요.",
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
                say(
                    lang,
                    f"I don't know of a music video for {subject}, so I have no director to name.",
                    f"{subject}의 뮤직비디오를 몰라서 감독도 알 수 없어요.",
                ),
                intent.name,
                [entity.label],
                lang,
            )
        return declined(
            say(
                lang,
                f"The catalog has no director credit for {subject}"
                f"{' music video' if videos else ''}; I don't know who directed it.",
                f"카탈로그에 {subject} 뮤직비디오 감독 크레딧이 없어서 누가 감독했는지 몰라요.",
            ),
            intent.name,
            [entity.label],
            lang,
        )
    return declined(
        say(
            lang,
            f"I don't have {'an' if role[:1] in 'aeiou' else 'a'} {role} credit for {subject} in "
            "the catalog.",
            f"카탈로그에 {subject}의 {role_title(role, lang)} 크레딧이 없어요.",
        ),
        intent.name,
        [entity.label],
        lang,
    )


async def works_answer(
    store: Store, intent: Intent, artist: EntityRef, question: str, lang: str
) -> Answer:
    """Answer what a person is credited with (in the intent's roles, or any role)."""
    roles = None if _ANY_ROLE.search(question) else intent.roles
    view = await cards.works_by(store, artist.id, roles)
    link_roles = {"director": ("director",), "cast": ("actor",)}.get(intent.name, ())
    links = [link for link in view.links if link.role in link_roles]
    if not view.groups and not links:
        wanted = join_list([role_title(r, lang) for r in intent.roles], lang, "or")
        return declined(
            say(
                lang,
                f"I have no {' or '.join(intent.roles)} credits for {artist.label}.",
                f"{artist.label}의 {wanted} 크레딧이 없어요.",
            ),
            intent.name,
            [artist.label],
            lang,
        )
    parts: list[str] = []
    sources: list[SourceRef] = []
    for group in view.groups:
        subjects = []
        # A prolific writer has hundreds of credits: name the first few, point to /works.
        for line in group.lines[:WORKS_LISTED]:
            subjects.append(await subject_phrase(store, line.subject, lang))
            sources.extend(line.sources)
        more = len(group.lines) - WORKS_LISTED
        if more > 0:
            subjects.append(
                say(
                    lang,
                    f"and {more} more (`/works` lists them all)",
                    f"외 {more}곡 (`/works`에서 전체 보기)",
                )
            )
        verb = role_verb(group.role, lang)
        parts.append(say(lang, f"{verb} {', '.join(subjects)}", f"{verb}: {', '.join(subjects)}"))
    for link in links:
        w = await db.work(store, link.work.id)
        en_verb, ko_verb = {
            "director": ("directed", "감독"),
            "actor": ("acted in", "출연"),
            "author": ("wrote", "저자"),
        }.get(link.role, (link.role, link.role))
        detail = f" ({w.kind}, {w.year})" if w and w.year else f" ({w.kind})" if w else ""
        parts.append(
            say(lang, f"{en_verb} {q(link.work)}{detail}", f"{ko_verb}: {q(link.work)}{detail}")
        )
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
    if entity.kind == "video" or (entity.kind == "song" and wants_video):
        videos = (
            [await db.video(store, entity.id)]
            if entity.kind == "video"
            else await db.videos_of_song(store, entity.id)
        )
        for v in videos:
            if v and v.premiere:
                ref = EntityRef.of(v.entity)
                return found(
                    say(
                        lang,
                        f"{_cap(await subject_phrase(store, ref, lang))} premiered on "
                        f"{v.premiere} (KST).",
                        f"{await subject_phrase(store, ref, lang)}은(는) "
                        f"{format_date(v.premiere, lang)}(한국 시간)에 공개됐어요.",
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
            text = say(
                lang,
                f"{subject} comes out on {date} (KST).",
                f"{subject}는 {format_date(date, lang)}(한국 시간)에 발매될 예정이에요.",
            )
        elif entity.kind == "release":
            text = say(
                lang,
                f"{subject} was released on {date} (KST).",
                f"{subject}은(는) {format_date(date, lang)}(한국 시간)에 발매됐어요.",
            )
        else:
            what = say(
                lang,
                "the single" if rtype == "single" else f"the {rtype}",
                release_type_word(rtype, lang),
            )
            text = (
                say(
                    lang,
                    f"{subject} comes out on {date} (KST), on {what} {q(release)}.",
                    f"{subject}은(는) {format_date(date, lang)}(한국 시간)에 "
                    f"{what} {q(release)}(으)로 발매될 예정이에요.",
                )
                if ahead
                else say(
                    lang,
                    f"{subject} was released on {date} (KST), on {what} {q(release)}.",
                    f"{subject}은(는) {format_date(date, lang)}(한국 시간)에 "
                    f"{what} {q(release)}(으)로 발매됐어요.",
                )
            )
        return found(text, sources, intent.name, (entity,), lang)
    if entity.kind == "song":
        for v in await db.videos_of_song(store, entity.id):
            if v.premiere:
                ref = EntityRef.of(v.entity)
                return found(
                    say(
                        lang,
                        "I have no release date for the song itself, but "
                        f"{await subject_phrase(store, ref, lang)} premiered on "
                        f"{v.premiere} (KST).",
                        "곡 자체의 발매일은 모르지만, "
                        f"{await subject_phrase(store, ref, lang)}은(는) "
                        f"{format_date(v.premiere, lang)}(한국 시간)에 공개됐어요.",
                    ),
                    await cards.attribute_source(store, "video", v.entity.id, "premiere"),
                    intent.name,
                    (ref,),
                    lang,
                )
    return declined(
        say(
            lang,
            f"I don't have a release date for {entity.label}.",
            f"{entity.label}의 발매일 정보가 없어요.",
        ),
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
                say(
                    lang,
                    f"{q(entity)} ({release_type_word(release.type, lang)}) contains: {tracks}.",
                    f"{q(entity)} ({release_type_word(release.type, lang)}) 수록곡: {tracks}.",
                ),
                release.sources,
                intent.name,
                (entity,),
                lang,
            )
        return declined(
            say(
                lang,
                f"I don't have the tracklist of {entity.label}.",
                f"{entity.label}의 수록곡 정보가 없어요.",
            ),
            intent.name,
            (),
            lang,
        )
    song_id = entity.id
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        if v is None or v.song is None:
            return declined(
                say(
                    lang,
                    f"I don't know which song {entity.label} is for.",
                    f"{entity.label}이(가) 어떤 곡의 영상인지 몰라요.",
                ),
                intent.name,
                (),
                lang,
            )
        song_id = v.song.id
    card = await cards.song_card(store, song_id)
    parts: list[str] = []
    sources: list[SourceRef] = []
    for item in card.releases:
        rel = await db.release(store, item.release.id)
        if rel is None:
            continue
        sources.extend(await cards._sources(store, rel.entity.id))
        if rel.type == "single" and rel.parent is not None:
            parent = await db.release(store, rel.parent.id)
            kind = release_type_word(parent.type, lang) if parent else ""
            when = f", {format_date(parent.date, lang)}" if parent and parent.date else ""
            parts.append(
                say(
                    lang,
                    f"it was released as a single and belongs to {q(EntityRef.of(rel.parent))} "
                    f"({kind}{when})",
                    f"싱글로 발매됐고 {q(EntityRef.of(rel.parent))} ({kind}{when})에 수록됐어요",
                )
            )
            sources.extend(await cards._sources(store, rel.parent.id))
            continue
        if rel.type == "single":
            continue
        when = f", {format_date(rel.date, lang)}" if rel.date else ""
        text = say(
            lang,
            f"it is on {q(item.release)} ({release_type_word(rel.type, lang)}{when})",
            f"{q(item.release)} ({release_type_word(rel.type, lang)}{when})에 수록됐어요",
        )
        if rel.parent is not None:
            text += say(
                lang,
                f", a {rel.type} of {q(EntityRef.of(rel.parent))}",
                f" ({q(EntityRef.of(rel.parent))}의 {release_type_word(rel.type, lang)})",
            )
        parts.append(text)
    if not parts:
        return declined(
            say(
                lang,
                f"I don't know which album {q(card.song)} is on.",
                f"{q(card.song)}이(가) 어느 앨범에 있는지 몰라요.",
            ),
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
def _reference_text(line: cards.ReferenceLine, outgoing: bool, lang: str) -> str:
    relation = relation_phrase(line.relation, lang)
    if outgoing:
        text = say(lang, f"{relation} {line.target.label}", f"{line.target.label} ({relation})")
    else:
        text = f"{line.source_entity.label} ({line.relation if lang == 'en' else relation})"
    text += f" — {status_phrase(line.status, lang)}"
    if line.review is not None:
        by = f" by {line.review.author}" if line.review.author else ""
        text += f" (review “{line.review.title}”{by}, {line.review.outlet})"
    if line.note:
        text += f": {line.note}"
    return text


async def references_answer(store: Store, intent: Intent, entity: EntityRef, lang: str) -> Answer:
    """Answer what something references, or what references it; "samples" asks for music."""
    view = await cards.references_view(store, entity.id)
    outgoing = (
        intent.name in (IntentName.REFERENCES_OUT, IntentName.SAMPLES) and entity.kind != "work"
    )
    lines = view.outgoing if outgoing else view.incoming
    if intent.name is IntentName.SAMPLES:
        lines = tuple(line for line in lines if line.relation in MUSIC_RELATIONS)
    subject = await subject_phrase(store, entity, lang)
    if not lines:
        if intent.name is IntentName.SAMPLES:
            text = say(
                lang,
                f"I have no samples or interpolations stored for {subject}.",
                f"{subject}의 샘플링이나 인용 정보가 없어요.",
            )
        elif outgoing:
            text = say(
                lang,
                f"I have no references stored for {subject}; MusicBrainz and Wikidata do not "
                "record artistic references, only people can (`/suggest`).",
                f"{subject}의 레퍼런스 정보가 없어요. MusicBrainz와 Wikidata는 작품의 레퍼런스를 "
                "기록하지 않아요. 아는 것이 있다면 `/suggest`로 알려 주세요.",
            )
        else:
            text = say(
                lang,
                f"I don't know of anything in the catalog that references {subject}.",
                f"카탈로그에 {subject}을(를) 레퍼런스한 작품이 없어요.",
            )
        return declined(text, intent.name, [entity.label], lang)
    if outgoing:
        head = say(lang, f"{subject} references:", f"{subject}의 레퍼런스:")
    else:
        head = say(lang, f"{subject} is referenced by:", f"{subject}을(를) 레퍼런스한 작품:")
    body = "\n".join(f"• {_reference_text(line, outgoing, lang)}" for line in lines)
    return found(
        f"{head}\n{body}",
        merge_sources(*(line.sources for line in lines)),
        intent.name,
        (entity,),
        lang,
    )


# ------------------------------------------------------------------------------ the rest
async def reviews_answer(store: Store, intent: Intent, entity: EntityRef, lang: str) -> Answer:
    """Answer which reviews discuss something."""
    reviews = await cards.reviews_about(store, entity.id)
    subject = await subject_phrase(store, entity, lang) if entity.kind != "artist" else entity.name
    if not reviews:
        return declined(
            say(
                lang,
                f"I don't have any reviews that discuss {subject}.",
                f"{subject}을(를) 다룬 리뷰가 없어요.",
            ),
            intent.name,
            [entity.label],
            lang,
        )
    lines = []
    for r in reviews:
        by = f" by {r.author}" if r.author else ""
        when = f", {r.published}" if r.published else ""
        lines.append(f"• “{r.title}”{by} ({r.outlet}{when}) {r.url}")
    head = say(lang, f"Reviews discussing {subject}:", f"{subject}을(를) 다룬 리뷰:")
    return found(
        head + "\n" + "\n".join(lines),
        tuple(dict.fromkeys(r.source for r in reviews)),
        intent.name,
        (entity,),
        lang,
    )


async def release_label_answer(
    store: Store, intent: Intent, entity: EntityRef, lang: str
) -> Answer:
    """Answer which label put out a release (or a song's release)."""
    ids = [entity.id]
    if entity.kind == "song":
        ids = [t.release.id for t in await db.releases_with_song(store, entity.id)]
    for release_id in ids:
        rel = await db.release(store, release_id)
        if rel is not None and rel.label:
            return found(
                say(
                    lang,
                    f"{q(EntityRef.of(rel.entity))} was released on the {rel.label} label.",
                    f"{q(EntityRef.of(rel.entity))}의 레이블은 {rel.label}(이)에요.",
                ),
                await cards.attribute_source(store, "release", release_id, "label"),
                intent.name,
                (entity,),
                lang,
            )
    return declined(
        say(
            lang,
            f"I don't have a label for {entity.label}.",
            f"{entity.label}의 레이블 정보가 없어요.",
        ),
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
                say(
                    lang,
                    f"{subject} runs {format_duration(s.length_s, lang)}.",
                    f"{subject}의 길이는 {format_duration(s.length_s, lang)}(이)에요.",
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
                say(
                    lang,
                    f"{_cap(subject)} runs {format_duration(v.length_s, lang)}.",
                    f"{subject}의 길이는 {format_duration(v.length_s, lang)}(이)에요.",
                ),
                await cards._sources(store, v.entity.id),
                intent.name,
                (ref,),
                lang,
            )
    return declined(
        say(
            lang,
            f"I don't have a length for {entity.label}.",
            f"{entity.label}의 길이 정보가 없어요.",
        ),
        intent.name,
        [entity.label],
        lang,
    )
