"""The bot's languages: message catalogues, translation with English fallback, language choice.

Message ids are the English text itself (see CONTRIBUTING.md, "Translations"): code says
``t("Sources", lang)`` and reads as it will show in English. Command names, descriptions and
choices come from the command tree and carry a gettext context naming where they appear
(``command_name``, ``parameter_description``, ...), so "release" the command and "release" the
word can be translated apart; so do the vocabulary's words (``role``, ``relation``, ``status``,
``grade``, ``release type``: ``tp("role", "Composer", lang)``). The catalogues are read from
``bot/locales/<lang>.po`` at first use (``read_po_file``, a reader of the few forms the
catalogue tool writes; babel, which writes them, stays a tool of ``bot.app.catalogues`` and
is not loaded by a running bot); nothing is compiled or generated into the repository.

Korean particles after a field follow the field's last sound: a translation writes the pair as
the field's format spec, ``"{name:은/는} {group:이/가}"`` (``bot/core/hangul.py`` chooses), never a
literal "은(는)".

This module is pure: no discord import, so knowledge and feeds code may use it.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from bot.core.hangul import PARTICLE_PAIRS, particle

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locales"
SOURCE_LANGUAGE = "en"
# The languages the bot speaks, with their own names (shown by /config language).
LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어"}
# Which Discord locale each language uses for command localisations (Discord's keys).
DISCORD_LOCALES: dict[str, tuple[str, ...]] = {"ko": ("ko",)}
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")

Key = tuple[str | None, str]


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One language's translations: (context, English id) -> text, and plural forms."""

    lang: str
    singular: Mapping[Key, str]
    plural: Mapping[Key, tuple[str, ...]]


class Msg(str):
    """English text marked for translation (what ``N_`` returns).

    It is a plain ``str`` everywhere else; passed as a field to ``t``, it is translated too, so
    an error can carry translatable parts ("{why}") next to names that must stay as they are.
    """

    __slots__ = ()


def N_(message: str) -> Msg:
    """Mark an English message for the catalogue where it is defined; translate it where shown."""
    return Msg(message)


def Np_(context: str, message: str) -> str:
    """Mark an English word with its context (``"role"``...) for the catalogue; ``tp`` shows it."""
    return message


@dataclass(frozen=True, slots=True)
class PoEntry:
    """One entry of a ``.po`` file: its context, id (and plural id), strings and flags."""

    context: str | None
    id: str
    plural_id: str | None
    strings: tuple[str, ...]  # msgstr, or msgstr[0], msgstr[1]...
    fuzzy: bool


