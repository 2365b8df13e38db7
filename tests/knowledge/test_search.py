"""The resolver: any script, spacing, punctuation, typos, ranking, labels, and safe FTS input."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.errors import NotFoundError
from bot.knowledge.entities import EntityKey
from bot.knowledge.normalize import normalize
from bot.knowledge.search import AmbiguousError, resolve, resolve_one
from bot.store import Store
from bot.store import catalog as db
from bot.store.catalog.rows import (
    ENTITY_KINDS,
    band_of,
    kind_code_sql,
    kind_codes,
    name_search_rowid,
)
from tests.support.backends import BACKENDS
from tests.support.postgres import (
    database_like,
    drop_database,
    store_like,
)


def _copy(snapshot: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.db"
    shutil.copy(snapshot, target)
    return target


@pytest.fixture(params=BACKENDS)
async def full_store(
    request: pytest.FixtureRequest, _snapshot_db: Path, tmp_path: Path
) -> AsyncIterator[Store]:
    """The catalog snapshot and kpopnet, on SQLite and then on PostgreSQL (the same rows); the
    tests only read it (on PostgreSQL a write fails)."""
    async with store_like(request.param, _snapshot_db, tmp_path, writable=False) as store:
        yield store


@pytest.fixture(params=BACKENDS)
async def writable_store(
    request: pytest.FixtureRequest, _snapshot_db: Path, tmp_path: Path
) -> AsyncIterator[Store]:
    """The same catalog as ``full_store``, in a database of the test's own that it may write."""
    async with store_like(request.param, _snapshot_db, tmp_path, writable=True) as store:
        yield store


async def labels(store: Store, query: str, kinds=None, limit: int = 5) -> list[str]:
    return [m.label for m in await resolve(store, query, kinds, limit=limit)]


@pytest.mark.parametrize(
    ("query", "kinds", "expected"),
    [
        ("러브 윈즈 올", ["song"], "Love wins all (러브 윈즈 올) — IU"),
        ("러브윈즈올", ["song"], "Love wins all (러브 윈즈 올) — IU"),
        ("lovewinsall", ["song"], "Love wins all (러브 윈즈 올) — IU"),
        ("LOVE WINS ALL", ["song"], "Love wins all (러브 윈즈 올) — IU"),
        ("love-wins-all!", ["song"], "Love wins all (러브 윈즈 올) — IU"),
        ("아이유", None, "IU — South Korean singer-songwriter and actress"),
        ("iu", None, "IU — South Korean singer-songwriter and actress"),
        ("이지은", None, "IU — South Korean singer-songwriter and actress"),
        ("뷔", None, "V (BTS)"),
        ("V", None, "V (BTS)"),
        ("봄날", ["song"], "Spring Day (봄날) — BTS"),
        ("Taehyung", None, "V (BTS)"),
        ("Tae-hyung", None, "V (BTS)"),
        ("tae hyung", None, "V (BTS)"),
        ("김태형", None, "V (BTS)"),
        ("Tahyung", None, "V (BTS)"),
        ("Bluming", None, "Blueming (블루밍) — IU"),
        ("Spring Dya", ["song"], "Spring Day (봄날) — BTS"),
        ("blood sweat and tears", ["song"], "Blood Sweat & Tears (피 땀 눈물) — BTS"),
        ("피땀눈물", ["song"], "Blood Sweat & Tears (피 땀 눈물) — BTS"),
        ("Personnes", None, "No Man's Land — Christian Boltanski (installation, 2010)"),
        ("Uhm Tae-hwa", None, "Um Tae-hwa — film director (Concrete Utopia)"),
        ("방탄", None, "BTS"),
    ],
)
async def test_finds_names_in_any_form(full_store: Store, query, kinds, expected) -> None:
    found = await labels(full_store, query, kinds)
    assert found and found[0] == expected, found


