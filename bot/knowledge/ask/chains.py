"""Two-hop questions: answer the inner question, then the outer one about each result.

- "Who directed the video that references No Man's Land?" (what references X, then its director);
- "What else did the composer of Love wins all write?" (a credit, then that person's works);
- "Which songs did RM and Suga both write?" (two people's credits, intersected);
- "Which BLACKPINK member wrote Lovesick Girls?" (a group's members, intersected with credits);
- "How old was IU when Palette came out?" (a release date, then an age on it).

Both hops are stated, each with its sources, so a reader can check the chain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.errors import UserError, echo
from bot.core.i18n import N_, t, tn
from bot.knowledge import cards
from bot.knowledge.ask import answers
from bot.knowledge.ask.answers import q, quote, subject_phrase
from bot.knowledge.ask.dispatch import dispatch
from bot.knowledge.ask.finding import exact_spans
from bot.knowledge.ask.intents import ALL_KINDS, Intent, IntentName, by_name, detect
from bot.knowledge.ask.model import Answer, declined, found, merge_sources
from bot.knowledge.ask.parsing import candidate_runs, is_korean
from bot.knowledge.ask.parts import POSITIONS, artists_named, group_context, member_and_group
from bot.knowledge.ask.relations import (
    FORMER_MEMBER,
    Asked,
    Edge,
    Holdings,
    edge_sources,
    edges_between_many,
    holdings,
)
from bot.knowledge.ask.verdicts import asked_relation, edges_text, noted_in_video
from bot.knowledge.cards import SourceRef
from bot.knowledge.entities import EntityRef
from bot.knowledge.search import Match, resolve_one
from bot.knowledge.wording import format_date, join_list, role_title, years_between
from bot.store import catalog as db
from bot.store.core import Store

_REFERENCING = re.compile(
    r"\b(?:the\s+)?(?:music\s+video|video|mv|m/v|song|track|one)s?\s+(?:that|which)\s+"
    r"(?:references?|referenced|quotes?|quoted|homages?|pays?\s+homage\s+to|paid\s+homage\s+to|"
    r"nods?\s+to|alludes?\s+to|echoes|samples?|sampled|interpolates?|interpolated)\s+"
    r"(?P<name>.+?)(?P<tail>\s+(?:come|came)\s+out|\s+(?:get\s+|got\s+)?released|"
    r"\s+drop(?:ped)?)?\s*\??$",
    re.IGNORECASE,
)
_REFERENCING_KO = re.compile(
    r"(?P<name>.+?)(?:을|를)?\s*(?:오마주|레퍼런스|인용|참고)(?:한|했던)\s*(?:뮤비|뮤직비디오|영상|곡|노래)"
)
# "Who composed the song that the Love wins all video references?": the first hop goes out.
_REFERENCED_BY = re.compile(
    r"\b(?:the\s+)?(?:music\s+video|video|mv|m/v|song|track|thing|work|one)s?\s+(?:that|which)\s+"
    r"(?:the\s+)?(?P<name>.+?)\s+(?:references?|referenced|quotes?|quoted|homages?|samples?|"
    r"sampled|echoes|echoed|alludes?\s+to|nods?\s+to)\s*\??$",
    re.IGNORECASE,
)
# "Who is the leader of the group that sings Next Level?": the first hop is the performer.
_PERFORMED_BY = re.compile(
    r"\b(?:the\s+)?(?:group|band|artist|singer|idol|girl\s+group|boy\s+group)\s+"
    r"(?:that|who|which)\s+(?:sings?|sang|performs?|performed|released|made|did)\s+"
    r"(?P<name>.+?)\s*\??$"
    r"|\b(?:the\s+)?(?:group|band|artist|singer)\s+(?:behind|of)\s+(?P<name2>.+?)\s*\??$",
    re.IGNORECASE,
)
_PERFORMED_BY_KO = re.compile(
    r"(?P<name>.+?)\s*(?:을|를)?\s*(?:부른|노래한|발표한)\s*(?:그룹|가수|팀)"
)
# "other songs by Love wins all's composer", "what else did Spring Day's producer make".
_OTHER = re.compile(r"\belse\b|\bother\b|\bmore\b|\balso\b|다른|또", re.IGNORECASE)
_ROLE_WORD = re.compile(
    r"\b(composer|lyricist|producer|director|arranger|songwriter|writer)s?\b|"
    r"(작곡가|작사가|프로듀서|감독|편곡자)",
    re.IGNORECASE,
)
_ROLE_WORDS = {
    "composer": "composer",
    "lyricist": "lyricist",
    "producer": "producer",
    "director": "mv director",
    "arranger": "arranger",
    "songwriter": "lyricist",
    "writer": "lyricist",
    "작곡가": "composer",
    "작사가": "lyricist",
    "프로듀서": "producer",
    "감독": "mv director",
    "편곡자": "arranger",
}
_OTHER_WORKS = re.compile(
    r"(?:\belse\b|\bother\b|\bmore\b|다른|또).*?\b(?:the\s+)?(?P<role>composer|lyricist|producer|"
    r"director|arranger|songwriter|writer)s?\s+(?:of|for|on|behind)\s+(?P<name>.+?)"
    r"(?:\s+(?:write|wrote|compose|composed|produce|produced|direct|directed|make|made|do|did|"
    r"work on|worked on|arrange|arranged))?\s*\??$"
    r"|\b(?:the\s+)?(?P<role2>composer|lyricist|producer|director|arranger|songwriter|writer)s?\s+"
    r"(?:of|for|on|behind)\s+(?P<name2>.+?)\s+(?:also|else)\b",
    re.IGNORECASE,
)
_OTHER_WORKS_KO = re.compile(
    r"(?P<name>.+?)\s*(?P<role>작곡가|작사가|프로듀서|감독|편곡자)(?:의|가|이)?\s*(?:쓴|만든|작업한)?\s*"
    r"(?:다른|또 다른)"
)
# "What films did the Love wins all director make?": the role holder's works are asked for.
_MADE = re.compile(
    r"\b(?:what|which)\b.*\b(?:make|made|direct|directed|do|did|done|write|wrote|written|"
    r"compose|composed|produce|produced|work(?:ed)?\s+on|films?|movies?|dramas?|works?|songs?)\b|"
    r"(?:작곡가|작사가|프로듀서|감독|편곡자)(?:이|가|의)?\s*(?:만든|연출한|쓴|작곡한|작업한|찍은|만들었)",
    re.IGNORECASE,
)
# The tie to an outside work that each credit role continues as.
_LINK_ROLES = {"mv director": ("director",), "lyricist": ("author",)}
_BOTH = re.compile(
    r"\bboth\b|\btogether\b|\bin common\b|\bthe same (?:person|people|one|director|writer|"
    r"composer|producer|lyricist)\b|같이|함께|둘 다|공동",
    re.IGNORECASE,
)
_WHICH_MEMBER = re.compile(
    r"\bwhich\s+(?:\S+\s+){0,3}?members?\b|\bwho\s+(?:in|from|of)\s+\S+|\bwhich of\b|"
    r"멤버\s*중|멤버\s*누가|멤버가|멤버\s*(?:누구|는|은)|멤버\s*\??$",
    re.IGNORECASE,
)
# "Who's older, Jin or Suga?", "진이랑 슈가 중에 누가 더 나이 많아?"
_OLDER = re.compile(
    r"\b(?P<en>older|younger)\b|누가\s*더\s*(?:(?P<old>나이\s*많|형|언니|오빠|누나)|어려|어리|나이\s*적)",
    re.IGNORECASE,
)
_NAMES_APART = re.compile(r"\s*(?:,|\bor\b|\band\b|\bvs\.?|\bversus\b|[?!.])\s*", re.IGNORECASE)
_WHEN = re.compile(r"\bwhen\b|\bat the time\b|때", re.IGNORECASE)
WRITING_ROLES = ("lyricist", "composer", "writer")


def _ref(m: Match) -> EntityRef:
    return m.ref


async def _entities(store: Store, text: str, kinds: Sequence[str] | None = None) -> list[EntityRef]:
    """Return the known names in text (one entity per span), longest spans first."""
    _, spans = detect(text)
    runs = candidate_runs(text, spans, trim=False)
    out = []
    for _span, matches in await exact_spans(store, runs, kinds):
        out.append(_ref(matches[0]))
    return out


async def _resolve_name(store: Store, name: str, kinds: Sequence[str]) -> EntityRef | None:
    """Return the entity a name means, by the resolver every command uses, else a known span."""
    try:
        match = await resolve_one(store, name, kinds, prefer="song")
    except UserError:
        match = None
    if match is not None and match.tier in ("exact", "id", "prefix", "substring"):
        return match.ref
    found_ = await _entities(store, name, kinds)
    return found_[0] if found_ else None


async def _named(
    store: Store, name: str, kinds: Sequence[str], intent: str, lang: str
) -> EntityRef | Answer:
    """Return the entity a hop names, or the decline that says the name is unknown."""
    ref = await _resolve_name(store, name, kinds)
    if ref is None:
        return declined(
            t("I don't know anything called {name}.", lang, name=quote(echo(name))),
            intent,
            lang=lang,
        )
    return ref


async def try_chain(
    store: Store, intent: Intent, text: str, runs: list[list[tuple[str, str]]], on: str
) -> Answer | None:
    """Answer a two-hop question, or return None when the question has one hop."""
    lang = "ko" if is_korean(text) else "en"
    m = _REFERENCING.search(text) or _REFERENCING_KO.search(text)
    if m:
        tail = m.groupdict().get("tail") or ""
        outer_text = (
            text[: m.start()]
            + " "
            + text[m.end() :]
            + tail
            + (" video" if m.re is _REFERENCING else " 뮤비")
        )
        outer, _ = detect(outer_text)
        if outer is not None and outer.name not in (
            IntentName.REFERENCES_IN,
            IntentName.REFERENCES_OUT,
            IntentName.SAMPLES,
        ):
            return await _via_references(store, outer, m.group("name"), lang)
    m = _REFERENCED_BY.search(text)
    if m:
        outer, _ = detect(text[: m.start()] + " " + text[m.end() :])
        if outer is not None and outer.name not in (
            IntentName.REFERENCES_IN,
            IntentName.REFERENCES_OUT,
            IntentName.SAMPLES,
        ):
            return await _via_referenced(store, outer, m.group("name"), lang)
    m = _PERFORMED_BY.search(text) or _PERFORMED_BY_KO.search(text)
    if m:
        rest = text[: m.start()] + " " + text[m.end() :]
        name = m.groupdict().get("name") or m.groupdict().get("name2") or ""
        outer, _ = detect(rest + (" 그룹" if m.re is _PERFORMED_BY_KO else " group"))
        if name and outer is not None and outer.name is not IntentName.PERFORMER:
            return await _via_performer(store, outer, name, lang)
    besides = await _works_besides(store, text, lang)
    if besides is not None:
        return besides
    m = _OTHER_WORKS.search(text) or _OTHER_WORKS_KO.search(text)
    if m:
        role_word = (m.groupdict().get("role") or m.groupdict().get("role2") or "").lower()
        name = m.groupdict().get("name") or m.groupdict().get("name2") or ""
        if role_word in _ROLE_WORDS and name:
            return await _other_works(store, _ROLE_WORDS[role_word], name, lang)
    other = await _other_works_loose(store, text, lang)
    if other is not None:
        return other
    held_by = await _via_role_holder(store, text, lang, on)
    if held_by is not None:
        return held_by
    member = await _via_member(store, text, lang, on)
    if member is not None:
        return member
    placed = await _via_position(store, text, lang, on)
    if placed is not None:
        return placed
    inner = _WITH_INSIDE.search(text)
    if inner is not None and inner.start() > 0:
        # "who directed the mv for the song iu did with suga": the song first, then the role.
        leading = await _leading_artist(store, text[inner.end() - 1 :])
        after = leading[1] if leading else ""
        outer, _ = detect(text[: inner.start()] + " song " + after)
        together = await song_with(store, text[inner.start() :])
        if outer is not None and together is not None:
            if not together.answered or len(together.entities) != 1:
                return together
            result = await dispatch(store, outer, together.entities[0], "", lang, on)
            return (
                found(
                    together.text + "\n" + result.text,
                    merge_sources(together.sources, result.sources),
                    outer.name,
                    together.entities,
                    lang,
                )
                if result.answered
                else result
            )
    if _BOTH.search(text) and (intent.roles or intent.name is IntentName.WRITER):
        things = await _entities(store, text, ("song", "release", "video", "artist"))
        people = [e for e in things if e.kind == "artist"]
        works = [e for e in things if e.kind != "artist"]
        if len(people) >= 2:
            return await _shared_works(store, intent, people[0], people[1], lang)
        if len(works) >= 2 and not people:
            return await _shared_people(store, intent, works[0], works[1], lang)
    which = await which_member(store, intent, text)
    if which is not None:
        return which
    than_ko = _THAN_KO.search(text) if intent.name is IntentName.AGE else None
    if than_ko is not None:
        return await _older_than_ko(store, intent, than_ko, lang)
    older = _OLDER.search(text) if intent.name is IntentName.AGE else None
    if older is not None:
        return await _older(store, intent, text, older, lang)
    if intent.name is IntentName.AGE and _WHEN.search(text):
        things = await _entities(store, text, ALL_KINDS)
        people = [e for e in things if e.kind == "artist"]
        works = [e for e in things if e.kind != "artist"]
        if people and works:
            return await _age_at_release(store, intent, people[0], works[0], lang)
    return None


async def which_member(store: Store, intent: Intent | None, text: str) -> Answer | None:
    """Answer "which BTS member is in the Love wins all MV" (a group, a work); else None."""
    if not _WHICH_MEMBER.search(text):
        return None
    lang = "ko" if is_korean(text) else "en"
    things = await _entities(store, text, ALL_KINDS)
    works = [e for e in things if e.kind != "artist"]
    groups = []
    for e in things:
        if e.kind == "artist":
            row = await db.artist(store, e.id)
            if row is not None and row.kind == "group":
                groups.append(e)
    if not groups or not works:
        return None
    return await _member_credited(store, intent, groups[0], works[0], text, lang)


async def _via_references(store: Store, outer: Intent, name: str, lang: str) -> Answer:
    target = await _named(store, name, ("work", "song", "video", "release"), outer.name, lang)
    if isinstance(target, Answer):
        return target
    view = await cards.references_view(store, target.id, include_related=False)
    subjects = list(dict.fromkeys(line.source_entity for line in view.incoming))
    if not subjects:
        return declined(
            t("I don't know of anything that references {target}.", lang, target=q(target)),
            outer.name,
            [target.label],
            lang,
        )
    first_hop = join_list([await subject_phrase(store, s, lang) for s in subjects], lang)
    hop_sources = merge_sources(*(line.sources for line in view.incoming))
    lines, sources = [], list(hop_sources)
    for subject in subjects:
        result = await dispatch(store, outer, subject, "", lang, "")
        if result.text not in lines:  # a song and its video may have one director
            lines.append(result.text)
        sources.extend(result.sources)
    head = t("{target} is referenced by {first_hop}.", lang, target=q(target), first_hop=first_hop)
    return found(
        "\n".join([head, *lines]), merge_sources(sources), outer.name, tuple(subjects), lang
    )


async def _via_performer(store: Store, outer: Intent, name: str, lang: str) -> Answer:
    """Answer a question about the artist who performs a work (the first hop is the performer)."""
    work = await _named(store, name, ("song", "video", "release"), outer.name, lang)
    if isinstance(work, Answer):
        return work
    held = await holdings(store, work)
    if not held.performers:
        return declined(
            t("I don't know who performs {work}.", lang, work=q(work)),
            outer.name,
            [work.label],
            lang,
        )
    artists = list(dict.fromkeys(EntityRef.of(p.artist) for p in held.performers))
    head = t(
        "{work} is by {names}.",
        lang,
        work=q(work),
        names=join_list([a.name for a in artists], lang),
    )
    lines, sources = [head], list(held.performer_sources)
    for artist in artists:
        result = await dispatch(store, outer, artist, "", lang, "")
        lines.append(result.text)
        sources.extend(result.sources)
    return found("\n".join(lines), merge_sources(sources), outer.name, (work, *artists), lang)


async def other_works_of(store: Store, intent: Intent, work: EntityRef, text: str) -> Answer | None:
    """Answer "what else did they direct" about a work named before, or None."""
    if not _OTHER.search(text) or work.kind == "artist" or not intent.roles:
        return None
    lang = "ko" if is_korean(text) else "en"
    return await _other_works(store, intent.roles[0], work.name, lang, work)


async def _other_works_loose(store: Store, text: str, lang: str) -> Answer | None:
    """Answer "other songs by <work>'s <role>" in any word order, or None."""
    if not _OTHER.search(text) and not _MADE.search(text):
        return None
    role_m = _ROLE_WORD.search(text)
    if role_m is None:
        return None
    word = (role_m.group(1) or role_m.group(2) or "").lower()
    rest = (text[: role_m.start()] + " " + text[role_m.end() :]).replace("'s ", " ")
    rest = rest.replace("’s ", " ")
    works = [
        e for e in await _entities(store, rest, ("song", "video", "release")) if e.kind != "artist"
    ]
    if not works or word not in _ROLE_WORDS:
        return None
    kind = answers.asked_work_kind(text)
    return await _other_works(store, _ROLE_WORDS[word], works[0].name, lang, works[0], kind)


# "what else did kenzie write besides red flavor", "what other mvs did seo hyun-seung direct
# apart from lovesick girls": a named person's other credits in the role asked, the work named
# left out (never that work's own credits as the answer).
_BESIDES = re.compile(
    r"[\s,]*\b(?:besides|other\s+than|apart\s+from|aside\s+from|except(?:\s+for)?|excluding|"
    r"not\s+counting)\s+(?P<name>[^,?]+?)\s*\??$",
    re.IGNORECASE,
)


# What "who directed X besides PERSON" says: the person holds no such credit; the others;
# the person alone.
_NOT_AMONG = N_("{person} is not credited as {title} on {subject}; the credit goes to {names}.")
_BESIDES_THEM = N_("Besides {person}, {title} of {subject}: {names}.")
_ONLY_ONE = N_("{person} is the only {title} credited on {subject}.")


async def _holders_besides(
    store: Store, asked: Intent, head: str, name: str, lang: str
) -> Answer | None:
    """Answer "who directed Blueming besides Lee Rae-kyung": the other holders of the role
    asked on the work, the person named left out (or that there are none), or None."""
    person = await _resolve_name(store, name, ("artist",))
    works = [e for e in await _entities(store, head, ("song", "video", "release"))]
    works = [e for e in works if e.kind != "artist"]
    if person is None or not works:
        return None
    work = works[0]
    view = await cards.kept_credits_view(store, work)
    lines = view.role(*asked.roles)
    subject = await subject_phrase(store, work, lang)
    title = join_list(
        list(dict.fromkeys(role_title(r, lang) for r in asked.roles if view.role(r))), lang
    )
    if not lines:
        return declined(
            t(
                "The catalog has no {title} credit for {subject}, so I can't say who it has "
                "besides {person}.",
                lang,
                title=role_title(asked.roles[0], lang),
                subject=subject,
                person=person.name,
            ),
            asked.name,
            [work.label],
            lang,
        )
    others = tuple(line for line in lines if line.artist.id != person.id)
    if len(others) == len(lines):
        said, names = _NOT_AMONG, lines
    else:
        said, names = (_BESIDES_THEM, others) if others else (_ONLY_ONE, lines)
    text = t(
        said,
        lang,
        person=person.name,
        title=title,
        subject=subject,
        names=answers.names_text(names, lang),
    )
    return found(text, answers.line_sources(lines), asked.name, (work, person), lang)


async def _works_besides(store: Store, text: str, lang: str) -> Answer | None:
    """Answer a named person's other works in a role, one work left out, or None."""
    m = _BESIDES.search(text)
    if m is None or m.start() == 0:
        return None
    head = text[: m.start()]
    asked, _ = detect(head)
    if asked is None or not asked.roles:
        return None
    work = await _resolve_name(store, m.group("name"), ("song", "video", "release"))
    if work is None:
        return await _holders_besides(store, asked, head, m.group("name"), lang)
    people = [e for e in await _entities(store, head, ("artist",)) if e.kind == "artist"]
    if not people:
        return None
    person = people[0]
    left_out = {work.id}
    if work.kind == "song":
        left_out.update(v.entity.id for v in await db.videos_of_song(store, work.id))
    view = await cards.works_by(store, person.id, asked.roles)
    texts, lines = await _credits_besides(store, person, view, left_out, lang)
    sources = [s for line in lines for s in line.sources]
    link_roles = tuple(dict.fromkeys(r for role in asked.roles for r in _LINK_ROLES.get(role, ())))
    linked = await _linked_works(store, view.links, link_roles, None, lang)
    if linked:
        texts.append(f"{person.name} — " + "; ".join(text for text, _ in linked) + ".")
        sources.extend(source for _, source in linked)
    if not texts:
        role = "writer" if "writer" in asked.roles else asked.roles[0]
        return declined(
            t(
                "The catalog has no other {title} credits for {name}.",
                lang,
                title=role_title(role, lang),
                name=person.name,
            ),
            "works",
            [person.label],
            lang,
        )
    subjects = list(dict.fromkeys(line.subject for line in lines))
    return found("\n".join(texts), merge_sources(sources), "works", (person, *subjects), lang)


