"""Stream big dump files into the store: batches, checkpoints, progress, bounded memory.

The dump importers (MusicBrainz JSON dumps, Wikidata SPARQL results and entity dumps) share
this driver. A file is read as records (a JSON line, a SPARQL binding), ``batch`` records per
transaction; the checkpoint of the file (member, records done, byte offset) is saved in the
same transaction as the rows, so a killed import resumes after the last committed batch and
never writes a record twice. Memory holds one batch, whatever the size of the file, and one
record is at most ``MAX_RECORD`` bytes: a longer one is read past in pieces and counted as
malformed, like a record that is not JSON, is nested too deeply or has a number out of range,
so no record can stop an import. A file is checkpointed as finished only once its importer
accepts it. Progress is reported as compressed bytes read of the file's size (``bot.app.progress``
draws the bar).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import logging
import lzma
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

from bot.core.errors import DataFileError
from bot.knowledge.importers.report import display_path
from bot.knowledge.importers.tar_stream import (
    BLOCK,
    TarDamaged,
    decompressed,
    is_header,
    tar_members,
)
from bot.store import catalog as db
from bot.store import imports as checkpoints_db
from bot.store.core import Store

log = logging.getLogger(__name__)

# Records per transaction: large enough that commits are cheap, small enough to bound memory;
# a batch also ends after BATCH_BYTES of raw records (a release with 40 discs is a long line).
BATCH = 500
BATCH_BYTES = 8 << 20
# The longest record read (a line of a dump, a SPARQL binding). MusicBrainz's longest lines (box
# sets with every relation) are a few MiB; parsed, a record takes several times its size.
MAX_RECORD = 8 << 20
_SKIP_CHUNK = 1 << 20
_LINE_PIECE = 1 << 20
# What a record whose content is bad raises while it is read and written: it is skipped and
# counted (its savepoint rolled back), never fatal to the import.
MALFORMED = (KeyError, TypeError, AttributeError, ValueError, ArithmeticError, RecursionError)


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record that was read past but cannot be used (too long, or JSON no reader can follow)."""

    reason: str


def record_bytes(record: bytes | BadRecord) -> bytes:
    """Return a line's bytes; raise ValueError (a malformed record) for a bad one."""
    if isinstance(record, BadRecord):
        raise ValueError(record.reason)
    return record


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
    # The decompressors are binary file objects: IO[bytes] in all but typeshed's name.
    suffix = path.suffix.lower()
    if suffix == ".xz":
        return cast(IO[bytes], lzma.open(raw))
    if suffix == ".gz":
        return cast(IO[bytes], gzip.open(raw))
    if suffix == ".bz2":
        return cast(IO[bytes], bz2.open(raw))
    return cast(IO[bytes], io.BufferedReader(cast(io.RawIOBase, raw), 1 << 16))


def _is_tarball(path: Path) -> bool:
    """Tell whether the file (decompressed as its first bytes say) starts with a tar header."""
    try:
        with path.open("rb") as raw, decompressed(raw) as stream:
            return is_header(stream.read(BLOCK))
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except (lzma.LZMAError, EOFError, gzip.BadGzipFile, ValueError):
        return False  # not a compressed tarball; read as lines, which says what is wrong


@contextmanager
def open_members(
    path: Path, wanted: Callable[[str], bool]
) -> Iterator[tuple[_Counting, Iterator[tuple[str, IO[bytes]]]]]:
    """Open a dump: a tarball (its wanted members, in order) or one plain/compressed file.

    Yields the byte counter (for progress) and an iterator of (member name, stream); a plain
    file is one member named "". Tarballs are read by ``tar_stream``: headers bounded, no list
    of members kept.
    """
    is_tar = _is_tarball(path)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    counting = _Counting(raw)
    stream = cast(IO[bytes], counting)  # a raw binary file that counts what is read
    try:
        if is_tar:
            yield counting, tar_members(decompressed(stream), wanted)
        else:
            yield counting, iter([("", _single_stream(path, stream))])
    except (TarDamaged, lzma.LZMAError, EOFError, gzip.BadGzipFile, OSError) as exc:
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


