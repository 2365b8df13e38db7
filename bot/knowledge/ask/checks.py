"""Yes/no checks of a stated fact, and corrections of a question's false premise.

A check ("Did Um Tae-hwa direct the Love wins all MV?", "지효가 트와이스 리더야?") is answered
"Yes — …" with the fact's sources, or "No — …" *with the true fact and its sources*; when
the catalog does not hold the fact either way, the answer is "I don't know whether …",
never a "no". A premise ("Who directed TWICE's Spring Day?", "the 2019 Spring Day MV") that
contradicts a stored fact is corrected before the question is answered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.errors import UserError
from bot.core.i18n import N_, t
from bot.knowledge import cards
from bot.knowledge.ask import answers
from bot.knowledge.ask.answers import no_text as _no
from bot.knowledge.ask.answers import q, quote, subject_phrase
from bot.knowledge.ask.answers import yes_text as _yes
from bot.knowledge.ask.finding import exact_spans
from bot.knowledge.ask.intents import Intent, IntentName, by_name, detect
from bot.knowledge.ask.model import Answer, declined, found, merge_sources
from bot.knowledge.ask.parsing import (
    StatedDate,
    candidate_runs,
    has_wh_word,
    looks_like_check,
    stated_date,
    words_of,
)
from bot.knowledge.ask.parts import artists_named, member_and_group
from bot.knowledge.ask.people import (
    PLACES,
    holder_names,
    oldest_member,
    roles_in_group,
    youngest_member,
)
from bot.knowledge.ask.relations import edge_sources, edges_between, holdings
from bot.knowledge.ask.verdicts import DUET, asked_relation, edges_text, relation_check
from bot.knowledge.cards import SourceRef
from bot.knowledge.entities import EntityRef
from bot.knowledge.normalize import normalize
from bot.knowledge.placeholders import known
from bot.knowledge.search import Match, resolve_one
from bot.knowledge.wording import format_date, join_list, role_title
from bot.store import catalog as db
from bot.store.core import Store

ROLE_CHECKS = (
    IntentName.ASSISTANT_DIRECTOR,
    IntentName.DIRECTOR,
    IntentName.DIRECTOR_OF_PHOTOGRAPHY,
    IntentName.ART_DIRECTOR,
    IntentName.CHOREOGRAPHER,
    IntentName.FEATURED,
    IntentName.CAST,
    IntentName.LYRICIST,
    IntentName.COMPOSER,
    IntentName.ARRANGER,
    IntentName.PRODUCER,
    IntentName.MIXING,
    IntentName.WRITER,
)


def _ref(m: Match) -> EntityRef:
    return m.ref


async def _performer_ids(store: Store, entity: EntityRef) -> list[int]:
    subject_id = entity.id
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        subject_id = v.song.id if v and v.song else entity.id
    return [p.artist.id for p in await db.performers(store, subject_id)]


async def _is_artist_statement(store: Store, entity: EntityRef, extra: Sequence[Match]) -> bool:
    """Tell whether the other names are only the subject's own artists ("IU Palette")."""
    if entity.kind == "artist":
        return False
    performers = await _performer_ids(store, entity)
    return all(m.kind == "artist" and m.id in performers for m in extra)


async def _named_by_artists(store: Store, entity: EntityRef, extra: Sequence[Match]) -> bool:
    """Tell whether the people named all sing, feature or appear on the work ("IU ft V …")."""
    if entity.kind == "artist" or not extra:
        return False
    held = await holdings(store, entity)
    for m in extra:
        if m.kind != "artist":
            return False
        edges = await edges_between(store, held, m.ref)
        if not any(e.role in ("performer", "featured artist", "mv cast") for e in edges):
            return False
    return True


_FEATURING = re.compile(r"\bft\b|\bfeat\b|\bfeaturing\b|피처링|\bwith\b", re.IGNORECASE)


