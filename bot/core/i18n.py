"""The bot's languages: message catalogues, translation with English fallback, language choice.

Message ids are the English text itself (see CONTRIBUTING.md, "Translations"): code says
``t("Sources", lang)`` and reads as it will show in English. Command names, descriptions and
choices come from the command tree and carry a gettext context naming where they appear
(``command_name``, ``parameter_description``, ...), so "release" the command and "release" the
word can be translated apart; so do the vocabulary's words (``role``, ``relation``, ``status``,
``grade``, ``release type``: ``tp("role", "Composer", lang)``). The catalogues are read from
``bot/locales/<lang>.po`` with babel at first use; nothing is compiled or generated into the
repository.

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

from babel.messages.pofile import read_po

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


@cache
def catalogue(lang: str) -> Catalogue:
    """Read ``locales/<lang>.po`` once; untranslated or fuzzy entries are left out."""
    singular: dict[Key, str] = {}
    plural: dict[Key, tuple[str, ...]] = {}
    path = LOCALE_DIR / f"{lang}.po"
    if lang == SOURCE_LANGUAGE or not path.exists():
        return Catalogue(lang, singular, plural)
    with path.open("rb") as handle:
        po = read_po(handle, locale=lang)
    for message in po:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            forms = tuple(message.string or ())
            if forms and all(forms):
                plural[(message.context, message.id[0])] = forms
        elif isinstance(message.string, str) and message.string:
            singular[(message.context, message.id)] = message.string
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
