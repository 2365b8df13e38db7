"""Naming catalog entities: the key ("song:12"), the pointer that carries what to show, one
indexed read by key, and which release a song or release belongs to.

An ``EntityKey`` is what autocomplete values, follows, thread subjects and feed links store
(as ``str(key)``); ``EntityKey.parse`` is the only place that reads that text back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge import vocab
from bot.store import catalog as db
from bot.store.core import Store

_KEY = re.compile(rf"^\s*({'|'.join(vocab.ENTITY_KINDS)}):(\d+)\s*$")


@dataclass(frozen=True, slots=True, order=True)
class EntityKey:
    """Which entity: its kind and id, written "kind:id"."""

    kind: str
    id: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> EntityKey | None:
        """Read "song:12" (spaces around allowed); return None for anything else."""
        match = _KEY.match(text or "")
        return cls(match.group(1), int(match.group(2))) if match else None


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A pointer to a catalog entity, with what to show and what to link."""

    key: EntityKey
    name: str
    label: str

    @property
    def kind(self) -> str:
        """Return the entity's kind ("song")."""
        return self.key.kind

    @property
    def id(self) -> int:
        """Return the entity's id."""
        return self.key.id

    @property
    def value(self) -> str:
        """Return the stable "kind:id" text (autocomplete values, stored subjects)."""
        return str(self.key)

    @classmethod
    def of(cls, row: db.EntityRow) -> EntityRef:
        """Build from a store row."""
        return cls(EntityKey(row.kind, row.id), row.name, row.label)


async def entity(store: Store, key: EntityKey) -> EntityRef | None:
    """Return the entity with this key (one primary-key read), or None if it is gone."""
    row = await db.entity(store, key.id)
    if row is None or row.kind != key.kind:
        return None
    return EntityRef.of(row)


async def releases_of_song(store: Store, song_id: int) -> list[EntityRef]:
    """Return the releases a song is on, oldest first."""
    return [EntityRef.of(r.release.entity) for r in await db.song_releases(store, song_id)]


async def release_for(store: Store, key: EntityKey) -> EntityRef | None:
    """Return the release a discussion of this entity is about.

    A release is its own; a song belongs to its first single, else its first release, else
    (a song on no release) to itself. None when the entity is gone or is not a song or release.
    """
    if key.kind == "release":
        return await entity(store, key)
    if key.kind != "song":
        return None
    releases = await db.song_releases(store, key.id)
    if not releases:
        return await entity(store, key)
    singles = [r for r in releases if r.release.type == "single"]
    return EntityRef.of((singles or releases)[0].release.entity)