async def check(
    store: Store,
    intent: Intent,
    entity: EntityRef,
    extra: Sequence[Match],
    text: str,
    lang: str,
) -> Answer | None:
    """Answer a yes/no check, or return None when the question is not one."""
    explicit = looks_like_check(text)
    if not explicit and (
        has_wh_word(text)
        or not extra
        or await _is_artist_statement(store, entity, extra)
        # "V and IU's duet Love wins all director": a role asked about a song named by its
        # artists; the premise is checked, the question answered.
        or (intent.roles and (DUET.search(text) or await _named_by_artists(store, entity, extra)))
    ):
        return None
    things = [entity, *(_ref(m) for m in extra)]
    works = [t for t in things if t.kind != "artist"]
    people = [t for t in things if t.kind == "artist"]
    date = stated_date(text)
    if intent.name in (IntentName.REFERENCES_OUT, IntentName.REFERENCES_IN) and len(things) >= 2:
        return await _reference_check(store, intent, things[0], things[1:], lang)
    if (intent.name in ROLE_CHECKS or intent.name is IntentName.PERFORMER) and works and people:
        asked, roles = asked_relation(intent, text)
        return await relation_check(store, asked, roles, works[0], people, intent.name, lang)
    if intent.name in (IntentName.MEMBERS, IntentName.GROUPS) and len(people) >= 2:
        return await member_check(store, intent, people[0], people[1], text, lang)
    if (intent.name in PLACES or intent.name is IntentName.OLDEST) and len(people) >= 2:
        return await _position_check(store, intent, people, lang)
    if intent.name is IntentName.ALBUM and len(works) >= 2:
        return await album_check(store, intent, works, lang)
    if not explicit or date is None:
        return None
    if intent.name is IntentName.DATE and works:
        return await _date_check(store, intent, works[0], date, lang)
    if intent.name in (IntentName.BIRTHDAY, IntentName.DEBUT, IntentName.DATE) and people:
        return await _artist_date_check(store, intent, people[0], date, lang)
    return None


async def _role_lines(
    store: Store, intent: Intent, work: EntityRef
) -> tuple[cards.CreditsView, tuple[cards.CreditLine, ...]]:
    view = await cards.kept_credits_view(store, work.id)
    lines = view.role(*intent.roles)
    if intent.name is IntentName.DIRECTOR:
        lines = tuple(line for line in lines if line.subject.kind in ("video", "release"))
    return view, lines


async def _role_check(
    store: Store, intent: Intent, work: EntityRef, person: EntityRef, lang: str
) -> Answer:
    view, lines = await _role_lines(store, intent, work)
    subject = await subject_phrase(store, work, lang)
    role = intent.roles[0]
    title = role_title(role, lang)
    mine = [line for line in lines if line.artist.id == person.id]
    if mine:
        return found(
            _yes(
                lang,
                t(
                    "{name} is credited as {title} on {subject}.",
                    lang,
                    name=person.name,
                    title=title,
                    subject=subject,
                ),
            ),
            answers.line_sources(mine),
            intent.name,
            (work, person),
            lang,
        )
    if lines:
        truth = answers.names_text(lines, lang)
        return found(
            _no(
                lang,
                t(
                    "{name} is not credited as {title} on {subject}; the credit goes to {truth}.",
                    lang,
                    name=person.name,
                    title=title,
                    subject=subject,
                    truth=truth,
                ),
            ),
            answers.line_sources(lines),
            intent.name,
            (work, person),
            lang,
        )
    if intent.name is IntentName.FEATURED and view.groups:
        # No featured credit at all: say what the person did instead, if anything.
        result = await answers.credits_answer(store, intent, work, lang)
        if person.name in result.text:
            return result.with_text(_no(lang, result.text))
        performers = await _performer_ids(store, work)
        if person.id in performers:
            return found(
                _no(
                    lang,
                    t(
                        "{name} is the artist of {subject}, not a featured guest.",
                        lang,
                        name=person.name,
                        subject=subject,
                    ),
                ),
                await cards._sources(store, work.id),
                intent.name,
                (work, person),
                lang,
            )
        return result.with_text(_no(lang, result.text))
    return declined(
        t(
            "I don't know whether {name} is the {title} of {subject}: the catalog has no "
            "{title} credit for it.",
            lang,
            name=person.name,
            title=title,
            subject=subject,
        ),
        intent.name,
        [work.label],
        lang,
    )


async def _performer_check(
    store: Store, intent: Intent, work: EntityRef, person: EntityRef, lang: str
) -> Answer:
    performers = await db.performers(store, work.id)
    if work.kind == "video":
        v = await db.video(store, work.id)
        if v and v.song:
            performers = await db.performers(store, v.song.id)
    if not performers:
        return declined(
            t("I don't know whether {name} performs {work}.", lang, name=person.name, work=q(work)),
            intent.name,
            [work.label],
            lang,
        )
    sources = [SourceRef.of(p.source) for p in performers]
    names = join_list([p.artist.name for p in performers], lang)
    if any(p.artist.id == person.id for p in performers):
        return found(
            _yes(lang, t("{work} is by {names}.", lang, work=q(work), names=names)),
            sources,
            intent.name,
            (work, person),
            lang,
        )
    for p in performers:
        for m in await db.members_of(store, p.artist.id):
            if m.person.id == person.id:
                return found(
                    _yes(
                        lang,
                        t(
                            "{work} is by {names}, and {name} is a member of {group}.",
                            lang,
                            work=q(work),
                            names=names,
                            name=person.name,
                            group=p.artist.name,
                        ),
                    ),
                    merge_sources(sources, [SourceRef.of(m.source)]),
                    intent.name,
                    (work, person),
                    lang,
                )
    return found(
        _no(
            lang,
            t(
                "{work} is by {names}, not {name}.",
                lang,
                work=q(work),
                names=names,
                name=person.name,
            ),
        ),
        sources,
        intent.name,
        (work, person),
        lang,
    )


