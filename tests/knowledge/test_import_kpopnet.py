"""kpopnet.json import: all groups and idols, merged with catalog artists, idempotent."""

from __future__ import annotations

import asyncio
import json
import pickle
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.errors import DataFileError
from bot.knowledge.importers import ImportReport, import_catalog, import_kpopnet
from bot.store import Store
from bot.store import catalog as db
from tests.support.catalog import snapshot
from tests.support.data import KPOPNET, SMALL_CATALOG
from tests.support.shared import built_once


@pytest.fixture(scope="module")
def _imported_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    """An empty database with kpopnet imported, and the import's report: made once per run."""

    def build(folder: Path) -> None:
        folder.mkdir()

        async def run() -> ImportReport:
            async with Store.open(folder / "kpopnet.db") as store:
                return await import_kpopnet(store, KPOPNET)

        (folder / "report.pickle").write_bytes(pickle.dumps(asyncio.run(run())))

    folder = built_once(tmp_path_factory, "kpopnet-imported", build)
    return folder / "kpopnet.db", pickle.loads((folder / "report.pickle").read_bytes())


@pytest.fixture
async def imported(
    _imported_once: tuple[Path, ImportReport], tmp_path: Path
) -> AsyncIterator[tuple[Store, ImportReport]]:
    """A private copy of the database kpopnet was imported into, and that import's report."""
    shutil.copy(_imported_once[0], tmp_path / "kpopnet.db")
    async with Store.open(tmp_path / "kpopnet.db") as store:
        yield store, _imported_once[1]


async def test_counts_and_sources(imported: tuple[Store, ImportReport]) -> None:
    store, report = imported
    assert report.counts["group"] == 182 and report.counts["idol"] == 835
    groups = await store.fetchone(
        "SELECT count(*) FROM artists a JOIN entities e ON e.id = a.entity_id "
        "WHERE e.origin = 'kpopnet' AND a.kind = 'group'"
    )
    people = await store.fetchone(
        "SELECT count(*) FROM artists a JOIN entities e ON e.id = a.entity_id "
        "WHERE e.origin = 'kpopnet' AND a.kind = 'person'"
    )
    assert (groups[0], people[0]) == (182, 835)
    yena = (
        await store.fetchall("SELECT id FROM entities WHERE name = 'Choi Yena' AND kind = 'artist'")
    )[0][0]
    card = await db.artist(store, yena)
    assert card.birth_date == "1999-09-29" and card.legal_name
    sources = await db.entity_sources(store, yena)
    # Each idol cites her own kpopnet profile page, not the whole dataset.
    assert sources[0].url == "https://net.kpop.re/?id=GWzWGb9qZTWSieauLUWZ"
    groups_of = await db.groups_of(store, yena)
    assert "IZ*ONE" in {m.group.name for m in groups_of}
    names = {n.name for n in await db.names_of(store, yena)}
    assert "최예나" in names
    # The dataset's own placeholders ("unknown_magenta" and three more) are not names.
    assert not await store.fetchall("SELECT name FROM names WHERE lower(name) LIKE 'unknown%'")


async def test_reimport_is_idempotent(imported: tuple[Store, ImportReport]) -> None:
    store = imported[0]  # imported once already
    counts = [await db.count_rows(store, t) for t in ("entities", "names", "memberships")]
    ids = await store.fetchall("SELECT id, key FROM entities ORDER BY id")
    before = await snapshot(store)
    async with store.statements() as seen:
        await import_kpopnet(store, KPOPNET)
    assert [await db.count_rows(store, t) for t in ("entities", "names", "memberships")] == counts
    assert await store.fetchall("SELECT id, key FROM entities ORDER BY id") == ids
    # Every row as it was, names with their ids (the romanized ones too), and no name written.
    assert await snapshot(store) == before
    assert not [s for s in seen if re.match(r"\s*(INSERT INTO|DELETE FROM|UPDATE) names\b", s)]


async def test_catalog_artist_is_merged_not_duplicated(store: Store, tmp_path: Path) -> None:
    await import_catalog(store, [SMALL_CATALOG])
    iu = await db.entity_by_key(store, "artist", "iu")
    # IU's kpopnet entry alone (the whole file's import is test_counts_and_sources).
    idols = json.loads(KPOPNET.read_text(encoding="utf-8"))["idols"]
    path = tmp_path / "kpopnet.json"
    entry = [i for i in idols if i["id"] == "vUR2P_2jfmdTmS4p0BxY"]
    path.write_text(json.dumps({"groups": [], "idols": entry}), encoding="utf-8")
    report = await import_kpopnet(store, path)
    assert report.counts["merged"] >= 1
    rows = await store.fetchall("SELECT id FROM names WHERE norm = 'iu' AND kind = 'artist'")
    assert len(rows) == 1
    card = await db.artist(store, iu.id)
    assert card.agency == "EDAM Entertainment"  # the catalog's value wins
    urls = {s.url for s in await db.entity_sources(store, iu.id)}
    assert "https://net.kpop.re/?id=vUR2P_2jfmdTmS4p0BxY" in urls


