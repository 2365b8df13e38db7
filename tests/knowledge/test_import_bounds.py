"""Dump imports are bounded per record: hostile lines, bindings and tar headers cost little.

Each hostile input is generated here, just over the limit it tests (or at a small limit passed
in), so the tests stay small and fast; bench/import_bounds_bench.py measures the same cases at
full size, old reader against new.
"""

from __future__ import annotations

import io
import json
import lzma
import shutil
import tarfile
import tracemalloc
from pathlib import Path

import pytest

from bot.core.errors import DataFileError
from bot.knowledge.importers import streaming
from bot.knowledge.importers.musicbrainz import MAX_ALIASES
from bot.knowledge.importers.musicbrainz_dump import import_musicbrainz_dump
from bot.knowledge.importers.streaming import BadRecord, json_lines, open_members
from bot.knowledge.importers.tar_stream import MAX_HEADER
from bot.knowledge.importers.wikidata_dump import import_wikidata_dump, sparql_bindings
from bot.store import Store, imports
from bot.store import catalog as db
from tests.knowledge import mbdump


def write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


async def import_lines(
    migrated_db: Path, tmp_path: Path, lines: list[bytes]
) -> tuple[dict[str, int], list[str]]:
    path = write(tmp_path / "dump.json", lines)
    shutil.copy(migrated_db, tmp_path / "db.sqlite")
    async with Store.open(tmp_path / "db.sqlite") as store:
        report = await import_musicbrainz_dump(store, path)
    return report.counts, list(report.warnings)


def artist(n: int, **changes: object) -> bytes:
    return json.dumps({**mbdump.artist_line(n), **changes}, ensure_ascii=False).encode()


async def test_a_line_just_over_the_limit_is_skipped_and_counted(
    migrated_db: Path, tmp_path: Path
) -> None:
    huge = b'{"id": "' + b"x" * streaming.MAX_RECORD + b'"}'
    counts, warnings = await import_lines(migrated_db, tmp_path, [artist(0), huge, artist(2)])
    assert counts["imported line"] == 2
    assert counts["malformed line"] == 1
    assert any("line 2" in w and "longer than" in w for w in warnings), warnings


def test_a_long_line_is_read_past_in_bounded_memory() -> None:
    limit = 256 << 10
    data = b"[1]\n" + b"x" * (16 << 20) + b"\n[2]\n"
    tracemalloc.start()
    try:
        records = list(json_lines(io.BufferedReader(io.BytesIO(data)), 0, 0, limit=limit))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [r for r, _, _ in records][0::2] == [b"[1]\n", b"[2]\n"]
    assert isinstance(records[1][0], BadRecord)
    assert [position for _, position, _ in records] == [4, 4 + (16 << 20) + 1, len(data)]
    # The 16 MiB line never sits in memory: at most the limit plus one piece read.
    assert peak < limit + 3 * (1 << 20), peak


async def test_poison_lines_are_malformed_and_the_import_goes_on(
    migrated_db: Path, tmp_path: Path
) -> None:
    nested = b"[" * 200_000 + b"]" * 200_000
    recording = {**mbdump.entity_line(0, "recording", 4), "length": "INF"}
    text = json.dumps(recording).replace('"length": "INF"', '"length": 1e999').encode()
    assert b"1e999" in text
    huge_number = b'{"id": "' + mbdump.artist_id(9).encode() + b'", "sitelinks": ' + b"9" * 5000
    counts, warnings = await import_lines(
        migrated_db, tmp_path, [artist(0), nested, text, huge_number + b"}", artist(2)]
    )
    assert counts["malformed line"] == 3
    assert counts["imported line"] == 2
    assert any("nested too deeply" in w for w in warnings), warnings
    assert any("out of range" in w for w in warnings), warnings


async def test_a_failed_file_is_not_marked_finished(migrated_db: Path, tmp_path: Path) -> None:
    junk = write(tmp_path / "junk.json", [b"{}", b"hello", b"[[["])
    shutil.copy(migrated_db, tmp_path / "db.sqlite")
    async with Store.open(tmp_path / "db.sqlite") as store:
        for _ in range(2):  # the rerun reads it again and fails again: never "done"
            with pytest.raises(DataFileError, match="no MusicBrainz JSON line could be read"):
                await import_musicbrainz_dump(store, junk)
        done = await imports.checkpoints(store, "musicbrainz-dump", streaming.file_key(junk))
        assert not any(c.finished for c in done.values())


