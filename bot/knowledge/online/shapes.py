"""What a MusicBrainz or Wikidata answer may look like before anything reads it.

An answer is checked at the client boundary, once, instead of every reader guarding every
``.get``: a field of the wrong type is dropped (the answer is used without the bad part), a
list keeps at most ``MAX_ITEMS`` entries (``MAX_ALIASES`` for names), a string at most
``MAX_TEXT`` characters, and nesting deeper than ``MAX_DEPTH`` is cut. What the importers
then store is bounded by these numbers, whatever the service sent.
"""

from __future__ import annotations

from typing import Any

MAX_TEXT = 500  # characters of one string (a name, a title, a disambiguation)
MAX_ITEMS = 200  # entries of one list (relations, releases, tracks, claims of a property)
MAX_ALIASES = 50  # names of one entity (aliases, Wikidata aliases per language)
MAX_KEYS = 400  # keys of one object (Wikidata claims: properties)
MAX_DEPTH = 16

# MusicBrainz ws/2 fields the importers read, and the type each must have.
_OBJECT_LISTS = frozenset(
    {
        "artist-credit",
        "relations",
        "aliases",
        "releases",
        "media",
        "tracks",
        "label-info",
        "release-groups",
        "recordings",
        "artists",
        "works",
        "tags",
        "genres",
    }
)
_OBJECTS = frozenset(
    {
        "artist",
        "recording",
        "work",
        "release",
        "release-group",
        "url",
        "label",
        "life-span",
        "area",
        "begin-area",
        "end-area",
        "event",
        "place",
        "series",
        "attribute-values",
    }
)
_STRINGS = frozenset(
    {
        "id",
        "name",
        "title",
        "sort-name",
        "type",
        "disambiguation",
        "country",
        "date",
        "begin",
        "end",
        "first-release-date",
        "primary-type",
        "status",
        "target-type",
        "direction",
        "resource",
        "joinphrase",
        "locale",
        "language",
        "gender",
    }
)
_ALIAS_KEYS = frozenset({"aliases"})


def _text(value: str) -> str:
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT]


def bounded(value: Any, depth: int = 0, key: str = "", *, typed: bool = True) -> Any:
    """Return a copy of a decoded JSON answer within the limits above (None if nothing is left).

    ``typed``: also drop MusicBrainz fields of the wrong type (Wikidata's own shapes, where
    "aliases" is an object of lists, are only bounded).
    """
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list):
        limit = MAX_ALIASES if key in _ALIAS_KEYS or not typed else MAX_ITEMS
        items = [bounded(v, depth + 1, typed=typed) for v in value[:limit]]
        if typed and key in _OBJECT_LISTS:
            return [v for v in items if isinstance(v, dict)]
        return [v for v in items if v is not None]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, item in list(value.items())[:MAX_KEYS]:
            if not isinstance(name, str):
                continue
            kept = bounded(item, depth + 1, name, typed=typed)
            if typed and not _fits(name, kept):
                continue
            out[_text(name)] = kept
        return out
    return None


def _fits(name: str, value: Any) -> bool:
    """Tell whether a known field has the type its readers expect (unknown fields pass)."""
    if value is None:
        return True
    if name in _OBJECT_LISTS:
        return isinstance(value, list)
    if name in _OBJECTS:
        return isinstance(value, dict)
    if name in _STRINGS:
        return isinstance(value, str)
    if name in ("score", "length", "track-count", "ended", "video"):
        return isinstance(value, bool | int | float | str)
    return True


def document(value: Any, *, typed: bool = True) -> dict[str, Any] | None:
    """Return a bounded answer object, or None when the answer is not an object at all."""
    if not isinstance(value, dict):
        return None
    out = bounded(value, typed=typed)
    return out if isinstance(out, dict) else None
