"""Progress bars for long command-line work, shown only when stderr is a terminal."""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Callable, Iterator

from tqdm import tqdm


@contextlib.contextmanager
def progress_bar(what: str, unit: str = "it") -> Iterator[Callable[[int, int], None]]:
    """Yield a ``(done, total)`` callback that draws a bar on stderr (nothing off a terminal)."""
    # A terminal that reports no size (a fresh pseudo-terminal) would get a bar of width 0 that
    # tqdm never draws; shutil falls back to 80x24 there.
    columns, lines = shutil.get_terminal_size()
    bar = tqdm(
        desc=what,
        unit=unit,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        leave=False,
        ncols=columns,
        nrows=lines,
    )

    def update(done: int, total: int) -> None:
        if bar.disable:
            return
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()
