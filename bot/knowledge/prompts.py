"""Discussion prompts drawn from catalog facts (references, the director's other work, credits).

Each prompt restates a sourced fact and asks a question about it; nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import t
from bot.knowledge import cards, vocab, wording
from bot.knowledge.cards import EntityRef, SourceRef
from bot.store.core import Store


@dataclass(frozen=True, slots=True)
class Prompt:
    """One discussion prompt and the source of the fact it rests on."""

    text: str
    source: SourceRef


async def subject_songs_and_videos(store: Store, entity: EntityRef) -> list[int]:
    """Return the ids whose facts feed the prompts: a release's songs and their videos."""
    if entity.kind == "release":
        card = await cards.release_card(store, entity.id)
        return [*(t.id for t in card.tracks), *(v.video.id for v in card.videos)]
    return await cards.related_ids(store, entity.id)


async def discussion_prompts(
    store: Store, entity: EntityRef, limit: int = 3, lang: str = "en"
) -> list[Prompt]:
    """Return two or three prompts about a release or song, from its sourced facts, in ``lang``."""
    ids = await subject_songs_and_videos(store, entity)
    prompts: list[Prompt] = []
    seen_targets: set[int] = set()

    # 1. References: readings of the video (critic's first, they come with a review).
    lines: list[cards.ReferenceLine] = []
    for entity_id in ids:
        view = await cards.references_view(store, entity_id, include_related=False)
        lines.extend(view.outgoing)
    lines.sort(
        key=lambda r: (
            ("critic", "confirmed", "fan").index(r.status)
            if r.status in ("critic", "confirmed", "fan")
            else 3
        )
    )
    for line in lines:
        if line.target.id in seen_targets or len(prompts) >= 2:
            continue
        seen_targets.add(line.target.id)
        critic = line.review.author or line.review.outlet if line.review is not None else None
        if lang == "en":
            who = vocab.STATUS[line.status].prompt if line.status in vocab.STATUS else "some read"
            if critic and line.status == "critic":
                who = f"{critic} reads"
            relation = f"{_article(line.relation)} {line.relation}"
        else:
            who = wording.status_phrase(line.status, lang)
            if critic and line.status == "critic":
                who = t("{critic}'s reading", lang, critic=critic)
            relation = wording.relation_phrase(line.relation, lang)
        note = f" ({line.note})" if line.note else ""
        prompts.append(
            Prompt(
                t(
                    "{who} {subject}{note} as {relation} of {target}. Do you see it?",
                    lang,
                    who=who[:1].upper() + who[1:],
                    subject=line.source_entity.name,
                    note=note,
                    relation=relation,
                    target=wording.work_label(line.target.label or line.target.name, lang),
                ),
                line.sources[0],
            )
        )

    # 2. The director's other work.
    for entity_id in ids:
        if len(prompts) >= limit:
            break
        credits = await cards.credits_view(store, entity_id, include_related=False)
        directors = credits.role("mv director")
        for director in directors[:1]:
            works = await cards.works_by(store, director.artist.id)
            other = [w for w in works.links if w.role == "director"]
            other_videos = [
                ln
                for g in works.groups
                for ln in g.lines
                if g.role == "mv director" and ln.subject.id != entity_id
            ]
            if other:
                prompts.append(
                    Prompt(
                        t(
                            "{director} directed the video, and also directed {work}. "
                            "What carries over from one to the other?",
                            lang,
                            director=director.artist.name,
                            work=other[0].work.name,
                        ),
                        other[0].source,
                    )
                )
            elif other_videos:
                prompts.append(
                    Prompt(
                        t(
                            "{director} directed the video, and also {video}. "
                            "How do the two compare?",
                            lang,
                            director=director.artist.name,
                            video=other_videos[0].subject.name,
                        ),
                        other_videos[0].sources[0],
                    )
                )
            if len(prompts) >= limit:
                break

    # 3. The writing credits.
    if len(prompts) < 2:
        for entity_id in ids:
            credits = await cards.credits_view(store, entity_id, include_related=False)
            lyricists = credits.role("lyricist")
            composers = credits.role("composer")
            if lyricists and composers:
                prompts.append(
                    Prompt(
                        t(
                            "Lyrics by {lyricists}, music by {composers}. "
                            "Which line or moment stays with you?",
                            lang,
                            lyricists=_people(lyricists, lang),
                            composers=_people(composers, lang),
                        ),
                        lyricists[0].sources[0],
                    )
                )
                break
    return prompts[:limit]


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _people(lines: tuple[cards.CreditLine, ...], lang: str = "en") -> str:
    names = list(dict.fromkeys(line.artist.name for line in lines))
    if lang != "en":
        return wording.join_list(names[:3], lang) + (
            t(" and others", lang) if len(names) > 3 else ""
        )
    if len(names) > 3:
        return ", ".join(names[:3]) + " and others"
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
