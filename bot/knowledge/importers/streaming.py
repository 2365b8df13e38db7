"""Stream big dump files into the store: batches, checkpoints, progress, bounded memory.

The dump importers (MusicBrainz JSON dumps, Wikidata SPARQL results and entity dumps) share
this driver. A file is read as records (a JSON line, a SPARQL binding), ``batch`` records per
transaction; the checkpoint of the file (member, records done, byte offset) is saved in the
same transaction as the rows, so a killed import resumes after the last committed batch and
never writes a record twice. Memory holds one batch, whatever the size of the file. Progress is
reported as compressed bytes read of the file's size (``bot.app.progress`` draws the bar).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import logging
import lzma
import tarfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.core.errors import DataFileError
from bot.store import catalog as db
from bot.store import imports as checkpoints_db
from bot.store.core import Store

log = logging.getLogger(__name__)

# Records per transaction: large enough that commits are cheap, small enough to bound memory;
# a batch also ends after BATCH_BYTES of raw lines (a release with 40 discs is a long line).
BATCH = 500
BATCH_BYTES = 8 << 20
_SKIP_CHUNK = 1 << 20


class _Counting(io.RawIOBase):
    """A raw file that counts the bytes read from it (the compressed size, for progress)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


@dataclass(slots=True)
class StreamStats:
    """What one streamed import read and skipped."""

    records: int = 0
    resumed_at: int = 0
    malformed: int = 0
    warnings: list[str] = field(default_factory=list)

    def warn(self, text: str) -> None:
        """Count a bad record; keep the first few messages for the report."""
        self.malformed += 1
        if len(self.warnings) < 20:
            self.warnings.append(text)


def _single_stream(path: Path, raw: IO[bytes]) -> IO[bytes]:
    suffix = path.suffix.lower()
    if suffix == ".xz":
        return lzma.open(raw)
    if suffix == ".gz":
        return gzip.open(raw)
    if suffix == ".bz2":
        return bz2.open(raw)
    return io.BufferedReader(raw, 1 << 16)


def _tar_members(
    tar: tarfile.TarFile, wanted: Callable[[str], bool]
) -> Iterator[tuple[str, IO[bytes]]]:
    for member in tar:
        if member.isfile() and wanted(member.name):
            stream = tar.extractfile(member)
            if stream is not None:
                yield member.name, stream


@contextmanager
def open_members(
    path: Path, wanted: Callable[[str], bool]
) -> Iterator[tuple[_Counting, Iterator[tuple[str, IO[bytes]]]]]:
    """Open a dump: a tarball (its wanted members, in order) or one plain/compressed file.

    Yields the byte counter (for progress) and an iterator of (member name, stream); a plain
    file is one member named "".
    """
    try:
        is_tar = tarfile.is_tarfile(path)
        raw = path.open("rb")
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    counting = _Counting(raw)
    try:
        if is_tar:
            with tarfile.open(fileobj=io.BufferedReader(counting, 1 << 16), mode="r|*") as tar:
                yield counting, _tar_members(tar, wanted)
        else:
            yield counting, iter([("", _single_stream(path, counting))])
    except (tarfile.TarError, lzma.LZMAError, EOFError, gzip.BadGzipFile, OSError) as exc:
        raise DataFileError(f"{path}: the archive is damaged ({exc})") from None
    finally:
        raw.close()


def skip(stream: IO[bytes], count: int) -> None:
    """Read past ``count`` bytes (streams from tarballs and decompressors cannot seek)."""
    while count > 0:
        data = stream.read(min(count, _SKIP_CHUNK))
        if not data:
            break
        count -= len(data)


def json_lines(stream: IO[bytes], offset: int, _done: int) -> Iterator[tuple[bytes, int]]:
    """Yield (line, offset after it) from ``offset`` on; the caller parses the line."""
    skip(stream, offset)
    position = offset
    for line in stream:
        position += len(line)
        yield line, position


def file_size(path: Path) -> int:
    """Return the size of the file in bytes (what progress is measured against)."""
    return path.stat().st_size


def file_key(path: Path) -> str:
    """Name a dump file for its checkpoints: where it is and how big (a new dump starts over)."""
    resolved = path.resolve()
    return f"{resolved}:{resolved.stat().st_size}"


Records = Callable[[IO[bytes], int, int], Iterator[tuple[Any, int]]]
Handler = Callable[[db.Conn, list[Any], str, int, StreamStats], Awaitable[None]]


@asynccontextmanager
async def savepoint(conn: db.Conn) -> AsyncIterator[None]:
    """Undo one record's writes if it fails, keeping the rest of the batch."""
    await conn.execute("SAVEPOINT record")
    try:
        yield
    except BaseException:
        await conn.execute("ROLLBACK TO record")
        await conn.execute("RELEASE record")
        raise
    await conn.execute("RELEASE record")


async def stream_file(
    store: Store,
    path: Path,
    *,
    source: str,
    scope: str,
    wanted: Callable[[str], bool],
    records: Records,
    handle: Handler,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> StreamStats:
    """Feed a dump to ``handle`` in committed batches, resuming from the file's checkpoints.

    A checkpoint taken under another scope does not count: the file is read again from the
    top (the writes are idempotent, so nothing is doubled).
    """
    key = file_key(path)
    total = file_size(path)
    done = await checkpoints_db.checkpoints(store, source, key)
    stats = StreamStats()
    with open_members(path, wanted) as (counting, members):
        for member, stream in members:
            previous = done.get(member)
            if previous is not None and previous.scope == scope and previous.finished:
                continue
            line, offset = 0, 0
            if previous is not None and previous.scope == scope:
                line, offset = previous.line, previous.offset
                stats.resumed_at += line
            items = records(stream, offset, line)
            while True:
                chunk: list[Any] = []
                end = offset
                size = 0
                for item, position in items:
                    chunk.append(item)
                    size += len(item) if isinstance(item, bytes) else 0
                    end = position
                    if len(chunk) >= batch or size >= BATCH_BYTES:
                        break
                if not chunk:
                    break
                async with store.transaction() as conn:
                    await handle(conn, chunk, member, line, stats)
                    line += len(chunk)
                    offset = end
                    await checkpoints_db.save_checkpoint(
                        conn, source, key, member, line, offset, scope
                    )
                stats.records += len(chunk)
                log.debug("%s: %s %s committed through record %d", source, path, member, line)
                if progress is not None:
                    progress(counting.count, total)
            async with store.transaction() as conn:
                await checkpoints_db.save_checkpoint(
                    conn, source, key, member, line, offset, scope, finished=True
                )
        if progress is not None:
            progress(counting.count, total)
    return stats


def parse_json(line: bytes) -> Any:
    """Parse one JSON record; raise ValueError with a short reason."""
    try:
        return json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
