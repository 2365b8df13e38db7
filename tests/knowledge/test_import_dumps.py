"""Bulk imports: MusicBrainz JSON dumps and Wikidata files, streamed, scoped, resumable."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import shutil
import signal
import sqlite3
import sys
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.errors import DataFileError, UserError
from bot.knowledge.importers import import_catalog
from bot.knowledge.importers.musicbrainz_dump import Scope, import_musicbrainz_dump
from bot.knowledge.importers.streaming import json_lines, parse_json, record_bytes
from bot.knowledge.importers.wikidata import Alias, facts_from_entity
from bot.knowledge.importers.wikidata_dump import facts_from_dump_entity, import_wikidata_dump
from bot.knowledge.search import resolve
from bot.store import Store, imports
from bot.store import catalog as db
from bot.store.catalog.rows import name_search_rowid
from tests.knowledge import mbdump
from tests.support.shared import built_once

ROOT = Path(__file__).resolve().parents[2]
LINES = 1000  # 200 artists, 740 recordings, 40 release groups, 20 releases
ARTISTS = LINES // 5  # the artist member, read first (mbdump.dump_members)
KR = Scope.of(areas=["KR"])
TABLES = (
    "entities",
    "names",
    "sources",
    "entity_sources",
    "external_ids",
    "performers",
    "release_tracks",
    "credits",
    "artists",
    "releases",
    "songs",
    "videos",
)


async def table_counts(store: Store) -> dict[str, int]:
    return {t: await db.count_rows(store, t) for t in TABLES}


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dump, written once per test run (for every xdist worker: tests/support/shared.py)."""
    return built_once(
        tmp_path_factory, "mbdump.tar.xz", lambda path: mbdump.write_tar_xz(path, LINES)
    )