async def test_ranking_exact_then_prefix_then_substring(full_store: Store) -> None:
    results = await resolve(full_store, "Spring Day")
    tiers = [m.tier for m in results]
    assert tiers == sorted(tiers, key=["id", "exact", "prefix", "substring", "fuzzy"].index)
    assert results[0].kind == "song" and results[0].tier == "exact"
    assert any(m.kind == "video" for m in results)


async def test_labels_tell_same_names_apart_and_fit_autocomplete(full_store: Store) -> None:
    results = await resolve(full_store, "Jieun", ["artist"], limit=25)
    exact = [m.label for m in results if m.tier == "exact"]
    assert len(exact) >= 3
    assert len(set(exact)) == len(exact)
    assert all("(" in label for label in exact)
    every = await resolve(full_store, "a", limit=25)
    assert every and all(len(m.label) <= 100 for m in every)


async def test_values_round_trip(full_store: Store) -> None:
    first = (await resolve(full_store, "Love wins all", ["song"]))[0]
    assert first.value.startswith("song:")
    assert EntityKey.parse(first.value) == EntityKey("song", first.id)
    again = await resolve_one(full_store, first.value)
    assert again.id == first.id and again.tier == "id"
    assert await resolve(full_store, first.value, ["artist"]) == []
    with pytest.raises(NotFoundError):
        await resolve_one(full_store, "song:999999")


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "'",
        "AND",
        "OR NOT",
        "NEAR(a b)",
        "*",
        "a*",
        "-",
        "-x",
        "^",
        "^start",
        "()",
        "(",
        ")",
        "",
        "   ",
        "col:val",
        "\\",
        "%",
        "_",
        "'; DROP TABLE names; --",
        "😀",
        "ㄱ",
    ],
)
async def test_fts_syntax_in_user_text_never_raises(full_store: Store, query: str) -> None:
    results = await resolve(full_store, query)
    assert isinstance(results, list)
    assert await full_store.fetchone("SELECT count(*) FROM names") is not None


async def test_resolve_one_picks_unambiguous(full_store: Store) -> None:
    assert (await resolve_one(full_store, "Um Tae-hwa")).name == "Um Tae-hwa"
    assert (await resolve_one(full_store, "Love wins all", ["song"])).kind == "song"
    typo = await resolve_one(full_store, "Bluming", accept_typo=True)
    assert typo.name == "Blueming" and typo.tier == "fuzzy"


async def test_resolve_one_raises_ambiguous_with_candidates(full_store: Store) -> None:
    with pytest.raises(AmbiguousError) as caught:
        await resolve_one(full_store, "Jieun", ["artist"])
    assert len(caught.value.candidates) >= 3
    assert "could mean" in str(caught.value)


async def test_resolve_one_not_found_suggests(full_store: Store) -> None:
    with pytest.raises(NotFoundError) as caught:
        await resolve_one(full_store, "Sprung Dai Xyz", ["song"])
    assert "No song called" in str(caught.value)
    with pytest.raises(NotFoundError):
        await resolve_one(full_store, "zzqqxx")


async def test_kind_filter(full_store: Store) -> None:
    results = await resolve(full_store, "Love wins all", ["video"])
    assert results and all(m.kind == "video" for m in results)
    with pytest.raises(ValueError):
        await resolve(full_store, "x", ["planet"])


# ------------------------------------------------------------------------------ typos
async def test_a_swapped_pair_of_letters_is_one_edit(bundled_store: Store) -> None:
    found = await resolve(bundled_store, "Twcie", ["artist"])
    assert found and found[0].name == "TWICE" and found[0].tier == "fuzzy"
    assert found[0].score == pytest.approx(0.8)  # OSA: one edit in five letters
    match = await resolve_one(bundled_store, "Twcie", ["artist"], accept_typo=True)
    assert match.name == "TWICE" and match.tier == "fuzzy"


async def test_a_typo_is_never_accepted_unless_the_caller_says_so(bundled_store: Store) -> None:
    with pytest.raises(NotFoundError) as caught:
        await resolve_one(bundled_store, "Twcie", ["artist"])
    assert any("TWICE" in s for s in caught.value.suggestions)