_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_PO_ESCAPE = re.compile(r"\\(.)")
_PO_LINE = re.compile(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')


def _po_string(quoted: str) -> str:
    return _PO_ESCAPE.sub(lambda m: _PO_ESCAPES.get(m.group(1), m.group(1)), quoted)


def read_po_file(path: Path) -> list[PoEntry]:
    """Read a gettext ``.po`` file: its entries in file order, the header and obsolete ones out.

    Reads what ``python -m bot.app.catalogues update`` writes (babel's writer): flags in
    ``#,`` lines, ``msgctxt``, plurals as ``msgstr[n]``, strings continued on quoted lines, the
    escapes ``\\n \\t \\r \\" \\\\``; a test reads both catalogues with babel too and compares.
    """
    entries: list[PoEntry] = []
    fields: dict[str, str] = {}
    forms: dict[int, str] = {}
    fuzzy = False
    last: tuple[str, int | None] | None = None

    def flush() -> None:
        nonlocal fuzzy, last
        if fields.get("msgid"):
            strings = (
                tuple(forms[n] for n in sorted(forms)) if forms else (fields.get("msgstr", ""),)
            )
            entries.append(
                PoEntry(
                    fields.get("msgctxt"),
                    fields["msgid"],
                    fields.get("msgid_plural"),
                    strings,
                    fuzzy,
                )
            )
        fields.clear()
        forms.clear()
        fuzzy, last = False, None

    with path.open(encoding="utf-8") as handle:  # line by line: no copy of the whole file
        for raw in handle:
            line = raw.strip()
            if not line:
                flush()
            elif line.startswith("#"):
                if last is not None:
                    flush()  # a comment after an entry begins the next one
                if line.startswith("#,") and "fuzzy" in (f.strip() for f in line[2:].split(",")):
                    fuzzy = True
            elif line.startswith('"') and line.endswith('"') and last is not None:
                keyword, index = last
                text = _po_string(line[1:-1])
                if index is None:
                    fields[keyword] += text
                else:
                    forms[index] += text
            elif (found := _PO_LINE.match(line)) is not None:
                keyword, number, quoted = found.group(1), found.group(2), found.group(3)
                if (
                    keyword in ("msgctxt", "msgid")
                    and "msgid" in fields
                    and (forms or "msgstr" in fields)
                ):
                    flush()  # a new entry with no blank line before it
                text = _po_string(quoted)
                if number is not None:
                    forms[int(number)] = text
                    last = ("msgstr", int(number))
                else:
                    fields[keyword] = text
                    last = (keyword, None)
    flush()
    return entries


@cache
def catalogue(lang: str) -> Catalogue:
    """Read ``locales/<lang>.po`` once; untranslated or fuzzy entries are left out."""
    singular: dict[Key, str] = {}
    plural: dict[Key, tuple[str, ...]] = {}
    path = LOCALE_DIR / f"{lang}.po"
    if lang == SOURCE_LANGUAGE or not path.exists():
        return Catalogue(lang, singular, plural)
    for entry in read_po_file(path):
        if entry.fuzzy:
            continue
        if entry.plural_id is not None:
            if entry.strings and all(entry.strings):
                plural[(entry.context, entry.id)] = entry.strings
        elif entry.strings[0]:
            singular[(entry.context, entry.id)] = entry.strings[0]
    return Catalogue(lang, singular, plural)


def _field(value: Any, lang: str) -> Any:
    """Translate a field that is itself a message: an ``N_`` text, or an error carrying one."""
    if isinstance(value, Msg):
        return t(value, lang)
    template = getattr(value, "template", None)  # a UserError nested in another one's fields
    if isinstance(value, Exception) and isinstance(template, str):
        return t(template, lang, **getattr(value, "fields", {}))
    return value


@lru_cache(maxsize=4096)
def _particle_fields(text: str) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """Return the message with each particle spec ("{name:이/가}") named as a field of its own
    ("{name__1}"), and (that field, the field it follows, the pair); read once per message."""
    pieces: list[str] = []
    found: list[tuple[str, str, str]] = []
    try:
        parsed = list(_PARSER.parse(text))
    except ValueError:
        return text, ()  # str.format says what is wrong with it
    for literal, name, spec, conversion in parsed:
        pieces.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if spec in PARTICLE_PAIRS and not conversion:
            key = f"{name}__{len(found)}"
            found.append((key, name, spec))
            pieces.append("{" + key + "}")
        else:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            pieces.append("{" + shown + "}")
    return ("".join(pieces), tuple(found)) if found else (text, ())


_PARSER = string.Formatter()


def _format(text: str, english: str, fields: Mapping[str, Any], lang: str) -> str:
    if not fields:
        return text
    fields = {k: _field(v, lang) for k, v in fields.items()}
    try:
        template, particles = _particle_fields(text)
        if particles:
            fields = dict(fields)
            for key, name, pair in particles:
                fields[key] = particle(format(fields[name]), pair)
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        # A translation naming a field the code does not pass must not break the reply.
        log.warning("translation %r does not fit its fields; showing English", text)
        return english.format(**fields)


def t(message: str, lang: str, /, **fields: Any) -> str:
    """Return ``message`` in ``lang`` (English when untranslated), with ``{fields}`` filled in."""
    text = catalogue(lang).singular.get((None, message), message)
    return _format(text, message, fields, lang)


def tp(context: str, message: str, lang: str, /, **fields: Any) -> str:
    """Return ``message`` as translated under ``context`` (English when untranslated)."""
    text = catalogue(lang).singular.get((context, message), message)
    return _format(text, message, fields, lang)


def tn(singular: str, plural: str, n: int, lang: str, /, **fields: Any) -> str:
    """Return the singular or plural message for ``n`` in ``lang``; ``{n}`` is filled in."""
    english = singular if n == 1 else plural
    forms = catalogue(lang).plural.get((None, singular))
    # Every language the bot speaks beyond English has one form (Korean has no plural).
    text = forms[0] if forms else english
    return _format(text, english, {"n": n, **fields}, lang)


def tc(context: str, message: str, lang: str) -> str | None:
    """Return the translation of a command-tree string (its context says where), or None."""
    return catalogue(lang).singular.get((context, message))


def fields_of(text: str) -> set[str]:
    """Return the ``{field}`` names a message uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def lang_of_locale(locale: object) -> str | None:
    """Return the bot's language for a Discord locale ("ko", "en-US"...), or None if unsupported."""
    if locale is None:
        return None
    value = str(getattr(locale, "value", locale))
    base = value.split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def pick_lang(pinned: str | None, *locales: object) -> str:
    """Return the language to use: a server's pinned one, else the first supported locale."""
    if pinned in LANGUAGES:
        return pinned
    for locale in locales:
        lang = lang_of_locale(locale)
        if lang is not None:
            return lang
    return SOURCE_LANGUAGE


def question_lang(text: str) -> str:
    """Return the language a question is written in: Korean if it has Hangul, else English."""
    return "ko" if HANGUL.search(text) else SOURCE_LANGUAGE
