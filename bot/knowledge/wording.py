"""Words for answers in English and Korean: dates, credit roles, lists and durations.

One small formatting layer shared by everything that speaks to people in either language
(the ask engine today, localised replies later). Every function takes ``lang``: ``"en"`` or
``"ko"``; any other value falls back to English, never to a key or an error.

Names are never translated here: the caller shows names in the script the catalog has.
English words for roles, relations, statuses and grades come from ``vocab`` (one home for
the vocabulary); this module adds their Korean words, tested to cover every key of ``vocab``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from bot.knowledge import vocab

LANGS = ("en", "ko")

# Korean words for the catalog's vocabulary (the English ones live in ``vocab``).
KO_ROLES = {
    "performer": "가수",
    "featured artist": "피처링",
    "lyricist": "작사",
    "writer": "작사·작곡",
    "composer": "작곡",
    "arranger": "편곡",
    "producer": "프로듀서",
    "mixing engineer": "믹싱 엔지니어",
    "mv director": "뮤직비디오 감독",
    "assistant director": "조감독",
    "director of photography": "촬영감독",
    "art director": "미술감독",
    "choreographer": "안무가",
    "mv cast": "출연",
    "conductor": "지휘",
    "designer": "디자인",
    "engineer": "엔지니어",
    "instrumentalist": "연주",
    "photographer": "사진",
    "recording engineer": "녹음 엔지니어",
    "vocalist": "보컬",
}
KO_RELATIONS = {
    "homage": "오마주",
    "visual reference": "시각적 레퍼런스",
    "quotation": "인용",
    "adaptation": "각색",
    "lyric reference": "가사 레퍼런스",
    "echo": "연상",
}
KO_STATUSES = {
    "confirmed": "제작진이 확인",
    "critic": "평론가의 해석",
    "fan": "팬들의 해석, 확인되지 않음",
    "database": "공개 데이터베이스 기록",
}
KO_GRADES = {
    "press": "언론",
    "database": "데이터베이스",
    "fan": "팬 출처",
    "community": "커뮤니티, 운영진 승인",
}
KO_RELEASE_TYPES = {
    "single": "싱글",
    "ep": "미니앨범",
    "album": "정규 앨범",
    "repackage": "리패키지 앨범",
    "other": "음반",
}
_KO_MONTH_DAY = "{y}년 {m}월 {d}일"
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "en"


def format_date(value: str | dt.date, lang: str) -> str:
    """Return a stored date ("2017-02-13", "2017-02" or "2017") for people to read.

    English keeps the ISO form the catalog stores (unambiguous in every locale);
    Korean reads "2017년 2월 13일". Text that is not an ISO date comes back unchanged.
    """
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if _lang(lang) == "en":
        return text
    m = _ISO.match(text)
    if not m:
        return text
    year, month, day = m.groups()
    if day:
        return _KO_MONTH_DAY.format(y=int(year), m=int(month), d=int(day))
    if month:
        return f"{int(year)}년 {int(month)}월"
    return f"{int(year)}년"


def role_title(role: str, lang: str) -> str:
    """Return a credit role as a sentence names it ("composer", "MV director" / "작곡")."""
    if _lang(lang) == "ko":
        return KO_ROLES.get(role, role)
    title = vocab.role_title(role)
    # "Composer" reads "composer" mid-sentence; an initialism ("MV director") keeps its capitals.
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def role_phrase(role: str, lang: str) -> str:
    """Return the phrase that introduces names in an answer ("directed by" / "뮤직비디오 감독")."""
    return KO_ROLES.get(role, role) if _lang(lang) == "ko" else vocab.role_phrase(role)


def role_verb(role: str, lang: str) -> str:
    """Return what a person did in a role, for a list of works ("composed" / "작곡")."""
    return KO_ROLES.get(role, role) if _lang(lang) == "ko" else vocab.role_verb(role)


def relation_phrase(relation: str, lang: str) -> str:
    """Return how a reference relates ("homage to" / "오마주")."""
    if _lang(lang) == "ko":
        return KO_RELATIONS.get(relation, relation)
    known = vocab.RELATION.get(relation)
    return known.phrase if known else relation


def status_phrase(status: str, lang: str) -> str:
    """Return who claims a reference, as an answer says it ("a critic's reading")."""
    if _lang(lang) == "ko":
        return KO_STATUSES.get(status, status)
    known = vocab.STATUS.get(status)
    return known.answer if known else status


def grade_note(grade: str, lang: str) -> str:
    """Return the note a fact of this source grade carries ("press" / "언론"), or ""."""
    if _lang(lang) == "ko":
        return KO_GRADES.get(grade, "")
    known = vocab.GRADE.get(grade)
    return known.note if known else ""


def release_type_word(type_: str, lang: str) -> str:
    """Return a release type inside a sentence ("single", "EP" / "싱글", "미니앨범")."""
    if _lang(lang) == "ko":
        return KO_RELEASE_TYPES.get(type_, type_)
    return "EP" if type_ == "ep" else type_


def join_list(items: Sequence[str], lang: str, conjunction: str = "and") -> str:
    """Join items as a sentence would: "A, B and C" / "A, B, C".

    ``conjunction`` is "and" or "or" (Korean: 및 is formal, so lists use commas, and
    "or" becomes "또는").
    """
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if _lang(lang) == "ko":
        if conjunction == "or":
            return " 또는 ".join(items)
        return ", ".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def format_duration(seconds: int, lang: str) -> str:
    """Return a running time: "4:34" in English, "4분 34초" in Korean."""
    minutes, rest = divmod(max(seconds, 0), 60)
    if _lang(lang) == "ko":
        return f"{minutes}분 {rest:02d}초" if rest else f"{minutes}분"
    return f"{minutes}:{rest:02d}"


def years_between(born: str, on: str) -> int | None:
    """Return the age in full years on ``on`` of someone born on ``born`` (ISO dates)."""
    try:
        b = dt.date.fromisoformat(born)
        d = dt.date.fromisoformat(on)
    except ValueError:
        return None
    if d < b:
        return None
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def say(lang: str, en: str, ko: str) -> str:
    """Pick the sentence for the language (callers write both side by side)."""
    return ko if _lang(lang) == "ko" else en