async def _credits_besides(
    store: Store,
    person: EntityRef,
    view: cards.WorksView,
    left_out: set[int],
    lang: str,
) -> tuple[list[str], list[cards.CreditLine]]:
    """Word a person's credits with some works left out, one sentence per role, each role
    named as itself; return the sentences and the credit lines they state."""
    lines = [line for g in view.groups for line in g.lines if line.subject.id not in left_out]
    texts = []
    for role in dict.fromkeys(line.role for line in lines):
        shown = [line for line in lines if line.role == role][: answers.WORKS_LISTED]
        phrases = [await subject_phrase(store, line.subject, lang) for line in shown]
        texts.append(
            t(
                "{name} is also credited as {title} on {shown}.",
                lang,
                name=person.name,
                title=role_title(role, lang),
                shown=", ".join(dict.fromkeys(phrases)),
            )
        )
    listed = [
        line
        for role in dict.fromkeys(line.role for line in lines)
        for line in [x for x in lines if x.role == role][: answers.WORKS_LISTED]
    ]
    return texts, listed


# What a second hop may ask of the person who holds a credit ("the real name of the producer
# of Spring Day", "ditto 작곡가 생일"): facts about a person, answered as for one named.
_PERSON_FACTS = (
    IntentName.LEGAL_NAME,
    IntentName.BIRTHDAY,
    IntentName.AGE,
    IntentName.GROUPS,
    IntentName.AGENCY,
    IntentName.DEBUT,
)
_ROLE_INTENTS = {
    "composer": IntentName.COMPOSER,
    "lyricist": IntentName.LYRICIST,
    "producer": IntentName.PRODUCER,
    "mv director": IntentName.DIRECTOR,
    "arranger": IntentName.ARRANGER,
}
_GROUP_WORD = re.compile(r"\b(?:group|band)s?\b|그룹", re.IGNORECASE)


