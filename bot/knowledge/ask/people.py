"""Answers about artists: who performs a song, names, birthdays and ages, debut, groups,
leaders and agencies, in English or Korean, each fact with its source."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import N_, t
from bot.knowledge import cards
from bot.knowledge.ask.answers import q
from bot.knowledge.ask.intents import Intent, IntentName
from bot.knowledge.ask.model import Answer, declined, found, merge_sources
from bot.knowledge.cards import SourceRef
from bot.knowledge.entities import EntityRef
from bot.knowledge.normalize import normalize
from bot.knowledge.placeholders import known
from bot.knowledge.wording import format_date, join_list, years_between
from bot.store import catalog as db
from bot.store.core import Store


async def performer_answer(store: Store, intent: Intent, entity: EntityRef, lang: str) -> Answer:
    """Answer who sings a song (or whose release or video it is)."""
    subject_id = entity.id
    if entity.kind == "video":
        v = await db.video(store, entity.id)
        subject_id = v.song.id if v and v.song else entity.id
    performers = await db.performers(store, subject_id)
    if not performers:
        return declined(
            t("I don't know who performs {entity}.", lang, entity=q(entity)),
            intent.name,
            [entity.label],
            lang,
        )
    names = join_list([p.artist.name for p in performers], lang)
    sources = merge_sources([SourceRef.of(p.source) for p in performers])
    # A featured artist sings on it too: "Who sang Eight with IU?" is answered by the credit.
    featured = (await cards.kept_credits_view(store, entity)).role("featured artist")
    text = t("{entity} is by {names}.", lang, entity=q(entity), names=names)
    if featured:
        guests = join_list(list(dict.fromkeys(line.artist.name for line in featured)), lang)
        text += " " + t("Featured artist: {names}.", lang, names=guests)
        sources = merge_sources(sources, *(line.sources for line in featured))
    return found(
        text,
        sources,
        intent.name,
        (entity,),
        lang,
    )


async def _person(store: Store, card: cards.ArtistCard, entity: EntityRef) -> str:
    """Return how an answer names the person: by their name, or, when another stored artist
    shares it, by their label ("Hyunjin (Stray Kids)": LOONA has a Hyunjin too), so the
    reader knows which one the answer is about."""
    name = card.artist.name
    if card.kind == "group" or entity.label == name:
        return name
    hits = await db.names_exact(store, normalize(name), ("artist",), 2)
    return entity.label if any(h.entity_id != entity.id for h in hits) else name


async def roles_in_group(
    store: Store, group_id: int, role: str
) -> tuple[list[EntityRef], tuple[SourceRef, ...]]:
    """Return the members whose stated roles include ``role`` ("leader", "maknae")."""
    people: list[EntityRef] = []
    sources: list[SourceRef] = []
    for person_id, roles, source in await db.member_roles(store, group_id):
        if role in [r.strip().lower() for r in roles.split(",")]:
            row = await db.entity(store, person_id)
            if row is not None and row.id not in [p.id for p in people]:
                people.append(EntityRef.of(row))
                sources.append(SourceRef.of(source))
    return people, merge_sources(sources)


async def holder_names(store: Store, group_id: int, people: Sequence[EntityRef], lang: str) -> str:
    """Join the names of a group's role holders, marking those who have left the group."""
    left = {
        m.person.id for m in cards.member_lines(await db.members_of(store, group_id)) if m.former
    }
    return join_list(
        [
            t("{name} (a former member)", lang, name=p.name) if p.id in left else p.name
            for p in people
        ],
        lang,
    )


