"""The dump importers on PostgreSQL: the same catalog as on SQLite, and idempotent there too.

A small MusicBrainz dump and Wikidata files (an entity dump and a SPARQL result), and a slice
of kpopnet.json over the small curated catalog, are imported
into a SQLite file and into a PostgreSQL database; every catalog row, keyed by what it names
rather than by the row ids each backend numbers on its own, and the store's reads (names,
sources, credits, performers) must be the same. Imported again on PostgreSQL, no row changes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge.importers import import_catalog, import_kpopnet
from bot.knowledge.importers.musicbrainz_dump import Scope, import_musicbrainz_dump
from bot.knowledge.importers.report import ImportReport
from bot.knowledge.importers.streaming import file_key
from bot.knowledge.importers.wikidata_dump import import_wikidata_dump
from bot.store import Store, imports
from bot.store import catalog as db
from tests.knowledge import mbdump
from tests.support import catalog
from tests.support.data import KPOPNET, SMALL_CATALOG

pytestmark = pytest.mark.postgres

LINES = 100  # 20 artists (half of them Korean), 80 recordings and releases
KR = Scope.of(areas=["KR"])

# The catalog's tables (tests/support/catalog.py's and the kinds' own), and which of their
# columns point at an entity, a source or a review by row id.
TABLES = (*catalog.TABLES, "external_ids", "artists", "releases", "songs", "videos")
ENTITY_COLUMNS = {
    "entity_id",
    "subject_id",
    "artist_id",
    "release_id",
    "song_id",
    "parent_id",
    "parent_group_id",
    "person_id",
    "group_id",
    "from_id",
    "to_id",
    "work_id",
}
# Tables whose rows each backend numbers on its own.
OWN_IDS = {
    "entities",
    "names",
    "sources",
    "credits",
    "memberships",
    "entity_references",
    "reviews",
    "artist_works",
}


@dataclasses.dataclass(frozen=True)
class Files:
    musicbrainz: Path
    wikidata: Path
    sparql: Path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    folder = tmp_path_factory.mktemp("dumps")
    return Files(
        mbdump.write_tar_xz(folder / "mbdump.tar.xz", LINES),
        mbdump.write_wikidata_dump(folder / "wd.json", 20),
        mbdump.write_sparql(folder / "q.json", 20),
    )


async def import_all(store: Store, files: Files) -> list[ImportReport]:
    """Import the three files as `linernotes import` would, in order."""
    return [
        await import_musicbrainz_dump(store, files.musicbrainz, KR, batch=50),
        await import_wikidata_dump(store, files.wikidata, batch=7),
        await import_wikidata_dump(store, files.sparql, batch=8),
    ]


def _plain(value: Any) -> Any:
    """A value as both backends should give it (PostgreSQL booleans as SQLite's 0 and 1)."""
    return int(value) if isinstance(value, bool) else value


async def catalog_rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every catalog row, with row ids replaced by the (kind, key) or source key they stand for."""
    entity_keys = {
        int(r[0]): (str(r[1]), str(r[2]))
        for r in await store.fetchall("SELECT id, kind, key FROM entities")
    }
    source_keys = {
        int(r[0]): str(r[1]) for r in await store.fetchall("SELECT id, key FROM sources")
    }
    review_keys = {
        int(r[0]): str(r[1]) for r in await store.fetchall("SELECT id, key FROM reviews")
    }
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in TABLES:
        rows = []
        for row in await store.fetchall(f"SELECT * FROM {table}"):
            named = []
            for column in row.keys():  # noqa: SIM118 (a row, not a dict)
                value = row[column]
                if column == "id" and table in OWN_IDS:
                    continue
                if value is not None and column in ENTITY_COLUMNS:
                    value = entity_keys[int(value)]
                elif value is not None and column.endswith("source_id"):
                    value = source_keys[int(value)]
                elif value is not None and column == "review_id":
                    value = review_keys[int(value)]
                named.append((column, _plain(value)))
            rows.append(tuple(named))
        out[table] = sorted(rows, key=repr)
    return out


def _without_ids(value: Any) -> Any:
    """A store read's rows as comparable values: each row id dropped, the rest kept."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _without_ids(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return tuple(
            (k, _without_ids(v)) for k, v in value.items() if k not in {"id"} | ENTITY_COLUMNS
        )
    if isinstance(value, list | tuple):
        return tuple(_without_ids(v) for v in value)
    return _plain(value)


