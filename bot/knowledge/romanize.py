"""Romanize Hangul: Revised Romanization plus the spellings fans actually type.

A fan who types "bomnal", "ppalgan mat", "um taehwa" or "jungkook" means a name the
catalog stores in Hangul (봄날, 빨간 맛, 엄태화, 정국). The search index keeps these generated
forms next to the stored names (type ``romanization``, origin ``romanized``), brought in
step after every import by :func:`refresh_romanized_names`, so lookups stay one index seek.

The rules are the Revised Romanization of Korean (2000) for syllables, with the common
sound changes across syllables (linking a final consonant to a following vowel, nasal and
lateral assimilation). Fan spellings are a few fixed, tested rewrites of that ("eo" typed
as "u", the syllables without sound changes, family names as people spell them); they are
deliberately few (two or three per name), so the index grows little and a generated form
rarely collides with another name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from bot.knowledge.normalize import has_hangul, normalize
from bot.store import catalog as db
from bot.store.catalog import Conn

_BASE = 0xAC00
_LAST = 0xD7A3
_INITIALS = (
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
)  # fmt: skip
_VOWELS = (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
)  # fmt: skip
# Final consonant as pronounced at the end of a syllable (before a consonant or a pause).
_FINALS = (
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
)  # fmt: skip
# Final consonant carried over to a following vowel (ㅇ-initial syllable): 음악 -> eumak.
_LINKED = (
    "", "g", "kk", "ks", "n", "nj", "n", "d", "r", "lg", "lm", "lb", "ls", "lt", "lp", "r", "m",
    "b", "bs", "s", "ss", "ng", "j", "ch", "k", "t", "p", "",
)  # fmt: skip
_SILENT_INITIAL = 11  # ㅇ
_NASAL_INITIALS = (2, 6)  # ㄴ ㅁ
_RIEUL_INITIAL = 5  # ㄹ

# How people spell common family names (Revised Romanization would give gim, bak, i, …).
FAMILY_NAMES = {
    "김": "kim", "이": "lee", "박": "park", "최": "choi", "정": "jung", "강": "kang", "조": "cho",
    "윤": "yoon", "장": "jang", "임": "lim", "한": "han", "오": "oh", "서": "seo", "신": "shin",
    "권": "kwon", "황": "hwang", "안": "ahn", "송": "song", "유": "yoo", "홍": "hong", "전": "jeon",
    "고": "ko", "문": "moon", "손": "son", "배": "bae", "백": "baek", "허": "heo", "남": "nam",
    "심": "shim", "노": "noh", "하": "ha", "곽": "kwak", "성": "sung", "차": "cha", "주": "joo",
    "우": "woo", "구": "koo", "민": "min", "류": "ryu", "엄": "um", "채": "chae", "방": "bang",
    "변": "byun", "양": "yang", "도": "do", "현": "hyun", "공": "kong", "석": "seok", "선": "sun",
}  # fmt: skip
_MAX_FORMS = 6
ORIGIN = "romanized"


def _parts(ch: str) -> tuple[int, int, int] | None:
    code = ord(ch)
    if not _BASE <= code <= _LAST:
        return None
    code -= _BASE
    return code // 588, (code % 588) // 28, code % 28


def _word(word: str, sound_changes: bool) -> str:
    """Romanize one word (no spaces); non-Hangul characters pass through."""
    out: list[str] = []
    syllables = [(_parts(ch), ch) for ch in word]
    for i, (parts, ch) in enumerate(syllables):
        if parts is None:
            out.append(ch)
            continue
        lead, vowel, final = parts
        prev = syllables[i - 1][0] if i else None
        initial = _INITIALS[lead]
        if sound_changes and prev is not None:
            prev_final = prev[2]
            if lead == _RIEUL_INITIAL and prev_final in (4, 8):  # ㄴ/ㄹ + ㄹ -> ll
                initial = "l"
            elif lead == _RIEUL_INITIAL and prev_final in (16, 21):  # ㅁ/ㅇ + ㄹ -> n
                initial = "n"
        nxt = syllables[i + 1][0] if i + 1 < len(syllables) else None
        coda = _FINALS[final]
        if sound_changes and nxt is not None and final:
            if nxt[0] == _SILENT_INITIAL:
                coda = _LINKED[final]
            elif nxt[0] == _RIEUL_INITIAL and final in (4, 8):
                coda = "l"
            elif nxt[0] in _NASAL_INITIALS and coda in ("k", "t", "p"):
                coda = {"k": "ng", "t": "n", "p": "m"}[coda]
        out.append(initial + _VOWELS[vowel] + coda)
    return "".join(out)


def romanize(text: str, *, sound_changes: bool = True) -> str:
    """Return the Revised Romanization of the Hangul in ``text`` ("빨간 맛" -> "ppalgan mat")."""
    return " ".join(_word(w, sound_changes) for w in text.split())


def _fan_rewrites(form: str) -> list[str]:
    # The one habit nearly every fan spelling shares: "eo" typed as "u" (Jungkook, Taehyung).
    return [form.replace("eo", "u")]


def fan_spellings(text: str) -> list[str]:
    """Return romanized forms of ``text``: Revised Romanization first, then fan spellings.

    Deterministic order, no duplicates by search form, at most a handful of forms.
    """
    if not has_hangul(text):
        return []
    bases = [romanize(text), romanize(text, sound_changes=False)]
    words = text.split()
    # A three-syllable Hangul person-like name: the family name as people spell it.
    if len(words) == 1 and len(words[0]) == 3 and words[0][0] in FAMILY_NAMES:
        given = romanize(words[0][1:])
        bases.append(f"{FAMILY_NAMES[words[0][0]]} {given}")
    forms: list[str] = []
    for base in bases:
        forms.append(base)
        forms.extend(_fan_rewrites(base))
    seen: dict[str, str] = {}
    for form in forms:
        norm = normalize(form)
        if norm and not has_hangul(form) and norm not in seen:
            seen[norm] = form
    return list(seen.values())[:_MAX_FORMS]


def lookup_forms(text: str) -> list[str]:
    """Return the few romanizations worth looking up for Hangul typed in a question.

    Revised Romanization, and for a three-syllable name the family name as people spell
    it ("최용석" -> "choi yongseok"): the forms catalogs write Latin names in. Fewer than
    ``fan_spellings``, so a question's lookup stays one small query.
    """
    if not has_hangul(text):
        return []
    forms = [romanize(text)]
    words = text.split()
    if len(words) == 1 and len(words[0]) == 3 and words[0][0] in FAMILY_NAMES:
        forms.append(f"{FAMILY_NAMES[words[0][0]]} {romanize(words[0][1:])}")
    return forms


def romanized_rows(
    names: Iterable[tuple[int, str, str]], taken: set[tuple[int, str]]
) -> list[db.NameInsert]:
    """Return name rows to index for (entity_id, kind, hangul name) triples.

    ``taken`` holds (entity_id, norm) pairs that exist already; they are skipped, so a
    generated form never shadows a stored one.
    """
    rows: list[db.NameInsert] = []
    for entity_id, kind, name in names:
        for form, norm in _indexed_spellings(name):
            key = (entity_id, norm)
            if key in taken:
                continue
            taken.add(key)
            rows.append(
                db.NameInsert(entity_id, kind, form, norm, "romanization", None, False, ORIGIN)
            )
    return rows


@functools.lru_cache(maxsize=1 << 16)
def _indexed_spellings(name: str) -> tuple[tuple[str, str], ...]:
    """Return ``fan_spellings(name)`` with each form's search key (kept: every import reads
    every Korean name of the catalog again, and working them out was most of its CPU)."""
    return tuple((form, normalize(form)) for form in fan_spellings(name))


async def clear_romanized_names(conn: Conn) -> None:
    """Delete the generated names before an import writes (call first in its transaction).

    An import whose names only add (kpopnet, MusicBrainz) clears them first, so a name it stores
    is never kept out by a generated form of the same spelling.
    """
    await db.delete_names(conn, [i for i, _ in await db.names_by_origin(conn, [ORIGIN])])


async def give_way_to_stored(conn: Conn, rows: Sequence[db.NameInsert]) -> None:
    """Delete the generated names that spell what ``rows`` are about to store.

    For an import whose names only add (``overwrite=False``) and that does not clear the
    generated names first: a stored name is never kept out by a generated form.
    """
    entity_ids = sorted({r.entity_id for r in rows})
    keys = {(r.entity_id, r.norm) for r in rows}
    held = await db.names_by_origin(conn, [ORIGIN], entity_ids)
    await db.delete_names(conn, [i for i, row in held if (row.entity_id, row.norm) in keys])


async def refresh_romanized_names(conn: Conn, entity_ids: Sequence[int] | None = None) -> int:
    """Bring the romanized names in step with the Korean names (call last in an import).

    Only what changed is written: the forms of Korean names an import added or changed, and
    the deletion of forms whose Korean name is gone, so a re-import writes none and an import of
    one file into a full store a handful. With ``entity_ids`` (an on-demand lookup's few
    entities), only theirs are read. Return how many rows it offered to add.
    """
    held = await db.names_by_origin(conn, [ORIGIN], entity_ids)
    korean = await db.korean_names(conn, entity_ids)
    # A stored name with the same search form wins: no form is generated for it.
    taken = await db.stored_name_keys(conn, (e for e, _, _ in korean), but_origin=ORIGIN)
    return await db.replace_names(conn, held, romanized_rows(korean, taken), overwrite=False)
