"""discord.py's side of the languages: the tree's Translator, and each interaction's language.

Every command name, description and choice the cogs declare is an ``app_commands.locale_str``
(discord.py makes it one); at sync time this Translator looks each up in the catalogues under a
context naming where it appears, and returns nothing it has not checked against Discord's rules,
so a bad translation is left out (English shows) instead of failing the whole sync.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

import discord
from discord import app_commands

from bot.core.i18n import (
    DISCORD_LOCALES,
    LANGUAGES,
    catalogue,
    pick_lang,
    tc,
)

log = logging.getLogger(__name__)

NAME_MAX = 32
TEXT_MAX = 100  # descriptions and choice names
NAME_CONTEXTS = ("command_name", "group_name", "parameter_name")


def valid_command_name(name: str) -> bool:
    """Whether Discord accepts ``name`` for a slash command, group or option.

    Discord's rule is ``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` in the lowercase
    variant of every letter that has one (Hangul has no case). Devanagari and Thai vowel signs
    are marks, so marks are allowed too.
    """
    if not 1 <= len(name) <= NAME_MAX:
        return False
    for ch in name:
        category = unicodedata.category(ch)
        if ch not in "-_" and category[0] not in "LN" and category not in ("Mn", "Mc"):
            return False
        if ch.lower() != ch:
            return False
    return True


def valid_translation(context: str, text: str) -> bool:
    """Whether a translated command-tree string may be sent to Discord in this place."""
    if context in NAME_CONTEXTS:
        return valid_command_name(text)
    return 1 <= len(text) <= TEXT_MAX and text.strip() == text


# Discord locale -> our language, for the locales the catalogues translate the commands into.
TARGET_LOCALES = {code: lang for lang, codes in DISCORD_LOCALES.items() for code in codes}


class CatalogueTranslator(app_commands.Translator):
    """Translate the command tree from the message catalogues (bot/locales/*.po)."""

    async def load(self) -> None:
        """Read every catalogue now (the tree calls this once), not on a member's first reply."""
        for lang in LANGUAGES:
            catalogue(lang)

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext[Any, Any],
    ) -> str | None:
        """Return the catalogue's text for this string and Discord locale, if it has a valid one."""
        # Called for every string in every one of Discord's locales at each sync: keep it cheap.
        lang = TARGET_LOCALES.get(locale.value)
        if lang is None:
            return None
        where = context.location.name
        text = tc(where, string.message, lang)
        if text is None:
            return None
        if not valid_translation(where, text):
            log.warning(
                "left out the %s translation %r of %r: Discord would refuse it",
                lang,
                text,
                string.message,
            )
            return None
        return text


def lang_of(interaction: discord.Interaction) -> str:
    """Return the language to answer this interaction in (set by the tree; else its locale)."""
    lang = interaction.extras.get("lang")
    return lang if isinstance(lang, str) else pick_lang(None, interaction.locale)


def server_lang(pinned: str | None, guild: discord.Guild) -> str:
    """Return the language of a server's own posts: its pinned one, else its preferred locale."""
    return pick_lang(pinned, guild.preferred_locale)


def command_strings(tree: app_commands.CommandTree) -> list[tuple[str, str]]:
    """Return every translatable (context, English text) of the tree, in a stable order."""
    found: set[tuple[str, str]] = set()

    def parameters(command: app_commands.Command[Any, ..., Any]) -> None:
        for parameter in command.parameters:
            found.add(("parameter_name", parameter.name))
            found.add(("parameter_description", parameter.description))
            for choice in parameter.choices:
                found.add(("choice_name", choice.name))

    for command in tree.walk_commands():
        if isinstance(command, app_commands.Group):
            found.add(("group_name", command.name))
            found.add(("group_description", command.description))
        elif isinstance(command, app_commands.Command):
            found.add(("command_name", command.name))
            found.add(("command_description", command.description))
            parameters(command)
    return sorted(found)
