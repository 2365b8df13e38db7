"""/suggest: members propose facts; editors and moderators approve or reject in the mod-log."""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserError
from bot.core.i18n import N_, t
from bot.discord_io import escape
from bot.discord_io.error_replies import send_error
from bot.discord_io.render import QUERY_MAX, Field, clip, make_embed
from bot.discord_io.translator import lang_of, server_lang
from bot.knowledge import search, suggested, vocab
from bot.knowledge.entities import EntityKey, entity
from bot.store import Store
from bot.store.guilds import GuildStore, Suggestion
from cogs._lookup import complete_names

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

KINDS = {
    "credit": "a credit (who wrote, composed, produced, directed…)",
    "reference": "a reference (a film, artwork, book… a video or song echoes)",
    "correction": "a correction to something the bot says",
    "release date": "a release date (and time) that was announced",
}
MODAL_TITLES = {
    "credit": N_("Suggest a credit — {subject}"),
    "reference": N_("Suggest a reference — {subject}"),
    "correction": N_("Suggest a correction — {subject}"),
    "release date": N_("Suggest a release date — {subject}"),
}
STATUS_WORDS = {"approved": N_("approved"), "rejected": N_("rejected"), "pending": N_("pending")}
KIND_WORDS = {
    "credit": N_("credit"),
    "reference": N_("reference"),
    "correction": N_("correction"),
    "release date": N_("release date"),
}


def field_lines(fields: dict[str, str]) -> str:
    """Render the modal's answers for the mod-log, each as inert text (shown as typed)."""
    return "\n".join(
        f"**{escape.text(k)}**: {escape.text(clip(v, 300)) or '—'}" for k, v in fields.items()
    )


def evidence_text(url: str) -> str:
    """Show an evidence URL as the address it really is: percent-encoded, with its host."""
    shown = escape.url(url)
    if shown is None:
        return escape.text(url)
    host = urlsplit(shown).hostname or "?"
    return f"{shown}\n({escape.text(host)})"


class SuggestionModal(discord.ui.Modal):
    """The form a member fills in; its fields depend on the kind of fact."""

    def __init__(
        self, cog: Suggestions, kind: str, subject: search.Match, lang: str = "en"
    ) -> None:
        super().__init__(title=t(MODAL_TITLES[kind], lang, subject=subject.name)[:45])
        self.cog = cog
        self.kind = kind
        self.subject = subject
        self.lang = lang
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        short, long = discord.TextStyle.short, discord.TextStyle.paragraph
        if kind == "credit":
            self._add("person", N_("Person (as the credit names them)"), short, 100)
            self._add("role", N_("Role (e.g. composer, lyricist, producer)"), short, 40)
        elif kind == "reference":
            self._add("target", N_("What it references (title)"), short, 150)
            self._add("creator", N_("By whom, and year (e.g. Boltanski, 2010)"), short, 150, False)
            self._add("relation", N_("homage, visual reference, quotation, echo…"), short, 40)
            self._add("status", N_("Who says so: confirmed, critic or fan"), short, 20)
        elif kind == "release date":
            self._add("date", N_("Release date, YYYY-MM-DD (KST)"), short, 10)
            self._add("time", N_("Time, e.g. 18:00 (KST) or 18:00+09:00"), short, 11, False)
        else:
            self._add("text", N_("What is wrong, and what is right"), long, 1000)
        self._add("evidence", N_("Evidence URL (a page that says so)"), short, 500)

    def _add(
        self, key: str, label: str, style: discord.TextStyle, max_length: int, required: bool = True
    ) -> None:
        item: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t(label, self.lang)[:45], style=style, max_length=max_length, required=required
        )
        self.inputs[key] = item
        self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Validate and send the suggestion to the mod-log."""
        values = {k: str(v.value).strip() for k, v in self.inputs.items()}
        await self.cog.submit(interaction, self.kind, self.subject, values)

    async def on_error(  # type: ignore[override]  # discord.py's Modal drops View's `item`
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        """Answer validation errors like any command error."""
        await send_error(interaction, error)


class Decision(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"suggestion:(?P<verb>approve|reject):(?P<id>\d+)",
):
    """Approve or Reject; survives restarts because the state lives in the custom_id."""

    def __init__(self, verb: str, suggestion_id: int, lang: str = "en") -> None:
        style = discord.ButtonStyle.success if verb == "approve" else discord.ButtonStyle.danger
        label = t(N_("Approve") if verb == "approve" else N_("Reject"), lang)
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"suggestion:{verb}:{suggestion_id}"
            )
        )
        self.verb = verb
        self.suggestion_id = suggestion_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Decision:
        """Rebuild the button from its custom_id."""
        return cls(match["verb"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Hand the click to the cog."""
        cog = cast("commands.Bot", interaction.client).get_cog("Suggestions")
        assert isinstance(cog, Suggestions)
        try:
            await cog.decide(interaction, self.suggestion_id, self.verb == "approve")
        except Exception as exc:  # the same three tiers as commands
            await send_error(interaction, exc)


