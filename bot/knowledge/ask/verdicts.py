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

from bot.hangul import particle
from bot.knowledge.ask.answers import names_text, q, subject_phrase
from bot.knowledge.ask.intents import Intent
from bot.knowledge.ask.model import Answer, declined, found, merge_sources
from bot.knowledge.ask.relations import Asked, Edge, Holdings, edge_sources, edges_between, holdings
from bot.knowledge.cards import CreditLine, SourceRef
from bot.knowledge.entities import EntityRef
from bot.knowledge.wording import join_list, role_title, say
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


def asked_relation(intent: Intent | None, text: str) -> tuple[Asked, tuple[str, ...]]:
    """Return the relation a yes/no question asks: any part, performing, or credit roles.

    "Did X work on Y", "is X on Y", "X in the Y video" ask about any part; "is Y a duet
    between A and B" asks who sings; a role keyword asks for that role only.
    """
    if DUET.search(text):
        return Asked.PERFORMER, ()
    if intent is None:
        return (Asked.PERFORMER if BY_ARTIST.search(text) else Asked.ANY), ()
    if ANY_PART.search(text) and intent.name in ("writer", "performer"):
        return Asked.ANY, ()
    if intent.name == "performer":
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


async def edge_text(store: Store, edge: Edge, lang: str) -> str:
    """Say one edge, naming its role as itself."""
    who = edge.artist.name
    subject = await subject_phrase(store, edge.subject, lang)
    if edge.role == "performer":
        if edge.via is not None:
            return say(
                lang,
                f"{who} is a member of {edge.via.name}, who perform {subject}",
                f"{particle(who, '은/는')} {particle(q(edge.subject), '을/를')} 부른 "
                f"{edge.via.name}의 멤버예요",
            )
        return say(
            lang,
            f"{who} performs {subject}",
            f"{particle(who, '은/는')} {particle(q(edge.subject), '을/를')} 부른 가수예요",
        )
    person = who
    if edge.via is not None:
        person = say(lang, f"{edge.via.name} (of {who})", f"{who} 멤버 {edge.via.name}")
    # A role starting with NUL is already worded (several roles joined by _edges_text).
    title = edge.role[1:] if edge.role.startswith("\0") else role_title(edge.role, lang)
    if edge.role == "featured artist":
        return say(
            lang,
            f"{person} is the featured artist on {subject}",
            f"{particle(person, '은/는')} {subject}의 피처링 아티스트예요",
        )
    if edge.role == "mv cast":
        return say(
            lang,
            f"{person} appears in {subject} (MV cast)",
            f"{particle(person, '은/는')} {subject}에 출연했어요",
        )
    return say(
        lang,
        f"{person} is credited as {title} on {subject}",
        f"{particle(person, '은/는')} {subject}에 {particle(title, '으로/로')} 크레딧돼 있어요",
    )


async def edges_text(store: Store, edges: Sequence[Edge], lang: str) -> str:
    """Say edges, one credit sentence per subject ("credited as writer and producer on …")."""
    texts: list[str] = []
    credits: dict[tuple[int, int | None], list[Edge]] = {}
    for e in edges:
        if e.role in ("performer", "featured artist", "mv cast"):
            texts.append(await edge_text(store, e, lang))
        else:
            credits.setdefault((e.subject.id, e.via.id if e.via else None), []).append(e)
    for group in credits.values():
        first = group[0]
        titles = join_list([role_title(e.role, lang) for e in group], lang)
        texts.append(await edge_text(store, Edge("\0" + titles, *_rest(first)), lang))
    return say(lang, "; ".join(texts), ". ".join(texts))


