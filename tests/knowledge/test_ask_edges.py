"""/ask over every edge of the bundled catalog: generated yes/no questions, in English and Korean.

For every performer, featured-artist, credit and video-cast edge between an artist X and a
song Y, the questions "Is X on Y?", "Did X work on Y?" (and "Did X write Y?" for lyricists,
composers and writers) must answer "Yes", naming X's role on Y as itself. "Y 뮤비에 X 나와?"
asks whether X appears in the video: "Yes" for the video's cast, and for every other edge never
"Yes" (a song credit is no appearance), with X's roles named.
For a deterministic sample of artists with no edge to Y, the same questions must never
answer "Yes", and a "No" must name who does hold the relation (the performers, or the
writers). Questions whose names the catalog shares between several entries may ask which
one is meant; they must never answer "No". The counts are printed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot.knowledge.ask import answer
from bot.knowledge.wording import role_title
from bot.store import Store
from tests.support.summaries import SUMMARY

WRITING = ("lyricist", "composer", "writer")
# The word each role is named by in a "Yes" (English, Korean).
ROLE_WORDS = {
    "performer": (("performs", "member of"), ("부른",)),
    "featured artist": (("featured artist",), ("피처링",)),
    "mv cast": (("appears in",), ("출연",)),
}


def role_words(role: str, lang: str) -> tuple[str, ...]:
    """Return the words that name a role in an answer."""
    if role in ROLE_WORDS:
        return ROLE_WORDS[role][0 if lang == "en" else 1]
    return (role_title(role, lang),)


@dataclass(frozen=True)
class Pair:
    """What the store holds between one artist and one song (or release)."""

    artist: str
    artist_id: int
    work: str
    work_id: int
    roles: tuple[str, ...]


async def _pairs(store: Store) -> list[Pair]:
    """Return every (artist, work) pair with an edge, the song a video is of standing for it."""
    rows = await store.fetchall(
        "SELECT a.id AS aid, a.name AS artist, coalesce(v.song_id, c.subject_id) AS wid, "
        "c.role AS role FROM credits c JOIN entities a ON a.id = c.artist_id "
        "LEFT JOIN videos v ON v.entity_id = c.subject_id "
        "UNION ALL SELECT a.id, a.name, p.subject_id, 'performer' FROM performers p "
        "JOIN entities a ON a.id = p.artist_id"
    )
    names = {
        int(r["id"]): r["name"]
        for r in await store.fetchall(
            "SELECT id, name FROM entities WHERE kind IN ('song', 'release')"
        )
    }
    roles: dict[tuple[int, int], set[str]] = defaultdict(set)
    artists: dict[int, str] = {}
    for r in rows:
        roles[(int(r["aid"]), int(r["wid"]))].add(r["role"])
        artists[int(r["aid"])] = r["artist"]
    return [
        Pair(artists[aid], aid, names[wid], wid, tuple(sorted(rs)))
        for (aid, wid), rs in sorted(roles.items())
        if wid in names
    ]


APPEARS = "{y} 뮤비에 {x} 나와?"  # an appearance in the video: a yes only for its cast


def _questions(pair: Pair) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return (question, language, roles it must name) for one pair."""
    x, y = pair.artist, pair.work
    out = [
        (f"Is {x} on {y}?", "en", pair.roles),
        (f"Did {x} work on {y}?", "en", pair.roles),
        (APPEARS.format(y=y, x=x), "ko", pair.roles),
    ]
    writing = tuple(r for r in pair.roles if r in WRITING)
    if writing:
        out.append((f"Did {x} write {y}?", "en", writing))
    return out


async def _notes_naming(store: Store, pair: Pair) -> list[str]:
    """Return the reference notes of the song's videos that name the artist as written."""
    rows = await store.fetchall(
        "SELECT r.note AS note FROM entity_references r JOIN videos v ON v.entity_id = r.from_id "
        "WHERE v.song_id = ? AND r.note IS NOT NULL ORDER BY r.id",
        (pair.work_id,),
    )
    return [r["note"] for r in rows if pair.artist in r["note"]]


async def _in_performing_group(store: Store, pair: Pair) -> bool:
    """Tell whether the artist is a member of a group that performs the work."""
    row = await store.fetchone(
        "SELECT 1 FROM memberships m JOIN performers p ON p.artist_id = m.group_id "
        "WHERE m.person_id = ? AND p.subject_id = ?",
        (pair.artist_id, pair.work_id),
    )
    return row is not None


@pytest.fixture
async def pairs(bundled_store: Store) -> list[Pair]:
    return await _pairs(bundled_store)


