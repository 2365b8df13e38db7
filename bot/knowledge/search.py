"""One resolver for every lookup: autocomplete, command arguments and the ask engine.

Ranking: exact name > prefix > substring > fuzzy (typos), ties broken by importance (the
entity's rank: curated > Wikidata sitelinks > MusicBrainz release count), then by how close
the matched name is in length. Every step is index-backed and bounded:

- exact and prefix read the ``names (band, norm)`` B-tree best importance band first, so the
  candidates are the most important names, not the first ones alphabetically (works for 1-2
  character queries such as 뷔, V or IU, which trigrams cannot index);
- Hangul as it is typed: a partly typed last syllable ("봄ㄴ", "봄나") matches by the
  names' key-by-key (jamo) form, and initial consonants ("ㅂㄴ") by their choseong form; these
  count as prefix matches unless the text is already a whole name, which keeps the ranking for
  complete input as it was;
- substring uses the FTS5 trigram index over normalised names;
- fuzzy asks the trigram index for names sharing two trigrams with the query (capped), or for
  a three-letter query the names of about its length with its first letter, then scores
  those few candidates by OSA edit distance (`normalize.osa_distance`: a swapped pair is one
  edit, so "Twcie" is as close to "Twice" as a missing letter would be).

User text never reaches FTS5 as syntax: it is normalised to letters and digits, then quoted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.core.errors import NotFoundError, Untrusted, UserError, echo
from bot.core.hangul import has_jamo_or_syllable, is_choseong_query, jamo_form
from bot.core.i18n import N_
from bot.knowledge.entities import EntityKey, EntityRef
from bot.knowledge.normalize import dice, fts_phrase, normalize, similarity, trigrams
from bot.store import catalog as db
from bot.store.core import Store

KINDS = db.ENTITY_KINDS
TIERS = ("id", "exact", "prefix", "jamo", "substring", "fuzzy")
_CANDIDATES = 200
_FUZZY_CANDIDATES = 150
_FUZZY_GRAMS = 6
_FUZZY_SCORED = 20
_FUZZY_MIN = 0.6
_SHORT_CANDIDATES = 200
_SWAP_MAX = 12
# A typo is answered for (not only suggested) when it is this close and clearly the best.
CLEAR_TYPO = 0.8
CLEAR_MARGIN = 0.1
# The rank of curated entries (any origin but the importers'): migration 0010's first band.
CURATED_RANK = 3_000_000


@dataclass(frozen=True, slots=True)
class Match:
    """One resolved entity: ``value`` ("song:12") is stable, ``label`` fits autocomplete."""

    kind: str
    id: int
    label: str
    name: str
    matched: str
    tier: str
    score: float
    importance: int
    primary: bool = False  # matched by the entity's primary name, not an alias
    # Other entries exactly so named that ``resolve_one`` did not choose (imported homonyms
    # of a curated entry): a reply may offer them ("also: …").
    also: tuple[Match, ...] = ()

    @property
    def curated(self) -> bool:
        """Tell whether the entry is curated (the catalog's own, not imported)."""
        return self.importance >= CURATED_RANK

    @property
    def key(self) -> EntityKey:
        """Return which entity this is."""
        return EntityKey(self.kind, self.id)

    @property
    def ref(self) -> EntityRef:
        """Return a pointer to the entity (its key, name and label)."""
        return EntityRef(self.key, self.name, self.label)

    @property
    def value(self) -> str:
        """Return the "kind:id" value for autocomplete choices."""
        return str(self.key)


class AmbiguousError(UserError):
    """Several entities fit; ``candidates`` are the ones to offer in a picker."""

    def __init__(self, query: str, candidates: Sequence[Match]) -> None:
        shown = ", ".join(c.label for c in candidates[:5])
        super().__init__(
            N_("“{query}” could mean several things: {names}. Pick one."),
            query=echo(query),
            names=Untrusted(shown),
        )
        self.query = query
        self.candidates = list(candidates)


def fuzzy_grams(norm: str) -> list[str]:
    """Return the trigrams of ``norm`` a typo search asks for names sharing two of.

    Any two intact trigrams find the name, so one typo rarely hides it; asking for two (not
    one) keeps the candidate set small without bm25 ranking, which is what keeps this step
    fast on large catalogs. A long name's are sampled evenly, six at most.
    """
    grams = trigrams(norm)
    if len(grams) > _FUZZY_GRAMS:
        step = (len(grams) - 1) / (_FUZZY_GRAMS - 1)
        grams = [grams[round(i * step)] for i in range(_FUZZY_GRAMS)]
    return grams


def swaps(norm: str) -> list[str]:
    """Return the spellings with one adjacent pair of characters swapped ("twcie" -> "twice")."""
    out = [norm[:i] + norm[i + 1] + norm[i] + norm[i + 2 :] for i in range(len(norm) - 1)]
    return [s for s in dict.fromkeys(out) if s != norm]


def _check_kinds(kinds: Iterable[str] | None) -> tuple[str, ...] | None:
    if kinds is None:
        return None
    out = tuple(kinds)
    unknown = [k for k in out if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown entity kind(s): {', '.join(unknown)}")
    return out or None


def _slack(norm: str) -> int:
    """Return how much longer or shorter than ``norm`` a name may be to count as a typo of it."""
    return max(2, len(norm) // 3)


_Key = tuple[int, float, float, str, int]
_FUZZY_TIER = TIERS.index("fuzzy")


def _key(tier: int, score: float, importance: int, label: str, entity_id: int) -> _Key:
    # Within a tier importance decides, then closeness; for typos closeness comes first.
    # The id breaks the last ties, so the order never depends on how rows came back.
    if tier == _FUZZY_TIER:
        return (tier, -score, -importance, label, entity_id)
    return (tier, -importance, -score, label, entity_id)


async def resolve(
    store: Store,
    query: str,
    kinds: Iterable[str] | None = None,
    limit: int = 25,
    *,
    exact_is_enough: bool = False,
    exact_only: bool = False,
) -> list[Match]:
    """Return entities matching free text or a "kind:id" value, best first.

    With ``exact_is_enough`` the search stops after the exact-name step if that found
    anything (``resolve_one`` decides on exact matches alone, so it need not look further).
    With ``exact_only`` it stops there whatever it found: for a caller that uses exact
    matches only, the prefix, substring and typo searches (the costly ones) are not run.
    """
    kinds_t = _check_kinds(kinds)
    key = EntityKey.parse(query)
    if key is not None:
        if kinds_t and key.kind not in kinds_t:
            return []
        row = await db.entity(store, key.id)
        if row is None or row.kind != key.kind:
            return []
        return [Match(row.kind, row.id, row.label, row.name, row.name, "id", 1.0, row.importance)]
    norm = normalize(query or "")
    if not norm or limit <= 0:
        return []
    # The best name of each entity found so far, with its sort key: a Match is made only for
    # the ``limit`` returned (a Hangul syllable offers hundreds of names).
    best: dict[int, tuple[_Key, db.NameHit, str, float]] = {}
    grams = set(trigrams(norm))

    def ranked() -> list[Match]:
        found = sorted(best.values(), key=lambda entry: entry[0])[:limit]
        return [
            Match(
                hit.kind,
                hit.entity_id,
                hit.label,
                hit.entity_name,
                hit.name,
                tier,
                score,
                hit.importance,
                hit.is_primary,
            )
            for _, hit, tier, score in found
        ]

    # Typo scores by the name's search form: a swapped spelling offers hundreds of names of one
    # or two forms ("springday"), each scored once.
    overlaps: dict[str, float] = {}
    closeness: dict[str, float] = {}

    def offer(hits: Iterable[db.NameHit], tier: str, *, screened: bool = False) -> None:
        level = TIERS.index(tier)
        if tier == "fuzzy" and not screened:
            # Cheap filters first (length, shared trigrams); edit distance only for the
            # few best by trigram overlap, so scoring stays bounded on big catalogs.
            slack = _slack(norm)
            scored = []
            for hit in hits:
                if abs(len(hit.norm) - len(norm)) > slack:
                    continue
                d = overlaps.get(hit.norm)
                if d is None:
                    d = overlaps[hit.norm] = dice(grams, hit.norm)
                if d >= 0.3:
                    scored.append((d, hit))
            scored.sort(key=lambda pair: -pair[0])
            hits = [hit for _, hit in scored[:_FUZZY_SCORED]]
        for hit in hits:
            current = best.get(hit.entity_id)
            if current is not None and current[0][0] < level:
                continue  # found in a better tier already: no key of this one can beat it
            if tier == "fuzzy":
                score = closeness.get(hit.norm, -1.0)
                if score < 0:
                    score = closeness[hit.norm] = similarity(norm, hit.norm)
                if score < _FUZZY_MIN:
                    continue
            else:
                # Prefer names close to the query in length, and primary names.
                score = len(norm) / max(len(hit.norm), 1) + (0.01 if hit.is_primary else 0)
            key = _key(level, score, hit.importance, hit.label, hit.entity_id)
            if current is None or key < current[0]:
                best[hit.entity_id] = (key, hit, tier, score)

    if exact_only:
        offer(await db.names_exact(store, norm, kinds_t, _CANDIDATES), "exact")
        return ranked()
    # Every later step's tier ranks below "exact", and a later match never replaces a better
    # one: with ``limit`` entities found, the answer is known (a common title, "Love" or
    # "밤", has hundreds of exact homonyms; reading its prefixes too was most of its cost),
    # and a prefix match cannot better an exact one, so the names of an entity ranked below
    # ``limit`` new ones need not be read. The store reads the prefixes only if needed.
    exact, prefixed = await db.names_exact_and_prefix(
        store, norm, kinds_t, _CANDIDATES, needed=limit, enough_if_any=exact_is_enough
    )
    offer(exact, "exact")
    if prefixed is None:
        return ranked()
    offer(prefixed, "prefix")
    letters = jamo_form(norm) if has_jamo_or_syllable(norm) else None
    # Likewise after the prefixes, unless a Hangul step below can still offer a prefix match
    # (key by key when nothing is exactly so named, or by initial consonants).
    prefix_to_come = bool(letters) and (not exact or is_choseong_query(norm))
    if len(best) >= limit and not prefix_to_come:
        return ranked()
    if letters:
        # Typing in progress: "봄나" is a prefix of 봄날 key by key. After a whole name these
        # matches come below the ordinary prefixes ("봄날" must not rank 봄나라 as a prefix).
        offer(
            await db.names_prefix(
                store, letters, kinds_t, _CANDIDATES, form="jamo", include_equal=True
            ),
            "jamo" if exact else "prefix",
        )
        if is_choseong_query(norm):
            offer(
                await db.names_prefix(
                    store, letters, kinds_t, _CANDIDATES, form="choseong", include_equal=True
                ),
                "prefix",
            )
    typos: list[db.NameHit] | None = None
    if len(norm) >= 4 and len(best) < limit:
        # Substrings, then typo candidates if the limit is still not reached (the store reads
        # both at once where a statement is a round trip).
        slack = _slack(norm)
        found, typos = await db.names_substring_then_typos(
            store,
            fts_phrase(norm),
            fuzzy_grams(norm),
            kinds_t,
            (_CANDIDATES, _FUZZY_CANDIDATES),
            known=list(best),
            needed=limit,
            lengths=(len(norm) - slack, len(norm) + slack),
        )
        offer(found, "substring")
    elif len(norm) >= 3 and len(best) < limit:
        offer(
            await db.names_matching(store, fts_phrase(norm), kinds_t, _CANDIDATES, ranked=False),
            "substring",
        )
    if typos is not None:
        offer(typos, "fuzzy")
        if len(norm) <= _SWAP_MAX and not any(entry[2] != "fuzzy" for entry in best.values()):
            # A swapped pair breaks two of a short name's few trigrams ("twcie" shares none
            # with "twice"): look the swapped spellings up directly, one indexed query.
            swapped = await db.names_exact_many(store, swaps(norm), kinds_t, _CANDIDATES)
            offer(swapped, "fuzzy", screened=True)
    elif len(norm) == 3 and not best:
        # "Sga" for "Suga": too short for trigrams, so look at names of about its length.
        near = await db.names_near_length(store, norm[0], 3, 4, kinds_t, _SHORT_CANDIDATES)
        offer(near, "fuzzy", screened=True)
    return ranked()


def preferred(
    matches: Sequence[Match], *, curated_first: bool = True
) -> tuple[list[Match], list[Match]]:
    """Split equally good matches into the ones to choose among and the ones only to offer.

    A curated entry wins over imported homonyms (unless ``curated_first`` is off); an entry
    named so wins over one that only has it as an alias (an alias never equals another
    entity's primary name). What is left over is offered as "also", never silently dropped.
    """
    pool, also = list(matches), []
    curated = [m for m in pool if m.curated]
    if curated_first and curated and len(curated) < len(pool):
        also += [m for m in pool if not m.curated]
        pool = curated
    named = [m for m in pool if m.primary]
    if named and len(named) < len(pool):
        also += [m for m in pool if not m.primary]
        pool = named
    return pool, also


def clear_typo(fuzzy: Sequence[Match]) -> Match | None:
    """Return the one typo match that is clearly meant, or None (then suggest, never guess).

    Clearly meant: close enough (one edit in five letters) and clearly closer than the next.
    """
    if not fuzzy or fuzzy[0].tier != "fuzzy":
        return None
    best = fuzzy[0]
    if best.score < CLEAR_TYPO:
        return None
    if len(fuzzy) > 1 and fuzzy[1].score >= best.score - CLEAR_MARGIN:
        return None
    return best


async def resolve_one(
    store: Store,
    query: str,
    kinds: Iterable[str] | None = None,
    *,
    prefer: str | None = None,
    accept_typo: bool = False,
    exact_only: bool = False,
) -> Match:
    """Return the one entity the text means, or raise AmbiguousError / NotFoundError.

    Unambiguous means: a picked "kind:id" value; exactly one exact-name match; else exactly
    one prefix-or-substring match; else, with ``accept_typo``, one clearly best typo match,
    which comes back with tier "fuzzy": the caller must say which name it shows for the
    text ("Showing TWICE for “Twcie”"). Without ``accept_typo`` a typo only gets a
    "did you mean", so no caller can answer for a corrected name silently.
    With ``prefer`` ("song" or "release"), a song, the release named after it and its music
    video count as one (see ``same_work``), exactly named or equally misspelt. Among exact matches a
    curated entry wins over imported homonyms, and a name over an alias (``preferred``); the
    others come back in the match's ``also``. With ``exact_only`` nothing but an exact name
    (or a picked value) is looked for: no name found raises NotFoundError without suggestions.
    """
    kinds_t = _check_kinds(kinds)
    results = await resolve(
        store, query, kinds_t, limit=10, exact_is_enough=True, exact_only=exact_only
    )
    what = " or ".join(kinds_t) if kinds_t else "entry"
    if EntityKey.parse(query) is not None:
        if results:
            return results[0]
        raise NotFoundError(N_("That {what} no longer exists in the catalog."), what=what)
    if not normalize(query or ""):
        raise NotFoundError(N_("Type a name to look up a {what}."), what=what)
    for tier in ("exact", "prefix", "substring"):
        tiered = [r for r in results if r.tier == tier]
        also: list[Match] = []
        if tier == "exact":
            tiered, also = preferred(tiered)
        if len(tiered) == 1:
            return replace(tiered[0], also=tuple(also))
        if len(tiered) > 1:
            chosen = await same_work(store, tiered, (prefer, *(kinds_t or ()))) if prefer else None
            if chosen is None:
                raise AmbiguousError(query, tiered + also)
            return replace(chosen, also=tuple(also))
    fuzzy = [r for r in results if r.tier == "fuzzy"]
    if accept_typo:
        clear = clear_typo(fuzzy)
        if clear is not None:
            return clear
        top = [r for r in fuzzy if r.score == fuzzy[0].score] if fuzzy else []
        rest = fuzzy[len(top) :]
        if (
            1 < len(top) <= 5
            and top[0].score >= CLEAR_TYPO
            and (not rest or rest[0].score < top[0].score - CLEAR_MARGIN)
        ):
            # Equally close spellings of one name (a song and its single) are that one work;
            # anything else is a "did you mean" picker.
            chosen = await same_work(store, top, (prefer, *(kinds_t or ()))) if prefer else None
            if chosen is None:
                raise AmbiguousError(query, top)
            return chosen
    suggestions = [r.label for r in fuzzy[:5]]
    if suggestions:
        raise NotFoundError(
            N_("No {what} called “{query}” in the catalog. Did you mean {names}?"),
            suggestions,
            what=what,
            query=echo(query),
            names=Untrusted(", ".join(suggestions[:3])),
        )
    raise NotFoundError(
        N_("No {what} called “{query}” in the catalog."), [], what=what, query=echo(query)
    )


async def song_or_release(store: Store, candidates: Sequence[Match], prefer: str) -> Match | None:
    """Pick one entry when the only ambiguity is a song and the release named after it.

    "Love wins all" is both a song and the single it came out on: that is one work, not a
    real ambiguity, so /release shows the release (``prefer="release"``) and /credits or
    /references the song. Anything else (two artists' songs of one name) returns None, and
    the caller offers a picker. One query: the releases the song is on.
    """
    songs = [c for c in candidates if c.kind == "song"]
    releases = [c for c in candidates if c.kind == "release"]
    if len(songs) != 1 or not releases or len(songs) + len(releases) != len(candidates):
        return None
    song = songs[0]
    if any(normalize(r.name) != normalize(song.name) for r in releases):
        return None
    on = await db.release_ids_of_song(store, song.id)
    if any(r.id not in on for r in releases):
        return None
    if prefer == "song":
        return song
    return releases[0] if len(releases) == 1 else None


# More candidates than this are never one work (a song, its video, its single and album).
_SAME_WORK_MAX = 6


async def _anchor(store: Store, match: Match) -> tuple[str, int]:
    """Return the song a song-like entry is about (a video's song, a single's one track)."""
    if match.kind == "video":
        v = await db.video(store, match.id)
        if v is not None and v.song is not None:
            return ("song", v.song.id)
    if match.kind == "release":
        rel = await db.release(store, match.id)
        tracks = await db.tracks(store, match.id)
        if rel is not None and rel.type == "single" and len(tracks) == 1:
            return ("song", tracks[0].song.id)
        # An album named after its title track ("Palette") is about that song here.
        same = [t for t in tracks if normalize(t.song.name) == normalize(match.name)]
        if len(same) == 1:
            return ("song", same[0].song.id)
    return (match.kind, match.id)


async def same_work(
    store: Store, candidates: Sequence[Match], kinds: Sequence[str]
) -> Match | None:
    """Pick one entry when every candidate is the same work: a song, its video, its single.

    The one rule for "which entry does this name mean" when a song shares its name with its
    release or its music video: /credits, /references and /ask all decide here. Songs and
    releases only: ``song_or_release`` (the release must hold the song). With a video: every
    candidate must be about one song (a video of it, its single, an album named after it);
    then the first of ``kinds`` present is chosen. Two songs (or artists, works) of one
    name are never the same thing.
    """
    if len(candidates) == 1:
        return candidates[0]
    distinct = [m for m in candidates if m.kind in ("song", "artist", "work")]
    if not candidates or len(distinct) > 1:
        return None
    if all(m.kind in ("song", "release") for m in candidates):
        prefer = next((k for k in kinds if k in ("song", "release")), "song")
        return await song_or_release(store, candidates, prefer)
    if len(candidates) > _SAME_WORK_MAX:
        return None
    anchors = {await _anchor(store, m) for m in candidates}
    if len(anchors) != 1:
        return None
    for kind in kinds:
        for m in candidates:
            if m.kind == kind:
                return m
    return candidates[0]


async def suggest(
    store: Store, query: str, kinds: Iterable[str] | None = None, limit: int = 5
) -> list[Match]:
    """Return close matches for a "did you mean" list (never raises)."""
    try:
        return await resolve(store, query, kinds, limit=limit)
    except ValueError:
        return []
