"""What an import costs in a store that already holds the bundled data: one small catalog file
added (then imported again), and kpopnet imported again.

Run: .venv/bin/python bench/reimport_bench.py [--rounds 5] [--repo DIR]
``--repo`` imports the bot from another checkout (its own data/ and migrations), so two
checkouts are measured by one command each, side by side (run them in turn, several times: a
shared machine is noisy). Each round copies one store loaded with the bundled data once, so every
round starts from the same rows. Prints the median and the lowest wall and CPU seconds of each
step (CPU: this process, the database thread included); asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

RELEASE = """
[[source]]
id = "bench-agency"
url = "https://www.edam-ent.com/notice/bench"
outlet = "EDAM Entertainment"

[[release]]
id = "bench-single"
title = "Bench Letter"
hangul = "벤치 레터"
type = "single"
artists = ["iu"]
date = "2030-01-01"
sources = ["bench-agency"]
"""


async def _rounds(rounds: int) -> dict[str, list[tuple[float, float]]]:
    from bot.knowledge.importers.bundled import bundled_kpopnet_path, ensure_bundled_loaded
    from bot.knowledge.importers.catalog import import_catalog
    from bot.knowledge.importers.kpopnet import import_kpopnet
    from bot.store import Store

    figures: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "bundled.db"
        async with Store.open(template) as store:
            await ensure_bundled_loaded(store)
        toml = folder / "bench.toml"
        toml.write_text(RELEASE, encoding="utf-8")
        for number in range(rounds):
            target = folder / f"round{number}.db"
            shutil.copy(template, target)
            async with Store.open(target) as store:
                steps = (
                    ("one catalog file, new", lambda: import_catalog(store, [toml])),
                    ("the same file again", lambda: import_catalog(store, [toml])),
                    ("kpopnet again", lambda: import_kpopnet(store, bundled_kpopnet_path())),
                )
                for name, step in steps:
                    wall, cpu = time.perf_counter(), time.process_time()
                    await step()
                    figures.setdefault(name, []).append(
                        (time.perf_counter() - wall, time.process_time() - cpu)
                    )
            target.unlink()
    return figures


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve()))
    figures = asyncio.run(_rounds(args.rounds))
    print(f"checkout {args.repo.resolve()}, {args.rounds} rounds (seconds: median / lowest)")
    for name, runs in figures.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(
            f"  {name:24} wall {statistics.median(walls):.3f} / {min(walls):.3f}"
            f"   cpu {statistics.median(cpus):.3f} / {min(cpus):.3f}"
        )


if __name__ == "__main__":
    main()