async def _via_role_holder(store: Store, text: str, lang: str, on: str) -> Answer | None:
    """Answer a fact about who holds a credit on a work (role of work, then person), or None."""
    role_m = _ROLE_WORD.search(text)
    if role_m is None:
        return None
    word = (role_m.group(1) or role_m.group(2) or "").lower()
    role = _ROLE_WORDS.get(word)
    if role is None:
        return None
    rest = (text[: role_m.start()] + " " + text[role_m.end() :]).replace("'s ", " ")
    rest = rest.replace("’s ", " ")
    outer, _ = detect(rest)
    if outer is None:
        return None
    if outer.name is IntentName.PERFORMER and _GROUP_WORD.search(rest):
        # "what group is the lyricist of Spring Day in": the person's group.
        outer = by_name(IntentName.GROUPS)
    if outer.name not in _PERSON_FACTS:
        return None
    works = [e for e in await _entities(store, rest, ("song", "video", "release"))]
    works = [e for e in works if e.kind != "artist"]
    if not works:
        return None
    work = works[0]
    view = await cards.kept_credits_view(store, work.id)
    lines = view.role(role)
    if not lines and role in WRITING_ROLES:
        lines = view.role("writer")  # songs credited to "writers" only
    if not lines:
        # No one holds the role: the first hop's own answer says so.
        return await dispatch(store, by_name(_ROLE_INTENTS[role]), work, "", lang, "")
    people = list(dict.fromkeys(line.artist for line in lines))
    subject = await subject_phrase(store, work, lang)
    texts = [
        t(
            "{title} of {subject}: {names}.",
            lang,
            title=_cap(role_title(lines[0].role, lang)),
            subject=subject,
            names=answers.names_text(lines, lang),
        )
    ]
    sources: list[SourceRef] = list(answers.line_sources(lines))
    for person in people:
        result = await dispatch(store, outer, person, "", lang, on)
        texts.append(result.text)
        sources.extend(result.sources)
    return found("\n".join(texts), merge_sources(sources), outer.name, (work, *people), lang)