async def _kinds(store: Store, a: EntityRef, b: EntityRef) -> tuple[EntityRef, EntityRef] | None:
    """Return (person, group) from two artists, or None when that is not what they are."""
    ra, rb = await db.artist(store, a.id), await db.artist(store, b.id)
    if ra is None or rb is None:
        return None
    if ra.kind == "group" and rb.kind != "group":
        return b, a
    if rb.kind == "group" and ra.kind != "group":
        return a, b
    return None


# Leaving a group: "when did Soojin leave (G)I-DLE", "지수 블랙핑크 탈퇴했어?".
LEFT = re.compile(
    r"\b(?:leave|left|leaving|quit|quitted|depart(?:ed)?|exit(?:ed)?)\b|탈퇴|나갔|떠났",
    re.IGNORECASE,
)


async def left_check(store: Store, text: str, lang: str) -> Answer | None:
    """Answer "when did Karina leave IVE?" by the stored memberships, or None when the
    question does not name one person and one group they might have left."""
    if not LEFT.search(text):
        return None
    _, spans = detect(text)
    named = await exact_spans(store, candidate_runs(text, spans, trim=False), ("artist",))
    people: list[list[Match]] = []
    groups: list[Match] = []
    for _span, matches in named:
        artists = [m for m in matches if m.kind == "artist"]
        kinds = {m.id: await db.artist(store, m.id) for m in artists[:8]}
        grouped = [m for m in artists if (row := kinds.get(m.id)) and row.kind == "group"]
        if grouped and len(grouped) == len(artists):
            groups.extend(grouped[:1])
        elif artists:
            people.append([m for m in artists if m not in grouped])
    if len(groups) == 1 and not people and _WHO_LEFT.search(text):
        return await _who_left(store, groups[0].ref, lang)
    if len(groups) != 1 or len(people) != 1:
        return None
    group = groups[0]
    candidates = people[0]
    pair = await member_and_group(store, candidates, [group])
    if pair is not None:
        person = pair[0]
    elif len(candidates) == 1:
        person = candidates[0]
    else:
        return None
    return await member_check(store, by_name(IntentName.MEMBERS), person.ref, group.ref, text, lang)


_WHO_LEFT = re.compile(r"\bwho\b|누가|누구", re.IGNORECASE)


async def _who_left(store: Store, group: EntityRef, lang: str) -> Answer:
    """Answer "who left Oh My Girl?" with the members the sources mark as former."""
    lines = cards.member_lines(await db.members_of(store, group.id))
    former = [m for m in lines if m.former]
    if former:
        names = join_list([m.person.name for m in former], lang)
        return found(
            t("Former members of {name}: ", lang, name=group.name) + names + ".",
            merge_sources(*(m.sources for m in former)),
            IntentName.MEMBERS,
            (group,),
            lang,
        )
    if not lines:
        return declined(
            t("I have no group or member information for {name}.", lang, name=group.name),
            IntentName.MEMBERS,
            [group.label],
            lang,
        )
    # No former member stored is not proof that nobody left: say what is stored.
    names = join_list([m.person.name for m in lines], lang)
    return found(
        t(
            "The catalog records no member who has left {group}; its members: {names}.",
            lang,
            group=group.name,
            names=names,
        ),
        merge_sources(*(m.sources for m in lines)),
        IntentName.MEMBERS,
        (group,),
        lang,
    )


