"""Build the bundled snapshot: the bundled catalog and kpopnet, loaded once by the importers.

``python -m bot.app.snapshot`` writes ``bundled.sqlite`` beside the bundled data (``data/`` in
a checkout, ``bot/bundled/`` in an installed bot), so the first answer on an empty database
copies rows instead of importing (``bot/knowledge/importers/snapshot.py``). .ci/run and
deploy/Dockerfile run it; a bot that finds no current snapshot builds one on first use.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from bot.knowledge.importers.bundled import build_bundled_snapshot, bundled_data_dir
from bot.knowledge.importers.snapshot import current_snapshot
from bot.store.core import bundled_migrations


def main(argv: list[str] | None = None) -> int:
    """Build the snapshot (at the given path, or beside the bundled data); say where."""
    parser = argparse.ArgumentParser(prog="python -m bot.app.snapshot")
    parser.add_argument(
        "output", nargs="?", type=Path, help="where to write it (default: beside the data)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="build nothing: exit 1 unless a current snapshot is there (CI checks the image)",
    )
    args = parser.parse_args(argv)
    if args.check:
        latest = bundled_migrations()[-1].version
        found = current_snapshot(bundled_data_dir(), latest)
        sys.stdout.write(f"current bundled snapshot: {found or 'none'}\n")
        return 0 if found is not None else 1
    started = time.perf_counter()
    target = asyncio.run(build_bundled_snapshot(args.output))
    sys.stdout.write(f"bundled snapshot: {target} in {time.perf_counter() - started:.2f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