async def test_aliases_per_entity_are_capped(migrated_db: Path, tmp_path: Path) -> None:
    aliases = [{"name": f"Alias {n}", "type": "Artist name"} for n in range(5000)]
    aliases.insert(0, {"name": "y" * 10_000, "type": "Artist name"})
    shutil.copy(migrated_db, tmp_path / "db.sqlite")
    async with Store.open(tmp_path / "db.sqlite") as store:
        path = write(tmp_path / "a.json", [artist(0, aliases=aliases)])
        report = await import_musicbrainz_dump(store, path)
        assert report.counts["imported line"] == 1
        entity = await db.entity_by_key(store, "artist", f"mb:{mbdump.artist_id(0)}")
        names = [n.name for n in await db.names_of(store, entity.id)]
    # The name and the first aliases in the document's order, the over-long one left out.
    assert len(names) == MAX_ALIASES
    assert "Alias 0" in names and f"Alias {MAX_ALIASES - 2}" in names
    assert f"Alias {MAX_ALIASES}" not in names and "y" * 10_000 not in names


def tar_header(name: str, size: int, kind: bytes) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.type = size, kind
    return info.tobuf(tarfile.USTAR_FORMAT)


async def test_a_huge_long_name_header_is_refused_unread(migrated_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "hostile.tar.xz"
    # A GNU long-name header claiming 1 GiB of name; only 1 MiB follows (the reader never asks).
    body = tar_header("././@LongLink", 1 << 30, tarfile.GNUTYPE_LONGNAME) + b"a" * (1 << 20)
    path.write_bytes(lzma.compress(body, preset=1))
    shutil.copy(migrated_db, tmp_path / "db.sqlite")
    async with Store.open(tmp_path / "db.sqlite") as store:
        with pytest.raises(DataFileError, match="long file name of 1,073,741,824 bytes"):
            await import_musicbrainz_dump(store, path)
    assert MAX_HEADER < 1 << 30


async def test_tarballs_with_long_names_pax_headers_and_many_members(
    migrated_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "dump.tar.gz"
    lines = b"".join(artist(n) + b"\n" for n in range(4))
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        for n in range(3000):  # many small members before the one wanted
            info = tarfile.TarInfo(f"extras/{'long-' * 30}{n}")
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        info = tarfile.TarInfo("mbdump/artist")
        info.size = len(lines)
        tar.addfile(info, io.BytesIO(lines))
    tracemalloc.start()
    try:
        with open_members(path, lambda name: name.startswith("mbdump/")) as (_, members):
            read = [(name, stream.read()) for name, stream in members]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert read == [("mbdump/artist", lines)]
    assert peak < 1 << 20, peak  # no list of the 3,000 members (tarfile keeps one)
    pax = tmp_path / "pax.tar"
    with tarfile.open(pax, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("mbdump/artist")
        info.size = len(lines)
        info.pax_headers = {"comment": "가수 " * 40}
        tar.addfile(info, io.BytesIO(lines))
    shutil.copy(migrated_db, tmp_path / "db.sqlite")
    async with Store.open(tmp_path / "db.sqlite") as store:
        report = await import_musicbrainz_dump(store, pax)
    assert report.counts["imported line"] == 4


def sparql(bindings: list[str]) -> io.BufferedReader:
    text = '{"head": {"vars": ["item"]}, "results": {"bindings": [' + ", ".join(bindings) + "]}}"
    return io.BufferedReader(io.BytesIO(text.encode()))


def test_sparql_bindings_are_scanned_once_and_bounded() -> None:
    item = '{"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q%d"}%s}'
    tricky = ', "l": {"value": "} ] { \\\\\\" [ \\\\", "xml:lang": "en"}'
    big = ', "l": {"value": "' + "가" * 300_000 + '"}'
    deep = ', "d": ' + "[" * 10_000 + "]" * 10_000
    stream = sparql([item % (1, tricky), item % (2, big), item % (3, deep), item % (4, "")])
    got = list(sparql_bindings(stream, 0, 0, limit=100_000))
    assert [n for _, n, _ in got] == [1, 2, 3, 4]
    assert got[0][0]["l"]["value"] == '} ] { \\" [ \\'
    assert isinstance(got[1][0], BadRecord) and "longer than" in got[1][0].reason
    assert isinstance(got[2][0], BadRecord) and "nested too deeply" in got[2][0].reason
    assert got[3][0]["item"]["value"].endswith("Q4")


async def test_a_sparql_binding_over_the_limit_is_counted(
    migrated_db: Path, tmp_path: Path
) -> None:
    path = mbdump.write_sparql(tmp_path / "q.json", 3)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["results"]["bindings"][1]["itemLabel"]["value"] = "x" * streaming.MAX_RECORD
    path.write_text(json.dumps(doc), encoding="utf-8")
    shutil.copy(migrated_db, tmp_path / "db.sqlite")
    async with Store.open(tmp_path / "db.sqlite") as store:
        report = await import_wikidata_dump(store, path)
    assert report.counts["item"] == 2
    assert report.counts["malformed record"] == 1
    assert any("binding 2" in w and "longer than" in w for w in report.warnings)
