"""The first answer on an empty database: the bundled snapshot against the importers.

    python -m bench.first_answer_bench [--rounds 3]

Each run is a fresh process, `linernotes ask "who composed Love wins all?"` on a new database
file: once loading the bundled data from the snapshot (what the bot does), once through the
importers (the path before the snapshot, ``use_snapshot=False``), and once on a database already
loaded (the floor: start-up and the answer alone). The three are interleaved in rounds, so a
loaded machine slows them alike; read the CPU seconds and the ratios. It also times the build
step (`python -m bot.app.snapshot`), into a temporary file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "who composed Love wins all?"
# The CLI's own entry point, with the bundled load forced through the importers.
IMPORTERS = (
    "import functools, sys\n"
    "from bot.knowledge.importers import bundled\n"
    "bundled.ensure_bundled_loaded = functools.partial(\n"
    "    bundled.ensure_bundled_loaded, use_snapshot=False)\n"
    "from bot.app.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
CLI = "import sys\nfrom bot.app.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def run(code: str, args: list[str], database: Path | None) -> tuple[float, float]:
    """Run a fresh Python process; return its (wall, CPU) seconds."""
    env = dict(os.environ)
    if database is not None:
        env["DATABASE_PATH"] = str(database)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    out = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0 or (args[:1] == ["ask"] and b"Seo Dong-hwan" not in out):
        raise SystemExit(f"the run failed ({child.returncode}): {out.decode()[:300]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    """Print wall and CPU seconds of the first answer, both ways, and of the build step."""
    parser = argparse.ArgumentParser(prog="python -m bench.first_answer_bench")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build = run(
            "import sys\nfrom bot.app.snapshot import main\nsys.exit(main(sys.argv[1:]))\n",
            [str(folder / "built.sqlite")],
            None,
        )
        # The snapshot the bot reads (beside the bundled data) is made current first.
        run("import sys\nfrom bot.app.snapshot import main\nsys.exit(main())\n", [], None)
        loaded = folder / "loaded.db"
        run(CLI, ["ask", QUESTION], loaded)
        figures: dict[str, list[tuple[float, float]]] = {
            "snapshot": [],
            "importers": [],
            "loaded": [],
        }
        for n in range(args.rounds):
            for name, code in (("snapshot", CLI), ("importers", IMPORTERS)):
                database = folder / f"{name}-{n}.db"
                figures[name].append(run(code, ["ask", QUESTION], database))
            figures["loaded"].append(run(CLI, ["ask", QUESTION], loaded))
        shutil.rmtree(folder, ignore_errors=True)
    print(f"first `linernotes ask` on an empty database, median of {args.rounds} rounds")
    print(f"{'':34} {'wall s':>8} {'CPU s':>8}")
    med = {
        name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
        for name, runs in figures.items()
    }
    labels = {
        "importers": "importers (before the snapshot)",
        "snapshot": "bundled snapshot (now)",
        "loaded": "database already loaded (floor)",
    }
    for name in ("importers", "snapshot", "loaded"):
        wall, cpu = med[name]
        print(f"{labels[name]:34} {wall:8.2f} {cpu:8.2f}")
    ratio_wall = med["snapshot"][0] / med["importers"][0]
    ratio_cpu = med["snapshot"][1] / med["importers"][1]
    print(f"snapshot / importers: wall {ratio_wall:.2f}x, CPU {ratio_cpu:.2f}x")
    extra = med["snapshot"][1] - med["loaded"][1]
    print(f"CPU the snapshot's load adds to the floor: {extra:.2f} s")
    print(f"build step (python -m bot.app.snapshot): wall {build[0]:.2f} s, CPU {build[1]:.2f} s")


if __name__ == "__main__":
    main()
