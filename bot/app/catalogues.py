"""Keep the message catalogues in step with the code: extract, update, and count what is translated.

``python -m bot.app.catalogues check`` says whether ``locales/en.po`` lists every message
the code shows (and how much of each language is translated); ``update`` rewrites ``en.po`` from
the code and merges it into every other language's ``.po`` (new messages arrive untranslated,
messages the code no longer shows are dropped). See CONTRIBUTING.md, "Translations".
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.core import i18n
from bot.core.i18n import LANGUAGES, SOURCE_LANGUAGE

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# What marks a message in code: t(message, lang), tn(singular, plural, n, lang), N_(message),
# and a word with its context: tp(context, message, lang), Np_(context, message).
KEYWORDS = {"t": (1,), "tn": (1, 2), "N_": None, "tp": ((1, "c"), 2), "Np_": ((1, "c"), 2)}
HEADER = (
    '# Liner Notes messages. The id is the English text; see CONTRIBUTING.md, "Translations".\n'
    "# Update with: python -m bot.app.catalogues update"
)
STABLE_DATE = datetime(2026, 1, 1, tzinfo=UTC)
Message = tuple[str | None, str | tuple[str, ...]]  # (context, id or (singular, plural))


# A call of one of KEYWORDS (the extractor reads tokens: space may stand before the bracket).
_MARKED = re.compile(r"\b(?:" + "|".join(KEYWORDS) + r")[\s\\]*\(")


def code_messages() -> list[Message]:
    """Return every message marked in bot/ and cogs/, in a stable order."""
    found: set[Message] = set()
    for path in sorted(
        [*PACKAGE_ROOT.rglob("*.py"), *(PACKAGE_ROOT.parent / "cogs").rglob("*.py")]
    ):
        # Tokenizing costs; two files in three call none of the keywords and are passed over.
        if not _MARKED.search(path.read_text(encoding="utf-8")):
            continue
        for _line, message, _comments, context in extract_from_file(
            "python", str(path), keywords=KEYWORDS, comment_tags=()
        ):
            found.add((context, tuple(message) if isinstance(message, tuple | list) else message))
    return sorted(found, key=_order)


def _order(message: Message) -> tuple[str, str]:
    context, msgid = message
    return (context or "", msgid if isinstance(msgid, str) else msgid[0])


async def tree_messages() -> list[Message]:
    """Return every command-tree string, read from a bot with every cog loaded (offline)."""
    from bot.app.client import LinerNotesBot
    from bot.core.settings import load_settings
    from bot.discord_io.translator import command_strings

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(env={"DATABASE_PATH": str(Path(tmp) / "x.db")}, env_file=None)
        bot = LinerNotesBot(settings)
        try:
            await bot.setup_hook()
            return list(command_strings(bot.tree))
        finally:
            # Never logged in, so no gateway to close: unload the cogs (their loops) and the store.
            for name in list(bot.extensions):
                await bot.unload_extension(name)
            if bot.store is not None:
                await bot.store.close()


def _new(lang: str) -> Catalog:
    # Fixed header dates: an update that changes no message changes no byte.
    return Catalog(
        locale=lang,
        project="Liner Notes",
        version="",
        header_comment=HEADER,
        copyright_holder="Liner Notes contributors",
        creation_date=STABLE_DATE,
        revision_date=STABLE_DATE,
        fuzzy=False,
    )


def template(messages: Iterable[Message]) -> Catalog:
    """Return the English catalogue: every message, untranslated (English is the id)."""
    catalog = _new(SOURCE_LANGUAGE)
    for context, msgid in messages:
        catalog.add(msgid, string=("", "") if isinstance(msgid, tuple) else "", context=context)
    return catalog


def _read(lang: str) -> Catalog:
    path = i18n.LOCALE_DIR / f"{lang}.po"
    if not path.exists():
        return _new(lang)
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def _write(catalog: Catalog, lang: str) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=False, ignore_obsolete=True)
    (i18n.LOCALE_DIR / f"{lang}.po").write_bytes(buffer.getvalue())


def ids(catalog: Catalog) -> set[tuple[str | None, str]]:
    """Return a catalogue's (context, English id) keys, obsolete entries left out."""
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of one language is translated."""

    lang: str
    total: int
    translated: int

    @property
    def share(self) -> float:
        """Return the translated share, 0..1."""
        return self.translated / self.total if self.total else 1.0


def coverage(lang: str, wanted: set[tuple[str | None, str]]) -> Coverage:
    """Count the wanted messages that ``lang``'s catalogue translates (fuzzy ones do not count)."""
    done = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])
        for m in _read(lang)
        if m.id and not m.fuzzy and (all(m.string or ()) if isinstance(m.id, tuple) else m.string)
    }
    return Coverage(lang, len(wanted), len(wanted & done))


def main(argv: list[str] | None = None) -> int:
    """Check or update the catalogues; print each language's translated share."""
    parser = argparse.ArgumentParser(prog="python -m bot.app.catalogues")
    parser.add_argument("action", choices=("check", "update"))
    args = parser.parse_args(argv)
    messages = sorted(set(code_messages()) | set(asyncio.run(tree_messages())), key=_order)
    wanted = ids(template(messages))
    if args.action == "update":
        _write(template(messages), SOURCE_LANGUAGE)
        for lang in LANGUAGES:
            if lang != SOURCE_LANGUAGE:
                catalog = _read(lang)
                catalog.update(template(messages), no_fuzzy_matching=True)
                _write(catalog, lang)
    stale = wanted ^ ids(_read(SOURCE_LANGUAGE))
    for lang in LANGUAGES:
        if lang != SOURCE_LANGUAGE:
            c = coverage(lang, wanted)
            sys.stdout.write(
                f"{lang}: {c.translated}/{c.total} messages translated ({c.share:.1%})\n"
            )
    if stale:
        sys.stderr.write(f"en.po is out of date by {len(stale)} messages: run `update`\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