async def test_every_edge_answers_yes_with_its_role(
    bundled_store: Store,
    pairs: list[Pair],
    record_property: Callable[[str, object], None],
) -> None:
    counts: Counter[str] = Counter()
    wrong: list[str] = []
    for pair in pairs:
        for question, lang, roles in _questions(pair):
            result = await answer(bundled_store, question)
            text = result.text
            yes = "Yes — " if lang == "en" else "네 — "
            no = ("No — ", "아니요 — ")
            if not result.answered and result.choices:
                counts["asked which one (a shared name)"] += 1
                continue
            if question == APPEARS.format(y=pair.work, x=pair.artist):
                # A "yes" only as the video's cast (a song and its single share the question);
                # otherwise a "no" (the cast is stored and X is not in it) or "I don't know",
                # naming X's roles on the song. Never a "yes" from a song credit.
                cast = role_words("mv cast", lang)
                if text.startswith(yes):
                    if any(w in text for w in cast) and result.sources:
                        counts["yes (ko, in the video's cast)"] += 1
                    elif (
                        "performer" in roles or await _in_performing_group(bundled_store, pair)
                    ) and any(n in text for n in await _notes_naming(bundled_store, pair)):
                        # No cast list, but a note on the video's references names the
                        # performer: the yes quotes it.
                        counts["yes (ko, a performer a video note names)"] += 1
                    else:
                        wrong.append(f"appearance from a song credit: {question!r} -> {text!r}")
                elif "mv cast" in roles:
                    wrong.append(f"cast, not a yes: {question!r} -> {text!r}")
                elif all(any(w in text for w in role_words(r, lang)) for r in roles):
                    counts["ko appearance, not in the cast: roles named, no yes"] += 1
                else:
                    wrong.append(f"appearance, roles not named: {question!r} -> {text!r}")
                continue
            if text.startswith(no):
                wrong.append(f"false No: {question!r} -> {text!r}")
                continue
            if not text.startswith(yes):
                wrong.append(f"not Yes: {question!r} -> {text!r}")
                continue
            missing = [r for r in roles if not any(w in text for w in role_words(r, lang))]
            if missing:
                wrong.append(f"role not named {missing}: {question!r} -> {text!r}")
                continue
            assert result.sources, question
            counts[f"yes ({lang})"] += 1
    record_property(
        SUMMARY,
        f"/ask edges: {len(pairs)} artist-work pairs; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        + f"; wrong: {len(wrong)}",
    )
    assert not wrong, "\n".join(wrong[:40])
    assert counts["yes (en)"] >= 2 * len(pairs) * 0.9


async def test_non_edges_are_never_yes_and_no_names_the_truth(
    bundled_store: Store,
    pairs: list[Pair],
    record_property: Callable[[str, object], None],
) -> None:
    # A song and the single named after it are one work to a question: group by the name.
    by_work: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_work[p.work.casefold()].append(p)
    artists = sorted({(p.artist, p.artist_id) for p in pairs}, key=lambda a: (a[0], a[1]))
    counts: Counter[str] = Counter()
    wrong: list[str] = []
    for index, (_, held) in enumerate(sorted(by_work.items())):
        tied = {p.artist_id for p in held}
        performers = sorted({p.artist for p in held if "performer" in p.roles})
        writers = sorted({p.artist for p in held if set(p.roles) & set(WRITING)})
        if not performers:
            continue
        # A deterministic sample: three artists with no edge to this work.
        strangers = [a for a in artists if a[1] not in tied]
        sample = [strangers[(index * 7 + k * 13) % len(strangers)] for k in range(3)]
        work = held[0].work
        for name, _ in sample:
            questions = [
                (f"Is {name} on {work}?", performers),
                (f"{work} 뮤비에 {name} 나와?", performers),
            ]
            if writers:
                questions.append((f"Did {name} write {work}?", writers))
            for question, truth in questions:
                result = await answer(bundled_store, question)
                text = result.text
                if text.startswith(("Yes — ", "네 — ")):
                    # A stranger by name may be a member of the performing group: then true.
                    if "member of" in text or "멤버" in text:
                        counts["yes through a group"] += 1
                        continue
                    wrong.append(f"false Yes: {question!r} -> {text!r}")
                elif text.startswith(("No — ", "아니요 — ")):
                    if not any(t in text for t in truth):
                        wrong.append(f"No without the truth {truth}: {question!r} -> {text!r}")
                    else:
                        counts["no, naming the truth"] += 1
                else:
                    counts["not answered yes or no"] += 1
    record_property(
        SUMMARY,
        "/ask non-edges: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        + f"; wrong: {len(wrong)}",
    )
    assert not wrong, "\n".join(wrong[:40])
    assert counts["no, naming the truth"] > 100
