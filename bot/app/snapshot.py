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

from bot.knowledge.importers.bundled import build_bundled_snapshot


def main(argv: list[str] | None = None) -> int:
    """Build the snapshot (at the given path, or beside the bundled data); say where."""
    parser = argparse.ArgumentParser(prog="python -m bot.app.snapshot")
    parser.add_argument(
        "output", nargs="?", type=Path, help="where to write it (default: beside the data)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    target = asyncio.run(build_bundled_snapshot(args.output))
    sys.stdout.write(f"bundled snapshot: {target} in {time.perf_counter() - started:.2f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
