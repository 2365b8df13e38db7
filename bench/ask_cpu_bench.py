"""/ask CPU time per question, in process, on a built database: p50, p95, p99 and max.

Uses the question mix of knowledge_bench.py (``ask_questions``, same seed, so the same
questions on the same database) plus yes/no questions between synthetic people and works
("Is X on Y?", "Did X write Y?", "Y 뮤비에 X 나와?"), and times each ``ask.answer`` call with
``time.process_time`` (CPU, so a loaded machine inflates it far less than wall time).
To compare two versions of the engine, run this script from each checkout on a copy of the
same database, alternately, and compare the figures of one run with the other's; e.g. with
the branch point checked out read-only beside this checkout:

    git worktree add /tmp/askbase <commit>; cp /tmp/kb.db /tmp/kb-base.db
    (cd /tmp/askbase && $PWD/.venv/bin/python -m bench.ask_cpu_bench --db /tmp/kb-base.db)
    .venv/bin/python -m bench.ask_cpu_bench --db /tmp/kb.db

Build the database once (100k songs, about 11 minutes):
.venv/bin/python -m bench.knowledge_generate --songs 100000 --db /tmp/kb.db --mode bulk

Run: .venv/bin/python -m bench.ask_cpu_bench --db /tmp/kb.db [--questions 600] [--rounds 3]
[--slowest 15]. Prints figures (and, with ``--slowest``, the slowest questions of the median
round with the SQL statements each runs, to find what to fix next); asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.knowledge_bench import SYNTHETIC_GLOB, ask_questions, percentile
from bot.knowledge import ask
from bot.store import Store


async def check_questions(store: Store, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """Return yes/no questions between credited synthetic people and songs, and strangers."""
    rows = await store.fetchall(
        "SELECT a.name AS artist, s.name AS song FROM credits c "
        "JOIN entities a ON a.id = c.artist_id JOIN entities s ON s.id = c.subject_id "
        f"WHERE s.kind = 'song' AND s.key GLOB {SYNTHETIC_GLOB} AND c.id % 89 = ? LIMIT ?",
        (rng.randrange(89), n),
    )
    pairs = [(str(r["artist"]), str(r["song"])) for r in rows]
    if not pairs:
        return []
    out = []
    for i in range(n):
        artist, song = pairs[i % len(pairs)]
        if i % 3 == 2:  # a stranger: someone credited on another song
            artist = pairs[(i * 7 + 3) % len(pairs)][0]
        template = ("Is {a} on {s}?", "Did {a} write {s}?", "{s} 뮤비에 {a} 나와?")[i % 3]
        out.append(("yes/no (v3)", template.format(a=artist, s=song)))
    return out


async def print_slowest(
    store: Store,
    questions: list[tuple[str, str]],
    timed: list[tuple[str, float, bool]],
    n: int,
) -> None:
    """Print the ``n`` slowest questions of a round, each with the statements it runs."""
    slowest = sorted(range(len(timed)), key=lambda i: -timed[i][1])[:n]
    print(f"\nslowest {len(slowest)} (CPU ms, SQL statements when asked again):")
    for i in slowest:
        category, q = questions[i]
        async with store.statements() as seen:
            await ask.answer(store, q)
        print(f"{timed[i][1]:8.2f} {len(seen):4d}  {category:<14} {q}")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    store = await Store.open(args.db)
    try:
        rng = random.Random(args.seed)
        questions = await ask_questions(store, rng, args.questions)
        questions += await check_questions(store, rng, args.checks)
        for _, q in questions[:50]:  # warm the page cache and the catalogues
            await ask.answer(store, q)
        rounds = []
        for round_no in range(1, args.rounds + 1):
            load = os.getloadavg()[0]
            timed = []
            for category, q in questions:
                c0 = time.process_time()
                result = await ask.answer(store, q)
                timed.append((category, (time.process_time() - c0) * 1000, result.answered))
            cpu = [ms for _, ms, _ in timed]
            rounds.append(timed)
            print(
                f"round {round_no}: load {load:.2f}; CPU per question p50 "
                f"{percentile(cpu, 50):.2f} / p95 {percentile(cpu, 95):.2f} / p99 "
                f"{percentile(cpu, 99):.2f} / max {max(cpu):.2f} ms; answered "
                f"{sum(a for *_, a in timed) / len(timed):.0%}"
            )
        # The round with the median p99 stands for the run.
        rounds.sort(key=lambda r: percentile([ms for _, ms, _ in r], 99))
        chosen = rounds[(len(rounds) - 1) // 2]
        figures: dict[str, Any] = {"questions": len(chosen)}
        by_cat: dict[str, list[float]] = {}
        for category, ms, _ in chosen:
            by_cat.setdefault(category, []).append(ms)
        all_ms = [ms for _, ms, _ in chosen]
        figures["all"] = {
            "p50": percentile(all_ms, 50),
            "p95": percentile(all_ms, 95),
            "p99": percentile(all_ms, 99),
            "max": max(all_ms),
        }
        print(f"\n/ask CPU ms per question ({len(chosen)} questions), median round:")
        print(f"{'category':<16} {'n':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
        for category, values in sorted(by_cat.items()):
            row = [percentile(values, p) for p in (50, 95, 99)] + [max(values)]
            figures[category] = dict(zip(("p50", "p95", "p99", "max"), row, strict=True))
            print(f"{category:<16} {len(values):>4} " + " ".join(f"{v:7.2f}" for v in row))
        a = figures["all"]
        print(
            f"{'all':<16} {len(all_ms):>4} {a['p50']:7.2f} {a['p95']:7.2f} {a['p99']:7.2f} "
            f"{a['max']:7.2f}"
        )
        if args.slowest:
            await print_slowest(store, questions, chosen, args.slowest)
        return figures
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=600)
    parser.add_argument("--checks", type=int, default=150, help="yes/no questions added")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest questions")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