async def test_a_short_misspelt_name_still_gets_its_suggestion(bundled_store: Store) -> None:
    # "Suga" missing a letter: too short for trigrams, still suggested, never accepted.
    found = await resolve(bundled_store, "Sga", ["artist"], limit=5)
    assert any(m.name == "Suga" for m in found)
    with pytest.raises(NotFoundError) as caught:
        await resolve_one(bundled_store, "Sga", ["artist"], accept_typo=True)
    assert any(s.startswith("Suga") for s in caught.value.suggestions)


async def test_equally_close_spellings_of_one_name_ask_which(bundled_store: Store) -> None:
    with pytest.raises(AmbiguousError) as caught:
        await resolve_one(bundled_store, "Ditot", ["song", "release"], accept_typo=True)
    assert {c.kind for c in caught.value.candidates} == {"song", "release"}


async def test_a_long_substring_occurs_whole(writable_store: Store) -> None:
    # A long phrase is looked up by a few of its trigrams on SQLite, then kept only where it
    # occurs whole: "Phone Melo Lod" holds "pho", "nem", "elo" and "lod", not "phonemelod".
    async with writable_store.transaction() as conn:
        for key, name in (("t:whole", "Xylophone Melody"), ("t:decoy", "Phone Melo Lod")):
            entity_id = await db.upsert_entity(conn, "song", key, "musicbrainz", name)
            await db.upsert_song(conn, entity_id, None)
            row = (entity_id, "song", name, normalize(name), "title", None, True, "musicbrainz")
            await db.add_names(conn, [row], overwrite=False)
    found = await db.names_matching(writable_store, '"phonemelod"', ["song"], 10, ranked=False)
    assert [hit.name for hit in found] == ["Xylophone Melody"]
    assert [m.name for m in await resolve(writable_store, "phonemelod", ["song"])][:1] == [
        "Xylophone Melody"
    ]


async def test_a_phrase_among_kinds_is_the_window_of_its_matches(writable_store: Store) -> None:
    # Of the first window (ten times the limit) of names holding the phrase, in id order, the
    # first ``limit`` of the kinds asked for; on SQLite the kinds are read from the FTS5 index
    # (migration 0025), not from each match's row. Twelve artists named "Qzw…" come before a
    # song and a work so named: a limit of 1 (a window of 10) finds neither, one of 3 both.
    async with writable_store.transaction() as conn:
        for i, kind in enumerate(["artist"] * 12 + ["song", "work"]):
            name = f"Qzw {kind} {i}"
            entity_id = await db.upsert_entity(conn, kind, f"t:qzw{i}", "musicbrainz", name)
            row = (entity_id, kind, name, normalize(name), "title", None, True, "musicbrainz")
            await db.add_names(conn, [row], overwrite=False)
    found = cut = 0
    for phrase in ("qzw", "lov", "eon", "twic", "sarang"):
        matches = await writable_store.fetchall(
            "SELECT entity_id, norm, kind FROM names WHERE norm LIKE ? ORDER BY id",
            (f"%{phrase}%",),
        )
        for kinds in (["song"], ["artist"], ["work"], ["artist", "release"], ["song", "work"]):
            for limit in (1, 3, 150):
                window = [r for r in matches[: limit * 10] if r["kind"] in kinds][:limit]
                cut += len(window) < min(limit, sum(r["kind"] in kinds for r in matches))
                hits = await db.names_matching(
                    writable_store, f'"{phrase}"', kinds, limit, ranked=False
                )
                want = [(r["entity_id"], r["norm"]) for r in window]
                assert [(hit.entity_id, hit.norm) for hit in hits] == want, (phrase, kinds, limit)
                found += len(hits)
    assert found > 0 and cut > 0


