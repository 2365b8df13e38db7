"""Read a tarball as a stream of its wanted files, in bounded memory, whatever its headers say.

The standard library's ``tarfile`` keeps a list of every member it has read, and reads a GNU
long-name or pax header whole, however large it says it is: a 1 GiB "file name" (157 KB as
``.xz``) cost 2 GB of memory. This reader keeps nothing between members, refuses a header
larger than ``MAX_HEADER`` and skips what it does not want without buffering it. It reads
what MusicBrainz's dump tarballs are (ustar and GNU tar, with pax headers), compressed with xz,
gzip or bzip2, or not at all.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from bot.core.errors import DataFileError

BLOCK = 512
# The most a long-name, long-link or pax header may hold (a path is at most a few KB).
MAX_HEADER = 64 << 10
_SKIP_CHUNK = 1 << 20
_REGULAR = (b"0", b"\0", b"7")
_MAGIC = (
    (b"\xfd7zXZ\x00", lzma.open),
    (b"\x1f\x8b", gzip.open),
    (b"BZh", bz2.open),
)


class TarDamaged(DataFileError):
    """The archive ends early or has a header that cannot be read."""


@dataclass(frozen=True, slots=True)
class _Header:
    name: str
    size: int
    kind: bytes


def decompressed(raw: IO[bytes]) -> IO[bytes]:
    """Return ``raw`` decompressed by what its first bytes say it is (xz, gzip, bzip2, or none).

    ``raw`` must be at its start; it is read through a buffer, so pass it only here.
    """
    buffered = io.BufferedReader(raw, 1 << 16)  # type: ignore[type-var]
    head = buffered.peek(8)[:8]
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            stream: IO[bytes] = opener(buffered)  # type: ignore[assignment]
            return stream
    return buffered


def _number(field: bytes) -> int:
    """Read a numeric header field: octal text, or GNU base-256 for large values."""
    if field and field[0] & 0x80:
        value = int.from_bytes(field[1:], "big")
        return -value if field[0] & 0x40 else value
    text = field.split(b"\0", 1)[0].strip(b" \0")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarDamaged(f"a tar header has a bad number ({text[:20]!r})") from None


def is_header(block: bytes) -> bool:
    """Tell whether a 512-byte block is a tar header (its checksum adds up)."""
    if len(block) != BLOCK or block == bytes(BLOCK):
        return False
    try:
        stored = _number(block[148:156])
    except TarDamaged:
        return False
    blanked = block[:148] + b" " * 8 + block[156:]
    if sum(blanked) == stored:
        return True
    return sum(b - 256 if b > 127 else b for b in blanked) == stored  # old tars: signed bytes


def _read_exactly(stream: IO[bytes], count: int) -> bytes:
    data = stream.read(count)
    if len(data) != count:
        raise TarDamaged("the archive ends in the middle of a file")
    return data


def _skip(stream: IO[bytes], count: int) -> None:
    while count > 0:
        data = stream.read(min(count, _SKIP_CHUNK))
        if not data:
            raise TarDamaged("the archive ends in the middle of a file")
        count -= len(data)


def _padded(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def _small_header_data(stream: IO[bytes], size: int, what: str) -> bytes:
    if size > MAX_HEADER:
        raise TarDamaged(
            f"the archive has a {what} of {size:,} bytes; at most {MAX_HEADER:,} are read"
        )
    data = _read_exactly(stream, size)
    _skip(stream, _padded(size) - size)
    return data


def _pax(data: bytes) -> dict[str, str]:
    """Read pax records ("<length> <key>=<value>\\n")."""
    out: dict[str, str] = {}
    position = 0
    while position < len(data):
        space = data.find(b" ", position)
        if space < 0:
            break
        try:
            length = int(data[position:space])
        except ValueError:
            raise TarDamaged("a pax header cannot be read") from None
        if length <= 0:
            break
        record = data[space + 1 : position + length].rstrip(b"\n")
        key, _, value = record.partition(b"=")
        out[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        position += length
    return out


def _headers(stream: IO[bytes]) -> Iterator[_Header]:
    """Yield each member's header (long names and pax attributes applied); nothing is kept."""
    long_name: str | None = None
    pax: dict[str, str] = {}
    while True:
        block = stream.read(BLOCK)
        if len(block) < BLOCK or block == bytes(BLOCK):
            return  # the end-of-archive blocks (or a tarball cut at a member boundary)
        if not is_header(block):
            raise TarDamaged("a tar header's checksum does not add up")
        kind = block[156:157]
        size = _number(block[124:136])
        if size < 0:
            raise TarDamaged("a tar header has a negative size")
        if kind == b"L":
            data = _small_header_data(stream, size, "long file name").split(b"\0", 1)[0]
            long_name = data.decode("utf-8", "replace")
            continue
        if kind == b"K":
            _small_header_data(stream, size, "long link name")
            continue
        if kind in (b"x", b"X"):
            pax = _pax(_small_header_data(stream, size, "pax header"))
            continue
        if kind == b"g":
            _small_header_data(stream, size, "global pax header")
            continue
        name = block[0:100].split(b"\0", 1)[0]
        if block[257:262] == b"ustar" and block[345:346] != b"\0":
            name = block[345:500].split(b"\0", 1)[0] + b"/" + name
        text = name.decode("utf-8", "replace")
        if long_name is not None:
            text = long_name
        if "path" in pax:
            text = pax["path"]
        if "size" in pax:
            try:
                size = int(pax["size"])
            except ValueError:
                raise TarDamaged("a pax header has a bad size") from None
        long_name, pax = None, {}
        yield _Header(text, size, kind)


class _Member(io.RawIOBase):
    """One member's bytes: at most its size, read from the archive stream."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self.stream = stream
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            return 0
        data = self.stream.read(min(len(buffer), self.left))
        if not data:
            raise TarDamaged("the archive ends in the middle of a file")
        buffer[: len(data)] = data
        self.left -= len(data)
        return len(data)


def tar_members(
    stream: IO[bytes], wanted: Callable[[str], bool]
) -> Iterator[tuple[str, IO[bytes]]]:
    """Yield (name, stream) for each wanted regular file of a tarball, in archive order.

    A member's stream is good until the next one is asked for; whatever of it was not read
    is skipped then.
    """
    for header in _headers(stream):
        padding = _padded(header.size) - header.size
        if header.kind in _REGULAR and wanted(header.name):
            member = _Member(stream, header.size)
            yield header.name, io.BufferedReader(member, 1 << 16)
            _skip(stream, member.left + padding)
        else:
            _skip(stream, header.size + padding)
