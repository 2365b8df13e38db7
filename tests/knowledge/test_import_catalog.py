"""Catalog TOML import: validation names file, entry and problem; one transaction; idempotent."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.core.errors import DataFileError
from bot.knowledge.importers import (
    CatalogError,
    bundled_catalog_dir,
    ensure_bundled_loaded,
    import_catalog,
)
from bot.store import Store
from bot.store import catalog as db
from tests.support.catalog import snapshot
from tests.support.data import SMALL_CATALOG
from tests.support.shared import built_once


def copy_small(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(SMALL_CATALOG, target)
    return target


async def test_import_writes_every_table(store: Store) -> None:
    report = await import_catalog(store, [SMALL_CATALOG])
    assert report.counts["artist"] == 5
    assert report.counts["credit"] == 4
    assert await db.count_entities(store, "song") == 2
    song = await db.entity_by_key(store, "song", "love-wins-all")
    assert song is not None and song.label == "Love wins all (러브 윈즈 올) — IU"
    credits = await db.credits_of(store, [song.id])
    assert {(c.artist.name, c.role) for c in credits} == {
        ("IU", "lyricist"),
        ("Seo Dong-hwan", "composer"),
    }
    assert all(c.source.url.startswith("https://") for c in credits)
    single = await db.entity_by_key(store, "release", "love-wins-all-single")
    release = await db.release(store, single.id)
    assert release.parent is not None and release.parent.name == "The Winning"
    iu = await db.entity_by_key(store, "artist", "iu")
    card = await db.artist(store, iu.id)
    # A bare TOML date is accepted and stored as text.
    assert card.debut_date == "2008-09-18"
    names = {(n.name, n.type, n.locale, n.is_primary) for n in await db.names_of(store, iu.id)}
    assert ("아이유", "hangul", "ko", True) in names
    assert ("IU", "stage", "en", True) in names
    assert ("Lee Jieun", "legal", "en", False) in names
    assert "summary" in report.summary() or "catalog:" in report.summary()


async def test_reimport_updates_in_place(store: Store, tmp_path: Path) -> None:
    folder = copy_small(tmp_path)
    await import_catalog(store, [folder])
    before = await snapshot(store)
    song = await db.entity_by_key(store, "song", "love-wins-all")
    await import_catalog(store, [folder])
    assert await snapshot(store) == before
    # Edit a value and drop a credit: the row is updated, the id is kept, the credit goes.
    text = (folder / "iu.toml").read_text(encoding="utf-8")
    text = text.replace('length = "4:31"', 'length = "4:32"')
    text = text.replace(
        '[[credit]]\nsubject = "song:love-wins-all"\nartist = "seo-dong-hwan"\nrole = "composer"\n'
        'source = "wiki-love-wins-all"\n',
        "",
    )
    (folder / "iu.toml").write_text(text, encoding="utf-8")
    report = await import_catalog(store, [folder])
    again = await db.entity_by_key(store, "song", "love-wins-all")
    assert again.id == song.id
    assert (await db.song(store, song.id)).length_s == 272
    assert report.counts["credit"] == 3
    assert await db.count_rows(store, "credits") == 3


async def test_entries_removed_from_a_file_are_deleted(store: Store, tmp_path: Path) -> None:
    folder = copy_small(tmp_path)
    await import_catalog(store, [folder])
    text = (folder / "iu.toml").read_text(encoding="utf-8")
    start = text.index("[[work]]")
    end = text.index('[[reference]]\nfrom = "video:love-wins-all-mv"\nto = "video:')
    (folder / "iu.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    report = await import_catalog(store, [folder])
    assert report.deleted == 1
    assert await db.entity_by_key(store, "work", "no-mans-land") is None
    assert await db.count_rows(store, "entity_references") == 1
    hits = await store.fetchall("SELECT rowid FROM names_fts WHERE names_fts MATCH '\"personnes\"'")
    assert hits == []


async def test_one_file_can_refer_to_ids_already_imported(store: Store) -> None:
    await import_catalog(store, [SMALL_CATALOG])
    report = await import_catalog(store, [SMALL_CATALOG / "iu.toml"])
    assert report.counts["credit"] == 4
    assert await db.count_rows(store, "credits") == 4


GOOD_SOURCE = '[[source]]\nid = "s"\nurl = "https://example.org/s"\noutlet = "Example"\n'
GOOD_ARTIST = '[[artist]]\nid = "a"\nname = "A"\nkind = "person"\nsources = ["s"]\n'


def _small_with_base(folder: Path) -> Path:
    """Copy the small catalog into ``folder``, with one more file (base.toml)."""
    shutil.copytree(SMALL_CATALOG, folder, dirs_exist_ok=True)
    (folder / "base.toml").write_text(GOOD_SOURCE + GOOD_ARTIST, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def _small_with_base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small catalog and base.toml imported once per run; the bad-file tests copy it
    (rows name their file, not its folder, so a copy matches any folder of the same files)."""

    def build(path: Path) -> None:
        async def run() -> None:
            async with Store.open(path) as store:
                await import_catalog(store, [_small_with_base(path.with_name("small-base"))])

        asyncio.run(run())

    return built_once(tmp_path_factory, "catalog-small-base.db", build)


