"""The vocabulary module agrees with the schema, the catalog README and the importers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.knowledge import ask, vocab
from bot.store import Store

README = Path(__file__).resolve().parents[2] / "data" / "catalog" / "README.md"

# (table, column) -> the vocabulary its CHECK (column IN (...)) must list exactly.
CHECKED = {
    ("entities", "kind"): vocab.ENTITY_KINDS,
    ("artists", "kind"): vocab.ARTIST_KINDS,
    ("releases", "type"): tuple(t.key for t in vocab.RELEASE_TYPES),
    ("videos", "kind"): vocab.VIDEO_KINDS,
    ("credits", "confidence"): vocab.CONFIDENCE_KEYS,
    ("entity_references", "status"): vocab.STATUS_KEYS,
    ("artist_works", "role"): vocab.LINK_ROLES,
    ("names", "type"): vocab.NAME_TYPES,
}

# (README section, key) -> the vocabulary the row must list exactly.
DOCUMENTED = {
    ("artist", "kind"): vocab.ARTIST_KINDS,
    ("release", "type"): vocab.CATALOG_RELEASE_TYPES,
    ("video", "kind"): vocab.VIDEO_KINDS,
    ("credit", "role"): vocab.CATALOG_ROLES,
    ("work", "kind"): vocab.WORK_KINDS,
    ("reference", "relation"): vocab.RELATION_KEYS,
    ("reference", "status"): vocab.CATALOG_STATUS_KEYS,
    ("link", "role"): vocab.LINK_ROLES,
}


def _check_values(create_sql: str, column: str) -> tuple[str, ...]:
    match = re.search(rf"\b{column}\b[^,]*?CHECK \({column} IN \(([^)]*)\)\)", create_sql)
    assert match, f"no CHECK on {column}"
    return tuple(re.findall(r"'([^']*)'", match.group(1)))


def _readme_row(section: str, key: str) -> tuple[str, ...]:
    text = README.read_text("utf-8")
    start = text.index(f"## `[[{section}]]`")
    end = text.find("\n## ", start + 1)
    for line in text[start : end if end > 0 else None].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == key:
            # A value named twice ("default `A`") counts once.
            return tuple(dict.fromkeys(re.findall(r"`([^`]+)`", cells[-1])))
    raise AssertionError(f"README has no {key!r} row under [[{section}]]")


async def test_sql_checks_list_exactly_the_vocabulary(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "v.db") as store:
        for (table, column), expected in CHECKED.items():
            row = await store.fetchone("SELECT sql FROM sqlite_master WHERE name = ?", (table,))
            assert row is not None, table
            assert _check_values(row["sql"], column) == expected, (table, column)


@pytest.mark.parametrize(("section", "key"), sorted(DOCUMENTED))
def test_catalog_readme_lists_exactly_the_vocabulary(section: str, key: str) -> None:
    assert _readme_row(section, key) == DOCUMENTED[(section, key)]


def test_catalog_readme_lists_the_alias_types() -> None:
    text = README.read_text("utf-8")
    listed = re.search(r"\(types: ([^)]*)\)", text)
    assert listed is not None
    assert tuple(re.findall(r"`([^`]+)`", listed.group(1))) == vocab.NAME_TYPES


def test_every_musicbrainz_mapping_lands_on_a_known_value() -> None:
    assert set(vocab.MUSICBRAINZ_ROLES.values()) <= set(vocab.ROLE)
    assert set(vocab.MUSICBRAINZ_RELEASE_TYPES.values()) <= set(vocab.RELEASE_TYPE)
    assert set(vocab.MUSICBRAINZ_ARTIST_KINDS.values()) <= set(vocab.ARTIST_KINDS)
    assert set(vocab.MUSICBRAINZ_NAME_TYPES.values()) <= set(vocab.NAME_TYPES)


def test_roles_offered_to_members_are_roles_the_catalog_accepts() -> None:
    # A role a member may suggest must be one a catalog file may also state.
    assert set(vocab.CHOICE_ROLES) <= set(vocab.CATALOG_ROLES)
    assert len(vocab.CHOICE_ROLES) <= 25  # Discord's limit on choices
    assert len({r.key for r in vocab.ROLES}) == len(vocab.ROLES)


def test_every_role_ask_understands_is_in_the_vocabulary() -> None:
    asked = {role for intent in ask.INTENTS for role in intent.roles}
    assert asked
    assert asked <= set(vocab.ROLE)


def test_writing_of_known_and_unknown_values() -> None:
    assert vocab.role_title("mv director") == "MV director"
    assert vocab.role_title("mastering") == "Mastering"
    assert vocab.role_phrase("composer") == "music"
    assert vocab.role_verb("lyricist") == "wrote lyrics for"
    assert vocab.role_verb("mastering") == "mastering"
    assert vocab.grade_note("primary") == ""
    assert vocab.grade_note("press") == " (press)"
    assert vocab.release_type_title("ep") == "EP / mini album"
    assert vocab.release_type_title("mixtape") == "mixtape"


def test_roles_sort_in_display_order_then_by_name() -> None:
    roles = ["vocalist", "composer", "zither", "performer", "conductor", "mv cast"]
    assert sorted(roles, key=vocab.role_sort_key) == [
        "performer",
        "composer",
        "mv cast",
        "conductor",
        "vocalist",
        "zither",
    ]
