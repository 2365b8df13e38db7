"""What an import did, for the CLI and the logs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.errors import DataFileError

# Told how far an import has got, as (done, total); total may grow as more work is found.
Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """Ignore progress (the default of every importer)."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Counts of what one import wrote; ``warnings`` are problems that did not stop it."""

    origin: str
    files: tuple[str, ...]
    counts: Mapping[str, int]
    deleted: int = 0
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    def summary(self) -> str:
        """Return one line such as "catalog: 7 files, 45 artists, 12 songs, … in 0.21 s"."""
        parts = [f"{n} {k}{'' if n == 1 else 's'}" for k, n in self.counts.items() if n]
        files = f"{len(self.files)} file{'' if len(self.files) == 1 else 's'}"
        text = f"{self.origin}: {files}, " + (", ".join(parts) or "nothing")
        if self.deleted:
            text += f", {self.deleted} removed"
        if self.warnings:
            text += f", {len(self.warnings)} warning{'' if len(self.warnings) == 1 else 's'}"
        return text + f" in {self.seconds:.2f} s"


class CatalogError(DataFileError):
    """One or more data files are invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:20]
        more = len(problems) - len(shown)
        message = "\n".join(shown) + (f"\n… and {more} more problems" if more > 0 else "")
        super().__init__(message)
        self.problems = problems


@dataclass(slots=True)
class Problems:
    """Collects problems while validating, so one run reports all of them."""

    items: list[str] = field(default_factory=list)

    def add(self, where: str, problem: str) -> None:
        """Record a problem at a place ("file: [[table]] #n (id)")."""
        self.items.append(f"{where}: {problem}")

    def raise_if_any(self) -> None:
        """Raise a CatalogError listing every problem, if there were any."""
        if self.items:
            raise CatalogError(self.items)


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