BAD_FILES = [
    ("not toml", "[[artist]\nid = 1", "bad.toml: is not valid TOML"),
    ("unknown table", '[[artsit]]\nid = "a"', "unknown table [[artsit]]"),
    ("table not array", '[artist]\nid = "a"', "must be written as [[artist]] entries"),
    (
        "missing key",
        '[[artist]]\nid = "b"\nkind = "person"\nsources = ["s"]',
        '[[artist]] #1 (b): missing required key "name"',
    ),
    (
        "no source",
        '[[artist]]\nid = "b"\nname = "B"\nkind = "person"',
        "[[artist]] #1 (b): has no source",
    ),
    (
        "unknown source",
        '[[artist]]\nid = "b"\nname = "B"\nkind = "person"\nsources = ["nope"]',
        '[[artist]] #1 (b): unknown source id "nope"',
    ),
    (
        "bad slug",
        '[[artist]]\nid = "Big B"\nname = "B"\nkind = "person"\nsources = ["s"]',
        'id "Big B" is not a valid id',
    ),
    (
        "bad kind",
        '[[artist]]\nid = "b"\nname = "B"\nkind = "robot"\nsources = ["s"]',
        "kind must be one of",
    ),
    (
        "bad date",
        '[[artist]]\nid = "b"\nname = "B"\nkind = "person"\nbirth_date = "16/05/1993"\n'
        'sources = ["s"]',
        "birth_date must be a date written YYYY-MM-DD",
    ),
    (
        "impossible date",
        '[[artist]]\nid = "b"\nname = "B"\nkind = "person"\n'
        'birth_date = "1993-02-30"\nsources = ["s"]',
        "is not a real date",
    ),
    (
        "bad length",
        '[[song]]\nid = "x"\ntitle = "X"\nartists = ["a"]\nlength = "271"\nsources = ["s"]',
        'length must be a duration written "m:ss"',
    ),
    (
        "duplicate id",
        GOOD_ARTIST.replace('"a"', '"b"') + GOOD_ARTIST.replace('"a"', '"b"'),
        'duplicate artist id "b"',
    ),
    (
        "unknown artist",
        '[[credit]]\nsubject = "song:x"\nartist = "lee-nobody"\n'
        'role = "composer"\nsource = "s"\n' + '[[song]]\nid = "x"\ntitle = "X"\nartists = ["a"]\n'
        'sources = ["s"]',
        '[[credit]] #1 (song:x): unknown artist id "lee-nobody"',
    ),
    (
        "unknown subject",
        '[[credit]]\nsubject = "song:nope"\nartist = "a"\nrole = "composer"\nsource = "s"',
        'unknown song id "nope"',
    ),
    (
        "wrong subject kind",
        '[[credit]]\nsubject = "work:x"\nartist = "a"\nrole = "composer"\nsource = "s"',
        'subject must point at song or release or video, not "work:x"',
    ),
    (
        "bad ref",
        '[[credit]]\nsubject = "song"\nartist = "a"\nrole = "composer"\nsource = "s"',
        '"song" is not a reference written kind:id',
    ),
    (
        "bad role",
        '[[credit]]\nsubject = "song:x"\nartist = "a"\nrole = "singer"\nsource = "s"',
        "role must be one of",
    ),
    (
        "bad status",
        '[[reference]]\nfrom = "song:x"\nto = "work:w"\nrelation = "homage"\n'
        'status = "rumour"\nsource = "s"',
        "status must be one of",
    ),
    (
        "person is a group",
        GOOD_ARTIST.replace('"a"', '"g"').replace('"person"', '"group"')
        + '[[membership]]\nperson = "g"\ngroup = "a"\nsource = "s"',
        'person "g" is a group',
    ),
    (
        "unknown review",
        '[[reference]]\nfrom = "song:x"\nto = "song:x"\nrelation = "echo"\n'
        'status = "critic"\nreview = "nope"\nsource = "s"\n'
        '[[song]]\nid = "x"\ntitle = "X"\nartists = ["a"]\nsources = ["s"]',
        'unknown review id "nope"',
    ),
    (
        "self parent",
        '[[release]]\nid = "r"\ntitle = "R"\ntype = "single"\nartists = ["a"]\n'
        'date = "2024-01-01"\nparent = "r"\nsources = ["s"]',
        "cannot be its own parent",
    ),
    (
        "bad url",
        '[[source]]\nid = "t"\nurl = "example.org"\noutlet = "E"',
        'refused by rule "malformed-url"',
    ),
    (
        "search page",
        '[[source]]\nid = "t"\nurl = "https://news.example.id/cari-berita.php"\noutlet = "E"',
        'refused by rule "search-page"',
    ),
    (
        "query page",
        '[[source]]\nid = "t"\nurl = "https://www.soompi.com/?q=spring+day"\noutlet = "E"',
        'refused by rule "search-page"',
    ),
    (
        "proxy",
        '[[source]]\nid = "t"\nurl = "https://melakarnets.com/proxy/index.php?q=https%3A%2F%2Fx.org"'
        '\noutlet = "E"',
        'refused by rule "proxy-or-mirror"',
    ),
    (
        "mirror",
        '[[source]]\nid = "t"\nurl = "https://wikiwand.com/en/articles/Maniac"\noutlet = "E"',
        'refused by rule "proxy-or-mirror"',
    ),
    (
        "reprint",
        '[[source]]\nid = "t"\nurl = "https://todayprimenews.com/entertainment/x/"\noutlet = "E"',
        'refused by rule "reprint-or-spam"',
    ),
    (
        "not percent-encoded",
        '[[source]]\nid = "t"\nurl = "http://kstars.jkn.co.kr/articles/블랙핑크…htm"\noutlet = "E"',
        'refused by rule "malformed-url"',
    ),
    (
        "truncated",
        '[[source]]\nid = "t"\nurl = "https://gqkorea.co.kr/%EC%9E%91%EC%82"\noutlet = "E"',
        'refused by rule "malformed-url"',
    ),
    (
        "refused review url",
        '[[review]]\nid = "rv"\ntitle = "T"\nurl = "https://lr.vern.cc/r/bangtan/x/"\n'
        'outlet = "O"\nsummary = "S"\ndiscusses = ["artist:a"]\nsource = "s"',
        'refused by rule "proxy-or-mirror"',
    ),
    (
        "wrong type",
        '[[artist]]\nid = "b"\nname = "B"\nkind = "person"\nimportance = "high"\nsources = ["s"]',
        "importance must be a whole number",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
async def test_bad_file_names_file_entry_and_problem_and_changes_nothing(
    _small_with_base_db: Path, tmp_path: Path, text: str, expected: str
) -> None:
    folder = _small_with_base(tmp_path / "catalog")
    shutil.copy(_small_with_base_db, tmp_path / "t.db")
    async with Store.open(tmp_path / "t.db") as store:
        before = await snapshot(store)
        (folder / "bad.toml").write_text(text, encoding="utf-8")
        with pytest.raises(DataFileError) as caught:
            await import_catalog(store, [folder])
        message = str(caught.value)
        assert "bad.toml" in message
        assert expected in message
        assert isinstance(caught.value, CatalogError) and caught.value.problems
        assert await snapshot(store) == before


async def test_every_problem_is_reported_at_once(store: Store, tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(
        GOOD_SOURCE + '[[artist]]\nid = "b"\nkind = "robot"\nsources = ["s"]\n'
        '[[credit]]\nsubject = "song:q"\nartist = "b"\nrole = "composer"\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as caught:
        await import_catalog(store, [tmp_path / "x.toml"])
    assert len(caught.value.problems) >= 3


async def test_missing_file_is_a_data_file_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        await import_catalog(store, [tmp_path / "absent.toml"])


async def test_unknown_keys_are_warnings(store: Store, tmp_path: Path) -> None:
    (tmp_path / "w.toml").write_text(
        GOOD_SOURCE + GOOD_ARTIST.replace("sources", 'nickname = "x"\nsources'), encoding="utf-8"
    )
    report = await import_catalog(store, [tmp_path / "w.toml"])
    assert any('unknown key "nickname"' in w for w in report.warnings)


async def test_removing_a_source_still_cited_elsewhere_fails(store: Store, tmp_path: Path) -> None:
    folder = copy_small(tmp_path)
    await import_catalog(store, [folder])
    before = await snapshot(store)
    text = (folder / "sources.toml").read_text(encoding="utf-8")
    (folder / "sources.toml").write_text(
        text.split('[[source]]\nid = "wiki-spring-day"')[0], encoding="utf-8"
    )
    with pytest.raises(DataFileError):
        await import_catalog(store, [folder / "sources.toml"])
    assert await snapshot(store) == before


async def test_bundled_catalog_is_found_and_loaded_once(store: Store) -> None:
    folder = bundled_catalog_dir()
    assert folder.name == "catalog" and (folder / "README.md").is_file()
    reports = await ensure_bundled_loaded(store)
    assert [r.origin for r in reports][-1] == "kpopnet"
    count = await db.count_entities(store)
    assert count > 1000
    assert await ensure_bundled_loaded(store) == []
    assert await db.count_entities(store) == count


async def test_real_catalog_imports_cleanly(store: Store) -> None:
    folder = bundled_catalog_dir()
    if not any(folder.glob("*.toml")):
        pytest.skip("no bundled catalog files yet")
    report = await import_catalog(store, [folder])
    assert report.counts["artist"] > 0
    again = await import_catalog(store, [folder])
    assert again.deleted == 0
    # Every entity has a source.
    row = await store.fetchone(
        "SELECT count(*) FROM entities e WHERE NOT EXISTS "
        "(SELECT 1 FROM entity_sources s WHERE s.entity_id = e.id)"
    )
    assert row[0] == 0


async def test_a_curated_cover_is_stored_with_its_source_and_checked(
    store: Store, tmp_path: Path
) -> None:
    from bot.knowledge import cards

    folder = copy_small(tmp_path)
    text = (folder / "iu.toml").read_text(encoding="utf-8")
    entry = 'tracks = ["love-wins-all"]\nsources = ["wiki-love-wins-all"]\n'
    cover = entry + 'image = "https://example.org/lwa.jpg"\n'
    assert entry in text
    with_cover = text.replace(entry, cover, 1)
    (folder / "iu.toml").write_text(
        with_cover.replace(cover, cover + 'image_source = "wiki-love-wins-all"\n', 1),
        encoding="utf-8",
    )
    await import_catalog(store, [folder])
    release = await db.entity_by_key(store, "release", "love-wins-all-single")
    assert release is not None
    image = await cards.card_image(store, release.id, "cover")
    assert image is not None and image.url == "https://example.org/lwa.jpg"
    assert image.source is not None and image.source.outlet == "Wikipedia"
    # Dropped from the file, the picture goes; named without its source, the file is refused.
    (folder / "iu.toml").write_text(text, encoding="utf-8")
    await import_catalog(store, [folder])
    assert await cards.card_image(store, release.id, "cover") is None
    (folder / "iu.toml").write_text(with_cover, encoding="utf-8")
    with pytest.raises(CatalogError, match="image needs image_source"):
        await import_catalog(store, [folder])
    bad = with_cover.replace("https://example.org", "http://example.org")
    (folder / "iu.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(CatalogError, match="image must be an https:// address"):
        await import_catalog(store, [folder])