def decision_view(suggestion_id: int, lang: str = "en") -> discord.ui.View:
    """Return the Approve / Reject buttons for a suggestion (in the server's language)."""
    view = discord.ui.View(timeout=None)
    view.add_item(Decision("approve", suggestion_id, lang))
    view.add_item(Decision("reject", suggestion_id, lang))
    return view


class Suggestions(commands.Cog):
    """Member suggestions, reviewed by editors and moderators."""

    def __init__(self, bot: LinerNotesBot, store: Store) -> None:
        self.bot = bot
        self.store = store
        self.guilds = GuildStore(store)

    async def cog_load(self) -> None:
        """Listen for Approve / Reject clicks, including on messages sent before a restart."""
        self.bot.add_dynamic_items(Decision)

    async def cog_unload(self) -> None:
        """Stop listening for clicks."""
        self.bot.remove_dynamic_items(Decision)

    @app_commands.command(name="suggest")
    @app_commands.describe(
        kind="What kind of fact", subject="The song, release or video it is about"
    )
    @app_commands.choices(kind=[app_commands.Choice(name=v, value=k) for k, v in KINDS.items()])
    @app_commands.guild_only()
    async def suggest(
        self,
        interaction: discord.Interaction,
        kind: app_commands.Choice[str],
        subject: app_commands.Range[str, 1, QUERY_MAX],
    ) -> None:
        """Suggest a credit, reference or correction, with evidence."""
        assert interaction.guild is not None
        config = await self.guilds.config(interaction.guild.id)
        if not config["modlog_channel"]:
            raise UserError(
                N_(
                    "This server has no mod-log channel for suggestions yet; ask a moderator to "
                    "set one with `/config modlog`."
                )
            )
        kinds = {
            "reference": ["song", "video"],
            "release date": ["release"],
        }.get(kind.value, ["song", "release", "video"])
        match = await search.resolve_one(self.store, subject, kinds)
        modal = SuggestionModal(self, kind.value, match, lang_of(interaction))
        await interaction.response.send_modal(modal)

    suggest.autocomplete("subject")(complete_names("song", "release", "video"))

    async def submit(
        self,
        interaction: discord.Interaction,
        kind: str,
        subject: search.Match,
        values: dict[str, str],
    ) -> None:
        """Store the suggestion and post it to the mod-log with the decision buttons."""
        assert interaction.guild is not None
        url = suggested.check_url(values.pop("evidence", ""))
        if kind == "credit":
            suggested.check_role(values["role"])
        elif kind == "release date":
            suggested.check_release_date(values["date"], values.get("time", ""))
        elif kind == "reference":
            suggested.check_choice(values["relation"], vocab.RELATION_KEYS, N_("Relation"))
            suggested.check_choice(values["status"], vocab.CATALOG_STATUS_KEYS, N_("Who says so"))
        config = await self.guilds.config(interaction.guild.id)
        channel = interaction.guild.get_channel(config["modlog_channel"] or 0)
        if not isinstance(channel, discord.TextChannel):
            raise UserError(
                N_("The mod-log channel is gone; ask a moderator to set `/config modlog`.")
            )
        body = json.dumps(values, ensure_ascii=False)
        stored = await self.guilds.add_suggestion(
            interaction.guild.id, interaction.user.id, kind, subject.value, body, url
        )
        lang = server_lang(config["language"], interaction.guild)
        waiting = t("Waiting for an editor or moderator.", lang)
        embed = self.render(stored, subject.label, values, waiting, lang)
        message = await channel.send(
            embed=embed,
            view=decision_view(stored.id, lang),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        await self.guilds.set_suggestion_message(stored.id, channel.id, message.id)
        await interaction.response.send_message(
            t(
                "Thanks! Your suggestion went to the moderators; I'll tell you what they decide. "
                "Until then the bot does not state it as a fact.",
                lang_of(interaction),
            ),
            ephemeral=True,
        )

    def render(
        self,
        s: Suggestion,
        subject_label: str,
        values: dict[str, str],
        status: str,
        lang: str = "en",
    ) -> discord.Embed:
        """Render a suggestion for the mod-log."""
        kind = t(KIND_WORDS.get(s.kind, s.kind), lang)
        return make_embed(
            t(
                "Suggested {kind} #{id}: {subject}",
                lang,
                kind=kind,
                id=s.id,
                subject=escape.text(subject_label),
            ),
            field_lines(values),
            fields=[
                Field(t("Evidence", lang), evidence_text(s.evidence_url)),
                Field(t("From", lang), f"<@{s.user_id}>", inline=True),
                Field(t("Status", lang), status, inline=True),
            ],
        )

    async def may_decide(self, interaction: discord.Interaction) -> bool:
        """Editors (the configured role) and members with Manage Server may decide."""
        member = interaction.user
        if interaction.permissions.manage_guild or interaction.permissions.administrator:
            return True
        if interaction.guild is None or not isinstance(member, discord.Member):
            return False
        editors = (await self.guilds.config(interaction.guild.id))["editors_role"]
        return bool(editors) and any(role.id == editors for role in member.roles)

    async def decide(
        self, interaction: discord.Interaction, suggestion_id: int, approve: bool
    ) -> None:
        """Approve (adding the fact to the catalog) or reject a suggestion."""
        if not await self.may_decide(interaction):
            raise UserError(
                N_("Only editors and moderators (Manage Server) can decide suggestions.")
            )
        s = await self.guilds.suggestion(suggestion_id)
        if s is None or interaction.guild is None or s.guild_id != interaction.guild.id:
            raise UserError(N_("That suggestion no longer exists."))
        if s.status != "pending":
            raise UserError(
                N_("Suggestion #{id} was already {status}."),
                id=s.id,
                status=t(STATUS_WORDS.get(s.status, s.status), lang_of(interaction)),
            )
        values = json.loads(s.body)
        await interaction.response.defer()
        if approve:
            outcome = await suggested.approve(self.store, s, values, interaction.user.id)
        else:
            outcome = ""
            if not await self.guilds.decide_suggestion(s.id, False, interaction.user.id, outcome):
                raise UserError(
                    N_("Suggestion #{id} was decided by someone else meanwhile."), id=s.id
                )
        verb = "approved" if approve else "rejected"
        config = await self.guilds.config(interaction.guild.id)
        lang = server_lang(config["language"], interaction.guild)
        shown = outcome if lang == "en" else t(outcome, lang)
        status = (
            t("Approved by {user}", lang, user=interaction.user.mention)
            if approve
            else t("Rejected by {user}", lang, user=interaction.user.mention)
        ) + (f": {escape.text(shown)}" if outcome else "")
        key = EntityKey.parse(s.subject)
        subject = await entity(self.store, key) if key else None
        label = subject.label if subject else s.subject
        await interaction.edit_original_response(
            embed=self.render(s, label, values, status, lang), view=None
        )
        await self.tell_suggester(s, verb, shown, lang)

    async def tell_suggester(
        self, s: Suggestion, verb: str, outcome: str, lang: str = "en"
    ) -> None:
        """Direct-message the member the outcome (best effort: DMs may be closed).

        The member is not in an interaction now, so the message speaks the server's language.
        """
        kind = t(KIND_WORDS.get(s.kind, s.kind), lang)
        text = (
            t(
                "Your suggested {kind} (#{id}) was approved by the moderators",
                lang,
                kind=kind,
                id=s.id,
            )
            if verb == "approved"
            else t(
                "Your suggested {kind} (#{id}) was rejected by the moderators",
                lang,
                kind=kind,
                id=s.id,
            )
        )
        try:
            user = self.bot.get_user(s.user_id) or await self.bot.fetch_user(s.user_id)
            await user.send(
                text + (f": {escape.text(outcome)}." if outcome else "."),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.info("could not tell user %s about suggestion %s: %s", s.user_id, s.id, exc)


async def setup(bot: LinerNotesBot) -> None:
    """Load the Suggestions cog."""
    await bot.add_cog(Suggestions(bot, bot.store))