# "Is TWICE a JYP group?", "is IU under EDAM?", "is aespa an SM group": the agency asked.
_AGENCY_CHECK = re.compile(
    r"^(?:is|are|was|were)\s+(?P<x>.+?)\s+(?:(?:a|an)\s+(?P<y>.+?)\s+(?:group|artist|act|idol|"
    r"girl\s+group|boy\s+group|band|singer)|(?:under|signed\s+(?:to|with|under)|with\s+the\s+"
    r"agency|in\s+the\s+agency)\s+(?P<y2>.+?))\s*[?!.]*$",
    re.IGNORECASE,
)
_AGENCY_CHECK_KO = re.compile(
    r"^(?P<x>\S+?)(?:은|는|이|가)?\s+(?P<y>.+?)\s*(?:소속|소속사)\s*(?:이야|이에요|예요|인가요|이니|"
    r"맞아|맞나요|맞지|야)?\s*[?？!.]*$"
)
_NOT_AN_AGENCY = words_of(
    """solo korean kpop k-pop famous popular good new rookie girl boy idol real big main
    1st 2nd 3rd 4th 5th gen generation japanese chinese american"""
)
_AGENCY_WORDS = re.compile(r"\b(?:entertainment|ent\.?|music|labels?|company|agency)\b", re.I)


async def agency_check(store: Store, text: str, lang: str) -> Answer | None:
    """Answer "Is TWICE a JYP group?" from the artist's stored agency (or its group's): yes
    when the name asked is the agency's, else the agency stored; None when it is not that
    question or the artist is not one the catalog knows by that name."""
    m = _AGENCY_CHECK.match(" ".join(text.split())) or _AGENCY_CHECK_KO.match(
        " ".join(text.split())
    )
    if m is None:
        return None
    asked = _AGENCY_WORDS.sub(" ", m.groupdict().get("y") or m.groupdict().get("y2") or "")
    asked_norm = normalize(asked)
    if not asked_norm or any(w in _NOT_AN_AGENCY for w in asked.lower().split()):
        return None  # "is IU a solo artist", "is IVE a 4th gen girl group"
    for named in await artists_named(store, asked.strip()):
        row = await db.artist(store, named.id)
        if row is not None and row.kind == "group":
            return None  # "is Karina an aespa idol": membership, not an agency
    artists = await artists_named(store, m.group("x").removeprefix("the ").strip())
    if len(artists) != 1:
        return None
    artist = artists[0].ref
    card = await cards.artist_card(store, artist.id)
    agency, sources, holder = known(card.agency), card.source_of("agency"), artist.name
    if not agency and card.groups:
        group = await cards.artist_card(store, card.groups[0].group.id)
        agency, holder = known(group.agency), group.artist.name
        sources = merge_sources(group.source_of("agency"), card.groups[0].sources)
    if not agency or not sources:
        return declined(
            t("I don't have an agency for {name}.", lang, name=artist.name),
            IntentName.AGENCY,
            [artist.label],
            lang,
        )
    said = (
        t("{name}'s agency: {agency}.", lang, name=holder, agency=agency)
        if holder == artist.name
        else t(
            "{name} is in {group}, whose agency is {agency}.",
            lang,
            name=artist.name,
            group=holder,
            agency=agency,
        )
    )
    if asked_norm in normalize(agency) or normalize(agency) in asked_norm:
        return found(_yes(lang, said), sources, IntentName.AGENCY, (artist,), lang)
    # The name asked is another agency the catalog holds for other artists ("is BTS a JYP
    # group": JYP Entertainment is TWICE's): a peer agency, so a "No" with the stored one.
    others = [
        a
        for a in await db.agencies_like(store, asked.split())
        if normalize(a) != normalize(agency) and asked_norm in normalize(a)
    ]
    if others:
        return found(
            _no(
                lang,
                t(
                    "the agency stored for {holder} is {agency}, not {other}.",
                    lang,
                    holder=holder,
                    agency=agency,
                    other=others[0],
                ),
            ),
            sources,
            IntentName.AGENCY,
            (artist,),
            lang,
        )
    # Another name may be the agency's parent company (ADOR is HYBE's): no "No" from this,
    # only what is stored, with its source.
    return found(
        t(
            "I can't say whether {name} is with {asked}: the agency stored for {holder} is "
            "{agency}.",
            lang,
            name=artist.name,
            asked=quote(asked.strip()),
            holder=holder,
            agency=agency,
        ),
        sources,
        IntentName.AGENCY,
        (artist,),
        lang,
    )


# "Was Palette released by SM?": the label a release was put out on.
_LABEL_CHECK = re.compile(
    r"^(?:was|is|were|did)\s+(?P<x>.+?)\s+(?:released|put\s+out|come\s+out|distributed)\s+"
    r"(?:by|on|under|through|via|from)\s+(?P<y>.+?)\s*[?!.]*$",
    re.IGNORECASE,
)


