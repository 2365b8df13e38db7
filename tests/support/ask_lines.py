"""The /ask engine's answers to a list of questions, and as lines of JSON to compare two runs.

``answers_here`` answers in this process; ``python -m tests.support.ask_lines DATABASE
QUESTIONS_JSON`` answers in a child process (started under another ``PYTHONHASHSEED``, say)
and prints ``as_line`` of each answer after one line with ``hash(PROBE)``, so the test can tell
that the child's string hashing really differs from its own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path

from bot.knowledge.ask import Answer, answer
from bot.store import Store

# Questions about ages depend on the day: answered as of this one.
TODAY = dt.date(2026, 11, 28)
PROBE = "linernotes"


def as_line(result: Answer) -> str:
    """Return everything a user sees of an answer as one line of JSON."""
    return json.dumps(
        [
            result.text,
            result.answered,
            [s.url for s in result.sources],
            list(result.suggestions),
            [c.value for c in result.choices],
        ],
        ensure_ascii=False,
    )


async def _answers(database: Path, questions: list[str]) -> list[Answer]:
    store = await Store.open(database)
    try:
        return [await answer(store, q, today=TODAY) for q in questions]
    finally:
        await store.close()


def answers_here(database: Path, questions: list[str]) -> list[Answer]:
    """Answer each question in this process, in order (call it where no event loop runs)."""
    return asyncio.run(_answers(database, questions))


if __name__ == "__main__":
    results = answers_here(Path(sys.argv[1]), json.loads(sys.argv[2]))
    sys.stdout.write(f"{hash(PROBE)}\n")
    sys.stdout.writelines(f"{as_line(result)}\n" for result in results)