async def artist_answer(
    store: Store, intent: Intent, entity: EntityRef, lang: str, on: str | None = None
) -> Answer:
    """Answer a fact about an artist: birthday, age, debut, members, groups, agency, names."""
    card = await cards.artist_card(store, entity.id)
    name_n = intent.name
    # Membership answers name the groups themselves; every other answer names whom it means.
    name = (
        card.artist.name
        if name_n in (IntentName.MEMBERS, IntentName.GROUPS)
        else await _person(store, card, entity)
    )
    if name_n in (IntentName.BIRTHDAY, IntentName.AGE):
        return _birth_answer(card, name, intent, entity, lang, on)
    if name_n is IntentName.DEBUT:
        if card.debut_date:
            return found(
                t(
                    "{name} debuted on {debut_date}.",
                    lang,
                    name=name,
                    debut_date=format_date(card.debut_date, lang),
                ),
                card.source_of("debut_date"),
                name_n,
                (entity,),
                lang,
            )
        return declined(
            t("I don't have a debut date for {name}.", lang, name=name),
            name_n,
            [entity.label],
            lang,
        )
    if name_n is IntentName.DISBAND:
        if card.kind != "group":
            return declined(
                t("{name} is not a group.", lang, name=name), name_n, [entity.label], lang
            )
        if card.end_date and card.source_of("end_date"):
            return found(
                t(
                    "{name} disbanded on {end_date}.",
                    lang,
                    name=name,
                    end_date=format_date(card.end_date, lang),
                ),
                card.source_of("end_date"),
                name_n,
                (entity,),
                lang,
            )
        return declined(
            t("I don't know of {name} disbanding.", lang, name=name),
            name_n,
            [entity.label],
            lang,
        )
    if name_n is IntentName.LEGAL_NAME:
        # A dataset's placeholder ("unknown_magenta") is not a name: never state it.
        legal, legal_hangul = known(card.legal_name), known(card.legal_name_hangul)
        if legal or legal_hangul:
            shown = (
                join_list(
                    # One name, once: a dataset may give the same one in both fields.
                    list(dict.fromkeys(n for n in (legal, legal_hangul) if n and n != name)),
                    lang,
                    "or",
                )
                or name
            )
            return found(
                t("{name}'s real name is {shown}.", lang, name=name, shown=shown),
                card.source_of("legal_name"),
                name_n,
                (entity,),
                lang,
            )
        if card.kind == "group":
            return declined(
                t("{name} is a group; a group has no legal name of its own.", lang, name=name),
                name_n,
                [entity.label],
                lang,
            )
        return declined(
            t("I don't have a real name for {name}.", lang, name=name),
            name_n,
            [entity.label],
            lang,
        )
    if name_n in PLACES:
        return await _position_answer(store, card, intent, entity, lang)
    if name_n is IntentName.OLDEST:
        return await _oldest_answer(store, card, entity, lang)
    if name_n in (IntentName.MEMBERS, IntentName.GROUPS) and card.members:
        current = [m for m in card.members if not m.former]
        former = [m for m in card.members if m.former]
        if current:
            text = t("Members of {name}: ", lang, name=name)
            text += ", ".join(m.person.name for m in current)
            if former:
                text += t("; former: ", lang) + ", ".join(m.person.name for m in former)
        else:  # every member has left (a group that disbanded): no empty list
            text = t("Former members of {name}: ", lang, name=name)
            text += ", ".join(m.person.name for m in former)
        return found(
            text + ".", merge_sources(*(m.sources for m in card.members)), name_n, (entity,), lang
        )
    if name_n in (IntentName.MEMBERS, IntentName.GROUPS) and card.groups:
        groups = join_list([m.group.name for m in card.groups if not m.former], lang)
        left = join_list([m.group.name for m in card.groups if m.former], lang)
        said = (
            [t("{name} is a member of {groups}.", lang, name=name, groups=groups)] if groups else []
        )
        if left:
            said.append(t("{name} is a former member of {group}.", lang, name=name, group=left))
        return found(
            " ".join(said),
            merge_sources(*(m.sources for m in card.groups)),
            name_n,
            (entity,),
            lang,
        )
    sung = (
        await db.performed_by(store, entity.id)
        if name_n in (IntentName.MEMBERS, IntentName.GROUPS) and card.kind == "person"
        else []
    )
    if sung:
        # "iu's group": a person in no group who performs songs under their own name is a
        # soloist, not an unknown; the songs say so, with their sources.
        return found(
            t(
                "{name} is a solo artist: in no group in the catalog, and the performer of "
                "{works}.",
                lang,
                name=name,
                works=join_list([q(EntityRef.of(row)) for row, _ in sung], lang),
            ),
            merge_sources([SourceRef.of(source) for _, source in sung]),
            name_n,
            (entity,),
            lang,
        )
    if name_n in (IntentName.MEMBERS, IntentName.GROUPS):
        return declined(
            t("I have no group or member information for {name}.", lang, name=name),
            name_n,
            [entity.label],
            lang,
        )
    if name_n is IntentName.AGENCY:
        agency = known(card.agency)
        sources = card.source_of("agency")
        if not agency and card.groups:
            # A member's agency is usually the group's: say so, from the group's own record.
            group_card = await cards.artist_card(store, card.groups[0].group.id)
            if known(group_card.agency):
                return found(
                    t(
                        "{name} is in {group}, whose agency is {agency}.",
                        lang,
                        name=name,
                        group=group_card.artist.name,
                        agency=group_card.agency,
                    ),
                    merge_sources(group_card.source_of("agency"), card.groups[0].sources),
                    name_n,
                    (entity,),
                    lang,
                )
        if agency:
            return found(
                t("{name}'s agency: {agency}.", lang, name=name, agency=agency),
                sources,
                name_n,
                (entity,),
                lang,
            )
        return declined(
            t("I don't have an agency for {name}.", lang, name=name),
            name_n,
            [entity.label],
            lang,
        )
    return declined(
        t("I can't answer that about {name}.", lang, name=name),
        name_n,
        [entity.label],
        lang,
    )


