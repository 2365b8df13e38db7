"""Bulk-import figures: MusicBrainz JSON dump and Wikidata SPARQL import speed and memory.

Builds dumps from the real ws/2 samples (``tests/knowledge/mbdump.py``: ids renumbered,
artists half Korean), then imports them into fresh databases and prints lines/s, rows/s
(rows written to every catalog table), peak RSS and the peak Python heap while the lines
stream (tracemalloc, in a second run, since tracing slows Python down). Rates are given per
second of wall time and per second of CPU time (both threads: the import runs its batches on
the database's thread), so a figure taken on a busy machine still says what the importer costs.
The importer's target is 10,000 rows/s.

With ``--database-url`` (any database of a PostgreSQL server on this machine) each run
imports into a fresh database made on that server (and dropped after), and CPU counts the
server's processes too (read from /proc, as ``bench.postgres_bench`` does): PostgreSQL does
part of the work the SQLite library does in this process. ``--no-heap`` skips the traced run.

Run: .venv/bin/python -m bench.dump_bench --lines 5000 20000 [--dir /tmp/dumpbench]
     [--database-url postgresql://user@host:port/postgres] [--no-heap]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import postgres_bench
from bot.knowledge.importers.musicbrainz_dump import (
    Scope,
    finish_dump_import,
    import_musicbrainz_dump,
)
from bot.knowledge.importers.wikidata_dump import import_wikidata_dump
from bot.store import Store
from bot.store import catalog as db
from tests.knowledge import mbdump

TABLES = (
    "entities",
    "names",
    "sources",
    "entity_sources",
    "external_ids",
    "performers",
    "release_tracks",
    "credits",
    "artists",
    "releases",
    "songs",
    "videos",
)


async def rows(store: Store) -> int:
    return sum([await db.count_rows(store, t) for t in TABLES])


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_now(server: str | None) -> float:
    """CPU seconds used so far by this process (and by the PostgreSQL server measured)."""
    return time.process_time() + (postgres_bench._postgres_cpu() if server else 0.0)


async def run(
    folder: Path, lines: int, scope: Scope, traced: bool, server: str | None = None
) -> dict[str, float]:
    dump = folder / f"mb{lines}.tar.xz"
    if not dump.exists():
        mbdump.write_tar_xz(dump, lines)
    target: Path | str
    if server:
        target = await postgres_bench._create_db(server)
    else:
        target = folder / f"mb{lines}{'-traced' if traced else ''}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    store = await Store.open(target)
    try:
        before = await rows(store)
        if traced:
            tracemalloc.start()
        started, cpu = time.perf_counter(), cpu_now(server)
        report = await import_musicbrainz_dump(store, dump, scope, finish=False)
        streamed = time.perf_counter() - started
        streamed_cpu = cpu_now(server) - cpu
        heap = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
        tracemalloc.stop()
        started, cpu = time.perf_counter(), cpu_now(server)
        await finish_dump_import(store)
        finished = time.perf_counter() - started
        finished_cpu = cpu_now(server) - cpu
        written = await rows(store) - before
        sparql = mbdump.write_sparql(folder / f"wd{lines}.json", lines // 5)
        started = time.perf_counter()
        wd = await import_wikidata_dump(store, sparql)
        wd_s = time.perf_counter() - started
    finally:
        await store.close()
        if server:
            await postgres_bench._drop_db(server, str(target))
    return {
        "lines": lines,
        "bytes": dump.stat().st_size,
        "imported": report.counts["imported line"],
        "stream_s": streamed,
        "finish_s": finished,
        "cpu_s": streamed_cpu + finished_cpu,
        "rows": written,
        "heap_mb": heap,
        "rss_mb": rss_mb(),
        "wd_items": wd.counts["item"],
        "wd_s": wd_s,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--area", default="KR", help="scope (default KR: half the artists)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="import into PostgreSQL: a database URL of a server on this machine",
    )
    parser.add_argument("--no-heap", action="store_true", help="skip the traced run")
    args = parser.parse_args()
    server = args.database_url
    if server:
        postgres_bench.MEASURED["postmaster"] = await postgres_bench._postmaster(server)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="dumpbench-"))
    folder.mkdir(parents=True, exist_ok=True)
    scope = Scope.of([args.area] if args.area else [])
    try:
        for lines in args.lines:
            fig = await run(folder, lines, scope, traced=False, server=server)
            traced = (
                {"heap_mb": float("nan")}
                if args.no_heap
                else await run(folder, lines, scope, traced=True, server=server)
            )
            total = fig["stream_s"] + fig["finish_s"]
            print(
                f"{lines:,} lines ({fig['bytes'] / 2**20:.1f} MiB .tar.xz), "
                f"{fig['imported']:,} in scope: streamed in {fig['stream_s']:.1f} s "
                f"({lines / fig['stream_s']:,.0f} lines/s, {fig['rows'] / total:,.0f} rows/s "
                f"over {fig['rows']:,} rows), finishing pass {fig['finish_s']:.1f} s; "
                f"CPU {fig['cpu_s']:.1f} s{' with the server' if server else ''} "
                f"({fig['rows'] / fig['cpu_s']:,.0f} rows per CPU second); "
                f"peak RSS {fig['rss_mb']:.0f} MiB, peak Python heap while streaming "
                f"{traced['heap_mb']:.1f} MiB; Wikidata SPARQL {fig['wd_items']:,} bindings in "
                f"{fig['wd_s']:.1f} s ({fig['wd_items'] / fig['wd_s']:,.0f}/s)"
            )
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
