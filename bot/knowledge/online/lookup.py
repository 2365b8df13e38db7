"""Look up what the store does not know: search, pick, fetch with relationships, store, remember.

One ``OnlineLookup`` per process. Each question's outcome is remembered in the store (a
title MusicBrainz does not know is not searched again for ``negative_ttl``), a question
already being looked up is awaited rather than asked twice (single flight), and every
fetched entity is refreshed in the background once it is older than ``refresh_after``.

What one question costs is bounded: at most ``REQUESTS_PER_QUESTION`` requests to
MusicBrainz and Wikidata together (``question_budget``), at most ``MAX_VIDEOS`` music videos
and ``MAX_WIKIDATA_ITEMS`` Wikidata items (plus one batch of the people they name) per fetch,
and at most ``MAX_PER_MEMBER`` questions of one member in flight at a time.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from bot.core.clock import Clock, stamp, utc_now
from bot.core.errors import NotFoundError, UserError
from bot.core.i18n import N_
from bot.knowledge.importers import wikidata as wd_import
from bot.knowledge.importers.musicbrainz import import_musicbrainz_documents
from bot.knowledge.importers.report import CatalogError
from bot.knowledge.normalize import normalize
from bot.knowledge.online.http import (
    UNREADABLE,
    BudgetSpent,
    ServiceUnavailable,
    question_budget,
)
from bot.knowledge.online.musicbrainz import MusicBrainzClient
from bot.knowledge.online.picking import Candidate, Picked, pick
from bot.knowledge.online.wikidata import WikidataClient, qid_from_url
from bot.knowledge.romanize import refresh_romanized_names
from bot.store import catalog as db
from bot.store import online as online_db
from bot.store.core import Store

log = logging.getLogger(__name__)

SERVICE = "musicbrainz"
# Which MusicBrainz search answers which catalog kind, in the order they are tried.
SEARCH_FOR_KIND = {
    "song": "recording",
    "video": "recording",
    "release": "release-group",
    "artist": "artist",
}
# Origins whose rows came from a database rather than from people: they may be looked up.
IMPORTED_ORIGINS = ("musicbrainz", "wikidata", "kpopnet")
MAX_VIDEOS = 2  # music videos fetched with a recording (each is one request)
MAX_WIKIDATA_ITEMS = 10  # items MusicBrainz links to, asked in one request
MAX_LINKED_ITEMS = 50  # people and works those items name, asked in one more request
MAX_PER_MEMBER = 2  # one member's lookups in flight; more are refused at once
T = TypeVar("T")


class TooManyLookups(UserError):
    """A member already has ``MAX_PER_MEMBER`` lookups running."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a lookup found: the stored entity, or candidates to pick from, or nothing."""

    entity_id: int | None
    candidates: tuple[Candidate, ...] = ()
    requested: bool = False