# A song described by two of its artists: "the song iu did with suga", "iu song with suga",
# "아이유랑 슈가가 같이 부른 노래".
_WITH = (
    re.compile(
        r"^(?:(?:what|which)(?:'s|\s+is|\s+was)?\s+)?(?:the\s+|that\s+)?"
        r"(?:song|track|single|collab\w*|duet|one)\s+(?:that\s+)?(?P<a>.+?)\s+"
        r"(?:did|made|sang|recorded|released|does|has|had|dropped)\s+with\s+(?P<b>.+?)\s*\??$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:(?:what|which)(?:'s|\s+is|\s+was)?\s+)?(?:the\s+)?(?P<a>.+?)(?:'s)?\s+"
        r"(?:song|track|single|collab\w*|duet)\s+(?:with|featuring|feat\.?|ft\.?)\s+"
        r"(?P<b>.+?)\s*\??$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?P<a>.+?)(?:이랑|랑|하고|와|과)\s+(?P<b>.+?)(?:이|가)?\s*(?:같이|함께)?\s*"
        r"(?:한|부른|낸|작업한)\s*(?:노래|곡)"
    ),
    re.compile(
        r"^(?P<a>.+?)(?:이|가)\s+(?P<b>.+?)(?:이랑|랑|하고|와|과)\s*(?:같이|함께)?\s*"
        r"(?:한|부른|낸|작업한)\s*(?:노래|곡)"
    ),
)
_WITH_INSIDE = re.compile(
    r"\bthe\s+(?:song|track|single|collab\w*)\s+(?:that\s+)?\S.*?\s+"
    r"(?:did|made|sang|recorded|released)\s+with\s+\S",
    re.IGNORECASE,
)
_WITH_LOOKED = 60  # credited works of the two artists looked at, most important first


async def _artist_named(store: Store, name: str) -> EntityRef | None:
    try:
        match = await resolve_one(store, name.strip(), ("artist",), exact_only=True)
    except UserError:
        return None
    return match.ref


