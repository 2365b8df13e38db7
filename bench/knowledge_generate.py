"""Generate a synthetic K-pop catalog and load it, next to the bundled catalog, for the benchmarks.

The catalog has the shapes of the real one: Latin and Hangul names (Hangul syllables are
composed from jamo, with a Revised Romanization of each), aliases and romanization variants,
releases with tracklists (singles, EPs, albums, singles that belong to an album), music
videos for about a fifth of the songs, 3-6 credits per song, groups with members, external
works, references and reviews; every entry names a source, as the catalog contract demands.

Two ways in:

- ``toml``: write catalog TOML files (one per block of artists or releases) and run the real
  ``import_catalog`` over them: the full import path, validation included, in one transaction.
- ``bulk``: insert the same entries directly, in one transaction, with explicit ids and the
  ``bot.store.catalog`` bulk helpers (``add_names``, ``add_credits``, ...), then
  ``refresh_labels``: what a loader that skips parsing and validation could reach.

Either way the bundled catalog and kpopnet are loaded first, so real questions such as
"Who directed the Love wins all video?" still work in the big database.

Run: .venv/bin/python -m bench.knowledge_generate --songs 100000 --db /tmp/kb.db [--mode toml]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.knowledge.importers import ensure_bundled_loaded, import_catalog
from bot.knowledge.normalize import has_hangul, normalize
from bot.knowledge.romanize import refresh_romanized_names
from bot.store import Store
from bot.store import catalog as db


# ------------------------------------------------------------------------------ Hangul
def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """Parse "a:b c:d" (underscores stand for spaces) into pairs."""
    return tuple(
        (a.replace("_", " "), b.replace("_", " "))
        for a, b in (item.split(":") for item in text.split())
    )


# Initial consonants, vowels and final consonants in Unicode order, with Revised Romanization
# ("-" stands for no sound).
_L_RR = tuple(x.strip("-") for x in _words("g kk n d tt r m b pp s ss - j jj ch k t p h"))
_V_RR = _words("a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i")
_T_RR = tuple(
    x.strip("-") for x in _words("- k k k n n n t l l l l l l l l m p p t t ng t t k t p t")
)
# Commoner jamo, so generated names look like names (and collide like names do).
_COMMON_L = (0, 2, 3, 5, 6, 7, 9, 11, 12, 14, 15, 16, 17, 18)
_COMMON_V = (0, 1, 4, 5, 6, 8, 12, 13, 17, 18, 20)
_COMMON_T = (0, 0, 0, 0, 4, 8, 16, 21, 1)


def syllable(lead: int, vowel: int, tail: int = 0) -> str:
    """Compose one Hangul syllable from jamo indexes."""
    return chr(0xAC00 + (lead * 21 + vowel) * 28 + tail)


def romanize(hangul: str) -> str:
    """Romanize Hangul syllable by syllable (Revised Romanization, no sound changes)."""
    out = []
    for ch in hangul:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(_L_RR[code // 588] + _V_RR[(code % 588) // 28] + _T_RR[code % 28])
        else:
            out.append(ch)
    return "".join(out)


def random_syllable(rng: random.Random) -> str:
    """Return a plausible Hangul syllable."""
    return syllable(rng.choice(_COMMON_L), rng.choice(_COMMON_V), rng.choice(_COMMON_T))


# Family names with their usual spelling and a rough frequency weight.
FAMILY = tuple(
    (h, latin, int(w))
    for h, latin, w in (
        item.split(":")
        for item in _words(
            "김:Kim:22 이:Lee:15 박:Park:9 최:Choi:5 정:Jung:5 강:Kang:3 조:Cho:3 윤:Yoon:3 "
            "장:Jang:3 임:Lim:3 한:Han:2 오:Oh:2 서:Seo:2 신:Shin:2 권:Kwon:2 황:Hwang:2 안:Ahn:2 "
            "송:Song:2 전:Jeon:2 홍:Hong:1 문:Moon:1 배:Bae:1 남:Nam:1 유:Yoo:1"
        )
    )
)
GIVEN = _words(
    "민 지 서 현 수 준 우 영 은 하 윤 진 아 재 성 혜 정 연 희 태 호 석 원 유 나 다 채 예 소 경 동 "
    "상 훈 선 주 빈 혁 용 규 도 찬 범 람 결 별 솔 린 율 온"
)
# Latin syllables with their Hangul spelling: pseudo-words get a faithful Hangul form.
LATIN_SYLLABLES = _pairs(
    "ka:카 ri:리 na:나 mo:모 lu:루 se:세 vi:비 ro:로 jin:진 yu:유 bel:벨 ra:라 no:노 va:바 "
    "el:엘 da:다 mi:미 sol:솔 ha:하 te:테 zen:젠 ky:키 lo:로 xi:시 an:안 ne:네 ju:주 ven:벤 "
    "to:토 ari:아리 lia:리아 on:온 bi:비 rin:린 ze:제 sa:사 ti:티 fe:페 co:코 dy:디"
)
# English title words (Zipf-weighted by position) with their Korean loanword spelling.
WORDS_EN = _pairs(
    "Love:러브 Day:데이 Night:나잇 Dream:드림 Heart:하트 Baby:베이비 Girl:걸 Boy:보이 Star:스타 "
    "Light:라이트 Fire:파이어 Blue:블루 Summer:썸머 Spring:스프링 Winter:윈터 Rain:레인 Moon:문 "
    "Sun:썬 Time:타임 World:월드 Forever:포에버 Magic:매직 Crazy:크레이지 Wings:윙즈 "
    "Butterfly:버터플라이 Flower:플라워 Candy:캔디 Sweet:스윗 Red:레드 Black:블랙 Gold:골드 "
    "Silver:실버 Wave:웨이브 Ocean:오션 Sky:스카이 Eyes:아이즈 Kiss:키스 Run:런 Dance:댄스 "
    "Party:파티 Fever:피버 Paradise:파라다이스 Stay:스테이 Hello:헬로 Goodbye:굿바이 "
    "Tonight:투나잇 Lonely:론리 Beautiful:뷰티풀 Wild:와일드 Secret:시크릿 Shadow:섀도우 "
    "Mirror:미러 Echo:에코 Signal:시그널 Galaxy:갤럭시 Universe:유니버스 Angel:엔젤 Devil:데빌 "
    "Ice:아이스 Cream:크림 Cherry:체리 Lemon:레몬 Peach:피치 Highway:하이웨이 Road:로드 Home:홈 "
    "Letter:레터 Diary:다이어리 Memory:메모리 Youth:유스 Young:영 Free:프리 Alive:얼라이브 "
    "Boom:붐 Bang:뱅 Pop:팝 Drive:드라이브 Fly:플라이 Falling:폴링 Rising:라이징 Sunset:선셋 "
    "Sunrise:선라이즈 Cloud:클라우드 Storm:스톰 Thunder:썬더 Snow:스노우 Rose:로즈 Lily:릴리 "
    "Velvet:벨벳 Crystal:크리스탈 Diamond:다이아몬드 Mystery:미스터리 Zero:제로 One:원 Two:투 "
    "Miracle:미라클 Promise:프로미스 Answer:앤서 Question:퀘스천 Story:스토리 Song:송 "
    "Melody:멜로디 Rhythm:리듬 Beat:비트 Groove:그루브 Neon:네온 City:시티 Street:스트릿 "
    "Window:윈도우 Door:도어 Wall:월 Garden:가든 Island:아일랜드 Planet:플래닛 Rocket:로켓 "
    "Sugar:슈가 Honey:허니 Venom:베놈 Savage:새비지 Hero:히어로 Villain:빌런 Queen:퀸 King:킹 "
    "Crown:크라운 Pink:핑크 Yellow:옐로우 Green:그린 Purple:퍼플 Last:라스트 First:퍼스트"
)
FILL_EN = _words("the of my your in on and to me you all wins no")
# Korean title words with an English rendering (used as an alias).
WORDS_KO = _pairs(
    "사랑:Love 봄날:Spring_Day 밤:Night 꿈:Dream 별:Star 너:You 나:Me 우리:Us 바다:Sea 하늘:Sky "
    "눈물:Tears 시간:Time 기억:Memory 이별:Farewell 첫눈:First_Snow 편지:Letter 마음:Heart "
    "그대:You 오늘:Today 내일:Tomorrow 어제:Yesterday 바람:Wind 비:Rain 눈:Snow 꽃:Flower "
    "노을:Sunset 새벽:Dawn 여름:Summer 가을:Autumn 겨울:Winter 달:Moon 빛:Light 그림자:Shadow "
    "소년:Boy 소녀:Girl 청춘:Youth 약속:Promise 고백:Confession 안녕:Goodbye 행복:Happiness "
    "기적:Miracle 거울:Mirror 불꽃:Firework 나비:Butterfly 길:Road 집:Home 숨:Breath 춤:Dance "
    "노래:Song 향기:Scent 하루:A_Day 모든:Every 같은:Same 너와:With_You 위로:Comfort 빨간:Red "
    "파란:Blue 작은:Little 마지막:Last 처음:First"
)
WORDS_WORK = _words(
    "The House Of Silence Garden Memory Glass River Night Letters Stranger Island Orange Tree "
    "Utopia Clothes Mountain Winter Light Shadows Ghost Dream Machine Saint Empire"
)
AGENCIES = tuple(
    a.replace("_", " ")
    for a in _words(
        "SM_Entertainment JYP_Entertainment YG_Entertainment HYBE Big_Hit_Music "
        "Starship_Entertainment Cube_Entertainment RBW Woollim FNC_Entertainment Pledis "
        "KQ_Entertainment WM_Entertainment Fantagio Jellyfish Antenna EDAM_Entertainment "
        "Mystic_Story Brand_New_Music P_Nation"
    )
)
OUTLETS = (
    "Melon",
    "Bugs",
    "Genie Music",
    "Wikipedia",
    "Naver VIBE",
    "Discogs",
    "MusicBrainz",
    "Soompi",
    "Korea JoongAng Daily",
    "Yonhap",
)
CREW_DISAMBIG = (
    "songwriter",
    "producer",
    "composer",
    "lyricist",
    "music video director",
    "choreographer",
    "cinematographer",
    "mixing engineer",
    "arranger",
)

ORIGIN_PREFIX = "synth-"


# ------------------------------------------------------------------------------ model
@dataclass(slots=True)
class Chunk:
    """One catalog file's worth of entries, in the TOML contract's shape."""

    name: str
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, entry: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(entry)

    @property
    def entries(self) -> int:
        return sum(len(v) for v in self.tables.values())


@dataclass(slots=True)
class Person:
    key: str
    name: str
    hangul: str | None


class Generator:
    """Deterministic generator of catalog chunks for ``songs`` songs and ``artists`` artists."""

    ARTISTS_PER_FILE = 5000
    RELEASES_PER_FILE = 250

    def __init__(self, songs: int, artists: int, seed: int = 7) -> None:
        self.songs = songs
        self.artists = artists
        self.rng = random.Random(seed)
        self.performers: list[str] = []  # groups and soloists who release music
        self.crew: list[str] = []  # songwriters, producers, directors (credits)
        self.names: dict[str, str] = {}
        self.agency: dict[str, str] = {}
        self.last_album: dict[str, tuple[str, str, str]] = {}  # performer -> (release, song, date)
        self.works: list[str] = []
        self.songs_made = 0
        self.videos: list[str] = []
        self.song_keys: list[str] = []
        self.counts: dict[str, int] = {}
        # Zipf-like weights over title words: common words recur, as they do in real titles.
        self._en_weights = [1 / (i + 1) ** 0.8 for i in range(len(WORDS_EN))]
        self._ko_weights = [1 / (i + 1) ** 0.8 for i in range(len(WORDS_KO))]

    # -- names ---------------------------------------------------------------------
    def pseudo_word(self, parts: int | None = None) -> tuple[str, str]:
        rng = self.rng
        syl = [rng.choice(LATIN_SYLLABLES) for _ in range(parts or rng.choice((2, 2, 3)))]
        return "".join(s[0] for s in syl).capitalize(), "".join(s[1] for s in syl)

    def person_name(self) -> tuple[str, str, str, str]:
        """Return (family hangul, family latin, given hangul, given latin)."""
        rng = self.rng
        fam = rng.choices(FAMILY, weights=[f[2] for f in FAMILY])[0]
        given = "".join(rng.choice(GIVEN) for _ in range(2))
        return fam[0], fam[1], given, romanize(given).capitalize()

    def en_title(self) -> tuple[str, str | None]:
        rng = self.rng
        n = rng.choices((1, 2, 3, 4), weights=(18, 40, 30, 12))[0]
        words = rng.choices(WORDS_EN, weights=self._en_weights, k=n)
        if n >= 3 and rng.random() < 0.5:
            words[1] = (rng.choice(FILL_EN), "")
        title = " ".join(w[0] for w in words)
        if rng.random() < 0.25:
            title = title.lower() if rng.random() < 0.3 else title.upper()
        hangul = " ".join(w[1] for w in words if w[1]) if rng.random() < 0.35 else None
        if rng.random() < 0.08:
            pseudo, pseudo_h = self.pseudo_word()
            title = f"{title} {pseudo}"
            hangul = f"{hangul} {pseudo_h}" if hangul else None
        return title, hangul

    def ko_title(self) -> tuple[str, str]:
        rng = self.rng
        n = rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
        words = rng.choices(WORDS_KO, weights=self._ko_weights, k=n)
        if rng.random() < 0.1:
            words.append((random_syllable(rng) + random_syllable(rng), ""))
        return " ".join(w[0] for w in words), " ".join(w[1] for w in words if w[1])

    def make_source(self, chunk: Chunk, key: str, kind: str) -> str:
        rng = self.rng
        outlet = rng.choice(OUTLETS)
        entry: dict[str, Any] = {
            "id": key,
            "url": f"https://{outlet.lower().replace(' ', '')}.example/{kind}/{key}",
            "outlet": outlet,
        }
        if rng.random() < 0.6:
            entry["title"] = f"{kind.capitalize()} page {key}"
        if rng.random() < 0.3:
            entry["published"] = self.date(2005, 2025)
        chunk.add("source", entry)
        return key

    def date(self, start: int, end: int) -> str:
        rng = self.rng
        return f"{rng.randint(start, end)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def importance(self, share: float = 0.03) -> int:
        # Bulk data is unranked, as imported data is: the curated catalog's 1-10 stay on top.
        return 1 if self.rng.random() < share else 0

    # -- artists -------------------------------------------------------------------
    def artist_chunks(self) -> Iterator[Chunk]:
        rng = self.rng
        made = 0
        file_no = 0
        while made < self.artists:
            file_no += 1
            chunk = Chunk(f"{ORIGIN_PREFIX}artists-{file_no:04d}.toml")
            persons: list[Person] = []
            n = min(self.ARTISTS_PER_FILE, self.artists - made)
            n_groups = max(1, n // 12)
            for _ in range(n - n_groups):
                made += 1
                persons.append(self.make_person(chunk, f"sa{made}"))
            free = list(persons)
            rng.shuffle(free)
            for _ in range(n_groups):
                made += 1
                self.make_group(chunk, f"sa{made}", free)
            yield chunk
        # External works, cited by references and artist links.
        chunk = Chunk(f"{ORIGIN_PREFIX}works.toml")
        for i in range(1, max(20, self.songs // 500) + 1):
            key = f"sw{i}"
            src = self.make_source(chunk, f"ssw{i}", "work")
            words = rng.sample(WORDS_WORK, rng.randint(1, 4))
            entry: dict[str, Any] = {
                "id": key,
                "title": " ".join(words),
                "kind": rng.choice(("film", "book", "artwork", "drama", "installation")),
                "creator": f"{rng.choice(FAMILY)[1]} {self.person_name()[3]}",
                "year": rng.randint(1900, 2024),
                "source": src,
            }
            if rng.random() < 0.4:
                entry["hangul"] = "".join(random_syllable(rng) for _ in range(rng.randint(2, 5)))
            if rng.random() < 0.3:
                entry["note"] = "A work often cited in music video readings."
            chunk.add("work", entry)
            self.works.append(key)
            if rng.random() < 0.3 and self.crew:
                chunk.add(
                    "link",
                    {
                        "artist": rng.choice(self.crew),
                        "work": key,
                        "role": rng.choice(("actor", "director", "author")),
                        "source": src,
                    },
                )
        yield chunk

    def make_person(self, chunk: Chunk, key: str) -> Person:
        rng = self.rng
        fam_h, fam_l, given_h, given_l = self.person_name()
        style = rng.random()
        aliases: list[str] = []
        if style < 0.45:
            # Crew are usually known by their legal name.
            name, hangul = f"{fam_l} {given_l}", fam_h + given_h
            hyphen = romanize(given_h[0]).capitalize() + "-" + romanize(given_h[1])
            aliases = [f"{fam_l} {hyphen}", f"{given_l} {fam_l}", f"{hyphen} {fam_l}"]
            if rng.random() < 0.3:
                aliases.append(f"{fam_l.upper()} {given_l.upper()}")
        elif style < 0.75:
            name, hangul = given_l, given_h
            aliases = [f"{given_l[:2]}-{given_l[2:]}" if len(given_l) > 3 else given_l.upper()]
        else:
            name, hangul = self.pseudo_word(rng.choice((1, 2, 2, 3)))
            aliases = [name.upper()] if rng.random() < 0.5 else []
        src = self.make_source(chunk, f"ssa{key[2:]}", "artist")
        entry: dict[str, Any] = {"id": key, "name": name, "kind": "person", "hangul": hangul}
        if style >= 0.45:
            entry["legal_name"] = f"{fam_l} {given_l}"
            entry["legal_name_hangul"] = fam_h + given_h
        if aliases:
            entry["aliases"] = aliases
        if rng.random() < 0.7:
            entry["birth_date"] = self.date(1960, 2008)
        crew = style < 0.45 or rng.random() < 0.5
        if crew:
            entry["disambiguation"] = rng.choice(CREW_DISAMBIG)
            self.crew.append(key)
        else:
            self.performers.append(key)
            entry["agency"] = self.agency.setdefault(key, rng.choice(AGENCIES))
            entry["debut_date"] = self.date(1995, 2024)
        importance = self.importance()
        if importance:
            entry["importance"] = importance
        entry["source"] = src
        chunk.add("artist", entry)
        self.names[key] = name
        return Person(key, name, hangul)

    def make_group(self, chunk: Chunk, key: str, free: list[Person]) -> None:
        rng = self.rng
        style = rng.random()
        if style < 0.6:
            name, hangul = self.pseudo_word(rng.choice((2, 2, 3)))
        elif style < 0.8:
            letters = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTVWXYZ") for _ in range(3))
            name, hangul = letters + (str(rng.randint(1, 99)) if rng.random() < 0.3 else ""), None
        else:
            word = rng.choice(WORDS_EN)
            name, hangul = (
                f"{word[0]} {rng.choice(('Girls', 'Boys', 'Club', 'Velvet', 'Moon'))}",
                None,
            )
        src = self.make_source(chunk, f"ssa{key[2:]}", "group")
        agency = rng.choice(AGENCIES)
        entry: dict[str, Any] = {"id": key, "name": name, "kind": "group"}
        if hangul:
            entry["hangul"] = hangul
        else:
            entry["hangul"] = "".join(random_syllable(rng) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.4:
            entry["aliases"] = [name.upper() if name != name.upper() else name.capitalize()]
        entry["debut_date"] = self.date(1996, 2024)
        entry["agency"] = agency
        entry["importance"] = self.importance(0.3)
        entry["source"] = src
        chunk.add("artist", entry)
        self.names[key] = name
        self.agency[key] = agency
        self.performers.append(key)
        for _ in range(rng.randint(3, 9)):
            if not free:
                break
            person = free.pop()
            membership: dict[str, Any] = {"person": person.key, "group": key, "source": src}
            membership["stage_name"] = person.name
            if rng.random() < 0.1:
                membership["until"] = self.date(2015, 2024)
            chunk.add("membership", membership)

    # -- releases, songs, videos ---------------------------------------------------
    def release_chunks(self) -> Iterator[Chunk]:
        release_no = 0
        file_no = 0
        while self.songs_made < self.songs:
            file_no += 1
            chunk = Chunk(f"{ORIGIN_PREFIX}releases-{file_no:05d}.toml")
            for _ in range(self.RELEASES_PER_FILE):
                if self.songs_made >= self.songs:
                    break
                release_no += 1
                self.make_release(chunk, release_no)
            # Reviews: a few per file, each discussing a release or song or two.
            for i in range(max(1, self.RELEASES_PER_FILE // 100)):
                self.make_review(chunk, f"{file_no}x{i}")
            yield chunk

    def make_release(self, chunk: Chunk, n: int) -> None:
        rng = self.rng
        performer = self.performers[min(len(self.performers) - 1, int(rng.paretovariate(1.1)) - 1)]
        if rng.random() < 0.7:
            performer = rng.choice(self.performers)
        type_ = rng.choices(("single", "ep", "album", "repackage"), weights=(25, 35, 36, 4))[0]
        date = self.date(2000, 2025)
        key = f"sr{n}"
        src = self.make_source(chunk, f"ssr{n}", "release")
        previous = self.last_album.get(performer)
        if type_ == "single" and previous and rng.random() < 0.35:
            # A pre-release single cut from an album already listed: no new song.
            album_key, song_key, album_date = previous
            chunk.add(
                "release",
                {
                    "id": key,
                    "title": self.names[song_key],
                    "type": "single",
                    "artists": [performer],
                    "date": album_date,
                    "parent": album_key,
                    "tracks": [song_key],
                    "label": self.agency.get(performer, rng.choice(AGENCIES)),
                    "source": src,
                },
            )
            self.names[key] = self.names[song_key]
            return
        size = {"single": rng.randint(1, 2), "ep": rng.randint(4, 7)}.get(type_)
        size = size or rng.randint(9, 16)
        size = min(size, self.songs - self.songs_made)
        tracks = [self.make_song(chunk, performer, src, date) for _ in range(size)]
        title = self.names[tracks[0]] if rng.random() < 0.6 else self.en_title()[0]
        entry: dict[str, Any] = {
            "id": key,
            "title": title,
            "type": type_,
            "artists": [performer],
            "date": date,
            "label": self.agency.get(performer, rng.choice(AGENCIES)),
            "tracks": tracks,
            "source": src,
        }
        if has_hangul(title):
            entry["aliases"] = [romanize(title.replace(" ", "")).capitalize()]
        if type_ == "repackage" and previous:
            entry["parent"] = previous[0]
        importance = self.importance()
        if importance:
            entry["importance"] = importance
        chunk.add("release", entry)
        self.names[key] = title
        if type_ in ("album", "ep"):
            self.last_album[performer] = (key, tracks[0], date)

    def make_song(self, chunk: Chunk, performer: str, src: str, date: str) -> str:
        rng = self.rng
        self.songs_made += 1
        key = f"ss{self.songs_made}"
        aliases: list[str] = []
        if rng.random() < 0.7:
            title, hangul = self.en_title()
            if rng.random() < 0.1:
                aliases.append(title.replace(" ", ""))
        else:
            title, english = self.ko_title()
            hangul = None
            aliases.append(romanize(title.replace(" ", "")).capitalize())
            if rng.random() < 0.5 and english:
                aliases.append(english)
        artists = [performer]
        if rng.random() < 0.08:
            featured = rng.choice(self.performers)
            if featured != performer:
                artists.append(featured)
                aliases.append(f"{title} (feat. {self.names[featured]})")
        entry: dict[str, Any] = {"id": key, "title": title}
        if hangul:
            entry["hangul"] = hangul
        if aliases:
            entry["aliases"] = list(dict.fromkeys(aliases))
        entry["artists"] = artists
        if rng.random() < 0.8:
            entry["length"] = f"{rng.randint(2, 5)}:{rng.randint(0, 59):02d}"
        importance = self.importance()
        if importance:
            entry["importance"] = importance
        entry["source"] = src
        chunk.add("song", entry)
        self.names[key] = title
        self.song_keys.append(key)
        for role, artist in self.song_credits(artists):
            credit: dict[str, Any] = {
                "subject": f"song:{key}",
                "artist": artist,
                "role": role,
                "source": src,
            }
            r = rng.random()
            if r < 0.12:
                credit["confidence"] = "B" if r < 0.09 else "C"
            chunk.add("credit", credit)
        if rng.random() < 0.2:
            self.make_video(chunk, key, title, date)
        if rng.random() < 0.01:
            self.make_reference(chunk, f"song:{key}")
        return key

    def crew_member(self) -> str:
        # Pareto: a handful of producers hold a large share of all credits.
        rng = self.rng
        index = int(rng.paretovariate(0.9)) - 1
        if index >= len(self.crew) or rng.random() < 0.6:
            return rng.choice(self.crew)
        return self.crew[index]

    def song_credits(self, artists: list[str]) -> list[tuple[str, str]]:
        rng = self.rng
        out = [("lyricist", self.crew_member()), ("composer", self.crew_member())]
        extra = rng.randint(1, 4)  # 3-6 credits in all
        pool = [
            "lyricist",
            "composer",
            "arranger",
            "arranger",
            "producer",
            "producer",
            "mixing engineer",
            "lyricist",
            "composer",
        ]
        for _ in range(extra):
            out.append((rng.choice(pool), self.crew_member()))
        if len(artists) > 1:
            out[-1] = ("featured artist", artists[1])
        return list(dict.fromkeys(out))

    def make_video(self, chunk: Chunk, song_key: str, title: str, date: str) -> None:
        rng = self.rng
        n = len(self.videos) + 1
        key = f"sv{n}"
        src = self.make_source(chunk, f"ssv{n}", "video")
        kind = rng.choices(("music video", "art film", "trailer", "short film"), (85, 5, 5, 5))[0]
        entry: dict[str, Any] = {
            "id": key,
            "title": f"{title} ({kind})" if rng.random() < 0.7 else f"{title} MV",
            "song": song_key,
            "kind": kind,
            "youtube": "".join(rng.choice("abcdefghijkLMNOPQ0123456789_-") for _ in range(11)),
            "premiere": date,
            "length": f"{rng.randint(3, 6)}:{rng.randint(0, 59):02d}",
            "source": src,
        }
        chunk.add("video", entry)
        self.videos.append(key)
        roles = [("mv director", self.crew_member())]
        if rng.random() < 0.5:
            roles.append(("mv cast", rng.choice(self.performers)))
        if rng.random() < 0.3:
            roles.append(("director of photography", self.crew_member()))
        if rng.random() < 0.2:
            roles.append(("choreographer", self.crew_member()))
        for role, artist in dict.fromkeys(roles):
            chunk.add(
                "credit", {"subject": f"video:{key}", "artist": artist, "role": role, "source": src}
            )
        if rng.random() < 0.03:
            self.make_reference(chunk, f"video:{key}")

    def make_reference(self, chunk: Chunk, from_ref: str) -> None:
        rng = self.rng
        n = self.counts["reference"] = self.counts.get("reference", 0) + 1
        src = self.make_source(chunk, f"ssf{n}", "reference")
        if rng.random() < 0.7 and self.works:
            to = f"work:{rng.choice(self.works)}"
        elif rng.random() < 0.5 and len(self.videos) > 1:
            # Index, not a slice: copying a million keys per reference would dominate.
            to = f"video:{self.videos[rng.randrange(len(self.videos) - 1)]}"
        else:
            to = f"song:{self.song_keys[rng.randrange(max(1, len(self.song_keys) - 1))]}"
        if to == from_ref:
            return
        entry: dict[str, Any] = {
            "from": from_ref,
            "to": to,
            "relation": rng.choice(("homage", "visual reference", "quotation", "echo")),
            "status": rng.choice(("confirmed", "critic", "fan", "fan")),
            "source": src,
        }
        if rng.random() < 0.5:
            entry["note"] = "Viewers pointed out the staging of the second chorus."
        if from_ref.startswith("video:") and rng.random() < 0.5:
            entry["timestamp"] = f"{rng.randint(0, 3)}:{rng.randint(0, 59):02d}"
        chunk.add("reference", entry)

    def make_review(self, chunk: Chunk, tag: str) -> None:
        rng = self.rng
        releases = [e["id"] for e in chunk.tables.get("release", [])]
        songs = [e["id"] for e in chunk.tables.get("song", [])]
        if not releases or not songs:
            return
        src = self.make_source(chunk, f"ssrv{tag}", "review")
        outlet = rng.choice(("IZM", "Weiv", "NME", "Idology", "The Line of Best Fit"))
        chunk.add(
            "review",
            {
                "id": f"srv{tag}",
                "title": f"Review: {self.names[rng.choice(releases)]}",
                "url": f"https://{outlet.lower().replace(' ', '')}.example/review/{tag}",
                "outlet": outlet,
                "author": f"{rng.choice(FAMILY)[1]} {self.person_name()[3]}",
                "published": self.date(2010, 2025),
                "summary": "A close listen to the record's production and lyrics.",
                "discusses": [f"release:{rng.choice(releases)}", f"song:{rng.choice(songs)}"],
                "source": src,
            },
        )

    def chunks(self) -> Iterator[Chunk]:
        """Yield every chunk: artists and works first, then releases with their songs."""
        yield from self.artist_chunks()
        yield from self.release_chunks()


# ------------------------------------------------------------------------------ TOML
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def chunk_toml(chunk: Chunk) -> str:
    """Render a chunk as a catalog TOML file."""
    lines = [f"# Synthetic benchmark catalog: {chunk.name}", ""]
    for table in (
        "source",
        "artist",
        "membership",
        "work",
        "link",
        "release",
        "song",
        "video",
        "credit",
        "reference",
        "review",
    ):
        for entry in chunk.tables.get(table, []):
            lines.append(f"[[{table}]]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in entry.items())
            lines.append("")
    return "\n".join(lines)


def write_toml(gen: Generator, folder: Path) -> tuple[int, int, int]:
    """Write every chunk as a TOML file; return (files, entries, bytes)."""
    files = entries = size = 0
    for chunk in gen.chunks():
        text = chunk_toml(chunk)
        (folder / chunk.name).write_text(text, encoding="utf-8")
        files += 1
        entries += chunk.entries
        size += len(text.encode())
    return files, entries, size


# ------------------------------------------------------------------------------ bulk
# Bulk entries stand for data imported from the open databases: ranked below the curated
# catalog, by Wikidata sitelinks (3%) and MusicBrainz release counts (Zipf-like).
IMPORTED_ORIGIN = "musicbrainz"


class BulkLoader:
    """Insert chunks with explicit ids through the catalog's bulk helpers (one transaction)."""

    def __init__(self, conn: db.Conn, next_id: int, next_source: int) -> None:
        self.conn = conn
        self.next_id = next_id
        self.next_source = next_source
        self.ids: dict[str, dict[str, int]] = {
            k: {} for k in ("artist", "release", "song", "video", "work")
        }
        self.sources: dict[str, int] = {}
        self.reviews = 0

    def signals(self, e: dict[str, Any]) -> tuple[int | None, int | None]:
        """Return (sitelinks, release count) as imported data has them: skewed, mostly small.

        Drawn from the entry's key, so the same catalog gets the same signals on every run.
        """
        rng = random.Random(e["id"])
        release_count = min(int(1 / max(rng.random(), 1e-6) ** 0.7), 5000)
        sitelinks = int(1 / max(rng.random(), 1e-6) ** 0.8) if rng.random() < 0.03 else None
        return sitelinks, release_count

    def _id(self, kind: str, key: str) -> int:
        entity_id = self.next_id
        self.next_id += 1
        self.ids[kind][key] = entity_id
        return entity_id

    async def load(self, chunk: Chunk) -> None:
        conn, origin, t = self.conn, chunk.name, chunk.tables
        rows = []
        for s in t.get("source", []):
            self.sources[s["id"]] = sid = self.next_source
            self.next_source += 1
            rows.append(
                (sid, s["id"], origin, s["url"], s["outlet"], s.get("title"), s.get("published"))
            )
        await conn.executemany(
            "INSERT INTO sources (id, key, origin, url, outlet, title, published) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        entities, names, entity_sources = [], [], []
        details: dict[str, list[tuple[Any, ...]]] = {k: [] for k in self.ids}
        for kind in ("artist", "work", "release", "song", "video"):
            for e in t.get(kind, []):
                name = e["name"] if kind == "artist" else e["title"]
                eid = self._id(kind, e["id"])
                entities.append(
                    (
                        eid,
                        kind,
                        e["id"],
                        IMPORTED_ORIGIN,
                        name,
                        e.get("hangul"),
                        e.get("importance", 0),
                        *self.signals(e),
                    )
                )
                entity_sources.append((eid, self.sources[e["source"]], origin))
                names.extend(self._names(eid, kind, name, e, origin))
                if kind == "artist":
                    details[kind].append(
                        (
                            eid,
                            e["kind"],
                            e.get("legal_name"),
                            e.get("legal_name_hangul"),
                            e.get("disambiguation"),
                            e.get("birth_date"),
                            e.get("debut_date"),
                            e.get("agency"),
                        )
                    )
                elif kind == "work":
                    details[kind].append(
                        (eid, e["kind"], e.get("creator"), e.get("year"), e.get("note"))
                    )
                elif kind == "release":
                    parent = self.ids["release"].get(e.get("parent", ""))
                    details[kind].append((eid, e["type"], e["date"], e.get("label"), parent))
                elif kind == "song":
                    details[kind].append((eid, _seconds(e.get("length"))))
                else:
                    details[kind].append(
                        (
                            eid,
                            self.ids["song"][e["song"]],
                            e["kind"],
                            e["youtube"],
                            e["premiere"],
                            _seconds(e.get("length")),
                        )
                    )
        await conn.executemany(
            "INSERT INTO entities (id, kind, key, origin, name, hangul, importance, sitelinks, "
            "release_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            entities,
        )
        await conn.executemany(
            "INSERT INTO artists (entity_id, kind, legal_name, legal_name_hangul, "
            "disambiguation, birth_date, debut_date, agency) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            details["artist"],
        )
        await conn.executemany(
            "INSERT INTO works (entity_id, kind, creator, year, note) VALUES (?, ?, ?, ?, ?)",
            details["work"],
        )
        await conn.executemany(
            "INSERT INTO releases (entity_id, type, date, label, parent_id) VALUES (?, ?, ?, ?, ?)",
            details["release"],
        )
        await conn.executemany(
            "INSERT INTO songs (entity_id, length_s) VALUES (?, ?)", details["song"]
        )
        await conn.executemany(
            "INSERT INTO videos (entity_id, song_id, kind, youtube, premiere, length_s) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            details["video"],
        )
        await db.add_names(conn, names, overwrite=True)
        await db.add_entity_sources(conn, entity_sources)
        ids, src = self.ids, self.sources
        performers, tracks = [], []
        for kind in ("release", "song"):
            for e in t.get(kind, []):
                subject = ids[kind][e["id"]]
                for pos, artist in enumerate(e["artists"], start=1):
                    performers.append(
                        (subject, pos, ids["artist"][artist], None, src[e["source"]], origin)
                    )
                for pos, song in enumerate(e.get("tracks", []), start=1):
                    tracks.append((subject, pos, ids["song"][song], src[e["source"]], origin))
        await db.add_performers(conn, performers)
        await db.add_tracks(conn, tracks)
        await db.add_memberships(
            conn,
            [
                (
                    ids["artist"][m["person"]],
                    ids["artist"][m["group"]],
                    m.get("stage_name"),
                    None,
                    m.get("until"),
                    None if m.get("until") is None else 0,
                    None,
                    src[m["source"]],
                    origin,
                )
                for m in t.get("membership", [])
            ],
        )
        await db.add_credits(
            conn,
            [
                (
                    c["subject"].split(":")[0],
                    _ref(ids, c["subject"]),
                    ids["artist"][c["artist"]],
                    c["role"],
                    None,
                    None,
                    c.get("confidence", "A"),
                    src[c["source"]],
                    origin,
                    None,
                )
                for c in t.get("credit", [])
            ],
        )
        review_ids: dict[str, int] = {}
        subjects = []
        for r in t.get("review", []):
            review_ids[r["id"]] = rid = await db.upsert_review(
                conn,
                r["id"],
                origin,
                r["title"],
                r["url"],
                r["outlet"],
                src[r["source"]],
                r.get("author"),
                r.get("published"),
                r["summary"],
            )
            subjects.extend((rid, _ref(ids, d), origin) for d in r["discusses"])
        await db.add_review_subjects(conn, subjects)
        await db.add_references(
            conn,
            [
                (
                    _ref(ids, r["from"]),
                    _ref(ids, r["to"]),
                    r["relation"],
                    r["status"],
                    _seconds(r.get("timestamp")),
                    r.get("note"),
                    None,
                    src[r["source"]],
                    origin,
                    None,
                )
                for r in t.get("reference", [])
            ],
        )
        await db.add_artist_works(
            conn,
            [
                (
                    ids["artist"][x["artist"]],
                    ids["work"][x["work"]],
                    x["role"],
                    src[x["source"]],
                    origin,
                )
                for x in t.get("link", [])
            ],
        )

    @staticmethod
    def _names(
        eid: int, kind: str, name: str, e: dict[str, Any], origin: str
    ) -> list[tuple[Any, ...]]:
        """Build name rows the way the catalog importer does (primary per locale, aliases)."""
        base = [
            (
                name,
                "stage" if kind == "artist" else "title",
                "ko" if has_hangul(name) else "en",
                True,
            )
        ]
        if e.get("hangul"):
            base.append((e["hangul"], "hangul", "ko", True))
        if e.get("legal_name"):
            base.append((e["legal_name"], "legal", "en", False))
        if e.get("legal_name_hangul"):
            base.append((e["legal_name_hangul"], "legal", "ko", False))
        for alias in e.get("aliases", []):
            if has_hangul(alias):
                type_ = "hangul"
            elif kind == "artist":
                type_ = "romanization" if e.get("hangul") else "hint"
            else:
                type_ = "title"
            base.append((alias, type_, "ko" if has_hangul(alias) else "en", False))
        rows, seen, primary_locales = [], set(), set()
        for text, type_, locale, wants_primary in base:
            norm = normalize(text)
            if not norm or norm in seen:
                continue
            seen.add(norm)
            primary = wants_primary and locale not in primary_locales
            if primary:
                primary_locales.add(locale)
            rows.append((eid, kind, text, norm, type_, locale, primary, origin))
        return rows


def _ref(ids: dict[str, dict[str, int]], ref: str) -> int:
    kind, _, key = ref.partition(":")
    return ids[kind][key]


def _seconds(text: str | None) -> int | None:
    if not text:
        return None
    minutes, _, seconds = text.partition(":")
    return int(minutes) * 60 + int(seconds)


# ------------------------------------------------------------------------------ build
@dataclass(slots=True)
class BuildStats:
    """What a build did and how long it took."""

    mode: str
    songs: int
    artists: int
    bundled_s: float = 0.0
    generate_s: float = 0.0
    import_s: float = 0.0
    optimize_s: float = 0.0
    files: int = 0
    entries: int = 0
    toml_bytes: int = 0
    rows: int = 0
    db_bytes: int = 0
    peak_rss_mb: float = 0.0
    table_rows: dict[str, int] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.import_s if self.import_s else 0.0


TABLES = (
    "sources",
    "entities",
    "entity_sources",
    "artists",
    "releases",
    "songs",
    "videos",
    "works",
    "performers",
    "release_tracks",
    "memberships",
    "credits",
    "entity_references",
    "reviews",
    "review_subjects",
    "artist_works",
    "names",
)


async def count_all(store: Store) -> dict[str, int]:
    """Return {table: rows} for every catalog table (FTS rows count as names)."""
    out = {}
    for table in TABLES:
        row = await store.fetchone(f"SELECT count(*) FROM {table}")
        out[table] = int(row[0]) if row else 0
    return out


def db_size(path: Path) -> int:
    """Return the size of the database with its WAL."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def build(
    db_path: Path,
    songs: int,
    artists: int | None = None,
    mode: str = "toml",
    seed: int = 7,
    toml_dir: Path | None = None,
) -> BuildStats:
    """Create a database with the bundled data plus a synthetic catalog; return the figures."""
    artists = artists if artists is not None else songs // 2
    _remove_db(db_path)
    stats = BuildStats(mode, songs, artists)
    gen = Generator(songs, artists, seed)
    async with Store.open(db_path) as store:
        started = time.perf_counter()
        await ensure_bundled_loaded(store)
        stats.bundled_s = time.perf_counter() - started
        before = await count_all(store)
        if mode == "toml":
            folder = toml_dir or Path(tempfile.mkdtemp(prefix="linernotes-catalog-"))
            folder.mkdir(parents=True, exist_ok=True)
            try:
                started = time.perf_counter()
                stats.files, stats.entries, stats.toml_bytes = write_toml(gen, folder)
                stats.generate_s = time.perf_counter() - started
                del gen
                started = time.perf_counter()
                await import_catalog(store, [folder])
                stats.import_s = time.perf_counter() - started
            finally:
                if toml_dir is None:
                    shutil.rmtree(folder, ignore_errors=True)
        elif mode == "bulk":
            await _bulk(store, gen, stats)
        else:
            raise ValueError(f"unknown mode {mode!r}")
        started = time.perf_counter()
        await db.optimize_name_search(store)  # as the bundled load does after its import
        stats.optimize_s = time.perf_counter() - started
        after = await count_all(store)
        stats.table_rows = {t: after[t] - before[t] for t in TABLES}
        # Each name row is also indexed in names_fts (a trigger), counted once here.
        stats.rows = sum(stats.table_rows.values())
    stats.db_bytes = db_size(db_path)
    stats.peak_rss_mb = peak_rss_mb()
    return stats


async def _bulk(store: Store, gen: Generator, stats: BuildStats) -> None:
    row = await store.fetchone("SELECT max(id) FROM entities")
    next_id = int(row[0] or 0) + 1
    row = await store.fetchone("SELECT max(id) FROM sources")
    next_source = int(row[0] or 0) + 1
    started = time.perf_counter()
    gen_s = 0.0
    async with store.transaction() as conn:
        loader = BulkLoader(conn, next_id, next_source)
        chunks = gen.chunks()
        while True:
            t0 = time.perf_counter()
            chunk = next(chunks, None)
            gen_s += time.perf_counter() - t0
            if chunk is None:
                break
            stats.files += 1
            stats.entries += chunk.entries
            await loader.load(chunk)
        await db.refresh_labels(conn)
        await refresh_romanized_names(conn)
        await db.bump_catalog_version(conn)
    stats.generate_s = gen_s
    stats.import_s = time.perf_counter() - started - gen_s


def describe(stats: BuildStats, db_path: Path) -> str:
    """Return a short human summary of a build."""
    lines = [
        f"synthetic catalog: {stats.songs:,} songs, {stats.artists:,} artists ({stats.mode})",
        f"  bundled catalog + kpopnet import: {stats.bundled_s:.1f} s",
        f"  generate{' TOML' if stats.mode == 'toml' else ''}: {stats.generate_s:.1f} s, "
        f"{stats.files:,} files, {stats.entries:,} entries"
        + (f", {stats.toml_bytes / 2**20:.0f} MiB" if stats.toml_bytes else ""),
        f"  import: {stats.import_s:.1f} s, {stats.rows:,} rows, {stats.rows_per_s:,.0f} rows/s, "
        f"{stats.entries / stats.import_s if stats.import_s else 0:,.0f} entries/s",
        f"  name search index merged into one segment: {stats.optimize_s:.1f} s",
        f"  database: {db_path} {stats.db_bytes / 2**20:,.0f} MiB; peak RSS "
        f"{stats.peak_rss_mb:,.0f} MiB",
        "  rows: " + ", ".join(f"{t} {n:,}" for t, n in stats.table_rows.items()),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--songs", type=int, default=100_000)
    parser.add_argument("--artists", type=int, default=None, help="default: songs / 2")
    parser.add_argument("--mode", choices=("toml", "bulk"), default="toml")
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "kb.db")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--toml-dir", type=Path, default=None, help="keep the TOML files here")
    args = parser.parse_args()
    stats = asyncio.run(
        build(args.db, args.songs, args.artists, args.mode, args.seed, args.toml_dir)
    )
    print(describe(stats, args.db))


if __name__ == "__main__":
    main()