def _birth_answer(
    card: cards.ArtistCard, name: str, intent: Intent, entity: EntityRef, lang: str, on: str | None
) -> Answer:
    if card.kind == "group":
        text = t("{name} is a group, not a person", lang, name=name)
        if card.debut_date:
            text += t(
                "; it debuted on {debut_date}.", lang, debut_date=format_date(card.debut_date, lang)
            )
            return found(text, card.source_of("debut_date"), intent.name, (entity,), lang)
        return declined(
            text + t(", and I have no debut date for it.", lang),
            intent.name,
            (),
            lang,
        )
    if not card.birth_date:
        return declined(
            t("I don't have a birth date for {name}.", lang, name=name),
            intent.name,
            [entity.label],
            lang,
        )
    born = t(
        "{name} was born on {birth_date}",
        lang,
        name=name,
        birth_date=format_date(card.birth_date, lang),
    )
    if intent.name is IntentName.AGE and on and len(on) == 4:
        # "How old was IU in 2017?": the age reached that year, since the day is not given.
        years = years_between(card.birth_date, f"{on}-12-31")
        if years is not None:
            born += t(", so {name} turned {years} in {on}.", lang, name=name, years=years, on=on)
            return found(born, card.source_of("birth_date"), intent.name, (entity,), lang)
    if intent.name is IntentName.AGE and on:
        years = years_between(card.birth_date, on)
        if years is not None:
            born += t(
                ", so on {on} they were {years}.", lang, on=format_date(on, lang), years=years
            )
            return found(born, card.source_of("birth_date"), intent.name, (entity,), lang)
    return found(born + ".", card.source_of("birth_date"), intent.name, (entity,), lang)


# A place in a group: the role a dataset states for it, and how an answer names it.
PLACES: dict[IntentName, tuple[str, str]] = {
    IntentName.LEADER: ("leader", N_("leader")),
    IntentName.MAKNAE: ("maknae", N_("maknae (youngest member)")),
    IntentName.MAIN_VOCAL: ("main vocal", N_("main vocalist")),
    IntentName.MAIN_DANCER: ("main dancer", N_("main dancer")),
    IntentName.MAIN_RAPPER: ("main rapper", N_("main rapper")),
    IntentName.VISUAL: ("main visual", N_("visual")),
}


