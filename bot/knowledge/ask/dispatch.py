"""One-hop answers: route a question's intent about one entity to the answer that states it.

Shared by the engine (one hop) and the two-hop chains (the second hop), so neither imports
the other.
"""

from __future__ import annotations

from bot.core.i18n import t
from bot.knowledge.ask import answers
from bot.knowledge.ask.intents import Intent, IntentName, by_name
from bot.knowledge.ask.model import Answer, declined
from bot.knowledge.ask.parsing import stated_date
from bot.knowledge.ask.people import artist_answer, performer_answer
from bot.knowledge.entities import EntityRef
from bot.store.core import Store


def _stated_day(question: str) -> str | None:
    """Return the day ("2017-04-21") or year ("2017") a question asks an age on, if any."""
    date = stated_date(question)
    if date is None or date.year is None:
        return None
    if date.month and date.day:
        return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
    return f"{date.year:04d}"


async def dispatch(
    store: Store, intent: Intent, entity: EntityRef, question: str, lang: str, on: str
) -> Answer:
    """Answer a one-hop question about one entity."""
    name = intent.name
    if name in (IntentName.REFERENCES_IN, IntentName.REFERENCES_OUT, IntentName.SAMPLES):
        return await answers.references_answer(store, intent, entity, lang, question)
    if name is IntentName.REVIEWS:
        return await answers.reviews_answer(store, intent, entity, lang)
    if entity.kind == "artist":
        if intent.roles:
            return await answers.works_answer(store, intent, entity, question, lang)
        if name is IntentName.DATE:
            intent = by_name(IntentName.DEBUT)
        if name is IntentName.PERFORMER:
            intent = by_name(IntentName.MEMBERS)
        if intent.name is IntentName.AGE:
            on = _stated_day(question) or on
        return await artist_answer(store, intent, entity, lang, on)
    if name is IntentName.PERFORMER:
        return await performer_answer(store, intent, entity, lang)
    if name is IntentName.AGENCY:
        return await answers.release_label_answer(store, intent, entity, lang)
    if name is IntentName.ALBUM:
        return await answers.album_answer(store, intent, entity, lang)
    if name is IntentName.DATE:
        return await answers.date_answer(store, intent, entity, question, lang)
    if name is IntentName.LENGTH:
        return await answers.length_answer(store, intent, entity, question, lang)
    if intent.roles:
        return await answers.credits_answer(store, intent, entity, lang)
    if name is IntentName.MEMBERS:
        # "Who is in the Love wins all video?" reads as a cast question.
        return await answers.credits_answer(store, by_name(IntentName.CAST), entity, lang)
    return declined(
        t("I can't answer that about {label}.", lang, label=entity.label),
        name,
        [entity.label],
        lang,
    )
