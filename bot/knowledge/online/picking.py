"""Pick the one search hit the member meant, or the candidates to offer in a picker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.knowledge.normalize import normalize

CLEAR_SCORE = 90  # MusicBrainz scores hits 0-100; below this a title match is not "clear"
OFFER_SCORE = 70  # weaker hits are not worth offering
MAX_CANDIDATES = 25
_RG_TYPES = ("single", "ep", "album")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A MusicBrainz entity offered for picking: ``value`` is "mb:<entity>:<mbid>"."""

    entity: str
    mbid: str
    label: str

    @property
    def value(self) -> str:
        """Return the picker value."""
        return f"mb:{self.entity}:{self.mbid}"


@dataclass(frozen=True, slots=True)
class Picked:
    """The outcome of one search: a clear choice, or candidates (possibly none)."""

    choice: Candidate | None
    candidates: tuple[Candidate, ...]


def credit_text(hit: dict[str, Any]) -> str:
    """Return the artist credit as MusicBrainz shows it ("A feat. B")."""
    parts = []
    for credit in hit.get("artist-credit") or []:
        if isinstance(credit, dict):
            name = credit.get("name") or (credit.get("artist") or {}).get("name") or ""
            parts.append(f"{name}{credit.get('joinphrase') or ''}")
    return "".join(parts).strip()


def _title(hit: dict[str, Any]) -> str:
    return str(hit.get("title") or hit.get("name") or "")


def _label(entity: str, hit: dict[str, Any]) -> str:
    title = _title(hit)
    extra: list[str] = []
    if entity == "artist":
        extra = [str(x) for x in (hit.get("disambiguation"), hit.get("country")) if x]
    else:
        artist = credit_text(hit)
        if artist:
            title += f" — {artist}"
        if hit.get("video") is True:
            extra.append("video")
        if entity == "release-group" and hit.get("primary-type"):
            extra.append(str(hit["primary-type"]).lower())
        date = str(hit.get("first-release-date") or "")[:4]
        if date:
            extra.append(date)
    text = f"{title} ({', '.join(extra)})" if extra else title
    return text if len(text) <= 100 else text[:99] + "…"


def _score(hit: dict[str, Any]) -> int:
    score = hit.get("score")
    return int(score) if isinstance(score, int | float | str) and str(score).isdigit() else 0


def _names_artist(query: str, hit: dict[str, Any]) -> bool:
    """Tell whether the query names one of the hit's credited artists besides its title."""
    rest = query.replace(normalize(_title(hit)), "", 1)
    for credit in hit.get("artist-credit") or []:
        if not isinstance(credit, dict):
            continue
        for name in (credit.get("name"), (credit.get("artist") or {}).get("name")):
            norm = normalize(str(name or ""))
            if norm and norm in rest:
                return True
    return False


def _preference(entity: str, hit: dict[str, Any]) -> tuple[int, int, int, str]:
    """Sort key inside one group of same-titled hits: best score, audio, usual type, id."""
    type_rank = 0
    if entity == "release-group":
        kind = str(hit.get("primary-type") or "").lower()
        type_rank = _RG_TYPES.index(kind) if kind in _RG_TYPES else len(_RG_TYPES)
    return (-_score(hit), 1 if hit.get("video") is True else 0, type_rank, str(hit["id"]))


def pick(entity: str, query: str, hits: list[dict[str, Any]]) -> Picked:
    """Choose a hit only when it is clearly the one asked for; else offer candidates.

    Clear means: among hits scoring at least 90 whose title is the query (or the query is the
    title plus a credited artist's name), they are all one song/release by one artist credit
    (same-named versions collapse), or exactly one of them has its artist named in the query.
    Artists are clear when exactly one has the name asked.
    """
    norm = normalize(query)
    ordered = sorted(
        (h for h in hits if _score(h) >= OFFER_SCORE), key=lambda h: (-_score(h), h["id"])
    )
    titled = []
    for hit in ordered:
        title = normalize(_title(hit))
        aliases = {
            normalize(str(a.get("name") or ""))
            for a in hit.get("aliases") or []
            if isinstance(a, dict)
        }
        exact = title == norm or norm in aliases
        if (
            _score(hit) >= CLEAR_SCORE
            and title
            and (exact or (title in norm and _names_artist(norm, hit)))
        ):
            titled.append(hit)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for hit in titled:
        key = (
            (hit["id"], "")
            if entity == "artist"
            else (normalize(_title(hit)), normalize(credit_text(hit)))
        )
        groups.setdefault(key, []).append(hit)
    named = [g for g in groups.values() if any(_names_artist(norm, h) for h in g)]
    if len(named) == 1:
        groups = {("named", ""): named[0]}
    if len(groups) == 1:
        best = sorted(next(iter(groups.values())), key=lambda h: _preference(entity, h))[0]
        return Picked(Candidate(entity, best["id"], _label(entity, best)), ())
    pool = (
        [sorted(g, key=lambda h: _preference(entity, h))[0] for g in groups.values()]
        if groups
        else ordered
    )
    seen: set[str] = set()
    candidates = []
    for hit in pool:
        label = _label(entity, hit)
        if label in seen:  # two entries that read alike: tell them apart by their id
            label = f"{label[:88]} · {hit['id'][:8]}"
        seen.add(label)
        candidates.append(Candidate(entity, hit["id"], label))
    return Picked(None, tuple(candidates[:MAX_CANDIDATES]))
