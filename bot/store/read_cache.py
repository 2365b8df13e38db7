"""Catalog reads kept until the catalog changes: autocomplete's names, a lookup, a card's credits.

Autocomplete is sent per keystroke and many people type the same prefixes; a card is read far
more often than the catalog changes. ``cached_reading(store, key, work)`` runs ``work`` as
``Store.reading`` does and keeps what it returns under ``key``, tagged with the catalog version
it was read at. Every use first reads the version (``Store.catalog_version``: the ``meta`` row
every catalog write path moves on, ``catalog.bump_catalog_version``), so a write by this
process or by any other sharing the database (an import, an approved suggestion, an online
lookup) is seen by the next read: when the version moves, everything kept is dropped. On
PostgreSQL the version is usually known without a statement: the store keeps it in memory while
a connection of its own hears of every change by LISTEN/NOTIFY (``bot.store.version_watch``,
which says what window that leaves and why every reader here accepts it); otherwise it is read.

The version is read before ``work`` runs, so what is kept under a version was read at that
version or later; a write landing meanwhile only makes the next use read again. Only results
are kept (an error is raised again by the next read), and they must be immutable: every caller
gets the same object. At most ``SIZE`` results, the least recently used dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Coroutine, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.store.core import Store

T = TypeVar("T")

# Results kept per store: an autocomplete's 25 matches are about 10 KB, a card's credits a few,
# so a full cache holds at most about 2.5 MiB.
SIZE = 256


class ReadCache:
    """What ``cached_reading`` keeps for one store; ``hits`` and ``misses`` count its uses."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self.version: str | None = None
        self.kept: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def clear(self, version: str | None) -> None:
        """Drop everything kept (the catalog is now at ``version``)."""
        self.kept.clear()
        self.version = version


async def cached_reading(
    store: Store, key: Hashable, work: Callable[[Store], Coroutine[Any, Any, T]]
) -> T:
    """Return what ``store.reading(work)`` returns, kept under ``key`` until the catalog changes.

    ``key`` must name everything ``work`` depends on (the command's arguments); ``work`` must
    read the catalog only (nothing a guild, a user or the clock changes).

    On PostgreSQL, while the store knows the version (``Store.known_catalog_version``), a hit
    takes no connection and makes no statement, and a miss runs ``work`` on one pooled
    connection; otherwise the version and, on a miss, ``work``'s reads run on one pooled
    connection (``Store.reading`` runs a reading nested in it on the same one): a connection
    handed out and back costs about as much client CPU as a small read. On SQLite the version
    is read on the calling thread (``Store.catalog_version``) and only a miss hands ``work``
    over.
    """
    if store.is_postgres and store.known_catalog_version() is None:
        return await store.reading(lambda s: _cached(s, key, work))
    return await _cached(store, key, work)


async def _cached(
    store: Store, key: Hashable, work: Callable[[Store], Coroutine[Any, Any, T]]
) -> T:
    cache = store.read_cache
    version = await store.catalog_version()
    if version != cache.version:
        cache.clear(version)
    elif key in cache.kept:
        cache.hits += 1
        cache.kept.move_to_end(key)
        found: T = cache.kept[key]
        return found
    cache.misses += 1
    result = await store.reading(work)
    if cache.version == version:  # not dropped meanwhile by a reader that saw a newer version
        cache.kept[key] = result
        if len(cache.kept) > cache.size:
            cache.kept.popitem(last=False)
    return result
