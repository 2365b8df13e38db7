"""The message catalogues: fallback to English, fields that fit, names Discord accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from discord import Locale
from discord.app_commands import TranslationContext, TranslationContextLocation, locale_str

from bot.app.catalogues import code_messages, coverage, ids, template
from bot.core import i18n
from bot.core.i18n import N_, fields_of, lang_of_locale, pick_lang, question_lang, t, tn, tp
from bot.discord_io.translator import (
    NAME_CONTEXTS,
    CatalogueTranslator,
    valid_command_name,
    valid_translation,
)

LOCALES = Path(i18n.__file__).resolve().parents[1] / "locales"


def read(lang: str):
    with (LOCALES / f"{lang}.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def translated(lang: str):
    return [m for m in read(lang) if m.id and m.string and not m.fuzzy]


@pytest.fixture
def fake_locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the catalogues at a temporary directory (and forget what was read)."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    yield tmp_path
    i18n.catalogue.cache_clear()


def test_korean_and_english_messages() -> None:
    assert t("Sources", "ko") == "출처"
    assert t("Sources", "en") == "Sources"
    assert t("Now following {artist}.", "ko", artist="IU") == "이제 IU를 팔로우합니다."
    assert tn("{n} credit", "{n} credits", 1, "en") == "1 credit"
    assert tn("{n} credit", "{n} credits", 3, "en") == "3 credits"
    assert tn("{n} credit", "{n} credits", 3, "ko") == "크레딧 3개"
    # A field marked with N_ is translated too; a plain one (a name) is shown as it is.
    message = "{what} must be one of: {allowed}."
    assert t(message, "ko", what=N_("Relation"), allowed="homage") == (
        "관계 값은 다음 중 하나여야 합니다: homage."
    )
    assert t(message, "ko", what="Relation", allowed="homage").startswith("Relation 값은")


def test_a_missing_translation_falls_back_to_english_never_to_a_key(fake_locales: Path) -> None:
    (fake_locales / "ko.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Sources"\nmsgstr "출처"\n\n'
        'msgid "Nothing was changed."\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Cancel"\nmsgstr "틀릴 수도"\n\n'
        'msgid "Now following {artist}."\nmsgstr "{가수} 팔로우"\n',
        encoding="utf-8",
    )
    assert t("Sources", "ko") == "출처"
    # Untranslated, fuzzy, unknown: the English text, never an id or an empty string.
    assert t("Nothing was changed.", "ko") == "Nothing was changed."
    assert t("Cancel", "ko") == "Cancel"
    assert t("A message nobody catalogued", "ko") == "A message nobody catalogued"
    # A translation naming a field the code does not pass shows the English.
    assert t("Now following {artist}.", "ko", artist="IU") == "Now following IU."
    # A language with no catalogue at all reads English.
    assert t("Sources", "ja") == "Sources"


def test_particles_follow_each_fields_last_sound_and_words_their_context(
    fake_locales: Path,
) -> None:
    (fake_locales / "ko.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "{artist} sang {title}."\nmsgstr "{artist:은/는} {title:을/를} 불렀어요."\n\n'
        'msgid "{name} is {who}."\nmsgstr "{name:은/는} {who:이에요/예요}."\n\n'
        'msgctxt "status"\nmsgid "database"\nmsgstr "공개 데이터베이스 기록"\n\n'
        'msgctxt "grade"\nmsgid "database"\nmsgstr "데이터베이스"\n',
        encoding="utf-8",
    )
    message = "{artist} sang {title}."
    assert (
        t(message, "ko", artist="V", title="“Love wins all”") == "V는 “Love wins all”을 불렀어요."
    )
    assert t(message, "ko", artist="RM", title="봄날") == "RM은 봄날을 불렀어요."
    assert t("{name} is {who}.", "ko", name="리더", who="지효") == "리더는 지효예요."
    assert t("{name} is {who}.", "ko", name="본명", who="김남준") == "본명은 김남준이에요."
    # English has no particles; an untranslated message shows it as written.
    assert t(message, "en", artist="V", title="“Love wins all”") == "V sang “Love wins all”."
    # One English word, two contexts, two translations; an unknown context reads English.
    assert tp("status", "database", "ko") == "공개 데이터베이스 기록"
    assert tp("grade", "database", "ko") == "데이터베이스"
    assert tp("role", "database", "ko") == "database"
    assert tp("grade", "database", "en") == "database"


def test_language_choice() -> None:
    assert lang_of_locale("ko") == "ko"
    assert lang_of_locale("en-US") == "en"
    assert lang_of_locale("en-GB") == "en"
    assert lang_of_locale("fr") is None
    assert pick_lang(None, "ko") == "ko"
    assert pick_lang(None, "fr") == "en"
    assert pick_lang("en", "ko") == "en"  # a server's pinned language wins
    assert pick_lang("ko", "en-US") == "ko"
    assert pick_lang(None, None, "ko") == "ko"  # e.g. no member: the server's locale
    assert question_lang("봄날 작곡 누구야?") == "ko"
    assert question_lang("who directed Love wins all?") == "en"


def test_every_translation_uses_only_fields_its_english_has() -> None:
    wrong = []
    for lang in i18n.LANGUAGES:
        if lang == i18n.SOURCE_LANGUAGE:
            continue
        for m in translated(lang):
            english = m.id if isinstance(m.id, str) else m.id[1]
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            wrong += [(lang, m.id, s) for s in strings if not fields_of(s) <= fields_of(english)]
    assert wrong == []


def test_no_korean_translation_writes_a_particle_pair_literally() -> None:
    # "{name:은/는}" follows the name's last sound; "은(는)" or "(이)라는" shows both.
    literal = re.compile(r"[은이을과와]\([는가를와과]\)|\((?:으|이)\)")
    found = [
        (m.id, s)
        for m in translated("ko")
        for s in ([m.string] if isinstance(m.string, str) else list(m.string))
        if literal.search(s)
    ]
    assert found == []


def test_every_command_localisation_passes_discords_rules() -> None:
    checked = 0
    bad = []
    for lang in i18n.DISCORD_LOCALES:
        for m in translated(lang):
            if m.context is None:
                continue
            checked += 1
            if not valid_translation(m.context, m.string):
                bad.append((m.context, m.id, m.string))
    assert checked > 100
    assert bad == []


def test_the_name_rule() -> None:
    for good in ("크레딧", "주기_분", "credits", "every_minutes", "지난글게시", "नमस्ते", "สวัสดี"):
        assert valid_command_name(good), good
    for bad in ("Credits", "두 단어", "", "a" * 33, "what?", "x/y"):
        assert not valid_command_name(bad), bad
    assert set(NAME_CONTEXTS) == {"command_name", "group_name", "parameter_name"}


def test_en_po_lists_every_message_the_code_marks() -> None:
    # The command tree's strings are checked with the bot running (tests/cogs/test_languages.py).
    marked = ids(template(code_messages()))
    listed = ids(read("en"))
    missing = sorted(m for m in marked if m not in listed)
    assert missing == [], "run: python -m bot.app.catalogues update"
    assert len(marked) > 100


def test_the_translated_share_counts_only_real_translations(fake_locales: Path) -> None:
    (fake_locales / "ko.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Sources"\nmsgstr "출처"\n\n'
        'msgctxt "command_name"\nmsgid "credits"\nmsgstr "크레딧"\n\n'
        'msgid "Nothing was changed."\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Cancel"\nmsgstr "틀릴 수도"\n',
        encoding="utf-8",
    )
    wanted = {(None, "Sources"), ("command_name", "credits"), (None, "Nothing was changed.")}
    wanted |= {(None, "Cancel"), ("command_name", "Sources")}
    report = coverage("ko", wanted)
    assert (report.translated, report.total) == (2, 5)


def test_korean_covers_every_listed_message() -> None:
    listed = ids(read("en"))
    report = coverage("ko", listed)
    untranslated = sorted(
        listed - {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in translated("ko")}
    )
    assert report.translated == report.total - len(untranslated)
    assert untranslated == [], (
        f"ko translates {report.translated}/{report.total}: add the Korean to bot/locales/ko.po"
    )


async def test_the_translator_leaves_out_what_discord_would_refuse(fake_locales: Path) -> None:
    (fake_locales / "ko.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgctxt "command_name"\nmsgid "credits"\nmsgstr "크레딧"\n\n'
        'msgctxt "command_name"\nmsgid "works"\nmsgstr "참여 작품"\n\n'
        'msgctxt "command_description"\nmsgid "Who wrote it."\nmsgstr "' + "가" * 101 + '"\n',
        encoding="utf-8",
    )
    translator = CatalogueTranslator()

    async def translate(text: str, where: TranslationContextLocation, locale: Locale):
        context = TranslationContext(location=where, data=None)
        return await translator.translate(locale_str(text), locale, context)

    name = TranslationContextLocation.command_name
    assert await translate("credits", name, Locale.korean) == "크레딧"
    assert await translate("credits", name, Locale.american_english) is None
    assert await translate("credits", name, Locale.japanese) is None
    assert await translate("works", name, Locale.korean) is None  # a space: Discord refuses it
    description = TranslationContextLocation.command_description
    assert await translate("Who wrote it.", description, Locale.korean) is None  # over 100


def babel_entries(path: Path) -> list[tuple[object, ...]]:
    with path.open("rb") as handle:
        po = read_po(handle)
    entries = []
    for m in po:
        if not m.id:
            continue
        if isinstance(m.id, tuple | list):
            entries.append((m.context, m.id[0], m.id[1], tuple(m.string), m.fuzzy))
        else:
            entries.append((m.context, m.id, None, (m.string,), m.fuzzy))
    return sorted(entries, key=repr)


def own_entries(path: Path) -> list[tuple[object, ...]]:
    entries = i18n.read_po_file(path)
    return sorted(((e.context, e.id, e.plural_id, e.strings, e.fuzzy) for e in entries), key=repr)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_bots_po_reader_reads_each_catalogue_as_babel_does(lang: str) -> None:
    path = LOCALES / f"{lang}.po"
    assert len(own_entries(path)) > 800
    assert own_entries(path) == babel_entries(path)


def test_the_po_reader_reads_escapes_continuations_contexts_plurals_and_flags(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        "#. a note\n#: cogs/x.py:1\n#, python-brace-format\n"
        'msgid "Say \\"{name}\\"\\tthen\\n"\n"a second line \\\\ done"\n'
        'msgstr ""\n"말해 \\"{name}\\"\\t그리고\\n"\n"둘째 줄 \\\\ 끝"\n\n'
        'msgctxt "command_name"\nmsgid "credits"\nmsgstr "크레딧"\n'
        'msgid "{n} credit"\nmsgid_plural "{n} credits"\nmsgstr[0] "크레딧 {n}개"\n\n'
        '#, fuzzy, python-brace-format\nmsgid "Cancel"\nmsgstr "틀릴 수도"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "없어짐"\n',
        encoding="utf-8",
    )
    entries = own_entries(path)
    assert entries == babel_entries(path)
    assert entries == sorted(
        [
            (
                None,
                'Say "{name}"\tthen\na second line \\ done',
                None,
                ('말해 "{name}"\t그리고\n둘째 줄 \\ 끝',),
                False,
            ),
            ("command_name", "credits", None, ("크레딧",), False),
            (None, "{n} credit", "{n} credits", ("크레딧 {n}개",), False),
            (None, "Cancel", None, ("틀릴 수도",), True),
        ],
        key=repr,
    )
