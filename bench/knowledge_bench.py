"""Knowledge layer figures: catalog import, database size, autocomplete and /ask latency.

Builds a database with the bundled catalog, kpopnet and a synthetic catalog of ``--songs``
songs (see knowledge_generate.py), then, in process and without Discord:

- autocomplete: ``search.resolve(store, q, kinds, limit=25)`` over a mix of prefixes (1-6
  characters), whole names, Hangul, typos, spacing and case variants, substrings, queries
  that match nothing, "kind:id" values and real names from the bundled catalog;
- /ask: ``ask.answer(store, question)`` over answerable and declined questions, in English
  and Korean, about synthetic and real entries.

Run: .venv/bin/python -m bench.knowledge_bench --songs 100000 [--mode toml|bulk]
     .venv/bin/python -m bench.knowledge_bench --db /tmp/kb.db --reuse   (skip the build)
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import math
import os
import platform
import pstats
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.knowledge_generate import (
    BuildStats,
    build,
    count_all,
    db_size,
    describe,
    random_syllable,
)
from bot.core.hangul import choseong_form
from bot.knowledge import ask, search
from bot.knowledge.normalize import has_hangul
from bot.store import Store

# The kinds the cogs ask autocomplete for (None: the ask engine's fallback, any kind).
KIND_SETS: tuple[tuple[tuple[str, ...] | None, int], ...] = (
    (("song", "release", "video"), 30),  # /credits
    (("artist",), 25),  # /artist, /works, /config follow
    (("release", "song"), 20),  # /release, /discuss
    (("song", "video", "release", "work"), 15),  # /references
    (None, 10),
)
# Names from the bundled catalog, as people type them (tests/knowledge/test_search.py).
REAL_QUERIES = (
    "Love wins all", "러브 윈즈 올", "러브윈즈올", "lovewinsall", "LOVE WINS ALL", "love-wins-all!",
    "아이유", "iu", "이지은", "뷔", "V", "봄날", "Taehyung", "Tae-hyung", "tae hyung", "김태형",
    "Tahyung", "Bluming", "Spring Dya", "blood sweat and tears", "피땀눈물", "Personnes",
    "Uhm Tae-hwa", "방탄", "BTS", "Blackpink", "aespa", "Next Level", "Supernova", "Palette",
    "Fantastic Baby", "Jieun", "Dynamite", "Seo Dong-hwan", "Pdogg", "NewJeans", "Ditto",
    "Seventeen", "Twice", "Red Velvet",
)  # fmt: skip
# Questions about the bundled catalog (tests/knowledge/ask_cases.toml), both outcomes.
REAL_QUESTIONS = (
    "Who directed the Love wins all music video?", "Love wins all 뮤비 감독 누구야?",
    "러브 윈즈 올 뮤직비디오 감독은?", "Who directed Spring Day?", "봄날 뮤비 감독",
    "Who directed Sprung Day?", "Who wrote Spring Day?", "봄날 작사가 누구야?",
    "Who composed Love wins all?", "러브윈즈올 작곡가 누구야", "who penned palette",
    "Who produced Spring Day?", "Who is featured on Love wins all?", "팔레트 피처링",
    "Who appears in the Love wins all MV?", "When was Love wins all released?",
    "봄날 언제 나왔어?", "What album is Spring Day on?", "봄날 수록 앨범",
    "What does the Love wins all MV reference?", "러브 윈즈 올 오마주",
    "What references Omelas?", "What did Pdogg produce?", "엄태화 감독 작품",
    "Who is in BTS?", "방탄소년단 멤버", "When is V's birthday?", "뷔 생일",
    "아이유 생일이 언제야?", "When did BTS debut?", "What is IU's agency?",
    "How long is Love wins all?", "Which reviews discuss Love wins all?",
    "What is the meaning of life?", "Who directed Dynamite by Plastic Ghosts?",
    "Who wrote Gangnam Style?", "who directed xqzzy vlorp", "Members of Seo Dong-hwan",
    # Shapes of /ask v2: checks, premises, two hops, several parts, Discord style, typos.
    "Did Choi Yong-seok direct the Love wins all MV?", "지효가 트와이스 리더야?",
    "Who directed TWICE's Spring Day?", "Who directed the video that references No Man's Land?",
    "Which BLACKPINK member wrote Lovesick Girls?", "How old was IU when Palette came out?",
    "Who directed Spring Day and when did it come out?", "TWICE FANCY DIRECTOR",
    "when is jihyos bday pls 🙏", "twcie members", "bomnal director", "who directd spring day",
)  # fmt: skip
SANITY = (
    ("Love wins all", ("song", "release", "video")),
    ("러브 윈즈 올", ("song",)),
    ("봄날", ("song",)),
    ("뷔", None),
    ("iu", ("artist",)),
    ("Spring Dya", ("song",)),
    ("Next Level", ("song",)),
    ("봄", ("song", "release", "video")),
    ("봄ㄴ", ("song", "release", "video")),
    ("봄나", ("song", "release", "video")),
    ("ㅂㄴ", ("song", "release", "video")),
)
SANITY_QUESTIONS = (
    "Who directed the Love wins all music video?",
    "봄날 작사가 누구야?",
    "When is V's birthday?",
)
KEYBOARD_NEIGHBOURS = {
    a: b
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for a, b in zip(row, row[1:] + row[-2], strict=True)
}


# ------------------------------------------------------------------------------ sampling
# Keys the generator gives its entries (sa1, ss12, sr3, sv4, sw5): synthetic, whatever origin
# the build mode gives them (bulk entries stand for imported data, TOML ones are curated).
SYNTHETIC_KEY = re.compile(r"^s[arsvw][0-9]")
SYNTHETIC_GLOB = "'s[arsvw][0-9]*'"


@dataclass(frozen=True, slots=True)
class NameSample:
    entity_id: int
    kind: str
    name: str


async def sample_names(
    store: Store, rng: random.Random, n: int, synthetic: bool
) -> list[NameSample]:
    """Return ``n`` random names (by random row id), of synthetic or of real entities."""
    row = await store.fetchone("SELECT max(id) FROM names")
    top = int(row[0] or 0)
    out: list[NameSample] = []
    tries = 0
    while len(out) < n and tries < 50:
        tries += 1
        ids = [rng.randint(1, top) for _ in range(max(50, (n - len(out)) * 2))]
        marks = ",".join("?" * len(ids))
        rows = await store.fetchall(
            "SELECT n.entity_id, n.kind, n.name, e.key FROM names n "
            f"JOIN entities e ON e.id = n.entity_id WHERE n.id IN ({marks})",
            ids,
        )
        for r in rows:
            if bool(SYNTHETIC_KEY.match(str(r[3]))) == synthetic:
                out.append(NameSample(int(r[0]), str(r[1]), str(r[2])))
    rng.shuffle(out)
    return out[:n]


async def sample_entities(
    store: Store, rng: random.Random, kind: str, n: int, where: str = ""
) -> list[tuple[int, str, str | None]]:
    """Return ``n`` random synthetic entities of a kind as (id, name, hangul)."""
    row = await store.fetchone(
        f"SELECT min(id), max(id) FROM entities WHERE kind = ? AND key GLOB {SYNTHETIC_GLOB}",
        (kind,),
    )
    if row is None or row[0] is None:
        return []
    low, high = int(row[0]), int(row[1])
    out: list[tuple[int, str, str | None]] = []
    for _ in range(20):
        ids = [rng.randint(low, high) for _ in range(n * 3)]
        rows = await store.fetchall(
            f"SELECT e.id, e.name, e.hangul FROM entities e WHERE e.kind = ? "
            f"AND e.id IN ({','.join('?' * len(ids))}){where}",
            (kind, *ids),
        )
        out.extend((int(r[0]), str(r[1]), r[2]) for r in rows)
        if len(out) >= n:
            break
    rng.shuffle(out)
    return out[:n]


def typo(rng: random.Random, text: str) -> str:
    """Make one typing mistake: a neighbouring key, a dropped, doubled or swapped letter."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text + "x"
    i = rng.choice(letters[1:-1])
    ch = text[i]
    kind = rng.randrange(4)
    if kind == 0:
        swap = KEYBOARD_NEIGHBOURS.get(ch.lower(), "e")
        return text[:i] + (swap.upper() if ch.isupper() else swap) + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + ch + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def spacing(rng: random.Random, text: str) -> str:
    """Write the same name differently: spaces dropped or added, hyphens, case."""
    kind = rng.randrange(5)
    if kind == 0:
        return text.replace(" ", "")
    if kind == 1:
        return text.replace(" ", "-").lower()
    if kind == 2:
        return text.upper()
    if kind == 3 and len(text) > 3:
        i = rng.randint(1, len(text) - 2)
        return text[:i] + " " + text[i:]
    return f"  {text.lower()}!"


