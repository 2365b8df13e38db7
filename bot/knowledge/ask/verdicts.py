"""Yes/no between a work and the people a question names, from every edge the store holds.

"Yes" names each edge as itself ("V appears in the “Love wins all” music video (MV cast)",
"Seo Dong-hwan is credited as composer on …"). "No" is said only when the store holds the
values of the relation asked (the performers, or the credits of the role asked), and then
with those values and their sources. Otherwise the answer is "I don't know whether …",
with whatever the store does tie the person to. Several people ("a duet between A and B")
are each checked; the answer is "Yes" only when every one holds.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.i18n import t
from bot.knowledge.ask.answers import cap_sentence, names_text, q, subject_phrase
from bot.knowledge.ask.intents import Intent, IntentName
from bot.knowledge.ask.model import Answer, declined, found, merge_sources
from bot.knowledge.ask.relations import (
    FORMER_MEMBER,
    Asked,
    Edge,
    Holdings,
    edge_sources,
    edges_between,
    holdings,
)
from bot.knowledge.cards import CreditLine, SourceRef
from bot.knowledge.entities import EntityRef
from bot.knowledge.wording import join_list, role_title
from bot.store import catalog as db
from bot.store.core import Store

# Words that ask about any part in a work, whatever the question's other keywords say.
ANY_PART = re.compile(
    r"\bwork(?:ed|s|ing)?\s+(?:on|with|in)\b|\binvolved\b|\bpart of\b|\bcontribut\w*|"
    r"\bhave (?:a|any) (?:part|role)\b|\bon (?:the )?(?:song|track)\b|참여|작업|관여",
    re.IGNORECASE,
)
# Words that ask whether people sing a song together: performers (or featured artists).
DUET = re.compile(
    r"\bduet\b|\bcollab\w*|\bsung together\b|\bsing together\b|듀엣|콜라보|같이 부른|함께 부른",
    re.IGNORECASE,
)


# "Is Ditto by IVE?", "Is Ditto a NewJeans song?", "뉴진스 노래야?": who performs it.
BY_ARTIST = re.compile(
    r"\bby\b|\b(?:a|an)\s+(?:\S+\s+){1,3}(?:song|track|single)\b|노래(?:야|예요|에요|인가요|맞)|곡(?:이야|이에요|인가요)",
    re.IGNORECASE,
)


# "which member of NewJeans is in the OMG mv": an appearance in the video, its cast only.
IN_VIDEO = re.compile(
    r"\b(?:is|are|was|were|appears?|appeared)\s+in\s+(?:the\s+)?(?:\S+\s+){0,6}?"
    r"(?:mv|m/v|music video|video)\b",
    re.IGNORECASE,
)


# The role a duet question asks: performing the work as its own artists, side by side.
DUET_ROLE = "duet"


def asked_relation(intent: Intent | None, text: str) -> tuple[Asked, tuple[str, ...]]:
    """Return the relation a yes/no question asks: any part, performing, or credit roles.

    "Did X work on Y", "is X on Y", "X in the Y video" ask about any part; "is Y a duet
    between A and B" asks who sings; a role keyword asks for that role only.
    """
    if DUET.search(text):
        return Asked.PERFORMER, (DUET_ROLE,)
    if IN_VIDEO.search(text) and (
        intent is None or intent.name in (IntentName.MEMBERS, IntentName.CAST)
    ):
        return Asked.ROLES, ("mv cast",)
    if intent is None:
        return (Asked.PERFORMER if BY_ARTIST.search(text) else Asked.ANY), ()
    if ANY_PART.search(text) and intent.name in (IntentName.WRITER, IntentName.PERFORMER):
        return Asked.ANY, ()
    if intent.name is IntentName.PERFORMER:
        return Asked.PERFORMER, ()
    if intent.roles:
        return Asked.ROLES, intent.roles
    return Asked.ANY, ()


class Verdict(enum.Enum):
    """What the store says about one person and one work."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Finding:
    """The verdict for one person, its sentence and its sources."""

    verdict: Verdict
    text: str
    sources: tuple[SourceRef, ...]