async def test_catalog_imported_after_kpopnet_absorbs_the_duplicate(
    imported: tuple[Store, ImportReport],
) -> None:
    store = imported[0]  # kpopnet imported
    before = await db.count_entities(store, "artist")
    await import_catalog(store, [SMALL_CATALOG])
    rows = await store.fetchall("SELECT entity_id FROM names WHERE norm = 'iu' AND kind = 'artist'")
    assert len(rows) == 1
    # 5 catalog artists, IU merged into the kpopnet one's place.
    assert await db.count_entities(store, "artist") == before + 5 - 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("nope", "is not valid JSON"),
        ("[]", 'expected an object with "groups" and "idols"'),
        (json.dumps({"groups": [], "idols": [{"id": "x"}]}), 'idols[0] (x): missing "name"'),
    ],
)
async def test_bad_file_is_a_data_file_error(
    store: Store, tmp_path: Path, content, problem
) -> None:
    path = tmp_path / "kp.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        await import_kpopnet(store, path)
    assert "kp.json" in str(caught.value) and problem in str(caught.value)
    assert await db.count_entities(store) == 0


async def test_placeholders_are_not_imported_as_facts(store: Store, tmp_path: Path) -> None:
    full = json.loads(KPOPNET.read_text(encoding="utf-8"))
    # Magenta's real name is the dataset's placeholder "unknown_magenta" in the bundled file.
    magenta = next(i for i in full["idols"] if i["name"] == "Magenta")
    assert magenta["real_name"].startswith("unknown_")
    idol = {**magenta, "id": "placeholderTest1", "name": "Placeholder Test"}
    idol.update(real_name="unknown_placeholder", real_name_original="-", name_alias="unknown, -")
    # Her, a made-up idol and a group with an agency "N/A", not all 1,017 entries (the whole
    # file's placeholders are checked on the shared import: test_counts_and_sources).
    group = {**full["groups"][0], "agency_name": "N/A", "members": []}
    data = {"groups": [group], "idols": [magenta, idol]}
    path = tmp_path / "kpopnet.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    await import_kpopnet(store, path)
    rows = await store.fetchall(
        "SELECT a.legal_name, a.legal_name_hangul, a.agency FROM artists a "
        "JOIN entities e ON e.id = a.entity_id WHERE e.name IN (?, ?, ?)",
        ("Magenta", "Placeholder Test", data["groups"][0]["name"]),
    )
    assert len(rows) == 3
    assert all(r[0] is None and r[1] is None for r in rows)
    assert all(r[2] is None or r[2] != "N/A" for r in rows)
    names = await store.fetchall("SELECT name FROM names WHERE lower(name) LIKE 'unknown%'")
    assert not names


async def test_a_kpopnet_name_spelled_like_a_romanized_form_is_stored(
    store: Store, tmp_path: Path
) -> None:
    await import_catalog(store, [SMALL_CATALOG])
    iu = await db.entity_by_key(store, "artist", "iu")
    assert iu is not None
    generated = "SELECT origin, type FROM names WHERE entity_id = ? AND norm = 'aiyu'"
    assert [tuple(r) for r in await store.fetchall(generated, (iu.id,))] == [
        ("romanized", "romanization")
    ]
    data = json.loads(KPOPNET.read_text(encoding="utf-8"))
    magenta = next(i for i in data["idols"] if i["name"] == "Magenta")
    # IU as kpopnet lists her (merged into the catalog's IU by name and birth date), with an
    # alias spelled as the catalog's Hangul name romanizes.
    idol = {**magenta, "id": "iuTest1", "name": "IU", "name_original": "아이유"}
    idol.update(birth_date="1993-05-16", name_alias="Aiyu", groups=[])
    data = {"groups": [], "idols": [idol]}
    path = tmp_path / "kpopnet.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    await import_kpopnet(store, path)
    # The stored alias wins over the generated form, as if the generated names were new.
    assert [tuple(r) for r in await store.fetchall(generated, (iu.id,))] == [("kpopnet", "hint")]