async def label_check(store: Store, text: str, lang: str) -> Answer | None:
    """Answer "Was Palette released by SM?" from the stored label of its release: yes when
    the name asked is the label's, else the label stored; None when it is not that question."""
    m = _LABEL_CHECK.match(" ".join(text.split()))
    if m is None or stated_date(m.group("y")) is not None:
        return None
    asked = _AGENCY_WORDS.sub(" ", m.group("y"))
    asked_norm = normalize(asked)
    title = m.group("x").removeprefix("the ").strip()
    if not asked_norm or not normalize(title):
        return None
    try:
        match = await resolve_one(store, title, ("song", "release"), prefer="song")
    except UserError:
        return None
    if match.tier not in ("exact", "id"):
        return None
    stored = await answers.release_label_answer(store, by_name(IntentName.AGENCY), match.ref, lang)
    rel = await answers.stored_label(store, match.ref)
    label = rel.label if rel is not None else None
    if not stored.answered or label is None:
        return stored
    if asked_norm in normalize(label) or normalize(label) in asked_norm:
        return stored.with_text(_yes(lang, stored.text))
    return stored.with_text(
        t("I can't say whether it was released by {asked}: ", lang, asked=quote(asked.strip()))
        + stored.text
    )


_PAST = re.compile(r"\b(?:was|were|used to|ever|former(?:ly)?)\b|였|었", re.IGNORECASE)


def _membership_text(line: cards.MemberLine, lang: str) -> str:
    """Word one membership, former or current ("Soojin was a member of (G)I-DLE until …")."""
    fields = {"name": line.person.name, "group": line.group.name}
    if line.until:
        return t(
            "{name} was a member of {group} until {until}.",
            lang,
            until=format_date(line.until, lang),
            **fields,
        )
    if line.former:
        return t("{name} is a former member of {group}.", lang, **fields)
    return t("{name} is a member of {group}.", lang, **fields)


async def member_check(
    store: Store, intent: Intent, a: EntityRef, b: EntityRef, text: str, lang: str
) -> Answer | None:
    """Answer whether a person is in a group (a former member is not, now), or None when
    the two are not a person and a group."""
    pair = await _kinds(store, a, b)
    if pair is None:
        return None
    person, group = pair
    members = cards.member_lines(await db.members_of(store, group.id))
    mine = [m for m in members if m.person.id == person.id]
    if mine and LEFT.search(text):
        # "When did Soojin leave (G)I-DLE?" / "did Karina leave aespa": the premise is checked.
        line = mine[0]
        said = (
            _membership_text(line, lang)
            if line.former
            else _no(
                lang,
                t(
                    "{name} has not left {group}: {name} is a member of {group}.",
                    lang,
                    name=person.name,
                    group=group.name,
                ),
            )
        )
        if line.former and not line.until and has_wh_word(text):
            said += t(" I don't have the date {name} left.", lang, name=person.name)
        return found(said, merge_sources(line.sources), intent.name, (person, group), lang)
    if mine:
        line = mine[0]
        # "Is Soojin in (G)I-DLE?" asks about now: a former member is not; "was she?" is yes.
        verdict = _yes if not line.former or _PAST.search(text) else _no
        return found(
            verdict(lang, _membership_text(line, lang)),
            merge_sources(line.sources),
            intent.name,
            (person, group),
            lang,
        )
    groups = cards.member_lines(await db.groups_of(store, person.id))
    if groups or members:
        current = [m for m in members if not m.former]
        gs = join_list(sorted({g.group.name for g in groups if not g.former}), lang)
        old = join_list(sorted({g.group.name for g in groups if g.former}), lang)
        ms = ", ".join(dict.fromkeys(m.person.name for m in current))
        fields = {"name": person.name, "groups": gs, "group": group.name, "members": ms}
        parts = []
        if gs:
            parts.append(t("{name} is a member of {groups}.", lang, **fields))
        if old:
            parts.append(
                t("{name} is a former member of {group}.", lang, **{**fields, "group": old})
            )
        if ms:
            parts.append(t("{group}'s members are {members}.", lang, **fields))
        if parts:
            return found(
                _no(lang, " ".join(parts)),
                merge_sources(*(m.sources for m in [*groups, *current])),
                intent.name,
                (person, group),
                lang,
            )
    return declined(
        t("I don't know whether {name} is in {group}.", lang, name=person.name, group=group.name),
        intent.name,
        [group.label],
        lang,
    )