async def edge_text(store: Store, edge: Edge, lang: str, roles: str | None = None) -> str:
    """Say one edge, naming its role as itself (``roles``: several credit roles, worded)."""
    who = edge.artist.name
    subject = await subject_phrase(store, edge.subject, lang)
    if edge.role == FORMER_MEMBER and edge.via is not None:
        return t(
            "{who} is a former member of {group}, who perform {subject}",
            lang,
            who=who,
            group=edge.via.name,
            subject=subject,
        )
    if edge.role == "performer":
        if edge.via is not None:
            return t(
                "{who} is a member of {group}, who perform {subject}",
                lang,
                who=who,
                group=edge.via.name,
                subject=subject,
            )
        return t("{who} performs {subject}", lang, who=who, subject=subject)
    person = who
    if edge.via is not None:
        person = t("{member} (of {who})", lang, member=edge.via.name, who=who)
    if edge.role == "featured artist":
        return t(
            "{person} is the featured artist on {subject}", lang, person=person, subject=subject
        )
    if edge.role == "mv cast":
        return t("{person} appears in {subject} (MV cast)", lang, person=person, subject=subject)
    return t(
        "{person} is credited as {roles} on {subject}",
        lang,
        person=person,
        roles=roles or role_title(edge.role, lang),
        subject=subject,
    )


def _join(texts: Sequence[str], lang: str) -> str:
    """Join sentences: "; " in English, ". " in Korean (whose sentences end in 요)."""
    return ("; " if lang != "ko" else ". ").join(texts)


async def edges_text(store: Store, edges: Sequence[Edge], lang: str) -> str:
    """Say edges, one credit sentence per subject ("credited as writer and producer on …")."""
    texts: list[str] = []
    credits: dict[tuple[int, int | None], list[Edge]] = {}
    for e in edges:
        if e.role in ("performer", "featured artist", "mv cast", FORMER_MEMBER):
            texts.append(await edge_text(store, e, lang))
        else:
            credits.setdefault((e.subject.id, e.via.id if e.via else None), []).append(e)
    for group in credits.values():
        first = group[0]
        titles = join_list(list(dict.fromkeys(role_title(e.role, lang) for e in group)), lang)
        texts.append(await edge_text(store, first, lang, titles))
    return _join(texts, lang)


async def _performers_text(held: Holdings, lang: str) -> str:
    return join_list([p.artist.name for p in held.performers], lang)


def _by_role(lines: Sequence[CreditLine], lang: str) -> str:
    """Return credited names, by role when there are several ("lyricist: A; composer: B")."""
    roles = list(dict.fromkeys(line.role for line in lines))
    if len(roles) == 1:
        return names_text(lines, lang)
    return "; ".join(
        f"{role_title(r, lang)}: {names_text([x for x in lines if x.role == r], lang)}"
        for r in roles
    )


def _titles(roles: Sequence[str], lang: str) -> str:
    return join_list(list(dict.fromkeys(role_title(r, lang) for r in roles)), lang, "or")