def _rest(e: Edge) -> tuple[EntityRef, EntityRef, tuple[SourceRef, ...], EntityRef | None]:
    return (e.artist, e.subject, e.sources, e.via)


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
        matching = edges
    elif asked is Asked.PERFORMER:
        matching = [e for e in edges if e.role in ("performer", "featured artist")]
    else:
        matching = [e for e in edges if e.role in roles]
    if matching:
        return Finding(Verdict.YES, await edges_text(store, matching, lang), edge_sources(matching))
    others = [e for e in edges if e not in matching]
    besides = ""
    if others:
        besides = say(
            lang,
            f"; {await edges_text(store, others, lang)}",
            f". {await edges_text(store, others, lang)}",
        )
    other_sources = edge_sources(others)
    if asked in (Asked.ANY, Asked.PERFORMER):
        if not held.performers:
            return Finding(
                Verdict.UNKNOWN,
                say(
                    lang,
                    f"I don't know whether {name} is on {subject}: I don't know who performs it",
                    f"{particle(name, '이/가')} {subject}에 참여했는지는 모르겠어요: "
                    "누가 불렀는지 몰라요",
                )
                + besides,
                other_sources,
            )
        by = await _performers_text(held, lang)
        featured = held.lines("featured artist")
        extra_en = extra_ko = ""
        sources = [*held.performer_sources, *other_sources]
        if featured:
            feat = names_text(featured, lang)
            extra_en, extra_ko = f", featuring {feat}", f", 피처링 {feat}"
            sources.extend(s for line in featured for s in line.sources)
        if asked is Asked.ANY:
            text = say(
                lang,
                f"the catalog ties {name} to nothing on {subject}: it is by {by}{extra_en}",
                f"카탈로그에는 {subject}에 {particle(name, '이/가')} 참여한 기록이 없어요: "
                f"{particle(by, '이/가')} 부른 곡이에요{extra_ko}",
            )
        else:
            text = say(
                lang,
                f"{q(held.song or held.work)} is by {by}{extra_en}, not {name}",
                f"{particle(q(held.song or held.work), '은/는')} {particle(name, '이/가')} "
                f"아니라 {by}의 곡이에요{extra_ko}",
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
        cast = names_text(values, lang)
        return Finding(
            Verdict.UNKNOWN,
            say(
                lang,
                f"I don't know whether {name} appears in {subject}: the catalog's cast list "
                f"names {cast}",
                f"{particle(name, '이/가')} {subject}에 출연했는지는 모르겠어요: "
                f"카탈로그의 출연진은 {particle(cast, '이에요/예요')}",
            )
            + besides,
            merge_sources([s for line in values for s in line.sources], other_sources),
        )
    if values:
        truth = _by_role(values, lang)
        return Finding(
            Verdict.NO,
            say(
                lang,
                f"{name} is not credited as {titles} on {subject}; "
                + ("the credit goes to " if len({x.role for x in values}) == 1 else "the credits: ")
                + truth,
                f"{subject}의 {titles} 크레딧은 {particle(name, '이/가')} 아니라 "
                f"{truth}에게 있어요",
            )
            + besides,
            merge_sources([s for line in values for s in line.sources], other_sources),
        )
    if tuple(roles) == ("featured artist",) and held.performers:
        # A featured artist is part of a track's artist credit: the performers are its values.
        by = await _performers_text(held, lang)
        return Finding(
            Verdict.NO,
            say(
                lang,
                f"no featured artist is credited on {subject}; it is by {by}",
                f"{subject}에는 피처링 크레딧이 없어요. {particle(by, '이/가')} 부른 곡이에요",
            )
            + besides,
            merge_sources(held.performer_sources, other_sources),
        )
    return Finding(
        Verdict.UNKNOWN,
        say(
            lang,
            f"I don't know whether {name} is the {titles} of {subject}: the catalog has no "
            f"{titles} credit for it",
            f"{particle(name, '이/가')} {subject}의 {titles}인지는 모르겠어요: "
            f"카탈로그에 {titles} 크레딧이 없어요",
        )
        + besides,
        other_sources,
    )


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
    findings = [await _one(store, asked, roles, held, p, lang) for p in people]
    verdicts = {f.verdict for f in findings}
    ordered = sorted(
        findings, key=lambda f: [Verdict.NO, Verdict.UNKNOWN, Verdict.YES].index(f.verdict)
    )
    sources = merge_sources(*(f.sources for f in ordered))
    entities = (work, *people)
    if verdicts == {Verdict.YES}:
        body = say(lang, "; ".join(f.text for f in findings), ". ".join(f.text for f in findings))
        text = say(lang, f"Yes — {body}.", f"네 — {body}.")
    elif Verdict.NO in verdicts:
        body = say(
            lang,
            ". ".join([ordered[0].text, *(_cap(f.text) for f in ordered[1:])]),
            ". ".join(f.text for f in ordered),
        )
        text = say(lang, f"No — {body}.", f"아니요 — {body}.")
    else:
        text = " ".join(f"{_cap(f.text)}." for f in ordered)
        if not sources:
            return declined(text, intent, [work.label], lang)
    return found(text, sources, intent, entities, lang)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