_DUET_OF = re.compile(
    r"^(?:is|was)\s+(?P<y>.+?)\s+(?:a\s+)?(?:duet|collab(?:oration)?)\s*\??$"
    r"|^(?P<y2>.+?)\s*(?:은|는)?\s*(?:듀엣곡|듀엣|콜라보)(?:이야|이에요|인가요|야|예요|맞아)?\s*\??$",
    re.IGNORECASE,
)


async def duet_of(store: Store, text: str) -> Answer | None:
    """Answer "is Love wins all a duet" from who performs the song and who is featured."""
    m = _DUET_OF.match(text)
    if m is None:
        return None
    try:
        # The whole text is the title: "팔레트 아이유랑 슈가 듀엣이야?" names people too.
        match = await resolve_one(
            store, (m["y"] or m["y2"] or "").strip(), ("song", "video"), exact_only=True
        )
    except UserError:
        return None
    work = match.ref
    lang = "ko" if is_korean(text, [work.name]) else "en"
    held = await holdings(store, work)
    if not held.performers:
        return None
    featured = held.lines("featured artist")
    voices = [p.artist.name for p in held.performers] + [x.artist.name for x in featured]
    voices = list(dict.fromkeys(voices))
    sources = merge_sources(held.performer_sources, answers.line_sources(featured))
    song = q(held.song or work)
    if len(voices) > 1:
        text_ = t(
            "Yes — {song} is sung by {names}.", lang, song=song, names=join_list(voices, lang)
        )
    else:
        text_ = t("No — {song} is by {name} alone.", lang, song=song, name=voices[0])
        cast = [x for x in held.lines("mv cast") if x.artist.name not in voices]
        if cast:
            text_ += tn(
                " {who} appears in the music video as cast, not on the track.",
                " {who} appear in the music video as cast, not on the track.",
                len(cast),
                lang,
                who=answers.names_text(cast, lang),
            )
            sources = merge_sources(sources, answers.line_sources(cast))
    return found(text_, sources, IntentName.PERFORMER, (work,), lang)


async def _leading_artist(store: Store, text: str) -> tuple[EntityRef, str] | None:
    """Return the artist the text starts with and the words after it ("g-dragon come out":
    G-Dragon, "come out"), the longest name first."""
    words = text.split()
    for size in range(min(len(words), 4), 0, -1):
        artist = await _artist_named(store, " ".join(words[:size]))
        if artist is not None:
            return artist, " ".join(words[size:])
    return None


async def _artist_leading(store: Store, text: str) -> EntityRef | None:
    leading = await _leading_artist(store, text)
    return leading[0] if leading else None


async def song_with(store: Store, text: str) -> Answer | None:
    """Answer which song two artists made together (one performs it, the other is on it)."""
    pair: tuple[EntityRef, EntityRef] | None = None
    unknown: str | None = None
    for shape in _WITH:
        m = shape.match(text)
        if m is None:
            continue
        a = await _artist_named(store, m["a"])
        b = await _artist_leading(store, m["b"]) if a is not None else None
        if a is not None and b is not None and a.id != b.id:
            pair = (a, b)
            break
        if a is not None and b is None:
            unknown = unknown or m["b"].strip()
    lang = "ko" if is_korean(text) else "en"
    if pair is None:
        if unknown is None:
            return None
        # "the song blackpink did with selena gomez": one artist the catalog does not hold.
        return declined(
            t("I don't know anything called {name}.", lang, name=quote(echo(unknown))),
            None,
            lang=lang,
        )
    a, b = pair
    songs: dict[int, EntityRef] = {}
    for artist in (a, b):
        for row in await db.credits_by(store, artist.id, None, _WITH_LOOKED):
            if row.subject.kind == "song":
                songs.setdefault(row.subject.id, EntityRef.of(row.subject))
    lines: list[str] = []
    sources: list[SourceRef] = []
    works: list[EntityRef] = []
    for song in songs.values():
        held = await holdings(store, song)
        edges_a, edges_b = await edges_between_many(store, held, [a, b])
        on_it = ("performer", "featured artist")
        if not edges_a or not edges_b:
            continue
        if not any(e.role in on_it for e in (*edges_a, *edges_b)):
            continue
        subject = await subject_phrase(store, song, lang)
        lines.append(f"{subject} — {await edges_text(store, [*edges_a, *edges_b], lang)}.")
        sources.extend(edge_sources([*edges_a, *edges_b]))
        works.append(song)
    if not works:
        return declined(
            t(
                "The catalog holds no song that both {a} and {b} are on.",
                lang,
                a=a.name,
                b=b.name,
            ),
            None,
            [a.label, b.label],
            lang,
        )
    return found("\n".join(lines), merge_sources(sources), None, tuple(works), lang)


async def _via_position(store: Store, text: str, lang: str, on: str) -> Answer | None:
    """Answer a fact about who holds a place in a group ("twice maknae bday"), or None."""
    found_place = next(
        (
            (place, m)
            for place in (by_name(name) for name in sorted(POSITIONS))
            for pattern in place.patterns
            if (m := pattern.search(text)) is not None
        ),
        None,
    )
    if found_place is None:
        return None
    place, m = found_place
    rest = text[: m.start()] + " " + text[m.end() :]
    outer, _ = detect(rest)
    if outer is None or outer.name not in _PERSON_FACTS:
        return None
    groups = [e for e in await _entities(store, rest, ("artist",)) if e.kind == "artist"]
    if not groups:
        return None
    placed = await dispatch(store, place, groups[0], "", lang, on)
    people = [e for e in placed.entities if e.kind == "artist" and e.id != groups[0].id]
    if not placed.answered or not people:
        return placed  # who holds the place is unknown: so is their fact, and it says so
    texts, sources = [placed.text], list(placed.sources)
    for person in people:
        result = await dispatch(store, outer, person, "", lang, on)
        texts.append(result.text)
        sources.extend(result.sources)
    return found("\n".join(texts), merge_sources(sources), outer.name, tuple(people), lang)


async def _via_referenced(store: Store, outer: Intent, name: str, lang: str) -> Answer:
    """Answer a question about what something references (the first hop goes outward)."""
    source = await _named(store, name, ("song", "video", "release"), outer.name, lang)
    if isinstance(source, Answer):
        return source
    view = await cards.references_view(store, source.id)
    targets = list(dict.fromkeys(line.target for line in view.outgoing))
    subject = await subject_phrase(store, source, lang)
    if not targets:
        return declined(
            t("I have no references stored for {subject}.", lang, subject=subject),
            outer.name,
            [source.label],
            lang,
        )
    head = t(
        "{subject} references {targets}.",
        lang,
        subject=answers.cap_sentence(subject),
        targets=join_list([x.label for x in targets], lang),
    )
    lines, sources = [head], list(merge_sources(*(line.sources for line in view.outgoing)))
    for target in targets:
        if target.kind in outer.kinds:
            result = await dispatch(store, outer, target, "", lang, "")
            lines.append(result.text)
            sources.extend(result.sources)
        else:
            lines.append(
                t(
                    "{label} is not a song or video, so it has no such credit in the catalog.",
                    lang,
                    label=target.label,
                )
            )
    return found("\n".join(lines), merge_sources(sources), outer.name, (source, *targets), lang)