async def _position_answer(
    store: Store, card: cards.ArtistCard, intent: Intent, entity: EntityRef, lang: str
) -> Answer:
    role = intent.name
    stated, title_id = PLACES[role]
    title = t(title_id, lang)
    groups = [card.artist] if card.kind == "group" else [m.group for m in card.groups]
    for group in groups:
        people, sources = await roles_in_group(store, group.id, stated)
        if people:
            who = await holder_names(store, group.id, people, lang)
            # The person first: "… and when is her birthday" asks about them, not the group.
            return found(
                t("The {title} of {name} is {who}.", lang, title=title, name=group.name, who=who),
                sources,
                role,
                (*people, group),
                lang,
            )
    if role is IntentName.MAKNAE and len(groups) == 1:
        youngest = await youngest_member(store, groups[0], lang)
        if youngest is not None:
            return youngest
    group_name = groups[0].name if groups else card.artist.name
    return declined(
        t(
            "I don't know who the {title} of {group_name} is: no source in the catalog names one.",
            lang,
            title=title,
            group_name=group_name,
        ),
        role,
        [entity.label],
        lang,
    )


async def _oldest_answer(
    store: Store, card: cards.ArtistCard, entity: EntityRef, lang: str
) -> Answer:
    groups = [card.artist] if card.kind == "group" else [m.group for m in card.groups]
    if len(groups) == 1:
        oldest = await oldest_member(store, groups[0], lang)
        if oldest is not None:
            return oldest
    group_name = groups[0].name if groups else card.artist.name
    return declined(
        t(
            "I can't tell who the oldest member of {group} is: the catalog lacks a full birth "
            "date for some current member.",
            lang,
            group=group_name,
        ),
        IntentName.OLDEST,
        [entity.label],
        lang,
    )


async def oldest_member(store: Store, group: EntityRef, lang: str) -> Answer | None:
    """Answer "who is the oldest in TWICE" from the current members' sourced birth dates;
    None when any current member's full date is unknown."""
    return await _by_birth(store, group, lang, oldest=True)


async def youngest_member(store: Store, group: EntityRef, lang: str) -> Answer | None:
    """Answer "who is the youngest in IVE" from the current members' sourced birth dates,
    when no source names a maknae; None when any current member's full date is unknown."""
    return await _by_birth(store, group, lang, oldest=False)


async def _by_birth(store: Store, group: EntityRef, lang: str, *, oldest: bool) -> Answer | None:
    """Answer the youngest (or oldest) current member from sourced full birth dates, or None."""
    members = [m for m in cards.member_lines(await db.members_of(store, group.id)) if not m.former]
    if len(members) < 2:
        return None
    born: list[tuple[str, EntityRef]] = []
    sources: list[SourceRef] = []
    for m in members:
        member = await cards.artist_card(store, m.person.id)
        date = member.birth_date
        if not date or len(date) != 10 or not member.source_of("birth_date"):
            return None
        born.append((date, m.person))
        sources.extend(member.source_of("birth_date"))
    born.sort(key=lambda pair: (pair[0], pair[1].id))
    date, person = born[0] if oldest else born[-1]
    if (born[1] if oldest else born[-2])[0] == date:
        return None  # two born the same day: the dates do not tell
    said = (
        N_(
            "By the stored birth dates, the oldest current member of {group} is {name} "
            "(born {date})."
        )
        if oldest
        else N_(
            "No source in the catalog names a maknae of {group}; by the stored birth dates, "
            "its youngest current member is {name} (born {date})."
        )
    )
    return found(
        t(said, lang, group=group.name, name=person.name, date=format_date(date, lang)),
        merge_sources(sources),
        IntentName.OLDEST if oldest else IntentName.MAKNAE,
        (person, group),
        lang,
    )
