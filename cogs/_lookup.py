"""Helpers shared by the catalog cogs: autocomplete, resolving free text, the picker.

With online lookups on, a name the store does not know (or an imported entry with no facts
for what was asked) is looked up on MusicBrainz after deferring; autocomplete never waits
for the network.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import NotFoundError, Untrusted, UserError
from bot.core.i18n import N_, t
from bot.discord_io import escape
from bot.discord_io.error_replies import shown_fields
from bot.discord_io.render import CHOICES, choice_name
from bot.discord_io.translator import lang_of
from bot.discord_io.ui import Pager, Shown, add_links, links_view, pages_of, send_pages
from bot.knowledge import search
from bot.knowledge.entities import EntityKey
from bot.knowledge.online.lookup import OnlineLookup
from bot.knowledge.online.picking import Candidate
from bot.knowledge.search import AmbiguousError, Match
from bot.store import Store
from bot.store import catalog as db
from bot.store.read_cache import cached_reading

log = logging.getLogger(__name__)

Render = Callable[[Match], Awaitable[list[discord.Embed] | Shown]]
Check = Callable[[Match], Awaitable[bool]]
PICK_TIMEOUT = 120.0


Autocomplete = Callable[
    [discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]
]


def complete_names(*kinds: str) -> Autocomplete:
    """Return the autocomplete of a catalog name of ``kinds``, read from the cog's own store.

    Register it beside the command: ``release.autocomplete("query")(complete_names("release"))``.
    Choices: at most 25, names of at most 100 characters, values "kind:id".
    """

    async def names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # discord.py binds each command to its cog: the store is the one the cog was given.
        store = getattr(getattr(interaction.command, "binding", None), "store", None)
        if not isinstance(store, Store):
            raise TypeError(f"{interaction.command!r} is not a command of a cog with a store")

        async def read(s: Store) -> tuple[Match, ...]:
            return tuple(await search.resolve(s, current, kinds, limit=CHOICES))

        # One hand-over to the database's thread for the search's several queries, and none
        # while the catalog has not changed since someone typed the same.
        matches = await cached_reading(store, ("names", current, kinds), read)
        return [app_commands.Choice(name=choice_name(m.label), value=m.value) for m in matches]

    return names


class Picker(discord.ui.View):
    """A select menu of candidates for an ambiguous query; the choice is shown to everyone.

    Candidates are catalog matches, or MusicBrainz entries (fetched once picked).
    """

    def __init__(
        self,
        owner_id: int,
        candidates: Sequence[Match | Candidate],
        render: Callable[[Any], Awaitable[list[discord.Embed] | Shown]],
        lang: str = "en",
    ) -> None:
        super().__init__(timeout=PICK_TIMEOUT)
        self.owner_id = owner_id
        self.render = render
        self.lang = lang
        self.choose.placeholder = t("Which one did you mean?", lang)
        self.candidates = {m.value: m for m in candidates[:CHOICES]}
        self.choose.options = [
            discord.SelectOption(label=choice_name(m.label), value=m.value)
            for m in self.candidates.values()
        ]

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the person who asked may pick."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            t("This menu belongs to whoever ran the command.", lang_of(interaction)),
            ephemeral=True,
        )
        return False

    @discord.ui.select(
        cls=discord.ui.Select, placeholder="Which one did you mean?", min_values=1, max_values=1
    )
    async def choose(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        """Show the chosen entry."""
        match = self.candidates[select.values[0]]
        self.stop()
        await interaction.response.edit_message(
            content=t("Showing {name}.", self.lang, name=escape.text(match.label)), view=None
        )
        try:
            shown = pages_of(await self.render(match))
        except UserError as exc:
            await interaction.followup.send(
                t(exc.template, self.lang, **shown_fields(exc)), ephemeral=True
            )
            return
        pages = shown.pages
        if len(pages) > 1:
            view = Pager(pages, self.owner_id, lang=self.lang)
            add_links(view, shown.links, 1)
            view.message = await interaction.followup.send(embed=pages[0], view=view, wait=True)
        elif (links := links_view(shown.links)) is not None:
            await interaction.followup.send(embeds=pages[:1], view=links)
        else:
            await interaction.followup.send(embeds=pages[:1])


async def _defer(interaction: discord.Interaction) -> None:
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True)


async def _send(interaction: discord.Interaction, text: str, view: discord.ui.View) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(text, view=view, ephemeral=True)
    else:
        await interaction.response.send_message(text, view=view, ephemeral=True)


async def match_for(store: Store, entity_id: int, kinds: Sequence[str]) -> Match | None:
    """Return the match for a stored entity, or for its song when a video is not wanted."""
    row = await db.entity(store, entity_id)
    if row is None:
        return None
    if row.kind not in kinds and row.kind == "video" and "song" in kinds:
        video = await db.video(store, entity_id)
        if video is None or video.song is None:
            return None
        row = video.song
    if row.kind not in kinds:
        return None
    found = await search.resolve(store, f"{row.kind}:{row.id}", kinds, limit=1)
    return found[0] if found else None


async def look_up_online(
    interaction: discord.Interaction,
    store: Store,
    online: OnlineLookup,
    query: str,
    kinds: Sequence[str],
    render: Render,
    not_found: NotFoundError,
) -> Match | None:
    """Ask MusicBrainz (after deferring); return the stored match, or None if a picker went out.

    Raises ``not_found`` (with a note that MusicBrainz has nothing clear either) when there is
    nothing to show, and ServiceUnavailable ("MusicBrainz did not answer…") on failure.
    """
    await _defer(interaction)
    async with online.member(interaction.user.id):
        outcome = await online.find(query, kinds)
    if outcome.entity_id is not None:
        match = await match_for(store, outcome.entity_id, kinds)
        if match is not None:
            return match
    if outcome.candidates:

        async def render_pick(choice: Match | Candidate) -> list[discord.Embed] | Shown:
            if isinstance(choice, Candidate):
                async with online.member(interaction.user.id):
                    entity_id = await online.fetch(choice.entity, choice.mbid)
                picked = await match_for(store, entity_id, kinds)
                if picked is None:
                    raise NotFoundError(
                        N_("MusicBrainz's {name} is not something I show here."),
                        [],
                        name=Untrusted(choice.label),
                    )
                return await render(picked)
            return await render(choice)

        lang = lang_of(interaction)
        view = Picker(interaction.user.id, outcome.candidates, render_pick, lang)
        await _send(
            interaction,
            t(
                "The catalog has no “{query}”; MusicBrainz has several. Which one?",
                lang,
                query=clean(query),
            ),
            view,
        )
        return None
    raise NotFoundError(
        N_("{not_found} MusicBrainz has nothing clearly called that either."),
        not_found.suggestions,
        not_found=Untrusted(str(not_found)),
    )


async def lookup(
    interaction: discord.Interaction,
    store: Store,
    query: str,
    kinds: Sequence[str],
    render: Render,
    *,
    prefer: str = "song",
    defer: bool = False,
    online: OnlineLookup | None = None,
    needs_details: Check | None = None,
    slow: Check | None = None,
) -> None:
    """Resolve ``query`` (a picked value or free text) and answer with its pages.

    Ambiguous text gets a picker, never a silent guess; nothing found raises NotFoundError,
    which the tree's error handler turns into an ephemeral "did you mean" reply. With
    ``online``, unknown names are looked up on MusicBrainz, and an imported entry for which
    ``needs_details`` says the store lacks what was asked has its relationships fetched.
    ``slow`` says whether rendering will wait on a web service (a cover): then it defers.
    """
    try:
        match = await cached_reading(
            store,
            ("one", query, tuple(kinds), prefer),
            lambda s: search.resolve_one(s, query, kinds, prefer=prefer, accept_typo=True),
        )
    except AmbiguousError as exc:
        lang = lang_of(interaction)
        view = Picker(interaction.user.id, exc.candidates, render, lang)
        typo = exc.candidates and exc.candidates[0].tier == "fuzzy"
        question = (
            t("Nothing is called “{query}”. Did you mean one of these?", lang, query=clean(query))
            if typo
            else t("“{query}” matches several entries. Which one?", lang, query=clean(query))
        )
        await _send(interaction, question, view)
        return
    except NotFoundError as exc:
        if online is None or EntityKey.parse(query) is not None:
            raise
        found = await look_up_online(interaction, store, online, query, kinds, render, exc)
        if found is None:
            return
        match = found
    else:
        # Only an imported entry can have details to fetch (OnlineLookup.ensure_details never
        # asks about a curated one), so a curated match skips the check and its queries.
        if (
            online is not None
            and needs_details is not None
            and not match.curated
            and await needs_details(match)
        ):
            await _defer(interaction)
            async with online.member(interaction.user.id):
                await online.ensure_details(match.id)
    if defer or (slow is not None and await slow(match)):
        # Rendering will call Discord (opening a thread) or wait on a service (a cover):
        # acknowledge within 3 s first.
        await _defer(interaction)
    lang = lang_of(interaction)
    notes = [n for n in (corrected_note(match, query, lang), also_note(match, lang)) if n]
    shown = pages_of(await render(match))
    await send_pages(interaction, shown.pages, content=" ".join(notes) or None, links=shown.links)


def corrected_note(match: Match, query: str, lang: str = "en") -> str | None:
    """Say which name is shown for a misspelt one ("Showing TWICE for “Twcie”"), else None."""
    if match.tier != "fuzzy":
        return None
    name = escape.text(match.name)
    return t("Showing {name} for “{query}”.", lang, name=name, query=clean(query))


def also_note(match: Match, lang: str = "en") -> str | None:
    """Name the other entries so called that were not chosen (imported homonyms), else None."""
    if not match.also:
        return None
    return t(
        "Also called that: {names} (pick one from the autocomplete list to see it).",
        lang,
        names=escape.names(m.label for m in match.also[:3]),
    )


def clean(text: str) -> str:
    """Return user text safe to echo inside a sentence (no mentions or markdown tricks)."""
    return escape.text(" ".join(text.split())[:100])
