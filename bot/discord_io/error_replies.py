"""What a user is told when an interaction fails: the first two error tiers.

Expected errors (our ``UserError`` types and discord.py's check failures) are shown as
they are, in the member's language; anything else is logged with its traceback and the user
gets a short apology with an error id. Both replies are ephemeral. Cogs import this, never
the Bot module.
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.core.errors import DatabaseUnavailable, NotFoundError, Untrusted, UserError, echo
from bot.core.i18n import t
from bot.discord_io import escape
from bot.discord_io.render import MESSAGE_LIMIT, clip
from bot.discord_io.translator import lang_of

log = logging.getLogger(__name__)


def describe_error(error: BaseException, lang: str = "en") -> tuple[str, bool]:
    """Return the message for a user (in ``lang``) and whether the error was expected."""
    original = getattr(error, "original", error)
    if isinstance(original, NotFoundError):
        text = t(original.template, lang, **shown_fields(original))
        if original.suggestions and "Did you mean" not in str(original):
            text += "\n" + t(
                "Did you mean: {names}?", lang, names=escape.names(original.suggestions[:5])
            )
        return text, True
    if isinstance(original, UserError):
        return t(original.template, lang, **shown_fields(original)), True
    if isinstance(original, DatabaseUnavailable):
        # The database server restarting (PostgreSQL): nothing was lost, asking again works.
        log.warning("a command met the database unavailable: %s", original)
        return t(
            "My database is not answering just now (it may be restarting): nothing was "
            "changed. Please try again in a minute.",
            lang,
        ), True
    if isinstance(error, app_commands.NoPrivateMessage):
        return t("This command works only in a server, not in direct messages.", lang), True
    if isinstance(error, app_commands.CommandOnCooldown):
        return t(
            "Slow down a little: try again in {seconds} s.",
            lang,
            seconds=round(error.retry_after),
        ), True
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return t("I am missing a permission here: {missing}.", lang, missing=missing), True
    if isinstance(error, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return t("You need the {missing} permission to do that.", lang, missing=missing), True
    if isinstance(error, app_commands.CheckFailure) and str(error):
        return t(str(error), lang), True
    if isinstance(error, app_commands.TransformerError):
        value = f"“{echo(str(error.value))}”"
        return t("I could not understand {value} for that option.", lang, value=value), True
    return "", False


def shown_fields(error: UserError) -> dict[str, object]:
    """Return an error's fields as shown: the ones marked ``Untrusted`` escaped."""
    return {
        key: escape.text(value) if isinstance(value, Untrusted) else value
        for key, value in error.fields.items()
    }


async def send_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer an interaction with an ephemeral error message (tiers 1 and 2)."""
    lang = lang_of(interaction)
    text, expected = describe_error(error, lang)
    if not expected:
        error_id = secrets.token_hex(4)
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("error %s in /%s", error_id, command, exc_info=getattr(error, "original", error))
        text = t(
            "Sorry, something went wrong on my side. It has been logged as error "
            "`{error_id}`; please try again later.",
            lang,
            error_id=error_id,
        )
    text = clip(text, MESSAGE_LIMIT)  # the fallback must never fail on length itself
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)