async def _one(
    store: Store,
    asked: Asked,
    roles: Sequence[str],
    held: Holdings,
    person: EntityRef,
    lang: str,
) -> Finding:
    edges = await edges_between(store, held, person)
    subject = await subject_phrase(store, held.work, lang)
    name = person.name
    if asked is Asked.ANY:
        matching = [e for e in edges if e.role != FORMER_MEMBER]
    elif asked is Asked.PERFORMER:
        matching = [e for e in edges if e.role in ("performer", "featured artist")]
    else:
        matching = [e for e in edges if e.role in roles]
    if matching:
        return Finding(Verdict.YES, await edges_text(store, matching, lang), edge_sources(matching))
    others = [e for e in edges if e not in matching]
    former = [e for e in others if e.role == FORMER_MEMBER]
    if former and asked in (Asked.ANY, Asked.PERFORMER):
        # The catalog does not say which of a group's works a member who left is on.
        return Finding(
            Verdict.UNKNOWN,
            t(
                "I don't know whether {name} is on {subject}: {facts}",
                lang,
                name=name,
                subject=subject,
                facts=await edges_text(store, others, lang),
            ),
            edge_sources(others),
        )
    # What else the store ties the person to, said after the verdict.
    besides = _join(["", await edges_text(store, others, lang)], lang) if others else ""
    other_sources = edge_sources(others)
    if asked in (Asked.ANY, Asked.PERFORMER):
        if not held.performers:
            return Finding(
                Verdict.UNKNOWN,
                t(
                    "I don't know whether {name} is on {subject}: I don't know who performs it",
                    lang,
                    name=name,
                    subject=subject,
                )
                + besides,
                other_sources,
            )
        by = await _performers_text(held, lang)
        featured = held.lines("featured artist")
        featuring = ""
        sources = [*held.performer_sources, *other_sources]
        if featured:
            featuring = t(", featuring {names}", lang, names=names_text(featured, lang))
            sources.extend(s for line in featured for s in line.sources)
        if asked is Asked.ANY:
            text = t(
                "the catalog ties {name} to nothing on {subject}: it is by {by}{featuring}",
                lang,
                name=name,
                subject=subject,
                by=by,
                featuring=featuring,
            )
        else:
            text = t(
                "{title} is by {by}{featuring}, not {name}",
                lang,
                title=q(held.song or held.work),
                by=by,
                featuring=featuring,
                name=name,
            )
        return Finding(Verdict.NO, text + besides, merge_sources(sources))
    values = held.lines(*roles)
    titles = _titles(roles, lang)
    if (
        values
        and "mv cast" in roles
        and any(e.role == "performer" for e in edges)
        and not any(e.role == "mv cast" for e in edges)
    ):
        # A performer left off a cast list may still be in the video: not a "no".
        return Finding(
            Verdict.UNKNOWN,
            t(
                "I don't know whether {name} appears in {subject}: the catalog's cast list "
                "names {cast}",
                lang,
                name=name,
                subject=subject,
                cast=names_text(values, lang),
            )
            + besides,
            merge_sources([s for line in values for s in line.sources], other_sources),
        )
    if values:
        fields = {
            "name": name,
            "roles": titles,
            "subject": subject,
            "truth": _by_role(values, lang),
        }
        if len({x.role for x in values}) > 1:
            text = t(
                "{name} is not credited as {roles} on {subject}; the credits: {truth}",
                lang,
                **fields,
            )
        else:
            text = t(
                "{name} is not credited as {roles} on {subject}; the credit goes to {truth}",
                lang,
                **fields,
            )
        return Finding(
            Verdict.NO,
            text + besides,
            merge_sources([s for line in values for s in line.sources], other_sources),
        )
    if tuple(roles) == ("featured artist",) and held.performers:
        # A featured artist is part of a track's artist credit: the performers are its values.
        return Finding(
            Verdict.NO,
            t(
                "no featured artist is credited on {subject}; it is by {by}",
                lang,
                subject=subject,
                by=await _performers_text(held, lang),
            )
            + besides,
            merge_sources(held.performer_sources, other_sources),
        )
    if tuple(roles) == ("mv cast",):
        # Only a performer (or a member of the performing group) is read into the video by a
        # note: a note may name anyone (the actor of a film the video echoes).
        performs = any(e.role == "performer" for e in edges)
        noted = await noted_in_video(store, held, person) if performs else []
        # The video itself, whether the question named the video or its song.
        video = (
            subject
            if held.work.kind == "video"
            else t("the music video of {subject}", lang, subject=subject)
        )
        if noted:
            # No cast list, but a reference note on the video says the person is in it.
            quoted = join_list([f"“{r.note}”" for r in noted], lang)
            text = t(
                "{name} is in {video}, by a note on its references: {notes} (the catalog has "
                "no cast list for it)",
                lang,
                name=name,
                video=video,
                notes=quoted,
            )
            return Finding(
                Verdict.YES,
                text,
                merge_sources([SourceRef.of(r.source) for r in noted], other_sources),
            )
        unknown = t(
            "I don't know whether {name} appears in {video}: the catalog has no cast list for it",
            lang,
            name=name,
            video=video,
        )
    else:
        unknown = t(
            "I don't know whether {name} is the {roles} of {subject}: the catalog has no {roles} "
            "credit for it",
            lang,
            name=name,
            roles=titles,
            subject=subject,
        )
    if not others and held.performers:
        # "what year did David Guetta produce Psycho": nothing ties him to it, and what the
        # catalog does hold (its performers) is said with its sources.
        nothing = t(
            "the catalog ties {name} to nothing on {subject}: it is by {by}{featuring}",
            lang,
            name=name,
            subject=subject,
            by=await _performers_text(held, lang),
            featuring="",
        )
        said = [unknown, nothing]
        sources = [*held.performer_sources]
        credited = held.lines()
        if credited:
            said.append(t("its credits: {truth}", lang, truth=_by_role(credited, lang)))
            sources.extend(s for line in credited for s in line.sources)
        return Finding(Verdict.UNKNOWN, _join(said, lang), merge_sources(sources))
    return Finding(Verdict.UNKNOWN, unknown + besides, other_sources)