@pytest.fixture(scope="module")
def imported(dump: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A database with the dump imported once per test run under --area KR, and the report."""

    def build(folder: Path) -> None:
        folder.mkdir()

        async def run() -> object:
            store = await Store.open(folder / "template.db")
            try:
                return await import_musicbrainz_dump(store, dump, KR)
            finally:
                await store.close()

        (folder / "report.pickle").write_bytes(pickle.dumps(asyncio.run(run())))

    folder = built_once(tmp_path_factory, "mbdump-imported", build)
    return folder / "template.db", pickle.loads((folder / "report.pickle").read_bytes())


@pytest.fixture
async def store(imported: tuple[Path, object], tmp_path: Path) -> AsyncIterator[Store]:
    target = tmp_path / "copy.db"
    shutil.copy(imported[0], target)
    s = await Store.open(target)
    try:
        yield s
    finally:
        await s.close()


async def test_dump_imports_the_scope_with_sources(store: Store, imported, dump: Path) -> None:
    report = imported[1]
    assert report.counts["read line"] == LINES
    assert report.counts["imported line"] > 0
    assert report.counts["out-of-scope line"] > 0
    # Korean artists are in, British ones are not (not even as stubs: nothing credits them).
    korean = await db.entity_by_key(store, "artist", f"mb:{mbdump.artist_id(0)}")
    british = await db.entity_by_key(store, "artist", f"mb:{mbdump.artist_id(1)}")
    assert korean is not None and british is None
    assert "가수 0" in [n.name for n in await db.names_of(store, korean.id)]
    assert [s.url for s in await db.entity_sources(store, korean.id)] == [
        f"https://musicbrainz.org/artist/{mbdump.artist_id(0)}"
    ]
    # A recording by a Korean artist, with its credits citing MusicBrainz pages.
    first = mbdump.entity_line(0, "recording", ARTISTS)
    song = await db.entity_by_key(store, "song", f"mb:{first['id']}")
    assert song is not None and song.name == first["title"]
    performers = await db.performers(store, song.id)
    assert mbdump.is_korean(int(performers[0].artist.name.rsplit(" ", 1)[1]))
    credits = await db.credits_of(store, [song.id])
    assert credits
    assert all(c.source.url.startswith("https://musicbrainz.org/") for c in credits)
    # A video recording of the dump is a video; its release count is a search signal.
    assert await db.count_entities(store, "video") > 0
    row = await store.fetchone(
        "SELECT count(*) FROM entities WHERE origin = 'musicbrainz' AND release_count > 0"
    )
    assert row[0] > 0
    await assert_name_index_matches(store)


async def test_twice_adds_nothing_even_when_read_again(store: Store, dump: Path) -> None:
    before = await table_counts(store)
    again = await import_musicbrainz_dump(store, dump, KR)
    assert again.counts["read line"] == 0  # every member finished: nothing to read
    assert await table_counts(store) == before
    await imports.clear_checkpoints(store, "musicbrainz-dump", mbdump_key(dump))
    reread = await import_musicbrainz_dump(store, dump, KR)
    assert reread.counts["read line"] == LINES
    assert await table_counts(store) == before
    # Read again, each entity's names were deleted and written anew within deferred batches.
    await assert_name_index_matches(store)


async def assert_name_index_matches(store: Store) -> None:
    """Check the FTS5 name index holds every name long enough for a trigram, and nothing else.

    The dump importer indexes a batch's names at its end (``deferred_name_index``): a name
    it missed, or one deleted but left in the index, shows here.
    """
    assert await store.fetchone("SELECT 1 FROM meta WHERE key = 'names_fts_deferred_after'") is None
    await store.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.names_terms "
        "USING fts5vocab(main, 'names_fts', 'instance')"
    )
    indexed = [int(r[0]) for r in await store.fetchall("SELECT DISTINCT doc FROM names_terms")]
    names = await store.fetchall("SELECT id, norm, kind FROM names ORDER BY id")
    keys = [name_search_rowid(int(r[0]), str(r[2])) for r in names if len(str(r[1])) >= 3]
    assert sorted(indexed) == keys
    assert len(indexed) > 100
    for _id, norm, kind in names[:: max(1, len(names) // 20)]:
        if len(norm) >= 3:
            found = await store.fetchall(
                "SELECT rowid FROM names_fts WHERE names_fts MATCH ?", (f'"{norm}"',)
            )
            assert name_search_rowid(_id, kind) in [int(r[0]) for r in found]


def mbdump_key(path: Path) -> str:
    from bot.knowledge.importers.streaming import file_key

    return file_key(path)


async def test_curated_values_are_never_overwritten(migrated_db: Path, tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(
        '[[source]]\nid = "s"\nurl = "https://example.org/c"\noutlet = "Ex"\n'
        f'[[artist]]\nid = "curated"\nname = "Curated Name"\nkind = "group"\n'
        f'sources = ["s"]\nmusicbrainz = "{mbdump.artist_id(0)}"\n',
        encoding="utf-8",
    )
    lines = mbdump.write_lines(tmp_path / "dump.json", 200)
    shutil.copy(migrated_db, tmp_path / "c.db")
    store = await Store.open(tmp_path / "c.db")
    try:
        await import_catalog(store, [tmp_path / "c.toml"])
        await import_musicbrainz_dump(store, lines, KR)
        curated = await db.entity_by_key(store, "artist", "curated")
        assert curated.name == "Curated Name"
        assert curated.origin == "c.toml"
        primary = [n for n in await db.names_of(store, curated.id) if n.is_primary]
        assert [(n.name, n.origin) for n in primary] == [("Curated Name", "c.toml")]
        # It received MusicBrainz's facts next to its own source.
        urls = {s.url for s in await db.entity_sources(store, curated.id)}
        assert urls == {
            "https://example.org/c",
            f"https://musicbrainz.org/artist/{mbdump.artist_id(0)}",
        }
    finally:
        await store.close()


async def test_memory_does_not_grow_with_the_number_of_lines(
    migrated_db: Path, tmp_path: Path
) -> None:
    async def peak(lines: int) -> int:
        path = mbdump.write_lines(tmp_path / f"d{lines}.json", lines, interleave=True)
        shutil.copy(migrated_db, tmp_path / f"m{lines}.db")
        store = await Store.open(tmp_path / f"m{lines}.db")
        try:
            tracemalloc.start()
            report = await import_musicbrainz_dump(store, path, batch=50, finish=False)
            streamed = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert report.counts["imported line"] == lines
            return streamed
        finally:
            if tracemalloc.is_tracing():
                tracemalloc.stop()
            await store.close()

    small, large = await peak(100), await peak(400)
    # Four times the lines (the same mix in every batch), the same peak: one batch in memory.
    assert large < small * 1.25 + 512 * 1024, (small, large)


async def test_scope_by_tag_and_by_artist(migrated_db: Path, tmp_path: Path) -> None:
    lines = mbdump.write_lines(tmp_path / "dump.json", 300)
    shutil.copy(migrated_db, tmp_path / "t.db")
    store = await Store.open(tmp_path / "t.db")
    try:
        await import_musicbrainz_dump(store, lines, Scope.of(tags=["K-Pop"]))
        tagged = await store.fetchall(
            "SELECT mbid FROM import_scope_artists WHERE scope = 'tag=k-pop' ORDER BY mbid"
        )
        expected = sorted(mbdump.artist_id(n) for n in range(60) if n % 3 == 0)
        assert [r[0] for r in tagged] == expected
        one = Scope.of(artists=[mbdump.artist_id(4)])
        report = await import_musicbrainz_dump(store, lines, one)
        assert report.counts["imported line"] >= 2  # the artist and what credits it
    finally:
        await store.close()
    with pytest.raises(UserError):
        Scope.of(artists=["not-an-mbid"])


async def test_malformed_lines_are_counted_and_skipped(migrated_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    good = mbdump.write_lines(tmp_path / "good.json", 40).read_text(encoding="utf-8")
    path.write_text('{"broken json\n' + good + '{"id": "x", "video": false, "relations": 3}\n')
    shutil.copy(migrated_db, tmp_path / "b.db")
    store = await Store.open(tmp_path / "b.db")
    try:
        report = await import_musicbrainz_dump(store, path)
        assert report.counts["malformed line"] == 2
        assert any("line 1" in w for w in report.warnings)
        assert report.counts["imported line"] == 40
    finally:
        await store.close()


async def test_a_line_undone_halfway_leaves_the_other_lines_rows(
    migrated_db: Path, tmp_path: Path
) -> None:
    """Lines that fail after writing are undone alone, with the rows of earlier lines that the
    importer held back and wrote inside them: the catalog is the one the good lines give."""
    good = mbdump.write_lines(tmp_path / "good.json", 40).read_text(encoding="utf-8")
    lines, broken, undone = [], 0, ""
    for line in good.splitlines():
        # A line that is not JSON right after a good one, and one that breaks after writing
        # right after the next good one.
        lines += [line, undone] if undone else [line, '{"not json']
        broken += 1
        doc = json.loads(line)
        undone = ""
        if "video" in doc and doc.get("artist-credit"):
            # New ids written in capitals are looked up one by one (not ahead): the rows held
            # back are written first, inside this line; then its credits break.
            doc["id"] = mbdump.mbid(f"undone {broken}").upper()
            doc["artist-credit"][0]["artist"]["id"] = mbdump.mbid(f"undone artist {broken}").upper()
            doc["artist-credit"].insert(1, "not a credit")
            undone = json.dumps(doc)
    (tmp_path / "bad.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    contents = []
    for name in ("good.json", "bad.json"):
        shutil.copy(migrated_db, tmp_path / f"{name}.db")
        async with Store.open(tmp_path / f"{name}.db") as store:
            report = await import_musicbrainz_dump(store, tmp_path / name)
        assert report.counts["malformed line"] == (broken if name == "bad.json" else 0)
        with sqlite3.connect(tmp_path / f"{name}.db") as conn:
            contents.append(
                {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
            )
    assert broken > 20
    assert contents[0]["credits"] and contents[0]["entity_sources"]
    assert contents[1] == contents[0]


async def test_killed_import_resumes_where_it_stopped(
    dump: Path, imported: tuple[Path, object], tmp_path: Path
) -> None:
    database = tmp_path / "killed.db"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(database),
        "LOG_LEVEL": "DEBUG",
    }
    command = [sys.executable, "-m", "bot", "import", "musicbrainz-dump", str(dump)]
    process = await asyncio.create_subprocess_exec(
        *command,
        "--area",
        "KR",
        "--batch",
        "50",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        async for line in process.stderr:
            # Kill after the third committed batch of the recordings: mid-member.
            if b"mbdump/recording committed through record 150" in line:
                process.send_signal(signal.SIGKILL)
                break
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == -signal.SIGKILL
    store = await Store.open(database)
    try:
        done = await imports.checkpoints(store, "musicbrainz-dump", mbdump_key(dump))
        assert done["mbdump/artist"].finished
        assert not done["mbdump/recording"].finished
        assert done["mbdump/recording"].line >= 150
        report = await import_musicbrainz_dump(store, dump, KR)
        # The finished artist member is passed over, the recordings resume after the kill.
        assert report.counts["resumed line"] == done["mbdump/recording"].line
        assert report.counts["read line"] == LINES - ARTISTS - done["mbdump/recording"].line
        resumed = await table_counts(store)
    finally:
        await store.close()
    clean = await Store.open(imported[0])
    try:
        assert resumed == await table_counts(clean)
    finally:
        await clean.close()


async def test_wikidata_dump_lines_add_names_sitelinks_and_sources(
    store: Store, tmp_path: Path
) -> None:
    path = mbdump.write_wikidata_dump(tmp_path / "wd.json", 60)
    report = await import_wikidata_dump(store, path, batch=7)
    assert report.counts["item"] == 60
    assert report.counts["linked item"] == 30  # the Korean half is in the catalog
    assert report.counts["unlinked item"] == 30
    artist = await db.entity_by_key(store, "artist", f"mb:{mbdump.artist_id(4)}")
    names = {n.name: n.origin for n in await db.names_of(store, artist.id)}
    assert names["위키 가수 4"] == "wikidata"
    assert names["별명 4"] == "wikidata"
    assert artist.name == mbdump.artist_name(4)  # Wikidata only adds
    urls = [s.url for s in await db.entity_sources(store, artist.id)]
    assert "https://www.wikidata.org/wiki/Q900004" in urls
    row = await store.fetchone("SELECT sitelinks FROM entities WHERE id = ?", (artist.id,))
    assert row[0] == 4
    before = await table_counts(store)
    await imports.clear_checkpoints(store, "wikidata-dump", mbdump_key(path))
    await import_wikidata_dump(store, path)
    assert await table_counts(store) == before


def _statement(prop: str, value: str, rank: str) -> dict[str, object]:
    return {
        "mainsnak": {
            "snaktype": "value",
            "property": prop,
            "datavalue": {"value": value, "type": "string"},
        },
        "type": "statement",
        "rank": rank,
    }


async def test_the_dump_and_the_online_lookup_read_an_item_alike(
    store: Store, tmp_path: Path
) -> None:
    row = await store.fetchone(
        "SELECT x.value, x.entity_id FROM external_ids x JOIN entities e ON e.id = x.entity_id "
        "WHERE e.kind = 'release' AND e.key <> 'mb:' || x.value ORDER BY x.value LIMIT 1"
    )
    release_mbid, release_id = str(row[0]), int(row[1])  # a release's id, not its group's
    entity = mbdump.wikidata_entity(7)
    entity["id"] = "Q990007"
    entity["aliases"]["en"] = [{"language": "en", "value": " Wiki Album "}]
    entity["claims"] = {
        # The preferred release id outranks the normal one; the deprecated artist id is ignored.
        "P5813": [
            _statement("P5813", mbdump.mbid("not in the catalog"), "normal"),
            _statement("P5813", release_mbid.upper(), "preferred"),
        ],
        "P434": [_statement("P434", mbdump.artist_id(4), "deprecated")],
    }
    # Through the dump: one line of the entity dump, as the importer reads it.
    path = tmp_path / "wd.json"
    path.write_text("[\n" + json.dumps(entity, ensure_ascii=False) + "\n]\n", encoding="utf-8")
    with path.open("rb") as raw:
        lines = list(json_lines(raw, 0, 0))
    dumped = facts_from_dump_entity(parse_json(record_bytes(lines[1][0]).strip().rstrip(b",")))
    # Online: the same item in a wbgetentities answer.
    answer = json.loads(json.dumps({"entities": {"Q990007": entity}}, ensure_ascii=False))
    online = facts_from_entity(answer["entities"]["Q990007"])
    assert dumped == online
    assert dumped.musicbrainz == (("release", release_mbid.lower()),)
    assert dumped.names == (
        Alias("위키 가수 7", "ko"),
        Alias("별명 7", "ko"),
        Alias(mbdump.artist_name(7), "en"),
        Alias("Wiki Album", "en"),
    )
    assert dumped.sitelinks == 7
    # The dump import ties the item to the release by that id, and to nothing else.
    report = await import_wikidata_dump(store, path)
    assert (report.counts["item"], report.counts["linked item"]) == (1, 1)
    names = {n.name: n.origin for n in await db.names_of(store, release_id)}
    assert names["별명 7"] == names["Wiki Album"] == "wikidata"
    artist = await db.entity_by_key(store, "artist", f"mb:{mbdump.artist_id(4)}")
    assert "별명 7" not in {n.name for n in await db.names_of(store, artist.id)}
    sitelinks = await store.fetchone("SELECT sitelinks FROM entities WHERE id = ?", (release_id,))
    assert sitelinks[0] == 7


async def test_wikidata_sparql_result_streams_binding_by_binding(
    store: Store, tmp_path: Path
) -> None:
    # 400 pretty-printed bindings: well over one read chunk, so objects span chunk ends.
    path = mbdump.write_sparql(tmp_path / "q.json", 400, broken=2)
    assert path.stat().st_size > 3 * 65536
    report = await import_wikidata_dump(store, path, batch=50)
    assert report.counts["item"] == 399
    assert report.counts["malformed record"] == 1
    assert any("binding 3" in w for w in report.warnings)
    artist = await db.entity_by_key(store, "artist", f"mb:{mbdump.artist_id(10)}")
    assert "위키 가수 10" in [n.name for n in await db.names_of(store, artist.id)]
    # Sitelinks now rank the artist: its names carry the Wikidata band.
    found = (await resolve(store, "위키 가수 10"))[0]
    assert found.id == artist.id and found.importance >= 2_000_000
    # Resuming a finished file reads nothing.
    again = await import_wikidata_dump(store, path)
    assert again.counts["item"] == 0


async def test_wikidata_refuses_a_file_that_is_not_a_result(
    migrated_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"head": {"vars": []}, "nothing": 1}', encoding="utf-8")
    shutil.copy(migrated_db, tmp_path / "x.db")
    store = await Store.open(tmp_path / "x.db")
    try:
        with pytest.raises(DataFileError, match="not a SPARQL JSON result"):
            await import_wikidata_dump(store, path)
    finally:
        await store.close()


def test_cli_reports_bad_dump_input_in_one_line(tmp_path: Path) -> None:
    from tests.support.cli import run_cli_in_process

    env = {"DATABASE_PATH": str(tmp_path / "cli.db"), "LOG_LEVEL": "WARNING"}
    missing = run_cli_in_process("import", "musicbrainz-dump", "nope.tar.xz", env=env, cwd=tmp_path)
    assert missing.returncode != 0
    assert "no such file" in missing.stderr and "Traceback" not in missing.stderr
    dump = mbdump.write_lines(tmp_path / "d.json", 30)
    bad = run_cli_in_process(
        "import", "musicbrainz-dump", str(dump), "--artist", "x", env=env, cwd=tmp_path
    )
    assert bad.returncode != 0
    assert "not a MusicBrainz id" in bad.stderr and "Traceback" not in bad.stderr
    good = run_cli_in_process("import", "musicbrainz-dump", str(dump), env=env, cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert "30 imported lines" in good.stdout
    assert good.stderr == ""  # no progress bar when stderr is not a terminal
    junk = tmp_path / "junk.json"
    junk.write_text("{}\nhello\n", encoding="utf-8")
    for source in ("wikidata", "musicbrainz-dump", "musicbrainz-dump"):
        # The second musicbrainz-dump run: a refused file was not checkpointed as done.
        refused = run_cli_in_process("import", source, str(junk), env=env, cwd=tmp_path)
        assert refused.returncode != 0, source
        assert "could be read" in refused.stderr and "Traceback" not in refused.stderr


async def test_every_batch_moves_the_catalog_version_on(tmp_path: Path) -> None:
    # A bot beside a long dump import keeps its reads per catalog version
    # (bot/store/read_cache.py): each committed batch must move the version, not only the end.
    path = mbdump.write_lines(tmp_path / "d.json", 100, interleave=True)
    async with Store.open(tmp_path / "v.db") as store:
        before = int(await store.catalog_version())
        report = await import_musicbrainz_dump(store, path, batch=25, finish=False)
        assert report.counts["imported line"] == 100
        assert int(await store.catalog_version()) == before + 4