async def _position_check(
    store: Store, intent: Intent, people: Sequence[EntityRef], lang: str
) -> Answer | None:
    pair = await _kinds(store, people[0], people[1])
    if pair is None:
        return None
    person, group = pair
    if intent.name is IntentName.OLDEST:
        # "Is Nayeon the oldest in TWICE?": only the sourced birth dates tell.
        oldest = await oldest_member(store, group, lang)
        if oldest is None:
            return None
        verdict = _yes if oldest.entities[0].id == person.id else _no
        return oldest.with_text(verdict(lang, oldest.text))
    stated, title_id = PLACES[intent.name]
    holders, sources = await roles_in_group(store, group.id, stated)
    title = t(title_id, lang)
    if not holders and intent.name is IntentName.MAKNAE:
        # "Is Leeseo the youngest in IVE?": the sourced birth dates tell, when no source
        # names a maknae.
        youngest = await youngest_member(store, group, lang)
        if youngest is not None:
            verdict = _yes if youngest.entities[0].id == person.id else _no
            return youngest.with_text(verdict(lang, youngest.text))
    if not holders:
        return declined(
            t(
                "I don't know whether {name} is the {title} of {group}: no source in the "
                "catalog names one.",
                lang,
                name=person.name,
                title=title,
                group=group.name,
            ),
            intent.name,
            [group.label],
            lang,
        )
    who = await holder_names(store, group.id, holders, lang)
    if any(h.id == person.id for h in holders):
        fields = {"name": person.name, "title": title, "group": group.name}
        left = [m for m in cards.member_lines(await db.members_of(store, group.id)) if m.former]
        if any(m.person.id == person.id for m in left):
            return found(
                _no(lang, t("{name} was the {title} of {group} and has left it.", lang, **fields)),
                sources,
                intent.name,
                (person, group),
                lang,
            )
        return found(
            _yes(lang, t("{name} is the {title} of {group}.", lang, **fields)),
            sources,
            intent.name,
            (person, group),
            lang,
        )
    return found(
        _no(
            lang,
            t(
                "the {title} of {group} is {who}, not {name}.",
                lang,
                title=title,
                group=group.name,
                who=who,
                name=person.name,
            ),
        ),
        sources,
        intent.name,
        (person, group),
        lang,
    )


async def _reference_check(
    store: Store,
    intent: Intent,
    subject: EntityRef,
    others: Sequence[EntityRef],
    lang: str,
    *,
    swapped: bool = False,
) -> Answer | None:
    """Answer "does the Love wins all video reference Spring Day?" from the stored references,
    both ways, each with who claims it (its makers, a critic, fans).

    Asked the passive way round ("is La La Land referenced in the Fancy video?"), the first
    thing named holds no references of its own: the question is then answered from the
    second one's, so a "No" or an "I don't know" names the video whose references count.
    """
    if subject.kind == "artist":
        return None
    other = next((o for o in others if o.kind != "artist"), None)
    if other is None:
        return None
    view = await cards.references_view(store, subject.id)
    near = set(await cards.related_ids(store, other.id))
    out = [line for line in view.outgoing if line.target.id in near]
    back = [line for line in view.incoming if line.source_entity.id in near]
    subject_text = await subject_phrase(store, subject, lang)
    if out or back:
        head = (
            t("{subject} references {other}:", lang, subject=subject_text, other=q(other))
            if out
            else t(
                "{subject} is referenced by {other}:", lang, subject=subject_text, other=q(other)
            )
        )
        body = [f"• {answers.reference_text(line, True, lang)}" for line in out]
        body += [f"• {answers.reference_text(line, False, lang)}" for line in back]
        return found(
            "\n".join([_yes(lang, head), *body]),
            merge_sources(*(line.sources for line in (*out, *back))),
            intent.name,
            (subject, other),
            lang,
        )
    if not view.outgoing and not swapped and other.kind != "artist":
        turned = await _reference_check(store, intent, other, [subject], lang, swapped=True)
        if turned is not None:
            return turned
    if not view.outgoing:
        return declined(
            t(
                "I don't know whether {subject} references {other}: I have no references "
                "stored for it.",
                lang,
                subject=subject_text,
                other=q(other),
            ),
            intent.name,
            [subject.label],
            lang,
        )
    targets = join_list(list(dict.fromkeys(line.target.label for line in view.outgoing)), lang)
    return found(
        _no(
            lang,
            t(
                "the references stored for {subject} are {targets}; {other} is not among them.",
                lang,
                subject=subject_text,
                targets=targets,
                other=q(other),
            ),
        ),
        merge_sources(*(line.sources for line in view.outgoing)),
        intent.name,
        (subject, other),
        lang,
    )


def _date_matches(actual: str, stated: StatedDate) -> bool:
    parts = [int(p) for p in actual.split("-")]
    wanted = [stated.year, stated.month, stated.day]
    return all(w is None or (i < len(parts) and parts[i] == w) for i, w in enumerate(wanted))


