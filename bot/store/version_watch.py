"""The catalog version in memory on PostgreSQL, kept current by LISTEN/NOTIFY.

Kept reads (``bot.store.read_cache``) are valid while the catalog version has not moved, so
each use asks for the version. On SQLite that costs microseconds (read on the calling thread);
on PostgreSQL it was a statement, a round trip and server work, once per kept read (twice per
``/credits``). ``VersionWatch`` holds one connection of its own that ``LISTEN``s on the channel
migration 0026's trigger notifies whenever the version's row changes, so the store can answer
from memory:

- **When memory is trusted.** Only while the listening connection is up, has confirmed its
  ``LISTEN``, and has answered a ping within the last ``TRUST_FOR`` seconds (a connection that
  died silently, a firewall dropping an idle socket, stops being trusted then). Before the
  first confirmation, while reconnecting, after any error, and on a database without migration
  0026's trigger, ``known()`` is ``None`` and the store reads the version as before.
- **Which value.** A notification carries nothing: it marks the version unknown, and the next
  use reads it (one statement per process per catalog change). A value read is kept only if
  nothing happened between the read's start and its end (``generation``): no notification, no
  commit of this process moving the version, no reconnection. So a read that raced a change is
  used once and not kept, and one started before the ``LISTEN`` was confirmed is never kept.
- **This process's own writes.** ``bump_catalog_version`` marks its transaction; when that
  commits the store calls ``changed()`` before the writer goes on, so this process's next read
  sees its own change at once, not when its notification arrives.

**The window that remains.** A notification is asynchronous: another process's commit is heard
when this process's event loop reads the listening socket, normally well under a millisecond
later, longer only while the loop is busy. A read starting in that gap is answered at the
version before the change. No reader here can be told of that change any sooner: the user who
caused it hears of it through Discord (a reply sent after the commit, then a new interaction
to this process, tens of milliseconds at least), and a server restart or a silently dead
connection stops the trust within ``TRUST_FOR``. That is acceptable for every kept read the
store serves: autocomplete, a command's lookup, the ``/credits`` card, /ask's kept views and
the entity-linking index. A read inside a transaction of this store is not served from memory:
it reads the version on the transaction's connection, so a writer sees its own change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

from bot.store import postgres as pg

log = logging.getLogger(__name__)

# The channel migration 0026's trigger notifies (``pg_notify``) when the version's row changes.
CHANNEL = "linernotes_catalog_version"
# The trigger that says a database notifies at all (older schemas do not).
_TRIGGER = "meta_catalog_version_updated"
# How often the listening connection is asked to answer, and for how long after a ping was
# sent an answer keeps memory trusted: a connection that dies without closing (its host gone,
# an idle socket dropped by a firewall) stops being trusted within TRUST_FOR seconds.
PING_EVERY = 2.0
TRUST_FOR = 5.0
# Reconnecting: the first wait, doubled after each failure up to the last.
RETRY_FIRST = 0.2
RETRY_MAX = 5.0
_VERSION_SQL = "SELECT value FROM meta WHERE key = 'catalog_version'"


class VersionWatch:
    """The catalog version of one store's PostgreSQL database, heard of by LISTEN/NOTIFY.

    ``known()`` gives the version without a statement when it can be trusted, else ``None``;
    the store then reads it and hands the value to ``learned``. ``changed()`` is called for
    each notification and each commit of this process that moved the version.
    """

    def __init__(
        self,
        dsn: str,
        *,
        ping_every: float = PING_EVERY,
        trust_for: float = TRUST_FOR,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._dsn = dsn
        # The event loop's clock unless given (tests move one by hand).
        self._clock = clock or (lambda: asyncio.get_running_loop().time())
        self._ping_every = ping_every
        self._trust_for = trust_for
        self._version: str | None = None
        self._generation = 0
        self._conn: asyncpg.Connection | None = None
        self._listening = False
        self._trusted_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._dropped = asyncio.Event()  # the listening connection went away
        self._moved = asyncio.Event()  # anything below changed (tests and tools await it)
        self.heard = 0  # notifications received
        self.connections = 0  # times LISTEN was confirmed (the first and each reconnection)
        self.versions_read = 0  # versions read on the listening connection, one per LISTEN
        self.unsupported = False  # the database has no trigger to notify (before 0026)

    # -- what the store asks -----------------------------------------------------------
    def start(self) -> None:
        """Start listening in the background (once); until confirmed, ``known()`` is None."""
        if self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="linernotes catalog version watch"
            )

    @property
    def generation(self) -> int:
        """A count of events that may make a version read meanwhile out of date."""
        return self._generation

    @property
    def listening(self) -> bool:
        """Whether the connection is up and its LISTEN confirmed (trusted or not by time)."""
        conn = self._conn
        return self._listening and conn is not None and not conn.is_closed()

    def trusted(self) -> bool:
        """Whether a version known now is current, short of the notification's own delay."""
        return self.listening and self._clock() < self._trusted_until

    def known(self) -> str | None:
        """Return the version if it is known and trusted, else ``None`` (read it)."""
        return self._version if self.trusted() else None

    def learned(self, version: str, generation: int) -> None:
        """Keep ``version``, read from the database, if nothing happened since ``generation``."""
        if generation == self._generation and self.trusted():
            self._version = version

    def changed(self) -> None:
        """Forget the version: it moved (a notification, or this process's commit)."""
        self._version = None
        self._generation += 1
        self._signal()

    async def until(self, condition: Callable[[VersionWatch], bool]) -> None:
        """Wait until ``condition(self)`` holds (tests await notifications with it)."""
        while not condition(self):
            moved = self._moved
            await moved.wait()

    async def close(self) -> None:
        """Stop listening and close the connection."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._down()

    # -- the listening connection -------------------------------------------------------
    def _signal(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    def _heard(self, _conn: object, _pid: int, _channel: str, _payload: str) -> None:
        self.heard += 1
        self.changed()

    def _lost(self, conn: object) -> None:
        # Called soon after, not at once: a connection replaced meanwhile is not this one.
        if conn is self._conn:
            self._dropped.set()
            self._down()

    def _down(self) -> None:
        """Stop trusting memory: the connection is gone (or going)."""
        conn, self._conn = self._conn, None
        if self._listening:
            self._listening = False
            self.changed()
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def _run(self) -> None:
        delay = RETRY_FIRST
        while not self._closed:
            try:
                conn = await self._connect()
            except pg.FATAL_CONNECT_ERRORS as exc:
                log.warning("no catalog version notifications (%s): reading it per use", exc)
                return
            except (*pg.CONNECTION_ERRORS, asyncpg.PostgresError) as exc:
                log.debug("catalog version watch: cannot connect yet (%s)", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            confirmed = self.connections
            try:
                await self._listen(conn)
            except (*pg.CONNECTION_ERRORS, asyncpg.PostgresError) as exc:
                if self.connections > confirmed:
                    log.warning(
                        "lost the catalog version's notifications (%s: %s): reading the version "
                        "per use until they are back",
                        type(exc).__name__,
                        exc,
                    )
            finally:
                self._down()
            if self.unsupported or self._closed:
                return
            if self.connections > confirmed:  # it had listened: reconnect at once, then back off
                delay = RETRY_FIRST
                continue
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)

    async def _connect(self) -> asyncpg.Connection:
        """Open the listening connection (outside the store's pool: it is held for good)."""
        return await asyncpg.connect(
            self._dsn, timeout=10, server_settings=dict(pg.SERVER_SETTINGS)
        )

    async def _listen(self, conn: asyncpg.Connection) -> None:
        """Listen on ``conn``, read the version, then ping until the connection fails."""
        if not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = $1)", _TRIGGER
        ):
            log.info("the database does not notify catalog changes (before migration 0026)")
            self.unsupported = True
            conn.terminate()
            self._signal()
            return
        self._dropped = asyncio.Event()
        conn.add_termination_listener(self._lost)
        sent = self._clock()
        await conn.add_listener(CHANNEL, self._heard)  # returns once the server confirmed
        self._conn = conn
        self._listening = True
        self._trusted_until = sent + self._trust_for
        self.connections += 1
        self.changed()  # reads started before the LISTEN are not kept
        if self.connections > 1:
            log.info("catalog version notifications are back")
        generation = self._generation
        self.learned(str(await conn.fetchval(_VERSION_SQL) or "0"), generation)
        self.versions_read += 1
        self._signal()
        while not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._ping_every):
                    await self._dropped.wait()
            if conn.is_closed():
                break
            sent = self._clock()
            async with asyncio.timeout(self._trust_for):
                await self._ping(conn)
            self._trusted_until = sent + self._trust_for
        raise pg.asyncpg.exceptions.ConnectionDoesNotExistError("the listening connection closed")

    async def _ping(self, conn: asyncpg.Connection) -> None:
        """Ask the connection to answer: notifications sent before the answer arrive first."""
        await conn.fetchval("SELECT 1")