async def _sung_as_members(
    store: Store, held: Holdings, people: Sequence[EntityRef], intent: str | None, lang: str
) -> Answer | None:
    """Answer "is Ditto a duet between Minji and Hanni": a song people sing only as members
    of the group that performs it is no duet between them (a "No" naming the group); None
    when any of them performs or features on it in their own name."""
    edges = [await edges_between(store, held, p) for p in people]
    sung = [[e for e in mine if e.role in ("performer", "featured artist")] for mine in edges]
    if not all(sung) or any(e.via is None for mine in sung for e in mine):
        return None
    groups = list(dict.fromkeys(e.via.name for mine in sung for e in mine if e.via is not None))
    text = t(
        "No — {work} is by {groups}, a group; {names} sing it as members of {groups}, not as "
        "a duet.",
        lang,
        work=q(held.song or held.work),
        groups=join_list(groups, lang),
        names=join_list([p.name for p in people], lang),
    )
    sources = merge_sources(held.performer_sources, *(edge_sources(mine) for mine in sung))
    return found(text, sources, intent, (held.work, *people), lang)


async def noted_in_video(store: Store, held: Holdings, person: EntityRef) -> list[db.ReferenceRow]:
    """Return the reference notes of a video that name the person as written ("Joy lies in a
    stream in the pose of Millais's Ophelia"): the name whole, with its capitals."""
    if len(person.name) < 2:
        return []
    if held.work.kind == "video":
        ids = [held.work.id]
    elif held.work.kind == "song":
        ids = [v.entity.id for v in await db.videos_of_song(store, held.work.id)]
    else:
        return []
    said = re.compile(rf"(?<!\w){re.escape(person.name)}(?!\w)")
    rows = await db.references_from(store, ids) if ids else []
    return [r for r in rows if r.note and said.search(r.note)]


async def relation_check(
    store: Store,
    asked: Asked,
    roles: Sequence[str],
    work: EntityRef,
    people: Sequence[EntityRef],
    intent: str | None,
    lang: str,
) -> Answer:
    """Answer whether each person holds the relation asked on the work."""
    held = await holdings(store, work)
    if DUET_ROLE in roles and len(people) >= 2:
        group_song = await _sung_as_members(store, held, people, intent, lang)
        if group_song is not None:
            return group_song
    findings = [await _one(store, asked, roles, held, p, lang) for p in people]
    verdicts = {f.verdict for f in findings}
    ordered = sorted(
        findings, key=lambda f: [Verdict.NO, Verdict.UNKNOWN, Verdict.YES].index(f.verdict)
    )
    sources = merge_sources(*(f.sources for f in ordered))
    entities = (work, *people)
    if verdicts == {Verdict.YES}:
        text = t("Yes — {facts}.", lang, facts=_join([f.text for f in findings], lang))
    elif Verdict.NO in verdicts:
        body = [
            ordered[0].text,
            *(cap_sentence(f.text) if lang != "ko" else f.text for f in ordered[1:]),
        ]
        text = t("No — {facts}.", lang, facts=". ".join(body))
    else:
        text = " ".join(f"{cap_sentence(f.text)}." for f in ordered)
        if not sources:
            return declined(text, intent, [work.label], lang)
    return found(text, sources, intent, entities, lang)