async def test_a_ranked_match_among_kinds_is_of_those_kinds(full_store: Store) -> None:
    # The ranked read (bm25 on SQLite) keeps its kind filter too, read from the rowids there.
    every = await db.names_matching(full_store, '"lov"', None, 50, ranked=True)
    assert {hit.kind for hit in every} >= {"artist", "song"}
    for kinds in (["song"], ["artist", "video"]):
        found = await db.names_matching(full_store, '"lov"', kinds, 50, ranked=True)
        assert found and {hit.kind for hit in found} <= set(kinds)
        assert all("lov" in hit.norm for hit in found)


async def test_the_trigram_index_keys_each_name_by_id_and_kind(writable_store: Store) -> None:
    # SQLite's FTS5 rowids are id << 3 | the kind's code (migration 0025): inserted, re-kinded
    # and deleted names keep them in step; the migration's CASE is kind_code_sql's.
    async with writable_store.transaction() as conn:
        entity_id = await db.upsert_entity(conn, "song", "t:qzx", "musicbrainz", "Qzxv Melody")
        await db.upsert_song(conn, entity_id, None)
        row = (entity_id, "song", "Qzxv Melody", "qzxvmelody", "title", None, True, "musicbrainz")
        await db.add_names(conn, [row], overwrite=False)
    sqlite = not writable_store.dialect.is_postgres

    async def ids(kinds: list[str]) -> list[int]:
        hits = await db.names_matching(writable_store, '"qzxv"', kinds, 5, ranked=False)
        return [hit.entity_id for hit in hits]

    async def keys() -> list[int]:
        if not sqlite:
            return []
        rows = await writable_store.fetchall(
            "SELECT rowid FROM names_fts WHERE names_fts MATCH ?", ('"qzxv"',)
        )
        return [int(r[0]) for r in rows]

    name = await writable_store.fetchone("SELECT id FROM names WHERE entity_id = ?", (entity_id,))
    assert name is not None
    assert await ids(["song"]) == [entity_id] and await ids(["artist"]) == []
    assert await keys() == ([name_search_rowid(int(name["id"]), "song")] if sqlite else [])
    async with writable_store.transaction() as conn:
        await conn.execute("UPDATE names SET kind = 'video' WHERE entity_id = ?", (entity_id,))
    assert await ids(["song"]) == [] and await ids(["video", "work"]) == [entity_id]
    assert await keys() == ([name_search_rowid(int(name["id"]), "video")] if sqlite else [])
    async with writable_store.transaction() as conn:
        await conn.execute("DELETE FROM names WHERE entity_id = ?", (entity_id,))
    assert await ids(["video"]) == [] and await keys() == []
    if sqlite:
        await writable_store.execute("INSERT INTO names_fts (names_fts) VALUES ('integrity-check')")
        for code, kind in enumerate(ENTITY_KINDS):
            same = await writable_store.fetchone(f"SELECT {kind_code_sql('?')} AS c", (kind,))
            assert same is not None and same["c"] == code == kind_codes([kind])[0]


@pytest.mark.parametrize(
    "grams",
    [
        ["lov", "ove", "vew", "win"],
        ["lov", "ove", "ved", "edi", "div", "ive"],
        ["twi", "wic"],
        ["ove", "hea", "ear"],
        ["tae", "aeh", "ehy", "hyu", "yun"],
    ],
)
async def test_names_sharing_two_trigrams_are_the_pairs_matches(
    full_store: Store, grams: list[str]
) -> None:
    # The typo step asks for names holding two of some trigrams; on SQLite by halves of the
    # list, not by every pair: the same names, in the same order, as every pair ORed.
    pairs = " OR ".join(f'("{a}" AND "{b}")' for i, a in enumerate(grams) for b in grams[i + 1 :])
    found = 0
    for kinds in (None, ["song"], ["artist", "release"]):
        for limit in (3, 150):
            shared = await db.names_sharing_two(full_store, grams, kinds, limit)
            by_pairs = await db.names_matching(full_store, pairs, kinds, limit, ranked=False)
            assert shared == by_pairs, (grams, kinds, limit)
            for hit in shared:
                assert sum(gram in hit.norm for gram in grams) >= 2, hit
                assert kinds is None or hit.kind in kinds
            found += len(shared)
    assert found > 0


