"""Words for answers in English and Korean: dates, credit roles, lists and durations.

One small formatting layer shared by everything that speaks to people in either language
(the ask engine today, localised replies later). Every function takes ``lang``: ``"en"`` or
``"ko"``; any other value falls back to English, never to a key or an error.

Names are never translated here: the caller shows names in the script the catalog has.
English words for roles, relations, statuses, grades and release types come from ``vocab`` (one
home for the vocabulary), marked there for the message catalogues with a context ("role",
"relation", "status", "grade", "release type", "video kind"); their Korean words are in
``bot/locales/ko.po``, tested to cover every key of ``vocab``. The forms of dates and running
times are catalogue messages too ("{year}-{month:02d}-{day:02d}" reads "2017년 2월 13일").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal

from bot.core.i18n import t, tp
from bot.knowledge import vocab

LANGS = ("en", "ko")

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "en"


def format_date(value: str | dt.date, lang: str) -> str:
    """Return a stored date ("2017-02-13", "2017-02" or "2017") for people to read.

    English keeps the ISO form the catalog stores (unambiguous in every locale);
    Korean reads "2017년 2월 13일". Text that is not an ISO date comes back unchanged.
    """
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    m = _ISO.match(text)
    if not m:
        return text
    year, month, day = m.groups()
    if day:
        return t(
            "{year}-{month:02d}-{day:02d}", lang, year=int(year), month=int(month), day=int(day)
        )
    if month:
        return t("{year}-{month:02d}", lang, year=int(year), month=int(month))
    return t("{year}", lang, year=int(year))


def _role_word(role: str, lang: str) -> str:
    """Return the one word a language other than English has for a role ("작곡"), else the key."""
    known = vocab.ROLE.get(role)
    return tp("role", known.title, lang) if known else role


def role_title(role: str, lang: str) -> str:
    """Return a credit role as a sentence names it ("composer", "MV director" / "작곡")."""
    if _lang(lang) != "en":
        return _role_word(role, lang)
    title = vocab.role_title(role)
    # "Composer" reads "composer" mid-sentence; an initialism ("MV director") keeps its capitals.
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def role_phrase(role: str, lang: str) -> str:
    """Return the phrase that introduces names in an answer ("directed by" / "뮤직비디오 감독")."""
    return _role_word(role, lang) if _lang(lang) != "en" else vocab.role_phrase(role)


def role_verb(role: str, lang: str) -> str:
    """Return what a person did in a role, for a list of works ("composed" / "작곡")."""
    return _role_word(role, lang) if _lang(lang) != "en" else vocab.role_verb(role)


def relation_phrase(relation: str, lang: str) -> str:
    """Return how a reference relates ("homage to" / "오마주")."""
    known = vocab.RELATION.get(relation)
    if known is None:
        return relation
    return known.phrase if _lang(lang) == "en" else tp("relation", known.key, lang)


def status_phrase(status: str, lang: str) -> str:
    """Return who claims a reference, as an answer says it ("a critic's reading")."""
    known = vocab.STATUS.get(status)
    return tp("status", known.answer, _lang(lang)) if known else status


def grade_note(grade: str, lang: str) -> str:
    """Return the note a fact of this source grade carries ("press" / "언론"), or ""."""
    known = vocab.GRADE.get(grade)
    return tp("grade", known.note, _lang(lang)) if known and known.note else ""


def release_type_word(type_: str, lang: str) -> str:
    """Return a release type inside a sentence ("single", "EP" / "싱글", "미니앨범")."""
    known = vocab.RELEASE_TYPE.get(type_)
    return tp("release type", known.word, _lang(lang)) if known else type_


def video_kind_word(kind: str, lang: str) -> str:
    """Return a kind of video inside a sentence ("music video" / "뮤직비디오")."""
    return tp("video kind", kind, _lang(lang)) if kind in vocab.VIDEO_KINDS else kind


def work_kind_word(kind: str, lang: str) -> str:
    """Return a kind of outside work inside a sentence ("film" / "영화")."""
    return tp("work kind", kind, _lang(lang)) if kind in vocab.WORK_KINDS else kind


_WORK_DETAIL = re.compile(r" \((?P<kind>[a-z]+)(?P<year>, \d{4})?\)$")


def work_label(label: str, lang: str) -> str:
    """Return an outside work's label with its kind in the language ("… (film, 2006)" /
    "… (영화, 2006)"); other labels come back unchanged."""
    m = _WORK_DETAIL.search(label)
    if m is None or m.group("kind") not in vocab.WORK_KINDS or _lang(lang) == "en":
        return label
    kind = work_kind_word(m.group("kind"), lang)
    return f"{label[: m.start()]} ({kind}{m.group('year') or ''})"


def join_list(items: Sequence[str], lang: str, conjunction: Literal["and", "or"] = "and") -> str:
    """Join items as a sentence would: "A, B and C" / "A, B, C".

    ``conjunction`` is "and" or "or" (Korean: 및 is formal, so lists use commas, and
    "or" becomes "또는").
    """
    items = [i for i in items if i]
    if not items:
        return ""
    either = conjunction == "or"
    text = items[0]
    for item in items[1:-1]:
        text = (
            tp("or list", "{items}, {item}", lang, items=text, item=item)
            if either
            else tp("and list", "{items}, {item}", lang, items=text, item=item)
        )
    if len(items) > 1:
        text = (
            tp("or list", "{items} or {last}", lang, items=text, last=items[-1])
            if either
            else tp("and list", "{items} and {last}", lang, items=text, last=items[-1])
        )
    return text


def format_duration(seconds: int, lang: str) -> str:
    """Return a running time: "4:34" in English, "4분 34초" in Korean."""
    minutes, rest = divmod(max(seconds, 0), 60)
    if rest:
        return t("{minutes}:{seconds:02d}", lang, minutes=minutes, seconds=rest)
    return t("{minutes}:00", lang, minutes=minutes)


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