def json_lines(
    stream: IO[bytes], offset: int, _done: int, limit: int = MAX_RECORD
) -> Iterator[tuple[bytes | BadRecord, int, int]]:
    """Yield (line, offset after it, its size) from ``offset`` on; the caller parses the line.

    A line longer than ``limit`` is read past in pieces, never held whole, and yielded as a
    ``BadRecord``.
    """
    skip(stream, offset)
    position = offset
    while True:
        line = stream.readline(_LINE_PIECE)
        if not line:
            return
        size = len(line)
        if size == _LINE_PIECE and not line.endswith(b"\n"):
            pieces = [line]
            while not line.endswith(b"\n"):
                line = stream.readline(_LINE_PIECE)
                if not line:
                    break
                size += len(line)
                if size <= limit:
                    pieces.append(line)
                elif pieces:
                    pieces = []  # over the limit: the rest is read past, not kept
            line = b"".join(pieces)
        position += size
        if size > limit:
            yield BadRecord(f"longer than {limit:,} bytes ({size:,})"), position, size
        else:
            yield line, position, size


def file_size(path: Path) -> int:
    """Return the size of the file in bytes (what progress is measured against)."""
    return path.stat().st_size


def file_key(path: Path) -> str:
    """Name a dump file for its checkpoints: where it is and how big (a new dump starts over)."""
    resolved = path.resolve()
    return f"{resolved}:{resolved.stat().st_size}"


# A reader of records: (stream, byte offset, records done) -> (record, position after it, size).
Records = Callable[[IO[bytes], int, int], Iterator[tuple[Any, int, int]]]
Handler = Callable[[db.Conn, list[Any], str, int, StreamStats], Awaitable[None]]


async def _write_batch(
    handle: Handler,
    chunk: list[Any],
    member: str,
    first: int,
    stats: StreamStats,
    checkpoint: tuple[str, str, str, int],
    conn: db.Conn,
) -> None:
    """Write one batch and its checkpoint, in one transaction (run on the database's thread)."""
    source, key, scope, end = checkpoint
    # The batch's names enter the search's trigram index in one statement, not one each.
    async with db.deferred_name_index(conn):
        await handle(conn, chunk, member, first, stats)
    await checkpoints_db.save_checkpoint(conn, source, key, member, first + len(chunk), end, scope)
    # A bot running beside the import reads the new names at once, not when the dump ends:
    # what it keeps of earlier reads is kept per catalog version (bot/store/read_cache.py).
    await db.bump_catalog_version(conn)


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
    refuse: Callable[[StreamStats], str | None] | None = None,
) -> StreamStats:
    """Feed a dump to ``handle`` in committed batches, resuming from the file's checkpoints.

    A checkpoint taken under another scope does not count: the file is read again from the
    top (the writes are idempotent, so nothing is doubled). When a member has been read,
    ``refuse`` may say why the file is not what it should be: then the member's checkpoint
    goes back to its top, never to finished (a rerun reads it again and fails again), and
    DataFileError is raised with that reason.
    """
    key = file_key(path)
    done = await checkpoints_db.checkpoints(store, source, key)
    stats = StreamStats()
    async with store.larger_cache():
        return await _stream_members(
            store,
            path,
            source,
            scope,
            key,
            done,
            stats,
            wanted,
            records,
            handle,
            batch,
            progress,
            refuse,
        )


async def _stream_members(
    store: Store,
    path: Path,
    source: str,
    scope: str,
    key: str,
    done: dict[str, checkpoints_db.Checkpoint],
    stats: StreamStats,
    wanted: Callable[[str], bool],
    records: Records,
    handle: Handler,
    batch: int,
    progress: Callable[[int, int], None] | None,
    refuse: Callable[[StreamStats], str | None] | None,
) -> StreamStats:
    total = file_size(path)
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
                for item, position, item_size in items:
                    chunk.append(item)
                    size += item_size
                    end = position
                    if len(chunk) >= batch or size >= BATCH_BYTES:
                        break
                if not chunk:
                    break
                # The whole batch runs on the database's thread: one hand-over, not thirty a line.
                await store.batch(
                    partial(
                        _write_batch, handle, chunk, member, line, stats, (source, key, scope, end)
                    )
                )
                line, offset = line + len(chunk), end
                stats.records += len(chunk)
                log.debug("%s: %s %s committed through record %d", source, path, member, line)
                if progress is not None:
                    progress(counting.count, total)
            reason = refuse(stats) if refuse is not None else None
            if reason is not None:
                # Back to the top of the member: a rerun reads it again, and says so again.
                async with store.transaction() as conn:
                    await checkpoints_db.save_checkpoint(conn, source, key, member, 0, 0, scope)
                raise DataFileError(f"{display_path(path)}: {reason}")
            async with store.transaction() as conn:
                await checkpoints_db.save_checkpoint(
                    conn, source, key, member, line, offset, scope, finished=True
                )
        if progress is not None:
            progress(counting.count, total)
    return stats


def parse_json(line: bytes | BadRecord) -> Any:
    """Parse one JSON record; raise ValueError with a short reason."""
    try:
        return json.loads(record_bytes(line))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