async def _other_works(
    store: Store,
    role: str,
    name: str,
    lang: str,
    known: EntityRef | None = None,
    kind: answers.WorkKind | None = None,
) -> Answer:
    """Answer the second hop "what else did <work>'s <role> make": their other credits in that
    role and their ties to outside works (only films, say, when ``kind`` is given)."""
    work = known or await _resolve_name(store, name, ("song", "video", "release"))
    title = role_title(role, lang)
    if work is None:
        return declined(
            t("I don't know anything called {name}.", lang, name=quote(echo(name))),
            "works",
            lang=lang,
        )
    view = await cards.kept_credits_view(store, work.id)
    lines = view.role(role)
    if not lines and role in WRITING_ROLES:
        # Songs credited to "writers" only: the composer and the lyricist are among them.
        role, lines = "writer", view.role("writer")
        title = role_title(role, lang)
    subject = await subject_phrase(store, work, lang)
    if not lines:
        return declined(
            t(
                "I don't have a {title} credit for {subject}, so I can't say what else they did.",
                lang,
                title=title,
                subject=subject,
            ),
            "works",
            [work.label],
            lang,
        )
    people = list(dict.fromkeys(line.artist for line in lines))
    texts = [
        t(
            "{title} of {subject}: {names}.",
            lang,
            title=_cap(title),
            subject=subject,
            names=answers.names_text(lines, lang),
        )
    ]
    sources: list[SourceRef] = list(answers.line_sources(lines))
    same = (
        {work.id, *[v.entity.id for v in await db.videos_of_song(store, work.id)]}
        if work.kind == "song"
        else {work.id}
    )
    for person in people:
        view_p = await cards.works_by(store, person.id, (role,))
        said, others = await _credits_besides(store, person, view_p, same, lang)
        linked = await _linked_works(store, view_p.links, _LINK_ROLES.get(role, ()), kind, lang)
        if linked:
            texts.append(f"{person.name} — " + "; ".join(text for text, _ in linked) + ".")
            sources.extend(source for _, source in linked)
        if kind is not None:
            if not linked:
                texts.append(
                    t(
                        "The catalog has no {kinds} by {name}.",
                        lang,
                        kinds=t(kind.plural, lang),
                        name=person.name,
                    )
                )
            continue
        if not others:
            # No other credit in the role asked: their other works in any role, each named
            # ("other songs by Blueming's producer": a composer credit is another song).
            texts.append(
                t(
                    "The catalog has no other {title} credits for {name}.",
                    lang,
                    title=title,
                    name=person.name,
                )
            )
            any_role = await cards.works_by(store, person.id)
            said, others = await _credits_besides(store, person, any_role, same, lang)
        texts.extend(said)
        sources.extend(s for line in others for s in line.sources)
    return found("\n".join(texts), merge_sources(sources), "works", (work, *people), lang)


async def _linked_works(
    store: Store,
    links: Sequence[cards.WorkLink],
    roles: Sequence[str],
    kind: answers.WorkKind | None,
    lang: str,
) -> list[tuple[str, SourceRef]]:
    """Word a person's ties to outside works in these roles (of one kind, when given)."""
    out = []
    for link in links:
        if link.role not in roles:
            continue
        w = await db.work(store, link.work.id)
        if kind is not None and (w is None or w.kind not in kind.kinds):
            continue
        out.append((answers.linked_work_text(link, w, lang), link.source))
    return out


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


async def _shared_works(
    store: Store, intent: Intent, a: EntityRef, b: EntityRef, lang: str
) -> Answer:
    roles = WRITING_ROLES if intent.name is IntentName.WRITER else intent.roles
    works_a = await cards.works_by(store, a.id, roles)
    works_b = await cards.works_by(store, b.id, roles)
    lines_a = {line.subject.id: line for g in works_a.groups for line in g.lines}
    lines_b = {line.subject.id: line for g in works_b.groups for line in g.lines}
    shared = [sid for sid in lines_a if sid in lines_b]
    what = join_list([role_title(r, lang) for r in roles], lang, "or")
    if not shared:
        if not lines_a or not lines_b:
            missing = a if not lines_a else b
            return declined(
                t(
                    "I have no {what} credits for {name}, so I can't say what they share.",
                    lang,
                    what=what,
                    name=missing.name,
                ),
                intent.name,
                [missing.label],
                lang,
            )
        return found(
            t(
                "The catalog has no song that credits both {name} and {name2} ({what}).",
                lang,
                name=a.name,
                name2=b.name,
                what=what,
            ),
            merge_sources(*(line.sources for line in [*lines_a.values(), *lines_b.values()][:10])),
            intent.name,
            (a, b),
            lang,
        )
    shown = [await subject_phrase(store, lines_a[sid].subject, lang) for sid in shared]
    sources = merge_sources(
        *(lines_a[sid].sources for sid in shared), *(lines_b[sid].sources for sid in shared)
    )
    return found(
        t(
            "{name} and {name2} are both credited ({what}) on {shown}.",
            lang,
            name=a.name,
            name2=b.name,
            what=what,
            shown=join_list(shown, lang),
        ),
        sources,
        intent.name,
        (a, b),
        lang,
    )


async def _shared_people(
    store: Store, intent: Intent, a: EntityRef, b: EntityRef, lang: str
) -> Answer:
    """Answer who is credited (in the intent's roles) on both of two songs."""
    roles = WRITING_ROLES if intent.name is IntentName.WRITER else intent.roles
    lines_a = (await cards.kept_credits_view(store, a.id)).role(*roles)
    lines_b = (await cards.kept_credits_view(store, b.id)).role(*roles)
    ids_b = {line.artist.id for line in lines_b}
    shared = [line for line in lines_a if line.artist.id in ids_b]
    what = join_list([role_title(r, lang) for r in roles], lang, "or")
    subjects = join_list(
        [await subject_phrase(store, a, lang), await subject_phrase(store, b, lang)], lang
    )
    if not lines_a or not lines_b:
        missing = a if not lines_a else b
        return declined(
            t(
                "I have no {what} credits for {missing}, so I can't compare.",
                lang,
                what=what,
                missing=q(missing),
            ),
            intent.name,
            [missing.label],
            lang,
        )
    if not shared:
        return found(
            t(
                "No one is credited ({what}) on both {subjects}.",
                lang,
                what=what,
                subjects=subjects,
            ),
            merge_sources(answers.line_sources(lines_a), answers.line_sources(lines_b)),
            intent.name,
            (a, b),
            lang,
        )
    people = list(dict.fromkeys(line.artist.name for line in shared))
    names = join_list(people, lang)
    both = [line for line in lines_b if line.artist.id in {s.artist.id for s in shared}]
    return found(
        tn(
            "{names} is credited ({what}) on both {subjects}.",
            "{names} are credited ({what}) on both {subjects}.",
            len(people),
            lang,
            names=names,
            what=what,
            subjects=subjects,
        ),
        merge_sources(answers.line_sources(shared), answers.line_sources(both)),
        intent.name,
        (a, b),
        lang,
    )


