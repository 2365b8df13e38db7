"""Names the store does not know: ask MusicBrainz (through the lookup service) and store them.

Only the engine's "nothing by that name" path comes here, and only when the engine was given an
:class:`OnlineLookup`: a known name, an ambiguous one or a name with unexplained words next to
it never causes a request.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.errors import echo
from bot.core.i18n import t
from bot.knowledge import cards
from bot.knowledge.ask import answers
from bot.knowledge.ask.intents import Intent
from bot.knowledge.ask.model import Answer, declined
from bot.knowledge.ask.parsing import _clean_token, is_filler
from bot.knowledge.entities import EntityRef
from bot.knowledge.normalize import has_hangul, normalize
from bot.knowledge.online.lookup import OnlineLookup
from bot.knowledge.online.picking import Candidate
from bot.knowledge.search import Match
from bot.store import catalog as db
from bot.store.core import Store

# Latin words trimmed at a stretch's edges ("who produced *the* … *video*"); a title's own words
# such as "you" or "me" stay, which the engine's wider list of question words would drop.
_EDGE_WORDS = frozenset({"the", "a", "an", "of", "on", "in", "for", "by", "to", "is", "was"})
_TAIL_WORDS = frozenset({"video", "mv", "m/v", "song", "track", "album", "single"})


def _edge(word: str, tail: bool) -> bool:
    token = _clean_token(word)
    if has_hangul(token[0]):  # Korean question words and endings ("누구야")
        return is_filler(token)
    return token[0].lower() in _EDGE_WORDS or (tail and token[0].lower() in _TAIL_WORDS)


def search_text(question: str, spans: Sequence[tuple[int, int]], fallback: str) -> str:
    """Return the longest stretch between the question's keywords, as a title to search.

    Name runs drop filler words ("Knowing Me, Knowing You" loses its "You"); a database search
    needs the title as written, so take the text between keywords, trimmed of fillers at its
    edges, when it is at least as long as the name the engine found.
    """
    pieces, start = [], 0
    for begin, end in sorted(spans):
        pieces.append(question[start:begin])
        start = end
    pieces.append(question[start:])
    best = ""
    for piece in pieces:
        words = piece.split()
        while words and _edge(words[0], tail=False):
            words.pop(0)
        while words and _edge(words[-1], tail=True):
            words.pop()
        text = " ".join(words).strip(" ?!.,")
        if len(normalize(text)) > len(normalize(best)):
            best = text
    return best if len(normalize(best)) >= len(normalize(fallback)) else fallback


async def look_up(
    store: Store, online: OnlineLookup, text: str, intent: Intent, lang: str
) -> Match | Answer | None:
    """Ask MusicBrainz for ``text``: the stored match, a "which one?" answer, or None."""
    outcome = await online.find(text, intent.kinds)
    if outcome.entity_id is not None:
        row = await db.entity(store, outcome.entity_id)
        if row is not None and row.kind == "video" and "video" not in intent.kinds:
            video = await db.video(store, row.id)
            row = video.song if video is not None else None
        if row is not None and row.kind in intent.kinds:
            return Match(row.kind, row.id, row.label, row.name, row.name, "id", 1.0, row.importance)
    if outcome.candidates and intent.name in WRITING_INTENTS:
        same = await _one_work(store, online, outcome.candidates, intent, lang)
        if same is not None:
            return same
    if outcome.candidates:
        labels = [c.label for c in outcome.candidates[:5]]
        return declined(
            t(
                "The catalog has no {text}, and MusicBrainz knows several: "
                "{labels}. Which one? Ask again with the artist's name.",
                lang,
                text=answers.quote(echo(text)),
                labels="; ".join(labels),
            ),
            intent.name,
            labels,
            lang,
        )
    return None


# Who wrote a song is a fact of its work: every recording of one work has the same writers.
WRITING_INTENTS = ("composer", "lyricist", "writer")
_WORK_CANDIDATES_MAX = 4


async def _one_work(
    store: Store,
    online: OnlineLookup,
    candidates: Sequence[Candidate],
    intent: Intent,
    lang: str,
) -> Answer | None:
    """Answer a writing question when every candidate is a recording of the same work."""
    if len(candidates) > _WORK_CANDIDATES_MAX or any(c.entity != "recording" for c in candidates):
        return None
    songs = [await online.fetch(c.entity, c.mbid) for c in candidates]
    works: set[str] = set()
    for song_id in songs:
        view = await cards.kept_credits_view(store, song_id)
        lines = view.role("composer", "lyricist", "writer")
        urls = {s.url for line in lines for s in line.sources if "/work/" in s.url}
        if len(urls) != 1:
            return None
        works |= urls
    if len(works) != 1:
        return None
    row = await db.entity(store, songs[0])
    if row is None:
        return None
    result = await answers.credits_answer(store, intent, EntityRef.of(row), lang)
    if not result.answered:
        return None
    labels = "; ".join(c.label for c in candidates)
    return result.with_text(
        t(
            "MusicBrainz has several recordings by that name ({labels}), "
            "all of one work; its writers are the same for each. ",
            lang,
            labels=labels,
        )
        + result.text
    )
