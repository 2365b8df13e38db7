"""Find catalog artists, songs and releases mentioned in text (review titles and bodies).

The index maps the search form of every name (any script) to its entities; linking walks
the text's word tokens and looks up every run of up to N tokens, so a name only matches
on word boundaries ("IU" never inside "PIU" or "view") and the longest name wins
("Spring Day" over "Spring"). Hangul particles after a name are allowed ("아이유의").
It is built once (``AliasIndex.build``) and reused until the catalog version changes.

A Latin name matches only with as many words as it is spelled with ("is a" is not the
idol Isa, "I've" is not IVE); Hangul spacing is free ("러브윈즈올" = "러브 윈즈 올").

Short or common names need context, that is a related entity (its group or member, the
song's artist, the video's song) linked in the same text:

- a Latin name of one or two characters ("V", "J") needs it within ``CONTEXT_WINDOW``
  tokens: "BTS's V", "V (BTS)", "BTS member V". Exception: a two-letter all-capital name
  written exactly so ("IU") counts on its own;
- a one-word Latin name ("Jimin", "May") needs it anywhere in the text, unless it is
  written as an acronym exactly as spelled ("BTS", "TWICE") or the entity's importance is
  at least ``MAJOR``;
- a Latin name written without its capitals needs it too ("may" is never the idol May;
  "an early spring day" is not "Spring Day" unless BTS is mentioned).

An artist written against another artist ("IZ*ONE's Yena", "Yena (IZ*ONE)") must be
related to it, so that Yena is not the Yena of another group. When one name fits several
entities of the same kind, context picks one if it can; otherwise all are returned with
``ambiguous=True``.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.entities import EntityKey
from bot.knowledge.normalize import HANGUL_PARTICLES, has_hangul, normalize
from bot.store import catalog as db
from bot.store.core import Store

DEFAULT_KINDS = ("artist", "release", "song")
CONTEXT_WINDOW = 6
MAJOR = 5  # importance from which a one-word name links without context
_MAX_TOKENS = 12
_TOKEN = re.compile(r"\w+|[^\w\s]")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Everyday English words that are also names in the catalog; they need context.
COMMON = _word_set(
    """
