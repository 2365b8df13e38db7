"""What the ask engine returns, and the small constructors every answer module shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.knowledge.cards import SourceRef
from bot.knowledge.entities import EntityRef


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer: text, the sources behind it, and whether it actually answered.

    ``choices`` are entities to offer in a picker when the question was ambiguous;
    ``lang`` is the language the text is written in ("en" or "ko").
    """

    text: str
    sources: tuple[SourceRef, ...]
    answered: bool
    suggestions: tuple[str, ...] = ()
    intent: str | None = None
    entities: tuple[EntityRef, ...] = ()
    lang: str = "en"
    choices: tuple[EntityRef, ...] = ()

    def with_text(self, text: str) -> Answer:
        """Return the same answer with another text."""
        return replace(self, text=text)


def found(
    text: str,
    sources: Sequence[SourceRef],
    intent: str | None,
    entities: Sequence[EntityRef] = (),
    lang: str = "en",
) -> Answer:
    """Return an answer that states facts (the caller passes their sources)."""
    return Answer(text, tuple(sources), True, (), intent, tuple(entities), lang)


def declined(
    text: str,
    intent: str | None,
    suggestions: Sequence[str] = (),
    lang: str = "en",
    choices: Sequence[EntityRef] = (),
) -> Answer:
    """Return an answer that states no fact: unknown, ambiguous or unanswerable."""
    return Answer(text, (), False, tuple(suggestions), intent, (), lang, tuple(choices))


def merge_sources(*groups: Sequence[SourceRef]) -> tuple[SourceRef, ...]:
    """Return the sources of several groups, in order, without repeats."""
    return tuple(dict.fromkeys(s for group in groups for s in group))
