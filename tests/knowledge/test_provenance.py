"""Each fact cites its own source; the bundled catalog passes the audit."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import cards
from bot.knowledge.ask import answer
from bot.knowledge.audit import audit
from bot.knowledge.importers import (
    bundled_catalog_dir,
    import_catalog,
)
from bot.knowledge.importers.catalog import parse_file
from bot.knowledge.importers.report import Problems
from bot.store import Store
from bot.store import catalog as db

FESTIVAL = "https://www.example-news.co.kr/festival-article"
PROFILE = "https://en.wikipedia.org/wiki/Example_Singer"
CREDITS = "https://www.melon.com/song/detail.htm?songId=1"

SINGER = f'''
[[source]]
id = "festival"
url = "{FESTIVAL}"
outlet = "Example News"

[[source]]
id = "profile"
url = "{PROFILE}"
outlet = "Wikipedia"

[[source]]
id = "credits"
url = "{CREDITS}"
outlet = "Melon"

[[artist]]
id = "singer"
name = "Haneul Example"
kind = "person"
birth_date = "1995-03-14"
birth_date_source = "profile"
agency = "Example Entertainment"
agency_source = "festival"
debut_date = "2015-06-01"
sources = ["festival", "credits", "profile"]
'''


async def _load(store: Store, tmp_path: Path, text: str) -> int:
    path = tmp_path / "singer.toml"
    path.write_text(text, encoding="utf-8")
    await import_catalog(store, [path])
    row = await db.entity_by_key(store, "artist", "singer")
    assert row is not None
    return row.id


async def test_birthday_answer_cites_the_birthdays_source_not_the_entitys_list(
    store: Store, tmp_path: Path
) -> None:
    singer = await _load(store, tmp_path, SINGER)
    reply = await answer(store, "When was Haneul Example born?")
    assert reply.answered and "1995-03-14" in reply.text
    assert [s.url for s in reply.sources] == [PROFILE]

    card = await cards.artist_card(store, singer)
    assert {s.url for s in card.sources} == {FESTIVAL, PROFILE, CREDITS}
    assert [s.url for s in card.source_of("birth_date")] == [PROFILE]
    assert [s.url for s in card.source_of("agency")] == [FESTIVAL]

    day = await cards.on_this_day(store, 3, 14)
    assert [(f.entity.name, [s.url for s in f.sources]) for f in day.birthdays] == [
        ("Haneul Example", [PROFILE])
    ]


async def test_an_attribute_that_cannot_be_told_is_stored_unsourced(
    store: Store, tmp_path: Path
) -> None:
    # debut_date has three possible sources and no debut_date_source: unsourced, not borrowed.
    singer = await _load(store, tmp_path, SINGER)
    card = await cards.artist_card(store, singer)
    assert card.debut_date == "2015-06-01" and card.source_of("debut_date") == ()
    report = await audit(store)
    assert [(f.entity_name, f.attribute) for f in report.unsourced] == [
        ("Haneul Example", "debut_date")
    ]
    reply = await answer(store, "When did Haneul Example debut?")
    assert reply.sources == ()


async def test_the_warning_names_the_key_that_would_source_the_attribute(tmp_path: Path) -> None:
    path = tmp_path / "singer.toml"
    path.write_text(SINGER, encoding="utf-8")
    warnings: list[str] = []
    problems = Problems()
    parse_file(path, problems, warnings)
    assert not problems.items
    assert any('debut_date_source = "<source id>"' in w for w in warnings)


async def test_an_entry_with_one_source_gives_it_to_every_attribute(
    store: Store, tmp_path: Path
) -> None:
    text = SINGER.replace('sources = ["festival", "credits", "profile"]', 'sources = ["profile"]')
    text = text.replace('agency_source = "festival"\n', "")
    singer = await _load(store, tmp_path, text)
    card = await cards.artist_card(store, singer)
    for attribute in ("birth_date", "debut_date", "agency"):
        assert [s.url for s in card.source_of(attribute)] == [PROFILE], attribute


async def test_bundled_catalog_passes_the_audit(store: Store) -> None:
    await import_catalog(store, [bundled_catalog_dir()])
    report = await audit(store)
    assert report.refused == ()
    assert report.unsourced == ()
    grades = dict(report.per_grade)
    assert grades["encyclopedic"] > 0 and grades["press"] > 0
    assert report.total == sum(grades.values())


async def test_bundled_data_with_kpopnet_passes_the_audit(bundled_store: Store) -> None:
    store = bundled_store  # what ensure_bundled_loaded made (a copy of the session's template)
    report = await audit(store)
    assert report.refused == () and report.unsourced == ()
    # kpopnet facts cite each idol's or group's own profile page, or a correction's page.
    red_velvet = await db.entity_by_key(store, "artist", "red-velvet")
    irene = await db.entity_by_key(store, "artist", "irene")
    assert red_velvet is not None and irene is not None
    card = await cards.artist_card(store, irene.id)
    assert card.debut_date == "2014-08-01"
    assert [s.url for s in card.source_of("debut_date")] == [
        "https://en.wikipedia.org/wiki/Red_Velvet_(group)"
    ]
    kara = await store.fetchone(
        "SELECT a.end_date FROM artists a JOIN entities e ON e.id = a.entity_id "
        "WHERE e.key = 'kpopnet:HzmNLakD2uFaV7ECMPiG'"
    )
    assert kara is not None and kara[0] is None  # KARA reunited: not stored as disbanded