async def _date_check(
    store: Store, intent: Intent, work: EntityRef, stated: StatedDate, lang: str
) -> Answer:
    dated = await answers.release_date(store, work)
    subject = await subject_phrase(store, work, lang)
    if dated is None:
        return declined(
            t(
                "I don't know whether {subject} came out then: I have no release date for it.",
                lang,
                subject=subject,
            ),
            intent.name,
            [work.label],
            lang,
        )
    date, _release, sources, _type = dated
    shown = format_date(date, lang)
    if _date_matches(date, stated):
        return found(
            _yes(
                lang,
                t("{subject} was released on {date} (KST).", lang, subject=subject, date=shown),
            ),
            sources,
            intent.name,
            (work,),
            lang,
        )
    return found(
        _no(
            lang,
            t(
                "{subject} was released on {date} (KST), not {stated}.",
                lang,
                subject=subject,
                date=shown,
                stated=stated.text,
            ),
        ),
        sources,
        intent.name,
        (work,),
        lang,
    )


# What a check of a birth or debut date says: unknown, yes, no.
_BORN = (
    N_("I don't know whether {name} was born then: the catalog has no date for it."),
    N_("{name} was born on {date}."),
    N_("{name} was born on {date}, not {stated}."),
)
_DEBUTED = (
    N_("I don't know whether {name} debuted then: the catalog has no date for it."),
    N_("{name} debuted on {date}."),
    N_("{name} debuted on {date}, not {stated}."),
)


async def _artist_date_check(
    store: Store, intent: Intent, person: EntityRef, stated: StatedDate, lang: str
) -> Answer:
    card = await cards.artist_card(store, person.id)
    if intent.name is IntentName.BIRTHDAY:
        actual, attribute, (unknown, yes, no) = card.birth_date, "birth_date", _BORN
    else:
        actual, attribute, (unknown, yes, no) = card.debut_date, "debut_date", _DEBUTED
    if not actual:
        return declined(
            t(unknown, lang, name=person.name),
            intent.name,
            [person.label],
            lang,
        )
    shown = format_date(actual, lang)
    if _date_matches(actual, stated):
        return found(
            _yes(lang, t(yes, lang, name=person.name, date=shown)),
            card.source_of(attribute),
            intent.name,
            (person,),
            lang,
        )
    return found(
        _no(lang, t(no, lang, name=person.name, date=shown, stated=stated.text)),
        card.source_of(attribute),
        intent.name,
        (person,),
        lang,
    )


async def album_check(
    store: Store, intent: Intent, works: Sequence[EntityRef], lang: str
) -> Answer | None:
    """Answer whether a song is on a release (a single's album counts, a repackage's
    original does not), or None when the works are not a song and a release."""
    songs = [w for w in works if w.kind == "song"]
    releases = [w for w in works if w.kind == "release"]
    if not songs or not releases:
        return None
    song, release = songs[0], releases[0]
    on = await db.releases_with_song(store, song.id)
    containing = []
    for track in on:
        rel = await db.release(store, track.release.id)
        if rel is not None:
            containing.append(rel)
    if not containing:
        return declined(
            t(
                "I don't know whether {song} is on {release}.",
                lang,
                song=q(song),
                release=q(release),
            ),
            intent.name,
            [song.label],
            lang,
        )
    sources = merge_sources(*[await cards._sources(store, r.entity.id) for r in containing])
    # A single is on the album it was released from; a repackage's new songs are not on the
    # album it repackages ("Spring Day" is on "You Never Walk Alone", not on "Wings").
    hit = [
        r
        for r in containing
        if r.entity.id == release.id
        or (r.type == "single" and r.parent is not None and r.parent.id == release.id)
    ]
    if hit:
        return found(
            _yes(
                lang,
                t("{song} is on {release}.", lang, song=q(song), release=q(release)),
            ),
            sources,
            intent.name,
            (song, release),
            lang,
        )
    names = join_list([_release_name(r, release, lang) for r in containing], lang)
    return found(
        _no(
            lang,
            t(
                "{song} is on {names}, not on {release}.",
                lang,
                song=q(song),
                names=names,
                release=q(release),
            ),
        ),
        sources,
        intent.name,
        (song, release),
        lang,
    )


def _release_name(rel: db.ReleaseRow, asked: EntityRef, lang: str) -> str:
    """Name a release a song is on, saying so when it repackages the release asked about."""
    name = q(EntityRef.of(rel.entity))
    if rel.type == "repackage" and rel.parent is not None and rel.parent.id == asked.id:
        return t("{name} (the repackage of {parent})", lang, name=name, parent=q(asked))
    return name