class OnlineLookup:
    """MusicBrainz first, Wikidata for what it lacks; everything stored with its source."""

    def __init__(
        self,
        store: Store,
        musicbrainz: MusicBrainzClient,
        wikidata: WikidataClient | None = None,
        *,
        negative_ttl: timedelta = timedelta(days=1),
        refresh_after: timedelta = timedelta(days=30),
        now: Clock = utc_now,
    ) -> None:
        self.store = store
        self.musicbrainz = musicbrainz
        self.wikidata = wikidata
        self.negative_ttl = negative_ttl
        self.refresh_after = refresh_after
        self.now = now
        self._inflight: dict[tuple[str, ...], asyncio.Future[Any]] = {}
        self._members: dict[int, int] = {}
        self.lookups = 0  # searches and fetches actually started (single flight shares one)

    @asynccontextmanager
    async def member(self, member_id: int) -> AsyncIterator[None]:
        """Count a member's lookup in flight; refuse at once past ``MAX_PER_MEMBER``.

        One member's burst of commands then cannot queue ahead of everyone else's. What runs
        inside shares one request budget (a question that looks several names up included).
        """
        running = self._members.get(member_id, 0)
        if running >= MAX_PER_MEMBER:
            raise TooManyLookups(
                N_(
                    "You have {n} lookups running already; wait for them to finish, then ask again."
                ),
                n=running,
            )
        self._members[member_id] = running + 1
        try:
            # Everything asked inside is one question: one request budget for all of it.
            with question_budget():
                yield
        finally:
            left = self._members.get(member_id, 1) - 1
            if left > 0:
                self._members[member_id] = left
            else:
                self._members.pop(member_id, None)

    async def close(self) -> None:
        """Close the HTTP sessions."""
        await self.musicbrainz.close()
        if self.wikidata is not None:
            await self.wikidata.close()

    # -- single flight -------------------------------------------------------------------
    async def _once(self, key: tuple[str, ...], work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` once per key at a time; later callers await the running one."""
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        self.lookups += 1
        try:
            result = await work()
        except BaseException as exc:
            future.set_exception(exc)
            # Nobody else may be waiting: mark the exception as retrieved.
            future.exception()
            raise
        else:
            future.set_result(result)
            return result
        finally:
            self._inflight.pop(key, None)

    # -- questions -----------------------------------------------------------------------
    async def find(self, query: str, kinds: Sequence[str]) -> Outcome:
        """Return what MusicBrainz knows by this name, fetching and storing it when clear."""
        norm = normalize(query or "")
        searches = list(dict.fromkeys(SEARCH_FOR_KIND[k] for k in kinds if k in SEARCH_FOR_KIND))
        if not norm or not searches:
            return Outcome(None)
        kinds_key = ",".join(sorted(set(kinds)))
        remembered = await online_db.query(self.store, SERVICE, kinds_key, norm)
        if remembered is not None:
            fresh = remembered.asked_at > stamp(self.now() - self.negative_ttl)
            if remembered.outcome == "found" and remembered.entity_id is not None:
                return Outcome(remembered.entity_id)
            if remembered.outcome == "not found" and fresh:
                return Outcome(None)
            if remembered.outcome == "ambiguous" and fresh:
                return Outcome(None, _candidates(remembered.candidates))
        with question_budget():
            return await self._once(
                ("find", kinds_key, norm), lambda: self._search(query, norm, kinds_key, searches)
            )

    async def _search(self, query: str, norm: str, kinds_key: str, searches: list[str]) -> Outcome:
        offered: list[Candidate] = []
        for entity in searches:
            picked: Picked = pick(entity, query, await self.musicbrainz.search(entity, query))
            if picked.choice is not None:
                entity_id = await self.fetch(picked.choice.entity, picked.choice.mbid)
                await online_db.record_query(
                    self.store,
                    SERVICE,
                    kinds_key,
                    norm,
                    "found",
                    self._stamp(),
                    entity_id=entity_id,
                )
                return Outcome(entity_id, requested=True)
            offered.extend(picked.candidates)
        if offered:
            candidates = tuple(offered[:25])
            await online_db.record_query(
                self.store,
                SERVICE,
                kinds_key,
                norm,
                "ambiguous",
                self._stamp(),
                candidates=json.dumps([[c.entity, c.mbid, c.label] for c in candidates]),
            )
            return Outcome(None, candidates, requested=True)
        await online_db.record_query(
            self.store, SERVICE, kinds_key, norm, "not found", self._stamp()
        )
        return Outcome(None, requested=True)

    def _stamp(self) -> str:
        return stamp(self.now())

    # -- fetching ------------------------------------------------------------------------
    async def fetch(self, entity: str, mbid: str, *, force: bool = False) -> int:
        """Fetch a MusicBrainz entity with its relationships and store it; return its id."""
        if not force:
            known = await online_db.fetched(self.store, SERVICE, mbid)
            if known is not None:
                return known.entity_id
        with question_budget():
            return await self._once(("fetch", entity, mbid), lambda: self._fetch(entity, mbid))

    async def _fetch(self, entity: str, mbid: str) -> int:
        doc = await self.musicbrainz.lookup(entity, mbid)
        if doc is None:
            raise NotFoundError(N_("MusicBrainz no longer has that entry."))
        documents: list[tuple[str, Any]] = []
        fetched: list[tuple[str, str, str]] = [(mbid, entity, mbid)]
        if entity == "release-group":
            documents.append((f"release-group {mbid}", doc))
            release = _first_release(doc)
            if release is not None:
                release_doc = await self.musicbrainz.lookup("release", release)
                if release_doc is not None:
                    documents.append((f"release {release}", release_doc))
        elif entity == "recording":
            documents.append((f"recording {mbid}", doc))
            # The music video is its own recording: its director is on its page. A few at
            # most: a recording with forty "music video" relations is not forty lookups.
            for video in _music_videos(doc)[:MAX_VIDEOS]:
                try:
                    video_doc = await self.musicbrainz.lookup("recording", video)
                except BudgetSpent:
                    break
                if video_doc is not None:
                    documents.append((f"recording {video}", video_doc))
                    fetched.append((video, "recording", video))
        else:
            documents.append((f"{entity} {mbid}", doc))
        try:
            await import_musicbrainz_documents(self.store, documents, on_demand=True)
        except CatalogError as exc:
            # A shape the client checks did not catch: nothing was stored (one transaction).
            log.warning("MusicBrainz %s %s could not be stored: %s", entity, mbid, exc)
            raise ServiceUnavailable(UNREADABLE, service="MusicBrainz") from None
        # The import recorded every MusicBrainz id it stored (and each page's release count).
        async with self.store.transaction() as conn:
            found = await db.external_entity(conn, "musicbrainz", mbid)
            owners = [
                (e, k, await db.external_entity(conn, "musicbrainz", o)) for e, k, o in fetched
            ]
        if found is None:  # pragma: no cover  (the import always records the id)
            raise NotFoundError(N_("MusicBrainz's answer could not be stored."))
        entity_id = found[0]
        stamp = self._stamp()
        rows = [(SERVICE, external, kind, own[0]) for external, kind, own in owners if own]
        await online_db.record_fetched(self.store, rows, stamp)
        await self._wikidata(entity_id, [d for _, d in documents], stamp)
        return entity_id

    async def _wikidata(self, entity_id: int, documents: list[Any], stamp: str) -> None:
        """Add what Wikidata says about the items MusicBrainz links to (never fails a lookup)."""
        if self.wikidata is None:
            return
        qids = sorted({q for d in documents for q in _wikidata_links(d)}, key=lambda q: int(q[1:]))
        qids = qids[:MAX_WIKIDATA_ITEMS]
        if not qids:
            return
        try:
            items = await self.wikidata.entities(qids)
            facts = [f for q in qids if (f := wd_import.facts_from_entity(items.get(q, {})))]
            wanted = sorted({r for f in facts for r in f.referenced}, key=lambda q: int(q[1:]))
            wanted = wanted[:MAX_LINKED_ITEMS]
            linked_items = await self.wikidata.entities(wanted) if wanted else {}
            linked = {
                q: f for q in wanted if (f := wd_import.facts_from_entity(linked_items.get(q, {})))
            }
        except ServiceUnavailable as exc:
            log.warning("Wikidata lookup for entity %d skipped: %s", entity_id, exc)
            return
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            # Wikidata is an addition: an item of an unexpected shape is left out, and what
            # MusicBrainz said stands.
            log.warning("Wikidata answer for entity %d unreadable, skipped: %r", entity_id, exc)
            return
        touched: set[int] = set()
        try:
            async with self.store.transaction() as conn:
                for item in facts:
                    await wd_import.store_facts(
                        conn, entity_id, item, linked, touched, unique_aliases=True
                    )
                for item in facts:
                    await db.set_importance_signals(conn, entity_id, sitelinks=item.sitelinks)
                await db.refresh_labels(conn, sorted(touched))
                # Korean labels from Wikidata get their romanized spellings, as imports do.
                await refresh_romanized_names(conn, sorted(touched))
                await db.bump_catalog_version(conn)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            log.warning("Wikidata facts for entity %d not stored: %r", entity_id, exc)
            return
        await online_db.record_fetched(
            self.store, [("wikidata", f.qid, "item", entity_id) for f in facts], stamp
        )

    async def ensure_details(self, entity_id: int) -> bool:
        """Fetch an imported entity's relationships if they never were; return whether it did.

        A curated entity never causes a request: the catalog is the authority on it.
        """
        row = await db.entity(self.store, entity_id)
        if row is None or row.origin not in IMPORTED_ORIGINS:
            return False
        if await online_db.fetched_for(self.store, entity_id):
            return False
        mbids = await db.external_ids_of(self.store, entity_id, "musicbrainz")
        if not mbids:
            return False
        entity = {"artist": "artist", "release": "release-group"}.get(row.kind, "recording")
        mbid = next((m for m in mbids if row.key == f"mb:{m}"), mbids[0])
        await self.fetch(entity, mbid)
        return True

    async def refresh_stale(self, limit: int = 10) -> int:
        """Fetch again up to ``limit`` entities older than ``refresh_after``; return how many."""
        before = stamp(self.now() - self.refresh_after)
        done = 0
        for row in await online_db.stale(self.store, SERVICE, before, limit):
            if row.kind not in ("recording", "release-group", "artist"):
                continue
            try:
                await self.fetch(row.kind, row.external_id, force=True)
            except (ServiceUnavailable, NotFoundError) as exc:
                log.warning("refreshing MusicBrainz %s %s: %s", row.kind, row.external_id, exc)
                break
            done += 1
        return done


def _candidates(text: str | None) -> tuple[Candidate, ...]:
    try:
        rows = json.loads(text or "[]")
    except json.JSONDecodeError:
        return ()
    return tuple(
        Candidate(str(r[0]), str(r[1]), str(r[2]))
        for r in rows
        if isinstance(r, list) and len(r) == 3
    )


def _first_release(group: dict[str, Any]) -> str | None:
    """Return the release to read a release group's tracklist from: the earliest official."""
    releases = [r for r in group.get("releases") or [] if isinstance(r, dict) and r.get("id")]
    releases.sort(
        key=lambda r: (
            0 if str(r.get("status") or "").lower() == "official" else 1,
            str(r.get("date") or "9999"),
            str(r["id"]),
        )
    )
    return str(releases[0]["id"]) if releases else None


def _music_videos(recording: dict[str, Any]) -> list[str]:
    if recording.get("video") is True:
        return []
    return sorted(
        {
            str((rel.get("recording") or {}).get("id"))
            for rel in recording.get("relations") or []
            if rel.get("target-type") == "recording"
            and rel.get("type") == "music video"
            and (rel.get("recording") or {}).get("id")
        }
    )


def _wikidata_links(doc: Any) -> set[str]:
    """Return the Wikidata items an entity (or its works) links to."""
    found: set[str] = set()
    if not isinstance(doc, dict):
        return found
    for rel in doc.get("relations") or []:
        if not isinstance(rel, dict):
            continue
        if rel.get("type") == "wikidata":
            qid = qid_from_url(str((rel.get("url") or {}).get("resource") or ""))
            if qid:
                found.add(qid)
        elif rel.get("target-type") == "work" and rel.get("type") == "performance":
            found |= _wikidata_links(rel.get("work"))
    return found