async def test_band_reads_read_the_band_indexes_alone(_snapshot_db: Path, tmp_path: Path) -> None:
    # SQLite never reads an index holding the virtual band column alone: its band indexes are
    # on the band's expression (migration 0023), which the reads must spell as band_of does.
    async with Store.open(_copy(_snapshot_db, tmp_path)) as store:
        wrong = await store.fetchone(
            f"SELECT count(*) AS n, sum(n.band = {band_of(store.dialect)}) AS same FROM names n"
        )
        assert wrong is not None and wrong["n"] > 1000 and wrong["same"] == wrong["n"]
        reads = []
        for kinds in (None, ["song"], ["artist", "release"]):
            async with store.statements() as seen:
                await db.names_exact(store, "twice", kinds, 10)
                await db.names_prefix(store, "lo", kinds, 10)
                await db.names_prefix(store, "ㅂㄴ", kinds, 10, form="jamo", include_equal=True)
                await db.names_prefix(store, "ㅂㄴ", kinds, 10, form="choseong", include_equal=True)
                await db.names_near_length(store, "s", 3, 4, kinds, 10)
            for sql in seen:
                plan = [str(r[3]) for r in await store.fetchall(f"EXPLAIN QUERY PLAN {sql}")]
                reads += [step for step in plan if "_band_" in step]
        assert len(reads) == 5 * (1 + 1 + 2)  # each read, one index range per kind asked for
        assert all("USING COVERING INDEX" in step for step in reads), reads


# Every form of query the resolver has a path for: exact, prefix, Hangul key by key and by
# initial consonants, substring, typo (trigram pairs), swapped letters, short typos, FTS syntax.
SAME_ON_BOTH = [
    "Love wins all",
    "lovewi",
    "러브",
    "봄ㄴ",
    "ㅂㄴ",
    "iu",
    "V",
    "Taehyung",
    "Tahyung",
    "Bluming",
    "Spring Dya",
    "twcie",
    "Sga",
    "ins all",
    "ovewinsal",
    "next level",
    "Ditto",
    "jisoo",
    "kim",
    "a",
    "on",
    'love" OR "x',
    "NEAR(a b)",
    "블루",
    "아이유",
    "Eight",
    "the",
]


@pytest.mark.postgres
async def test_postgres_ranks_exactly_as_sqlite(_snapshot_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    shutil.copy(_snapshot_db, target)
    url = await database_like(_snapshot_db)
    try:
        found = 0
        async with Store.open(target) as lite, Store.open(url) as pg:
            for query in SAME_ON_BOTH:
                for kinds in (None, ["song"], ["artist"]):
                    on_sqlite = await resolve(lite, query, kinds, limit=25)
                    on_postgres = await resolve(pg, query, kinds, limit=25)
                    assert on_postgres == on_sqlite, (query, kinds)
                    found += len(on_sqlite)
        assert found > 5 * len(SAME_ON_BOTH)  # the queries find things, in the same order
    finally:
        await drop_database(url)


@pytest.mark.parametrize("unknown", [0, 5, 300, 450])
async def test_exact_names_of_many_forms_in_one_lookup(full_store: Store, unknown: int) -> None:
    # /ask looks every word span of a question up at once: up to 400 forms, padded to a
    # power of two but never past SQLite's 500 terms in one compound statement.
    forms = ["lovewinsall", *(f"nosuchname{i}" for i in range(unknown)), "봄날"]
    hits = await db.names_exact_many(full_store, forms, ["song"], 10, per_form=5)
    looked_up = {"lovewinsall", "봄날"} if len(forms) <= 400 else {"lovewinsall"}
    assert {h.norm for h in hits} == looked_up
    assert {(h.norm, h.entity_name) for h in hits} >= {("lovewinsall", "Love wins all")}
    assert all(h.kind == "song" for h in hits)
    assert hits[0].norm == "lovewinsall"  # the longest form first