async def _member_credited(
    store: Store, intent: Intent | None, group: EntityRef, work: EntityRef, text: str, lang: str
) -> Answer:
    """Answer which of a group's members is tied to a work: the intersection, never the list."""
    members = await db.members_of(store, group.id)
    subject = await subject_phrase(store, work, lang)
    name = intent.name if intent else None
    if not members:
        return declined(
            t("I have no member list for {name}.", lang, name=group.name),
            name,
            [group.label],
            lang,
        )
    people = list(dict.fromkeys(EntityRef.of(m.person) for m in members))
    asked, roles, held, tied = await _members_tied(store, intent, people, work, text)
    membership = merge_sources(
        [SourceRef.of(m.source) for m in members if m.person.id in {e.artist.id for e in tied}]
    )
    if tied:
        by_person: dict[int, list[Edge]] = {}
        for e in tied:
            by_person.setdefault(e.artist.id, []).append(e)
        texts = [await edges_text(store, edges, lang) for edges in by_person.values()]
        facts = texts[0]
        for fact in texts[1:]:
            facts = t("{text}; {fact}", lang, text=facts, fact=fact)
        return found(
            t("Of {group}'s members: {facts}.", lang, group=group.name, facts=facts),
            merge_sources(edge_sources(tied), membership),
            name,
            (group, work),
            lang,
        )
    values = held.lines(*roles) if asked is Asked.ROLES else held.lines()
    what = (
        join_list([role_title(r, lang) for r in roles], lang, "or")
        if asked is Asked.ROLES
        else t("any role", lang)
    )
    if values:
        return found(
            t(
                "No member of {name} is credited ({what}) on {subject}; the "
                "credits there: {values}.",
                lang,
                name=group.name,
                what=what,
                subject=subject,
                values=_role_names(values, lang),
            ),
            answers.line_sources(values),
            name,
            (group, work),
            lang,
        )
    performs = any(p.artist.id == group.id for p in held.performers)
    if asked is Asked.ROLES and tuple(roles) == ("mv cast",) and performs:
        # No cast list: the members of the performing group a note on the video's
        # references names are in it (a note may name anyone else).
        noted = [(p, await noted_in_video(store, held, p)) for p in people]
        named = [(p, rows) for p, rows in noted if rows]
        if named:
            return found(
                t(
                    "No cast list is stored for {subject}; notes on its references name {names}: "
                    "{notes}",
                    lang,
                    subject=subject,
                    names=join_list([p.name for p, _ in named], lang),
                    notes=" ".join(dict.fromkeys(f"“{r.note}”" for _, rows in named for r in rows)),
                ),
                merge_sources([SourceRef.of(r.source) for _, rows in named for r in rows]),
                name,
                (group, work, *(p for p, _ in named)),
                lang,
            )
    return declined(
        t(
            "I don't have {what} credits for {subject}, so I can't say "
            "which member of {name} worked on it.",
            lang,
            what=what,
            subject=subject,
            name=group.name,
        ),
        name,
        [work.label],
        lang,
    )


async def _members_tied(
    store: Store, intent: Intent | None, people: Sequence[EntityRef], work: EntityRef, text: str
) -> tuple[Asked, tuple[str, ...], Holdings, list[Edge]]:
    """Return the relation asked, the work's holdings and the edges of ``people`` to it."""
    asked, roles = asked_relation(intent, text)
    if asked is Asked.PERFORMER:
        asked, roles = Asked.ANY, ()
    held = await holdings(store, work)
    tied: list[Edge] = []
    for found_edges in await edges_between_many(store, held, list(people)):
        edges = [e for e in found_edges if asked is not Asked.ROLES or e.role in roles]
        # Being in the performing group says nothing about one member's own part.
        tied.extend(e for e in edges if e.role not in ("performer", FORMER_MEMBER) or e.via is None)
    return asked, tuple(roles), held, tied


# "bday of the newjeans member who co-wrote the omg lyrics", "real name of the member of
# blackpink credited on lovesick girls": a fact about the members a work ties to a group.
_MEMBER_WHO = re.compile(
    r"\bmembers?\s+(?:who|that|credited|on|in)\b|\bmembers?\s+of\s+\S+.*?\b(?:who|that|credited)\b",
    re.IGNORECASE,
)


async def _via_member(store: Store, text: str, lang: str, on: str) -> Answer | None:
    """Answer a fact about the group member who holds a credit on a work, or None."""
    m = _MEMBER_WHO.search(text)
    if m is None:
        return None
    outer, _ = detect(text[: m.start()])
    if outer is None or outer.name not in _PERSON_FACTS:
        return None
    things = await _entities(store, text, ALL_KINDS)
    works = [e for e in things if e.kind != "artist"]
    groups = [
        e
        for e in things
        if e.kind == "artist" and (row := await db.artist(store, e.id)) and row.kind == "group"
    ]
    if not groups or not works:
        return None
    group, work = groups[0], works[0]
    first = await _member_credited(store, None, group, work, text[m.start() :], lang)
    members = await db.members_of(store, group.id)
    people = list(dict.fromkeys(EntityRef.of(x.person) for x in members))
    _, _, _, tied = await _members_tied(store, None, people, work, text[m.start() :])
    persons = list(dict.fromkeys(e.artist for e in tied))
    if not first.answered or not persons:
        return first  # no member holds it: that is the answer, and the fact has no subject
    texts, sources = [first.text], list(first.sources)
    for person in persons:
        result = await dispatch(store, outer, person, "", lang, on)
        texts.append(result.text)
        sources.extend(result.sources)
    return found("\n".join(texts), merge_sources(sources), outer.name, (work, *persons), lang)


def _role_names(lines: Sequence[cards.CreditLine], lang: str) -> str:
    roles = list(dict.fromkeys(line.role for line in lines))
    return "; ".join(
        f"{role_title(r, lang)}: {answers.names_text([x for x in lines if x.role == r], lang)}"
        for r in roles
    )


async def _compared(store: Store, text: str, at: re.Match[str]) -> list[EntityRef]:
    """Return the people a comparison names: each name between commas and "or", else the
    known names in the text."""
    named: list[list[Match]] = []
    for piece in _NAMES_APART.split(text[at.end() :]):
        matches = await artists_named(store, piece) if piece.strip() else []
        words = piece.split()
        if not matches and len(words) == 2:
            # "bts jin": a member named with the group.
            a, b = await artists_named(store, words[0]), await artists_named(store, words[1])
            pair = await member_and_group(store, b, a) or await member_and_group(store, a, b)
            matches = [pair[0]] if pair else []
        if matches:
            named.append(matches)
    chosen = await group_context(store, named) if len(named) >= 2 else []
    people: list[EntityRef] = []
    for matches, one in zip(named, chosen, strict=False):
        ref = (one or matches[0]).ref if one or len(matches) == 1 else None
        if ref is not None and ref not in people:
            people.append(ref)
    if len(people) < 2:
        people = [e for e in await _entities(store, text, ("artist",)) if e.kind == "artist"]
    return people