def nomatch(rng: random.Random) -> str:
    """Return text that should match nothing (or very little)."""
    kind = rng.randrange(3)
    if kind == 0:
        return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(4, 10)))
    if kind == 1:
        return "".join(random_syllable(rng) for _ in range(rng.randint(3, 5)))
    return rng.choice(("zzqxv blorp", "qwertyuiop", "xqzzy vlorp", "asdfgh", "뷁뷁뷁", "ㅋㅋㅋㅋ"))


def typing_hangul(rng: random.Random, name: str) -> str:
    """Return a Hangul name as seen while typing: a syllable partly typed ("봄ㄴ", "봄나")."""
    syllables = [i for i, ch in enumerate(name) if 0xAC00 <= ord(ch) <= 0xD7A3]
    if len(syllables) < 2:
        return name
    i = rng.choice(syllables[1:])
    code = ord(name[i]) - 0xAC00
    if code % 28 and rng.random() < 0.5:
        return name[:i] + chr(ord(name[i]) - code % 28)  # the syllable without its final
    return name[:i] + "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"[code // (21 * 28)]


def initials(rng: random.Random, name: str) -> str:
    """Return the initial consonants (choseong) of the first two to four syllables of a name."""
    letters = choseong_form("".join(ch for ch in name if 0xAC00 <= ord(ch) <= 0xD7A3)) or "ㅂㄴ"
    return letters[: rng.randint(2, 4)]


def pick_kinds(rng: random.Random) -> tuple[str, ...] | None:
    return rng.choices([k for k, _ in KIND_SETS], weights=[w for _, w in KIND_SETS])[0]


async def autocomplete_queries(
    store: Store, rng: random.Random, n: int
) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """Return (category, query, kinds) in a realistic mix, shuffled."""
    names = await sample_names(store, rng, n * 2, synthetic=True)
    latin = [s for s in names if not has_hangul(s.name)]
    hangul = [s for s in names if has_hangul(s.name)]
    mix = {
        "prefix 1-2": 0.12,
        "prefix 3-6": 0.14,
        "exact": 0.09,
        "hangul": 0.12,
        "hangul typing": 0.06,
        "choseong": 0.05,
        "typo": 0.10,
        "spacing": 0.08,
        "substring": 0.10,
        "no match": 0.08,
        "id": 0.05,
        "real": 0.12,
    }
    out: list[tuple[str, str, tuple[str, ...] | None]] = []
    for category, share in mix.items():
        for _ in range(math.ceil(n * share)):
            s = rng.choice(latin)
            kinds = pick_kinds(rng)
            if category == "prefix 1-2":
                q = s.name[: rng.randint(1, 2)]
            elif category == "prefix 3-6":
                q = s.name[: rng.randint(3, 6)]
            elif category == "exact":
                q = s.name
            elif category == "hangul":
                h = rng.choice(hangul).name
                q = h if rng.random() < 0.5 else h[: rng.randint(1, 3)]
            elif category == "hangul typing":
                q = typing_hangul(rng, rng.choice(hangul).name)
            elif category == "choseong":
                q = initials(rng, rng.choice(hangul).name)
            elif category == "typo":
                q = typo(rng, s.name)
            elif category == "spacing":
                q = spacing(rng, s.name)
            elif category == "substring":
                long = [x for x in latin[:500] if len(x.name) >= 9] or [s]
                name = rng.choice(long).name
                start = rng.randint(1, max(1, len(name) - 5))
                q = name[start : start + rng.randint(4, 7)]
            elif category == "no match":
                q = nomatch(rng)
            elif category == "id":
                q = f"{s.kind}:{s.entity_id}" if rng.random() < 0.9 else "song:99999999"
                kinds = None if rng.random() < 0.5 else (s.kind,)
            else:
                real = rng.choice(REAL_QUERIES)
                q = real if rng.random() < 0.6 else real[: rng.randint(1, max(1, len(real)))]
            out.append((category, q, kinds))
    rng.shuffle(out)
    return out


async def ask_questions(store: Store, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """Return (category, question) pairs: answerable and declined, English and Korean."""
    songs = await sample_entities(store, rng, "song", n)
    releases = await sample_entities(store, rng, "release", n)
    videos = await store.fetchall(
        "SELECT s.name, s.hangul FROM videos v JOIN entities s ON s.id = v.song_id "
        f"WHERE s.key GLOB {SYNTHETIC_GLOB} AND v.entity_id % 97 = ? LIMIT ?",
        (rng.randrange(97), n),
    )
    performers = await sample_entities(
        store, rng, "artist", n, " AND e.id IN (SELECT artist_id FROM performers)"
    )
    groups = await sample_entities(
        store, rng, "artist", n, " AND e.id IN (SELECT group_id FROM memberships)"
    )
    crew = await store.fetchall(
        "SELECT a.name, count(*) AS c FROM credits c JOIN entities a ON a.id = c.artist_id "
        f"WHERE a.key GLOB {SYNTHETIC_GLOB} GROUP BY c.artist_id ORDER BY c DESC LIMIT 200"
    )
    crew_names = [str(r[0]) for r in crew]

    def ko(entity: tuple[int, str, str | None]) -> str:
        return entity[2] or entity[1]

    templates: list[tuple[str, float, Any]] = [
        ("credits (en)", 0.16, lambda: rng.choice((
            "Who wrote {}?", "Who composed {}?", "Who wrote the lyrics of {}?", "Who produced {}?",
            "Who arranged {}?", "who mixed {}",
        )).format(rng.choice(songs)[1])),
        ("credits (ko)", 0.10, lambda: rng.choice((
            "{} 작사가 누구야?", "{} 작곡 누구야?", "{} 편곡", "{} 프로듀서",
        )).format(ko(rng.choice(songs)))),
        ("video (en/ko)", 0.08, lambda: (
            rng.choice(("Who directed the {} video?", "Who is in the {} MV?", "{} 뮤비 감독"))
            .format(str(rng.choice(videos)[0]))
        )),
        ("release", 0.10, lambda: rng.choice((
            "When was {} released?", "What's on {}?", "{} 발매일 언제야?", "What album is {} on?",
        )).format(rng.choice(releases)[1])),
        ("artist", 0.12, lambda: rng.choice((
            "When is {}'s birthday?", "When did {} debut?", "What agency is {} with?",
            "{} 생일 언제야?", "{} 데뷔",
        )).format(rng.choice(performers)[1])),
        ("members", 0.05, lambda: rng.choice(("Who is in {}?", "{} 멤버 누구야?")).format(
            ko(rng.choice(groups)) if rng.random() < 0.3 else rng.choice(groups)[1]
        )),
        ("works of crew", 0.06, lambda: rng.choice((
            "What did {} produce?", "What songs did {} write?", "What has {} composed?",
        )).format(rng.choice(crew_names))),
        ("references", 0.05, lambda: rng.choice((
            "What does the {} MV reference?", "{} 오마주",
        )).format(str(rng.choice(videos)[0]))),
        ("typo name", 0.06, lambda: f"Who wrote {typo(rng, rng.choice(songs)[1])}?"),
        ("unknown name", 0.06, lambda: rng.choice((
            "Who wrote {}?", "{} 작사가 누구야?", "When did {} debut?",
        )).format(nomatch(rng))),
        ("no intent", 0.04, lambda: rng.choice((
            "hello there", "what is the meaning of life?", "tell me about {}", "{}",
        )).format(rng.choice(songs)[1])),
        ("real catalog", 0.12, lambda: rng.choice(REAL_QUESTIONS)),
    ]  # fmt: skip
    out = []
    for category, share, make in templates:
        out.extend((category, make()) for _ in range(math.ceil(n * share)))
    rng.shuffle(out)
    return out


# ------------------------------------------------------------------------------ measuring
def percentile(values: Sequence[float], p: float) -> float:
    """Return the nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else float("nan"),
        "mean": sum(values) / len(values) if values else float("nan"),
    }


async def time_autocomplete(
    store: Store, queries: Sequence[tuple[str, str, tuple[str, ...] | None]]
) -> list[tuple[str, str, tuple[str, ...] | None, float, int]]:
    out = []
    for category, q, kinds in queries:
        t0 = time.perf_counter()
        c0 = time.process_time()
        results = await search.resolve(store, q, kinds, limit=25)
        # CPU time of the process (both threads): what a query costs when the machine is
        # shared and wall time includes waiting for a core.
        QUERY_CPU_MS.append((time.process_time() - c0) * 1000)
        out.append((category, q, kinds, (time.perf_counter() - t0) * 1000, len(results)))
    return out


QUERY_CPU_MS: list[float] = []


async def time_ask(
    store: Store, questions: Sequence[tuple[str, str]]
) -> list[tuple[str, str, float, bool]]:
    out = []
    for category, q in questions:
        t0 = time.perf_counter()
        result = await ask.answer(store, q)
        out.append((category, q, (time.perf_counter() - t0) * 1000, result.answered))
    return out


def table(title: str, rows: dict[str, dict[str, float]], extra: str = "") -> str:
    head = f"{'':24s} {'n':>6s} {'p50':>8s} {'p95':>8s} {'p99':>8s} {'max':>8s}"
    if extra:
        head += f" {extra:>9s}"
    lines = [title, head]
    for name, s in rows.items():
        line = (
            f"{name:24s} {int(s['n']):6d} {s['p50']:8.2f} {s['p95']:8.2f} {s['p99']:8.2f} "
            f"{s['max']:8.2f}"
        )
        if extra:
            line += f" {s.get('extra', float('nan')):9.0%}"
        lines.append(line)
    return "\n".join(lines)


def by_category(
    items: Sequence[tuple[str, float]], flags: Sequence[bool] | None = None
) -> dict[str, dict[str, float]]:
    cats: dict[str, list[float]] = {}
    hits: dict[str, list[bool]] = {}
    for i, (category, ms) in enumerate(items):
        cats.setdefault(category, []).append(ms)
        if flags is not None:
            hits.setdefault(category, []).append(flags[i])
    rows = {"all": summary([ms for _, ms in items])}
    if flags is not None:
        rows["all"]["extra"] = sum(flags) / len(flags)
    for category in sorted(cats):
        rows[category] = summary(cats[category])
        if flags is not None:
            rows[category]["extra"] = sum(hits[category]) / len(hits[category])
    return rows


# ------------------------------------------------------------------------------ main
async def run(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "songs": args.songs,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": f"{platform.machine()}, {_cores()} cores",
    }
    db_path: Path = args.db
    if not args.reuse:
        stats: BuildStats = await build(db_path, args.songs, None, args.mode, args.seed)
        print(describe(stats, db_path))
        figures["build"] = asdict(stats) | {"rows_per_s": stats.rows_per_s}
    figures["db_bytes"] = db_size(db_path)
    gc.collect()

    # A fresh connection, as after a restart; the OS page cache is warm from the build.
    started = time.perf_counter()
    store = await Store.open(db_path)
    figures["open_s"] = time.perf_counter() - started
    try:
        counts = await count_all(store)
        figures["rows"] = counts
        print(
            f"database {db_path}: {figures['db_bytes'] / 2**20:,.0f} MiB, "
            f"{counts['entities']:,} entities, {counts['names']:,} names, "
            f"{counts['credits']:,} credits"
        )
        rng = random.Random(args.seed)
        queries = await autocomplete_queries(store, rng, args.queries)
        questions = await ask_questions(store, rng, args.questions)
        t0 = time.perf_counter()
        await search.resolve(store, "Love wins all", None, limit=25)
        figures["first_query_ms"] = (time.perf_counter() - t0) * 1000
        # Warm up on a separate sample so the first measured queries are not all cold.
        await time_autocomplete(store, (await autocomplete_queries(store, rng, 200))[:200])

        # The machine may be shared: run several rounds, keep the round with the median p99,
        # and show every round's figures, the load average and CPU time per call.
        profiler = cProfile.Profile() if args.profile else None
        auto_rounds, ask_rounds = [], []
        for round_no in range(1, args.rounds + 1):
            load = os.getloadavg()[0]
            if profiler:
                profiler.enable()
            cpu0 = time.process_time()
            auto = await time_autocomplete(store, queries)
            cpu1 = time.process_time()
            asked = await time_ask(store, questions)
            cpu2 = time.process_time()
            if profiler:
                profiler.disable()
            auto_rounds.append((auto, (cpu1 - cpu0) * 1000 / len(auto), load))
            ask_rounds.append((asked, (cpu2 - cpu1) * 1000 / len(asked), load))
            print(
                f"round {round_no}: load {load:.2f}; autocomplete p99 "
                f"{percentile([r[3] for r in auto], 99):.2f} ms; "
                f"ask p99 {percentile([r[2] for r in asked], 99):.2f} ms"
            )
        auto, auto_cpu, _ = _median_round(auto_rounds, 3)
        asked, ask_cpu, _ = _median_round(ask_rounds, 2)
        figures["rounds"] = [
            {
                "load": round(a[2], 2),
                "autocomplete": summary([r[3] for r in a[0]]),
                "autocomplete_cpu_ms": a[1],
                "ask": summary([r[2] for r in b[0]]),
                "ask_cpu_ms": b[1],
            }
            for a, b in zip(auto_rounds, ask_rounds, strict=True)
        ]
        figures["autocomplete_cpu_ms"] = auto_cpu
        figures["ask_cpu_ms"] = ask_cpu

        auto_rows = by_category([(c, ms) for c, _, _, ms, _ in auto])
        ask_rows = by_category([(c, ms) for c, _, ms, _ in asked], [a for *_, a in asked])
        figures["autocomplete"] = auto_rows
        figures["ask"] = ask_rows
        figures["autocomplete_slowest"] = [
            {"q": q, "kinds": kinds, "category": c, "ms": round(ms, 2), "results": n}
            for c, q, kinds, ms, n in sorted(auto, key=lambda r: -r[3])[: args.slowest]
        ]
        figures["ask_slowest"] = [
            {"q": q, "category": c, "ms": round(ms, 2), "answered": a}
            for c, q, ms, a in sorted(asked, key=lambda r: -r[2])[: args.slowest]
        ]
        print()
        print(table(f"autocomplete: search.resolve(limit=25), ms ({len(auto)} queries)", auto_rows))
        print()
        print(table(f"/ask: ask.answer, ms ({len(asked)} questions)", ask_rows, "answered"))
        print()
        print(f"CPU per call (both threads): autocomplete {auto_cpu:.2f} ms, ask {ask_cpu:.2f} ms")
        cpu = summary(QUERY_CPU_MS)
        figures["autocomplete_cpu_per_query"] = cpu
        print(
            f"autocomplete CPU per query, all rounds: p50 {cpu['p50']:.2f} / p95 {cpu['p95']:.2f} "
            f"/ p99 {cpu['p99']:.2f} / max {cpu['max']:.2f} ms"
        )
        print(f"first query after open: {figures['first_query_ms']:.1f} ms")
        print(f"slowest autocomplete queries (of {len(auto)}):")
        for item in figures["autocomplete_slowest"]:
            kinds = ",".join(item["kinds"]) if item["kinds"] else "any"
            print(f"  {item['ms']:8.2f} ms  {item['category']:11s} {item['q']!r} [{kinds}]")
        print(f"slowest questions (of {len(asked)}):")
        for item in figures["ask_slowest"]:
            print(f"  {item['ms']:8.2f} ms  {item['category']:14s} {item['q']!r}")
        print("real names at this scale (top result):")
        sanity = []
        for q, kinds in SANITY:
            found = await search.resolve(store, q, kinds, limit=25)
            top = f"{found[0].label} [{found[0].tier}]" if found else "(nothing)"
            sanity.append({"q": q, "top": top})
            print(f"  {q!r:16s} -> {top}")
        for q in SANITY_QUESTIONS:
            result = await ask.answer(store, q)
            sanity.append({"q": q, "answer": result.text[:120]})
            print(f"  {q!r} -> {result.text[:100]!r}")
        figures["sanity"] = sanity
        if profiler:
            print()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    finally:
        await store.close()
    return figures


def _median_round(rounds: list[tuple[list[Any], float, float]], index: int) -> Any:
    """Return the round whose p99 is the median of the rounds'."""
    ranked = sorted(rounds, key=lambda r: percentile([x[index] for x in r[0]], 99))
    return ranked[(len(ranked) - 1) // 2]


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--songs", type=int, default=100_000)
    parser.add_argument("--mode", choices=("toml", "bulk"), default="toml")
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "kb.db")
    parser.add_argument("--reuse", action="store_true", help="use --db as it is if it exists")
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--questions", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="measure this many times")
    parser.add_argument("--slowest", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="cProfile the measured loops")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    args.reuse = args.reuse and args.db.exists()
    figures = asyncio.run(run(args))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