async def reads(store: Store) -> dict[tuple[str, str], Any]:
    """What the store's readers say of every artist and of the first songs."""
    keys = await store.fetchall(
        "SELECT kind, key FROM entities WHERE kind = 'artist' OR kind = 'song' ORDER BY kind, key"
    )
    chosen = [(str(r[0]), str(r[1])) for r in keys if r[0] == "artist"]
    chosen += [(str(r[0]), str(r[1])) for r in keys if r[0] == "song"][:25]
    out = {}
    for kind, key in chosen:
        entity = await db.entity_by_key(store, kind, key)
        assert entity is not None
        out[(kind, key)] = _without_ids(
            [
                entity,
                await db.names_of(store, entity.id),
                await db.entity_sources(store, entity.id),
                await db.credits_of(store, [entity.id]),
                await db.performers(store, entity.id),
            ]
        )
    return out


async def test_dumps_imported_into_postgresql_read_as_on_sqlite_and_again_change_nothing(
    files: Files, tmp_path: Path, postgres_url: str
) -> None:
    async with Store.open(tmp_path / "dumps.db") as sqlite:
        expected_reports = [r.counts for r in await import_all(sqlite, files)]
        expected_rows = await catalog_rows(sqlite)
        expected_reads = await reads(sqlite)
    async with Store.open(postgres_url) as postgres:
        assert [r.counts for r in await import_all(postgres, files)] == expected_reports
        rows = await catalog_rows(postgres)
        for table in TABLES:
            assert rows[table] == expected_rows[table], table
        assert await reads(postgres) == expected_reads

        # What was compared is the import's work: Korean artists with MusicBrainz's and
        # Wikidata's names and sources, and credited songs.
        assert expected_reports[0]["imported line"] > 0
        assert expected_reports[1]["linked item"] == 10 and expected_reports[2]["item"] == 20
        artist = await db.entity_by_key(postgres, "artist", f"mb:{mbdump.artist_id(4)}")
        assert artist is not None
        names = {n.name: n.origin for n in await db.names_of(postgres, artist.id)}
        assert names["위키 가수 4"] == "wikidata"
        assert {s.url for s in await db.entity_sources(postgres, artist.id)} >= {
            f"https://musicbrainz.org/artist/{mbdump.artist_id(4)}",
            "https://www.wikidata.org/wiki/Q900004",
        }
        assert len(rows["credits"]) > 0 and len(rows["performers"]) > 0

        # Resuming finished files reads nothing; read again from the start, nothing changes.
        again = await import_all(postgres, files)
        assert [r.counts.get("read line", r.counts.get("item")) for r in again] == [0, 0, 0]
        for source, path in (
            ("musicbrainz-dump", files.musicbrainz),
            ("wikidata-dump", files.wikidata),
            ("wikidata-dump", files.sparql),
        ):
            await imports.clear_checkpoints(postgres, source, file_key(path))
        reread = await import_all(postgres, files)
        assert reread[0].counts["read line"] == LINES
        # Every row the same. (The order of an entity's other names may change: an import
        # replaces its own names, here and on SQLite alike, so they follow the others'.)
        assert await catalog_rows(postgres) == rows


def kpopnet_slice(path: Path, groups: int) -> Path:
    """Write the first ``groups`` groups of kpopnet.json with their idols (only theirs)."""
    data = json.loads(KPOPNET.read_text(encoding="utf-8"))
    kept = data["groups"][:groups]
    ids = {group["id"] for group in kept}
    idols = [idol for idol in data["idols"] if idol["groups"] and set(idol["groups"]) <= ids]
    idol_ids = {idol["id"] for idol in idols}
    for group in kept:
        group["members"] = [m for m in group["members"] if m["idol_id"] in idol_ids]
    path.write_text(json.dumps({"groups": kept, "idols": idols}), encoding="utf-8")
    return path


async def test_kpopnet_over_the_catalog_on_postgresql_as_on_sqlite_and_again_the_same(
    tmp_path: Path, postgres_url: str
) -> None:
    kpopnet = kpopnet_slice(tmp_path / "kpopnet.json", 15)

    async def load(store: Store) -> dict[str, int]:
        await import_catalog(store, [SMALL_CATALOG])
        return dict((await import_kpopnet(store, kpopnet)).counts)

    async with Store.open(tmp_path / "kpopnet.db") as sqlite:
        expected_counts = await load(sqlite)
        expected_rows = await catalog_rows(sqlite)
        expected_reads = await reads(sqlite)
    assert expected_counts["group"] == 15 and expected_counts["idol"] > 15
    assert expected_counts["membership"] > 0
    async with Store.open(postgres_url) as postgres:
        assert await load(postgres) == expected_counts
        rows = await catalog_rows(postgres)
        for table in TABLES:
            assert rows[table] == expected_rows[table], table
        assert await reads(postgres) == expected_reads
        kpopnet_memberships = [r for r in rows["memberships"] if ("origin", "kpopnet") in r]
        assert len(kpopnet_memberships) == expected_counts["membership"]
        assert dict((await import_kpopnet(postgres, kpopnet)).counts) == expected_counts
        assert await catalog_rows(postgres) == rows