async def _older(
    store: Store, intent: Intent, text: str, at: re.Match[str], lang: str
) -> Answer | None:
    """Answer which of two people is older (or younger), from their birth dates; "is Jin
    older than Suga?" gets a yes or no first."""
    than = _THAN.match(text[at.end() :])
    people = await _than_pair(store, text, at) if than else await _compared(store, text, at)
    if len(people) < 2 and than:
        # Never one person's age for a question about two.
        return declined(
            t("Which two people do you mean? Name each one, with their group.", lang),
            intent.name,
            lang=lang,
        )
    if len(people) < 2:
        return None
    asks_older = (at.group("en") or "").lower() == "older" or bool(at.group("old"))
    if than:
        return await _compare_ages(store, intent, people[0], people[1], asks_older, lang)
    return await _compare_ages(store, intent, people[0], people[1], asks_older, lang, check=False)


async def _compare_ages(
    store: Store,
    intent: Intent,
    a: EntityRef,
    b: EntityRef,
    asks_older: bool,
    lang: str,
    *,
    check: bool = True,
) -> Answer:
    """Say which of two people is older (or younger); as a ``check`` ("is A older than B?"),
    with a yes or no about A first."""
    ca, cb = await cards.artist_card(store, a.id), await cards.artist_card(store, b.id)
    for card in (ca, cb):
        if not card.birth_date or len(card.birth_date) != 10:
            return declined(
                t("I don't have a birth date for {name}.", lang, name=card.artist.name),
                intent.name,
                [card.artist.label],
                lang,
            )
    assert ca.birth_date is not None and cb.birth_date is not None
    sources = merge_sources(ca.source_of("birth_date"), cb.source_of("birth_date"))
    born = t(
        "{a} was born on {da}, {b} on {db}.",
        lang,
        a=a.name,
        da=format_date(ca.birth_date, lang),
        b=b.name,
        db=format_date(cb.birth_date, lang),
    )
    if ca.birth_date == cb.birth_date:
        head = t("{a} and {b} were born on the same day.", lang, a=a.name, b=b.name)
        return found(head, sources, intent.name, (a, b), lang)
    first, last = (a, b) if ca.birth_date < cb.birth_date else (b, a)
    head = (
        t("{name} is older.", lang, name=first.name)
        if asks_older
        else t("{name} is younger.", lang, name=last.name)
    )
    if check:
        # "Is A older than B?": yes when A is the one asked for.
        yes = (first if asks_older else last) == a
        head = answers.yes_text(lang, head) if yes else answers.no_text(lang, head)
    return found(f"{head} {born}", sources, intent.name, (a, b), lang)


_THAN = re.compile(r"\s*than\b", re.IGNORECASE)
# "슈가가 진보다 나이 많아?": A, B보다, older or younger.
_THAN_KO = re.compile(
    r"^(?P<a>.+?)\s+(?P<b>\S+?)보다\s*(?:더\s*)?(?:(?P<old>나이\s*(?:가\s*)?많|형|언니|오빠|누나)|"
    r"어려|어리|나이\s*(?:가\s*)?적)"
)
_KO_SUBJECT = re.compile(r"(?:이|가|은|는)$")


async def _older_than_ko(store: Store, intent: Intent, at: re.Match[str], lang: str) -> Answer:
    """Answer "A가 B보다 나이 많아?" with a yes or no, from both sourced birth dates."""
    a = _KO_SUBJECT.sub("", at.group("a").strip()) or at.group("a")
    people = await _pair_named(store, [a, at.group("b")])
    if len(people) < 2:
        return declined(
            t("Which two people do you mean? Name each one, with their group.", lang),
            intent.name,
            lang=lang,
        )
    return await _compare_ages(store, intent, people[0], people[1], bool(at.group("old")), lang)


_ASKED_IS = re.compile(r"^\s*(?:is|was|are|were)\s+", re.IGNORECASE)


async def _than_pair(store: Store, text: str, at: re.Match[str]) -> list[EntityRef]:
    """Return (A, B) of "is A older than B", each resolved with the other as context."""
    before = _ASKED_IS.sub("", text[: at.start()]).strip(" ,?")
    after = _THAN.sub("", text[at.end() :], count=1).strip(" ,?")
    return await _pair_named(store, [before, after])


async def _pair_named(store: Store, pieces: Sequence[str]) -> list[EntityRef]:
    """Return the two people two pieces of text name, each read with the other as context."""
    named = [await artists_named(store, piece) for piece in pieces if piece]
    if len(named) != 2 or not all(named):
        return []
    chosen = list(await group_context(store, named))
    for i, (matches, one) in enumerate(zip(named, chosen, strict=True)):
        other = named[1 - i]
        if one is None and len(matches) > 1 and len(other) == 1:
            # "is wonyoung younger than yujin": the Yujin who shares a group with Wonyoung.
            theirs = {g.group.id for g in await db.groups_of(store, other[0].id)}
            mates = [
                m
                for m in matches[:8]
                if theirs & {g.group.id for g in await db.groups_of(store, m.id)}
            ]
            chosen[i] = mates[0] if len(mates) == 1 else None
    people = [
        (one or matches[0]).ref
        for matches, one in zip(named, chosen, strict=True)
        if one or len(matches) == 1
    ]
    return people if len(people) == 2 and people[0] != people[1] else []


async def _age_at_release(
    store: Store, intent: Intent, person: EntityRef, work: EntityRef, lang: str
) -> Answer:
    card = await cards.artist_card(store, person.id)
    dated = await answers.release_date(store, work)
    if dated is None or not card.birth_date:
        missing = t("a release date", lang) if dated is None else t("a birth date", lang)
        return declined(
            t("I can't work that out: I don't have {missing} for it.", lang, missing=missing),
            intent.name,
            [person.label],
            lang,
        )
    date, _release, sources, _type = dated
    years = years_between(card.birth_date, date)
    if years is None:
        return declined(
            t("{work} came out before {name} was born.", lang, work=q(work), name=person.name),
            intent.name,
            (),
            lang,
        )
    subject = await subject_phrase(store, work, lang)
    return found(
        t(
            "{subject} was released on {date} (KST); {name}, born on "
            "{birth_date}, was {years} then.",
            lang,
            subject=subject,
            date=format_date(date, lang),
            name=person.name,
            birth_date=format_date(card.birth_date, lang),
            years=years,
        ),
        merge_sources(sources, card.source_of("birth_date")),
        intent.name,
        (person, work),
        lang,
    )
