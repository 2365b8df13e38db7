"""Hostile dump imports: peak memory and time per case, this checkout against another.

Each case is generated here (small on disk: long runs of one byte compress to almost nothing),
then imported in a fresh process that reports its peak RSS (VmHWM, Linux), the time
it took and how the import ended. With ``--baseline DIR`` (a checkout of an older Liner Notes,
e.g. ``git worktree add /tmp/old <commit>``) every case also runs against that code, side by side.

Cases (SIZE MiB, default 256):
  long-line    one MusicBrainz dump line of SIZE MiB (.xz) between two good lines
  long-name    a tar.xz whose GNU long-name header claims and holds a SIZE MiB name
  aliases      one artist line with 1.5 million aliases (about 80 MB)
  nested       a line nested 100,000 deep, between two good lines
  sparql       a SPARQL result with one SIZE/16 MiB binding between two good ones

Run: .venv/bin/python -m bench.import_bounds_bench [--size 256] [--baseline DIR] [--case ...]
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("long-line", "long-name", "aliases", "nested", "sparql")

# Run in the child: import one file with the code at sys.argv[1], print one JSON line.
CHILD = """
import asyncio, json, sys, time
sys.path.insert(0, sys.argv[1])
from bot.store import Store
kind, path, db = sys.argv[2], sys.argv[3], sys.argv[4]
async def main():
    async with Store.open(db) as store:
        if kind == "wikidata":
            from bot.knowledge.importers.wikidata_dump import import_wikidata_dump as run
        else:
            from bot.knowledge.importers.musicbrainz_dump import import_musicbrainz_dump as run
        return await run(store, path)
started = time.perf_counter()
try:
    report = asyncio.run(main())
    outcome = "imported %s, malformed %s" % (
        report.counts.get("imported line", report.counts.get("item")),
        report.counts.get("malformed line", report.counts.get("malformed record")),
    )
except BaseException as exc:
    outcome = "%s: %s" % (type(exc).__name__, str(exc)[:90])
# VmHWM, not ru_maxrss: Linux carries the parent's high-water mark across fork and exec.
with open("/proc/self/status") as status:
    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "rss_mb": hwm / 1024,
    "outcome": outcome,
}))
"""


def artist(n: int, **changes: object) -> bytes:
    sys.path.insert(0, str(ROOT))
    from tests.knowledge import mbdump

    return json.dumps({**mbdump.artist_line(n), **changes}, ensure_ascii=False).encode()


def write_xz_lines(path: Path, middle: list[bytes]) -> Path:
    """Write good line, the middle pieces (as one line), good line, xz-compressed."""
    with lzma.open(path, "wb", preset=1) as out:
        out.write(artist(0) + b"\n")
        for piece in middle:
            out.write(piece)
        out.write(b"\n" + artist(2) + b"\n")
    return path


def make(case: str, folder: Path, size_mb: int) -> tuple[str, Path]:
    """Write the hostile file of a case; return (importer, path)."""
    mib = 1 << 20
    if case == "long-line":
        pieces = [b'{"id": "'] + [b"x" * mib] * size_mb + [b'"}']
        return "musicbrainz", write_xz_lines(folder / "long-line.json.xz", pieces)
    if case == "long-name":
        path = folder / "long-name.tar.xz"
        with lzma.open(path, "wb", preset=1) as out:
            info = tarfile.TarInfo("././@LongLink")
            info.size, info.type = size_mb * mib, tarfile.GNUTYPE_LONGNAME
            out.write(info.tobuf(tarfile.USTAR_FORMAT))
            for _ in range(size_mb):
                out.write(b"n" * mib)
            member = tarfile.TarInfo("mbdump/artist")
            lines = artist(0) + b"\n"
            member.size = len(lines)
            out.write(member.tobuf(tarfile.USTAR_FORMAT) + lines)
            out.write(b"\0" * (512 - len(lines) % 512) + b"\0" * 1024)
        return "musicbrainz", path
    if case == "aliases":
        alias = b'{"name": "a", "type": "Artist name", "locale": null}, '
        head = artist(4, aliases=[]).rsplit(b'"aliases": []', 1)
        pieces = [head[0] + b'"aliases": [', alias * 1_500_000, b'{"name": "z"}]' + head[1]]
        return "musicbrainz", write_xz_lines(folder / "aliases.json.xz", pieces)
    if case == "nested":
        return "musicbrainz", write_xz_lines(
            folder / "nested.json.xz", [b"[" * 100_000, b"]" * 100_000]
        )
    if case == "sparql":
        path = folder / "sparql.json"
        item = '{"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q%d"}%s}'
        big = ', "l": {"type": "literal", "xml:lang": "en", "value": "%s"}'
        with path.open("w", encoding="utf-8") as out:
            out.write('{"head": {"vars": ["item", "l"]}, "results": {"bindings": [\n')
            out.write(item % (1, "") + ",\n")
            out.write(item % (2, big % ("x" * (size_mb * mib // 16))) + ",\n")
            out.write(item % (3, "") + "\n]}}\n")
        return "wikidata", path
    raise ValueError(case)


def run(code: Path, kind: str, path: Path, folder: Path, timeout: float) -> dict[str, object]:
    database = folder / f"bench-{os.getpid()}-{len(os.listdir(folder))}.db"
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(code), kind, str(path), str(database)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "rss_mb": float("nan"), "outcome": "still running: stopped"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"seconds": 0.0, "rss_mb": float("nan"), "outcome": done.stderr[-200:]}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=256, help="MiB of the large cases")
    parser.add_argument("--baseline", type=Path, help="an older checkout to compare with")
    parser.add_argument("--case", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    codes = [("this checkout", ROOT)]
    if args.baseline:
        codes.append(("baseline", args.baseline.resolve()))
    with tempfile.TemporaryDirectory(prefix="boundsbench-") as tmp:
        folder = Path(tmp)
        for case in args.case:
            kind, path = make(case, folder, args.size)
            disk = path.stat().st_size
            for label, code in codes:
                fig = run(code, kind, path, folder, args.timeout)
                print(
                    f"{case:10} ({disk / 1024:,.0f} KiB on disk) {label:14} "
                    f"peak RSS {fig['rss_mb']:7.0f} MiB, {fig['seconds']:6.1f} s: {fig['outcome']}"
                )


if __name__ == "__main__":
    main()