a an and are as at be but by do for go he her him his i if in is it me my no not of oh ok on
one or our out she so the to up us we you all any can day get got has had new now old see two
way who why yes yet love girl boy baby dream heart star moon sun light night time life world
home wish hope rain fire ice blue red pink gold rose lily may june april august march belle
swan lucy joy grace faith hero queen king angel honey sugar candy cherry peach apple berry
summer spring autumn winter snow wind sky sea ocean river sweet kiss smile happy sorry thanks
hello bye intro outro remix bonus track single album video music song mv part chapter
"""
)


@dataclass(frozen=True, slots=True)
class LinkedEntity:
    """An entity found in text, where, and as which words."""

    kind: str
    id: int
    name: str
    label: str
    start: int
    end: int
    text: str
    ambiguous: bool = False

    @property
    def key(self) -> EntityKey:
        """Return which entity was found."""
        return EntityKey(self.kind, self.id)

    @property
    def value(self) -> str:
        """Return the stable "kind:id" value."""
        return str(self.key)


@dataclass(slots=True)
class _Candidate:
    first: int
    last: int
    start: int
    end: int
    text: str
    entities: list[int]
    weak: bool
    short: bool


class AliasIndex:
    """Every name of the linked kinds, ready to scan text with."""

    def __init__(
        self,
        names: dict[str, set[int]],
        spellings: dict[str, set[str]],
        word_counts: dict[str, set[int]],
        entities: dict[int, tuple[str, str, str, int]],
        related: dict[int, set[int]],
        max_tokens: int,
        version: str = "",
    ) -> None:
        self._names = names
        self._spellings = spellings
        self._word_counts = word_counts
        self._entities = entities
        self._related = related
        self._max_tokens = max_tokens
        self.version = version

    @classmethod
    async def build(cls, store: Store, kinds: Sequence[str] = DEFAULT_KINDS) -> AliasIndex:
        """Load every name of these kinds from the store."""
        version = await db.catalog_version(store)
        names: dict[str, set[int]] = {}
        spellings: dict[str, set[str]] = {}
        word_counts: dict[str, set[int]] = {}
        max_tokens = 1
        # Whether a word has a search form, by word: names share most of their words (and
        # every bracket), and normalising each word of every name was a third of the build.
        has_form: dict[str, int] = {}
        for entity_id, _kind, name, norm in await db.all_names(store, kinds):
            names.setdefault(norm, set()).add(entity_id)
            spellings.setdefault(norm, set()).add(name)
            parts = _TOKEN.findall(name)
            words = 0
            for part in parts:
                counted = has_form.get(part)
                if counted is None:
                    counted = has_form[part] = 1 if normalize(part) else 0
                words += counted
            word_counts.setdefault(norm, set()).add(words)
            max_tokens = max(max_tokens, len(parts))
        entities = {
            row[0]: (row[1], row[2], row[3], row[4])
            for row in await db.entity_summaries(store, kinds)
        }
        related: dict[int, set[int]] = {}
        for a, b in await db.related_pairs(store):
            related.setdefault(a, set()).add(b)
            related.setdefault(b, set()).add(a)
        return cls(
            names,
            spellings,
            word_counts,
            entities,
            related,
            min(max_tokens, _MAX_TOKENS),
            version,
        )

    def __len__(self) -> int:
        return len(self._names)

    def artists_of(self, entity_id: int) -> list[int]:
        """Return the artists an entity belongs with: a song's or release's performers, an
        artist's groups and members (for filtering reviews by artist)."""
        return sorted(
            other
            for other in self._related.get(entity_id, ())
            if self._entities.get(other, ("",))[0] == "artist"
        )

    # -------------------------------------------------------------------------- scanning
    def _is_weak(self, norm: str, text: str, tokens: list[str], ids: set[int]) -> tuple[bool, bool]:
        """Return (needs context, is short) for a match written as ``text``."""
        if has_hangul(norm):
            return False, False
        spelled = self._spellings[norm]
        if len(norm) <= 2:
            exact_caps = len(norm) == 2 and text.isupper() and text in spelled
            return not (exact_caps and norm not in COMMON), True
        if text.islower() and all(not s.islower() for s in spelled):
            # "an early spring day" is not "Spring Day" unless BTS is mentioned too.
            return True, False
        words = [t for t in tokens if t.isalnum()]
        if len(words) == 1:
            # One word is easily an ordinary word: it counts alone only when it is written
            # like an acronym exactly as spelled ("BTS", "TWICE") or names a major entity.
            if sum(ch.isupper() for ch in text) >= 2 and text in spelled:
                return norm in COMMON, False
            major = max((self._entities.get(e, ("", "", "", 0))[3] for e in ids), default=0)
            return major < MAJOR or norm in COMMON, False
        return False, False

    def link(self, text: str) -> list[LinkedEntity]:
        """Return entities mentioned in the text, first mention of each, in text order."""
        tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text or "")]
        norms = [normalize(t[0]) for t in tokens]
        candidates: list[_Candidate] = []
        i = 0
        while i < len(tokens):
            if not norms[i]:
                i += 1
                continue
            found: _Candidate | None = None
            joined = ""
            words = 0
            for j in range(i, min(len(tokens), i + self._max_tokens)):
                joined += norms[j]
                if not norms[j]:
                    continue
                words += 1
                keys = [joined]
                if has_hangul(tokens[j][0]):
                    for particle in HANGUL_PARTICLES:
                        if joined.endswith(particle) and len(joined) > len(particle):
                            keys.append(joined[: -len(particle)])
                            break
                for key in keys:
                    ids = self._names.get(key)
                    # Latin names match only as many words as they are written with:
                    # "is a" is not "Isa", "I've" is not "IVE".
                    if ids and not has_hangul(key) and words not in self._word_counts[key]:
                        ids = None
                    if ids:
                        written = text[tokens[i][1] : tokens[j][2]]
                        weak, short = self._is_weak(
                            key, written, [t[0] for t in tokens[i : j + 1]], ids
                        )
                        found = _Candidate(
                            i, j, tokens[i][1], tokens[j][2], written, sorted(ids), weak, short
                        )
                        break
            if found is None:
                i += 1
                continue
            candidates.append(found)
            i = found.last + 1
        return self._resolve(candidates, [t[0] for t in tokens])

    def _attached_artists(
        self, c: _Candidate, candidates: list[_Candidate], words: list[str]
    ) -> list[int]:
        """Return artists written right against a match: "IZ*ONE's Yena", "Yena (IZ*ONE)"."""
        out: list[int] = []
        for other in candidates:
            if other is c:
                continue
            if other.last < c.first:
                gap = words[other.last + 1 : c.first]
                if all(w in ("'", "’", "s") for w in gap) and len(gap) <= 2:
                    out.extend(other.entities)
            elif other.first > c.last and words[c.last + 1 : other.first] == ["("]:
                out.extend(other.entities)
        return [e for e in out if self._entities.get(e, ("",))[0] == "artist"]

    def _resolve(self, candidates: list[_Candidate], words: list[str]) -> list[LinkedEntity]:
        strong = [c for c in candidates if not c.weak]
        where: dict[int, list[_Candidate]] = {}
        for c in strong:
            for e in c.entities:
                where.setdefault(e, []).append(c)

        def context(entity_id: int, candidate: _Candidate, anywhere: bool) -> bool:
            for other_id in self._related.get(entity_id, set()) & where.keys():
                for other in where[other_id]:
                    if other is candidate:
                        continue
                    if anywhere or (
                        other.first - CONTEXT_WINDOW <= candidate.last
                        and candidate.first <= other.last + CONTEXT_WINDOW
                    ):
                        return True
            return False

        out: list[LinkedEntity] = []
        seen: set[int] = set()
        for c in candidates:
            ids = c.entities
            if c.weak:
                ids = [e for e in ids if context(e, c, anywhere=not c.short)]
            attached = self._attached_artists(c, strong, words)
            if attached:
                # "IZ*ONE's Yena" names which Yena: drop artists unrelated to the group.
                ids = [
                    e
                    for e in ids
                    if self._entities.get(e, ("",))[0] != "artist"
                    or self._related.get(e, set()).intersection(attached)
                    or e not in self._related
                ]
            by_kind: dict[str, list[int]] = {}
            for e in ids:
                by_kind.setdefault(self._entities.get(e, ("?",))[0], []).append(e)
            for kind_ids in by_kind.values():
                chosen = kind_ids
                if len(kind_ids) > 1:
                    with_context = [e for e in kind_ids if context(e, c, anywhere=True)]
                    if with_context:
                        chosen = with_context
                ambiguous = len(chosen) > 1
                for e in chosen:
                    if e in seen or e not in self._entities:
                        continue
                    seen.add(e)
                    kind, name, label, _importance = self._entities[e]
                    out.append(
                        LinkedEntity(kind, e, name, label, c.start, c.end, c.text, ambiguous)
                    )
        out.sort(key=lambda x: (x.start, x.kind, x.id))
        return out


_CACHE: weakref.WeakKeyDictionary[Store, AliasIndex] = weakref.WeakKeyDictionary()


async def alias_index(store: Store) -> AliasIndex:
    """Return the store's index, rebuilt only when the catalog changed since it was built."""
    version = await db.catalog_version(store)
    index = _CACHE.get(store)
    if index is None or index.version != version:
        index = await AliasIndex.build(store)
        _CACHE[store] = index
    return index


async def link_entities(store_or_index: Store | AliasIndex, text: str) -> list[LinkedEntity]:
    """Return catalog artists, songs and releases mentioned in the text."""
    index = (
        store_or_index
        if isinstance(store_or_index, AliasIndex)
        else await alias_index(store_or_index)
    )
    return index.link(text)
