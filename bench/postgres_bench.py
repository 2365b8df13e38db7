"""PostgreSQL against SQLite, side by side: CPU per /credits and per autocomplete, autocomplete
latency at 100k names, and a 10,000-feed cycle split over two processes (docs/scaling.md).

    python -m bench.postgres_bench --postgres postgresql://user@host:port/postgres

The server URL names any database of a server the bench may create databases on (it makes
its own and drops them). CPU is read from /proc, so the server must run on this machine. For
the reads, CPU on PostgreSQL is the bench process's plus that of the server processes serving
the bench's own connections (its client backends), after a VACUUM of the copied database:
SQLite's side is the bench process alone (SQLite runs in it), so both sides count the work of
answering the reads and nothing else. The whole server's CPU (its background processes too:
autovacuum, checkpointer, WAL writer) is printed beside it. For the feed cycle, which writes,
the whole server counts. SQLite and PostgreSQL runs are interleaved in rounds, so a loaded
machine slows both alike: read the ratios. The reads also print how many statements (round
trips, on PostgreSQL) an autocomplete and a /credits make.

Two /credits figures: ``credits`` resolves the title as autocomplete does (every step, limit
25) and reads its card, as the earlier rounds measured it; ``credits typed`` is what the
command does with a typed title (one entity, the search stopping at exact names, in one
reader), then the card. ``autocomplete cog`` and ``credits cog`` run them as the cogs do,
through ``cached_reading`` (the catalog version read first, then the reads), each a miss (the
kept reads cleared before each): what a newly typed text costs the bot; ``autocomplete kept``
runs 50 texts typed before, each a hit (on PostgreSQL the catalog version is known from memory
while the store hears of changes, bot/store/version_watch.py). ``--slowest N``
prints the N slowest PostgreSQL autocompletes with each statement's step and generic plan
(EXPLAIN ANALYZE, BUFFERS).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aiohttp import web

from bot.core.database_url import parse_database_url
from bot.core.errors import UserError
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import poll_once
from bot.knowledge import cards
from bot.knowledge.importers import ensure_bundled_loaded
from bot.knowledge.normalize import normalize
from bot.knowledge.search import resolve, resolve_one
from bot.store import Store
from bot.store import catalog as db
from bot.store.copy import copy_database
from bot.store.dialect import POSTGRES
from bot.store.feeds import FeedStore, FetchState
from bot.store.postgres import SERVER_SETTINGS
from bot.store.read_cache import cached_reading

TICKS = os.sysconf("SC_CLK_TCK")
CREDITS_KINDS = ("song", "release", "video")


def _with_db(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path="/" + name))


async def _create_db(server: str) -> str:
    name = f"lnbench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return _with_db(server, name)


async def _drop_db(server: str, url: str) -> None:
    admin = await asyncpg.connect(server)
    try:
        name = urlsplit(url).path.lstrip("/")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _stat(pid: str) -> list[str] | None:
    """The fields of /proc/PID/stat after the process name (None: gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


async def _postmaster(server: str) -> int:
    """The process id of the PostgreSQL server at ``server`` (the parent of a backend)."""
    conn = await asyncpg.connect(server)
    try:  # read while the backend runs: it exits with the connection
        fields = _stat(str(await conn.fetchval("SELECT pg_backend_pid()")))
    finally:
        await conn.close()
    if fields is None:
        raise SystemExit("the PostgreSQL server must run on this machine (CPU is read from /proc)")
    return int(fields[1])


# The server measured (its postmaster's pid, set by main): other clusters on the machine (other
# checkouts' test servers) are not counted.
MEASURED = {"postmaster": 0}


def _postgres_cpu() -> float:
    """CPU seconds used so far by the measured server: its postmaster and every process it
    started (with the reaped children a process counts, so backends that exited are not
    lost). Other PostgreSQL servers running on the machine are left out."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        fields = _stat(pid)
        if fields is None:
            continue
        if MEASURED["postmaster"] in (int(pid), int(fields[1])):
            total += sum(int(f) for f in fields[11:15])
    return total / TICKS


class Backends:
    """CPU used by the server processes serving one database's client connections.

    Read through a connection to another database of the same server (``server``), so the
    reading costs nothing to the database measured. A backend started since the last reading
    counts from zero; one gone since is no longer counted (the bench's pool keeps its own).
    """

    def __init__(self, server: str, database: str) -> None:
        self.server = server
        self.database = database
        self.admin: asyncpg.Connection | None = None
        self.seen: dict[int, int] = {}

    async def open(self) -> None:
        self.admin = await asyncpg.connect(self.server)

    async def close(self) -> None:
        if self.admin is not None:
            await self.admin.close()

    async def _ticks(self) -> dict[int, int]:
        assert self.admin is not None
        pids = await self.admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 "
            "AND backend_type = 'client backend'",
            self.database,
        )
        ticks = {}
        for row in pids:
            fields = _stat(str(row["pid"]))
            if fields is not None:
                ticks[int(row["pid"])] = sum(int(f) for f in fields[11:13])
        return ticks

    async def start(self) -> None:
        self.seen = await self._ticks()

    async def used(self) -> float:
        """CPU seconds used by the database's backends since ``start``."""
        now = await self._ticks()
        return sum(t - self.seen.get(pid, 0) for pid, t in now.items()) / TICKS


async def _add_names(path: Path, count: int) -> None:
    """Imported songs with made-up names (a name shares words with others), ``count`` names."""
    rng = random.Random(20)
    words = [
        "love", "night", "dream", "blue", "spring", "star", "moon", "heart", "run", "fire",
        "summer", "rain", "light", "day", "sky", "home", "wings", "gold", "ocean", "time",
        "봄", "사랑", "밤", "꿈", "별", "하늘", "바다", "빛", "시간", "노래",
    ]  # fmt: skip
    async with Store.open(path) as store, store.transaction() as conn:
        for i in range(count):
            name = " ".join(rng.sample(words, rng.randint(1, 3))) + f" {i}"
            entity = await db.upsert_entity(conn, "song", f"mb:bench:{i}", "musicbrainz", name)
            await db.upsert_song(conn, entity, None)
            await db.set_importance_signals(
                conn, entity, sitelinks=None, release_count=rng.randint(1, 50)
            )
            await db.add_names(
                conn,
                [(entity, "song", name, normalize(name), "title", None, True, "musicbrainz")],
                overwrite=False,
            )
        await db.refresh_labels(conn, None)


def _queries(rng: random.Random, names: list[str], n: int) -> list[str]:
    out = []
    for _ in range(n):
        name = rng.choice(names)
        kind = rng.random()
        if kind < 0.5:
            out.append(name[: rng.randint(1, min(6, len(name)))])  # typing a prefix
        elif kind < 0.8:
            out.append(name)
        else:
            i = rng.randrange(len(name))
            out.append(name[:i] + name[i + 1 :] or name)  # a typo
    return out


async def _measure(
    store: Store,
    work: Callable[[Store, str], Awaitable[Any]],
    items: list[str],
    backends: Backends | None = None,
) -> tuple[list[float], float, float]:
    """Run ``work`` for each item; return wall latencies (ms), CPU per item (ms) counting the
    bench process and ``backends`` (PostgreSQL's side of the reads), and CPU per item (ms)
    counting the bench process and the whole server instead."""
    if backends is not None:
        await backends.start()
    cpu0, pg0 = time.process_time(), _postgres_cpu() if store.is_postgres else 0.0
    latencies = []
    for item in items:
        started = time.perf_counter()
        await work(store, item)
        latencies.append((time.perf_counter() - started) * 1000)
    cpu = time.process_time() - cpu0
    whole = cpu + (_postgres_cpu() - pg0 if store.is_postgres else 0.0)
    if backends is not None:
        cpu += await backends.used()
    elif store.is_postgres:
        cpu = whole
    return latencies, cpu * 1000 / len(items), whole * 1000 / len(items)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def autocomplete(store: Store, query: str) -> None:
    await resolve(store, query, None, limit=25)


async def credits(store: Store, query: str) -> None:
    # A title resolved as autocomplete would (limit 25, every step), then its card: the
    # figure the earlier rounds measured as /credits, kept to compare with them.
    matches = await resolve(store, query, ["song", "release", "video"], limit=25)
    if matches:
        await cards.credits_view(store, matches[0].ref)


async def credits_typed(store: Store, query: str) -> None:
    # What /credits does with a typed title (cogs/_lookup.lookup, cogs/catalog.credits): one
    # entity resolved in one reader (the search stops at exact names), then its card.
    try:
        match = await store.reading(
            lambda s: resolve_one(s, query, CREDITS_KINDS, prefer="song", accept_typo=True)
        )
    except UserError:  # ambiguous or unknown: the cog offers a picker or suggestions
        return
    await cards.credits_view(store, match.ref)


async def autocomplete_cog(store: Store, query: str) -> None:
    # What cogs/_lookup.complete_names does, on text not typed before (a miss).
    store.read_cache.clear(None)
    await cached_reading(store, ("names", query, None), lambda s: resolve(s, query, None, limit=25))


async def credits_cog(store: Store, query: str) -> None:
    # What /credits does with a typed title not asked before (cogs/_lookup.lookup, then the
    # card in cogs/catalog.credits): two cached reads, each a miss.
    store.read_cache.clear(None)
    try:
        match = await cached_reading(
            store,
            ("one", query, CREDITS_KINDS, "song"),
            lambda s: resolve_one(s, query, CREDITS_KINDS, prefer="song", accept_typo=True),
        )
    except UserError:
        return
    store.read_cache.clear(None)
    await cached_reading(store, ("credits", match.ref), lambda s: cards.credits_view(s, match.ref))


async def autocomplete_kept(store: Store, query: str) -> None:
    # What cogs/_lookup.complete_names does on text typed before, the catalog unchanged (a hit).
    await cached_reading(store, ("names", query, None), lambda s: resolve(s, query, None, limit=25))


def _step(sql: str) -> str:
    """Name the name-search step (or read) a statement is, for ``--slowest``."""
    for marker, step in (
        ("WITH x AS", "exact and prefix (names_exact_and_prefix)"),
        ("WITH s AS", "substring and typos (names_substring_then_typos)"),
        ("n.jamo", "prefix key by key (names_prefix, jamo)"),
        ("n.choseong", "prefix by initial consonants (names_prefix, choseong)"),
        ("form_len", "swapped spellings (names_exact_many)"),
        ("length(n.norm) BETWEEN", "short typo candidates (names_near_length)"),
        ("LIKE", "substring (names_matching)"),
    ):
        if marker in sql:
            return step
    return sql[:60]


def _literal(value: Any) -> str:
    """``value`` as a SQL literal, for ``EXECUTE`` (the bench's own parameters, never user text)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "'{" + ",".join(str(int(v)) for v in value) + "}'"
    return "'" + str(value).replace("'", "''") + "'"


async def explain_slowest(url: str, store: Store, queries: list[tuple[float, str]]) -> None:
    """Print each query's statements with their generic plans, run (EXPLAIN ANALYZE, BUFFERS).

    The store runs each statement prepared, with a generic plan (``plan_cache_mode``); so does
    this: ``PREPARE`` then ``EXPLAIN EXECUTE`` on a connection with the store's settings.
    """
    conn = await asyncpg.connect(url, server_settings=dict(SERVER_SETTINGS))
    try:
        for wall, query in queries:
            seen: list[tuple[str, list[Any]]] = []
            fetchall = store.fetchall

            async def traced(
                sql: str, params: Any = (), fetchall: Any = fetchall, seen: Any = seen
            ) -> Any:
                seen.append((sql, list(params)))
                return await fetchall(sql, params)

            store.fetchall = traced  # type: ignore[method-assign]
            try:
                await autocomplete(store, query)
            finally:
                del store.fetchall
            print(f"--- {query!r}: {wall:.1f} ms wall in the run, {len(seen)} statements")
            for sql, params in seen:
                await conn.execute("DEALLOCATE ALL")
                await conn.execute("PREPARE slow AS " + POSTGRES.sql(sql))
                execute = (
                    f"EXECUTE slow({', '.join(map(_literal, params))})"
                    if params
                    else "EXECUTE slow"
                )
                await conn.fetch(execute)  # the first run builds the generic plan
                plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + execute)
                lines = [str(r[0]) for r in plan]
                total = next((line for line in reversed(lines) if "Execution Time" in line), "")
                print(f"  {_step(sql)}: {total.strip()}")
                for line in lines:
                    print(f"    {line}")
    finally:
        await conn.close()


async def bench_reads(
    server: str, names: int, rounds: int, per_round: int, slowest: int = 0
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="lnbench"))
    sqlite_path = work / "bench.db"
    started = time.perf_counter()
    async with Store.open(sqlite_path) as store:
        await ensure_bundled_loaded(store)
    if names:
        await _add_names(sqlite_path, names)
    url = await _create_db(server)
    try:
        async with Store.open(sqlite_path) as lite:
            await copy_database(lite, parse_database_url(url))
            name_rows = await lite.fetchall("SELECT name FROM names ORDER BY id")
            all_names = [str(r[0]) for r in name_rows]
            songs = await lite.fetchall(
                "SELECT name FROM entities WHERE kind IN ('song', 'release', 'video') "
                "AND origin NOT IN ('kpopnet', 'musicbrainz') ORDER BY id"
            )
            titles = [str(r[0]) for r in songs]
        built = time.perf_counter() - started
        rng = random.Random(7)
        results: dict[str, dict[str, list[float]]] = {}
        timed: list[tuple[float, str]] = []  # PostgreSQL autocompletes: (wall ms, query)
        counts: dict[str, float] = {}
        kept = _queries(random.Random(11), all_names, 50)
        # As a database in service is: vacuumed (autovacuum would otherwise clean up after the
        # copy during the measurement, and the first reads of each page set its hint bits).
        admin = await asyncpg.connect(url)
        try:
            await admin.execute("VACUUM (ANALYZE)")
        finally:
            await admin.close()
        backends = Backends(server, urlsplit(url).path.lstrip("/"))
        await backends.open()
        async with Store.open(sqlite_path) as lite, Store.open(url) as pg:
            for what, fn, items_of in (
                ("autocomplete", autocomplete, lambda: _queries(rng, all_names, per_round)),
                ("credits", credits, lambda: [rng.choice(titles) for _ in range(per_round)]),
                (
                    "credits typed",
                    credits_typed,
                    lambda: [rng.choice(titles) for _ in range(per_round)],
                ),
                ("autocomplete cog", autocomplete_cog, lambda: _queries(rng, all_names, per_round)),
                (
                    "credits cog",
                    credits_cog,
                    lambda: [rng.choice(titles) for _ in range(per_round)],
                ),
                # The same 50 texts again and again (the warm-up keeps them): every use a hit.
                ("autocomplete kept", autocomplete_kept, lambda: kept * max(1, per_round // 50)),
            ):
                # Warm both (caches, prepared statements), then interleave rounds.
                warm = items_of()
                await _measure(lite, fn, warm[:50])
                await _measure(pg, fn, warm[:50], backends)
                # Statements per operation (each one round trip on PostgreSQL), counted
                # apart: SQLite's statement trace would slow what is timed.
                async with pg.statements() as seen:
                    for item in warm[:50]:
                        await fn(pg, item)
                counts[what] = round(len(seen) / len(warm[:50]), 2)
                for _ in range(rounds):
                    items = items_of()
                    for name, store in (("sqlite", lite), ("postgresql", pg)):
                        lat, cpu, whole = await _measure(
                            store, fn, items, backends if store.is_postgres else None
                        )
                        slot = results.setdefault(
                            f"{what} {name}", {"lat": [], "cpu": [], "whole": []}
                        )
                        slot["lat"].extend(lat)
                        if store.is_postgres and what == "autocomplete":
                            timed.extend(zip(lat, items, strict=True))
                        slot["cpu"].append(cpu)
                        slot["whole"].append(whole)
            if slowest:
                timed.sort(key=lambda pair: -pair[0])
                print(
                    f"The {slowest} slowest PostgreSQL autocompletes, their statements and plans:"
                )
                await explain_slowest(url, pg, timed[:slowest])
        await backends.close()
        out: dict[str, Any] = {"names": len(all_names), "build_s": round(built, 1)}
        for key, slot in results.items():
            out[key] = {
                "p50_ms": round(_p(slot["lat"], 0.50), 2),
                "p99_ms": round(_p(slot["lat"], 0.99), 2),
                "cpu_ms_per_op": round(statistics.median(slot["cpu"]), 2),
            }
            if key.endswith("postgresql"):
                out[key]["cpu_ms_per_op_whole_server"] = round(statistics.median(slot["whole"]), 2)
        for what, count in counts.items():
            out[f"{what} statements per op"] = count
        for what in (
            "autocomplete",
            "credits",
            "credits typed",
            "autocomplete cog",
            "credits cog",
            "autocomplete kept",
        ):
            out[f"{what} cpu ratio"] = round(
                out[f"{what} postgresql"]["cpu_ms_per_op"] / out[f"{what} sqlite"]["cpu_ms_per_op"],
                2,
            )
        return out
    finally:
        await _drop_db(server, url)
        shutil.rmtree(work, ignore_errors=True)


# -- feeds over two processes ---------------------------------------------------------
class FeedHost:
    """``count`` feeds on one local server, each answering 304 to its ETag, counting hits."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.hits: dict[int, int] = {}
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        self.hits[n] = self.hits.get(n, 0) + 1
        if request.headers.get("If-None-Match") == f'"e{n}"':
            return web.Response(status=304)
        return web.Response(status=500)  # the bench only ever asks conditionally

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}.xml", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/feed/{n}.xml"


async def _poll_child(url: str, now: str) -> None:
    """One process's cycle: poll every due feed it claims; print what it did."""
    store = await Store.open(url, pool_size=4)
    fetcher = Fetcher(allow_private=True)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        report = await poll_once(
            FeedStore(store),
            fetcher.fetch,
            default_interval=900,
            now=datetime.fromisoformat(now),
            concurrency=32,
        )
    finally:
        await fetcher.close()
        await store.close()
    print(
        json.dumps(
            {
                "polled": report.polled,
                "not_modified": report.not_modified,
                "claimed_elsewhere": report.claimed_elsewhere,
                "cpu_s": round(time.process_time() - cpu0, 1),
                "wall_s": round(time.perf_counter() - wall0, 1),
            }
        )
    )


async def bench_feeds(server: str, count: int) -> dict[str, Any]:
    host = FeedHost(count)
    await host.start()
    url = await _create_db(server)
    try:
        t0 = datetime.now(UTC)
        async with Store.open(url) as store:
            feeds = FeedStore(store)
            for n in range(count):
                await feeds.add_subscription(
                    guild_id=(n + 1) << 22,
                    channel_id=n + 1,
                    url=host.url(n),
                    now=t0,
                    fetched=FetchState(200, f'"e{n}"', None, f"Feed {n}"),
                    baseline=[],
                    next_poll_at=t0 + timedelta(minutes=15),
                )
        later = (t0 + timedelta(minutes=16)).isoformat()
        pg0 = _postgres_cpu()
        started = time.perf_counter()
        children = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.postgres_bench",
                "--poll-child",
                url,
                "--now",
                later,
                stdout=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = [json.loads((await c.communicate())[0]) for c in children]
        wall = time.perf_counter() - started
        return {
            "feeds": count,
            "processes": outputs,
            "wall_s": round(wall, 1),
            "postgres_cpu_s": round(_postgres_cpu() - pg0, 1),
            "fetched_once": sum(1 for n in range(count) if host.hits.get(n) == 1),
            "fetched_twice_or_more": sum(1 for n in range(count) if host.hits.get(n, 0) > 1),
        }
    finally:
        await _drop_db(server, url)
        if host.runner is not None:
            await host.runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL (LINERNOTES_TEST_POSTGRES_URL)")
    parser.add_argument("--only", choices=["reads", "feeds"])
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=300)
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument(
        "--slowest",
        type=int,
        default=0,
        metavar="N",
        help="print the N slowest PostgreSQL autocompletes' statements and plans (reads)",
    )
    parser.add_argument("--poll-child", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.poll_child:
        asyncio.run(_poll_child(args.poll_child, args.now))
        return
    server = args.postgres or os.environ.get("LINERNOTES_TEST_POSTGRES_URL")
    if not server:
        parser.error("give --postgres URL (or set LINERNOTES_TEST_POSTGRES_URL)")
    MEASURED["postmaster"] = asyncio.run(_postmaster(server))
    print(f"load average before: {os.getloadavg()}", flush=True)
    if args.only in (None, "reads"):
        result = asyncio.run(
            bench_reads(server, args.names, args.rounds, args.per_round, args.slowest)
        )
        print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)
    if args.only in (None, "feeds"):
        print(json.dumps(asyncio.run(bench_feeds(server, args.feeds)), indent=2), flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