# ------------------------------------------------------------------------------ premises
@dataclass(frozen=True, slots=True)
class Premise:
    """A correction of something the question took for granted, with its sources."""

    text: str
    sources: tuple[SourceRef, ...]
    lang: str

    def prepend_to(self, result: Answer) -> Answer:
        """Return the answer with the correction first (answered: the correction is a fact)."""
        return Answer(
            f"{self.text}\n{result.text}",
            merge_sources(self.sources, result.sources),
            True,
            result.suggestions,
            result.intent,
            result.entities,
            self.lang,
        )


async def premise(
    store: Store,
    intent: Intent,
    entity: EntityRef,
    extra: Sequence[Match],
    text: str,
    lang: str,
) -> Premise | None:
    """Return a correction when the question presumes a wrong artist, year or album."""
    if entity.kind == "artist" or intent.name in (
        IntentName.SAMPLES,
        IntentName.REFERENCES_IN,
        IntentName.REFERENCES_OUT,
    ):
        return None
    stated = stated_date(text)
    if not any(m.kind == "artist" for m in extra) and (stated is None or stated.year is None):
        return None  # nothing presumed: no other artist named, no year stated
    notes: list[str] = []
    sources: list[SourceRef] = []
    performers = await db.performers(store, entity.id)
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        if v and v.song:
            performers = await db.performers(store, v.song.id)
    credited = (
        {
            line.artist.id
            for g in (await cards.kept_credits_view(store, entity.id)).groups
            for line in g.lines
        }
        if entity.kind != "work"
        else set()
    )
    view = await cards.kept_credits_view(store, entity.id) if entity.kind != "work" else None
    for m in extra:
        if m.kind != "artist" or not performers:
            continue
        if m.id in {p.artist.id for p in performers}:
            continue
        if m.id in credited:
            if intent.name is IntentName.PERFORMER and view is not None:
                # "What verse did V sing on Love wins all?": V is credited, but not as a singer.
                roles = [
                    line.role for g in view.groups for line in g.lines if line.artist.id == m.id
                ]
                shown = join_list([role_title(r, lang) for r in dict.fromkeys(roles)], lang)
                notes.append(
                    t(
                        "Note: {name} does not sing on {entity}; the catalog credits "
                        "{name} as {shown}.",
                        lang,
                        name=m.name,
                        entity=q(entity),
                        shown=shown,
                    )
                )
                sources.extend(
                    s
                    for g in view.groups
                    for line in g.lines
                    if line.artist.id == m.id
                    for s in line.sources
                )
            elif not intent.roles or DUET.search(text) or _FEATURING.search(text):
                # "What year did V release Love wins all?": V is on it, but did not release it.
                edges = await edges_between(store, await holdings(store, entity), m.ref)
                if edges and not any(e.role == "featured artist" for e in edges):
                    notes.append(
                        t(
                            "Note: {title} is by {by}; {facts}.",
                            lang,
                            title=q(entity),
                            by=join_list([p.artist.name for p in performers], lang),
                            facts=await edges_text(store, edges, lang),
                        )
                    )
                    sources.extend(SourceRef.of(p.source) for p in performers)
                    sources.extend(edge_sources(edges))
            continue
        if await _member_of_any(store, m.id, [p.artist.id for p in performers]):
            continue
        names = join_list([p.artist.name for p in performers], lang)
        notes.append(
            t(
                "Note: {entity} in the catalog is by {names}, not {name}.",
                lang,
                entity=q(entity),
                names=names,
                name=m.name,
            )
        )
        sources.extend(SourceRef.of(p.source) for p in performers)
        break
    date = stated
    if date is not None and date.year is not None and intent.name is not IntentName.DATE:
        dated = await answers.release_date(store, entity)
        if dated is not None and not dated[0].startswith(str(date.year)):
            notes.append(
                t(
                    "Note: {entity} came out in {dated}, not {year}.",
                    lang,
                    entity=q(entity),
                    dated=dated[0][:4],
                    year=date.year,
                )
            )
            sources.extend(dated[2])
    if not notes:
        return None
    return Premise("\n".join(notes), merge_sources(sources), lang)


async def _member_of_any(store: Store, person_id: int, group_ids: Sequence[int]) -> bool:
    return any(g.group.id in group_ids for g in await db.groups_of(store, person_id))


def same_name(a: str, b: str) -> bool:
    """Tell whether two names have the same search form."""
    return normalize(a) == normalize(b)
