"""/release, /credits, /references, /artist, /works: the catalog with a source on every fact."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_io.card_media import listen_buttons
from bot.discord_io.embeds import (
    artist_embed,
    credits_pages,
    references_pages,
    release_embed,
    song_embed,
    video_embed,
    works_pages,
)
from bot.discord_io.render import QUERY_MAX
from bot.discord_io.translator import lang_of
from bot.discord_io.ui import Shown
from bot.knowledge import cards, vocab
from bot.knowledge.online.lookup import OnlineLookup
from bot.knowledge.online.pictures import Pictures
from bot.knowledge.search import Match
from bot.store import Store
from bot.store import catalog as db
from cogs._lookup import complete_names, lookup

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

ROLE_CHOICES = [app_commands.Choice(name=r, value=r) for r in vocab.CHOICE_ROLES]
RELEASE_KINDS = ("release", "song", "video")
# How long a card waits for a picture a service is still sending; then it is shown without it
# (and with it next time: the fetch carries on and is stored).
PICTURE_WAIT = 5.0
CREDIT_KINDS = ("song", "release", "video")
REFERENCE_KINDS = ("song", "video", "release", "work")


class Catalog(commands.Cog):
    """Look up releases, credits, references and artists."""

    def __init__(
        self,
        store: Store,
        online: OnlineLookup | None = None,
        pictures: Pictures | None = None,
    ) -> None:
        self.store = store
        self.online = online
        self.pictures = pictures
        self.picture_wait = PICTURE_WAIT

    # -- pictures: a card waits a little for one it does not have yet -------------------
    async def _waits_for_picture(self, match: Match) -> bool:
        if self.pictures is None:
            return False
        return await self.pictures.wanted(match.id, match.kind) is not None

    async def _fetch_picture(self, match: Match) -> None:
        if self.pictures is not None:
            await self.pictures.fetch_within(match.id, match.kind, self.picture_wait)

    # -- what an imported entry may lack (then its relationships are fetched) ----------
    async def _no_credits(self, match: Match) -> bool:
        return not await db.count_credits(self.store, await cards.related_ids(self.store, match.id))

    async def _no_works(self, match: Match) -> bool:
        return not await db.credits_by(self.store, match.id, limit=1)

    async def _no_tracks(self, match: Match) -> bool:
        if match.kind == "video":
            return False
        if match.kind == "release":
            return not await db.tracks(self.store, match.id)
        return not await db.releases_with_song(self.store, match.id)

    # -- renderers (Match -> pages) ----------------------------------------------------
    async def _release(self, match: Match, lang: str = "en") -> Shown:
        await self._fetch_picture(match)
        if match.kind == "video":
            return Shown([video_embed(await cards.video_info(self.store, match.id), lang)])
        if match.kind == "song":
            song = await cards.song_card(self.store, match.id)
            return Shown([song_embed(song, lang)], listen_buttons(song.links, lang))
        release = await cards.release_card(self.store, match.id)
        return Shown([release_embed(release, lang)], listen_buttons(release.links, lang))

    async def _artist(self, match: Match, lang: str = "en") -> Shown:
        await self._fetch_picture(match)
        artist = await cards.artist_card(self.store, match.id)
        return Shown([artist_embed(artist, lang)], listen_buttons(artist.links, lang))

    async def _references(self, match: Match, lang: str = "en") -> list[discord.Embed]:
        return references_pages(await cards.references_view(self.store, match.id), lang)

    # -- commands ------------------------------------------------------------------------
    @app_commands.command(name="release")
    @app_commands.describe(query="A release or song, in English or Korean (e.g. 봄날)")
    async def release(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        """Show a release, song or video: date, label, tracklist, video."""
        await lookup(
            interaction,
            self.store,
            query,
            RELEASE_KINDS,
            partial(self._release, lang=lang_of(interaction)),
            prefer="release",
            online=self.online,
            needs_details=self._no_tracks,
            slow=self._waits_for_picture,
        )

    @app_commands.command(name="credits")
    @app_commands.describe(query="A song, release or video", role="Only this role")
    @app_commands.choices(role=ROLE_CHOICES)
    async def credits(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, QUERY_MAX],
        role: app_commands.Choice[str] | None = None,
    ) -> None:
        """Who wrote, composed, produced and directed a song or video."""
        wanted = role.value if role else None
        lang = lang_of(interaction)

        async def render(match: Match) -> list[discord.Embed]:
            view = await cards.kept_credits_view(self.store, match.ref)
            return credits_pages(view, wanted, lang)

        await lookup(
            interaction,
            self.store,
            query,
            CREDIT_KINDS,
            render,
            online=self.online,
            needs_details=self._no_credits,
        )

    @app_commands.command(name="references")
    @app_commands.describe(query="A song, video, release or work (a film, artwork, book…)")
    async def references(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        """What a video or song references, and what references it."""
        render = partial(self._references, lang=lang_of(interaction))
        await lookup(interaction, self.store, query, REFERENCE_KINDS, render)

    @app_commands.command(name="artist")
    @app_commands.describe(query="An artist or group, in any script (e.g. 아이유, Taehyung)")
    async def artist(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        """An artist's names, group, dates, agency and credits."""
        render = partial(self._artist, lang=lang_of(interaction))
        await lookup(
            interaction,
            self.store,
            query,
            ("artist",),
            render,
            online=self.online,
            slow=self._waits_for_picture,
        )

    @app_commands.command(name="works")
    @app_commands.describe(person="A songwriter, producer, director or idol", role="Only this role")
    @app_commands.choices(role=ROLE_CHOICES)
    async def works(
        self,
        interaction: discord.Interaction,
        person: app_commands.Range[str, 1, QUERY_MAX],
        role: app_commands.Choice[str] | None = None,
    ) -> None:
        """What a person is credited on, by role."""
        wanted = role.value if role else None
        lang = lang_of(interaction)

        async def render(match: Match) -> list[discord.Embed]:
            roles = [wanted] if wanted else None
            return works_pages(await cards.works_by(self.store, match.id, roles), wanted, lang)

        await lookup(
            interaction,
            self.store,
            person,
            ("artist",),
            render,
            online=self.online,
            needs_details=self._no_works,
        )

    # -- autocomplete ----------------------------------------------------------------------
    release.autocomplete("query")(complete_names(*RELEASE_KINDS))

    credits.autocomplete("query")(complete_names(*CREDIT_KINDS))

    references.autocomplete("query")(complete_names(*REFERENCE_KINDS))

    artist.autocomplete("query")(complete_names("artist"))

    works.autocomplete("person")(complete_names("artist"))


async def setup(bot: LinerNotesBot) -> None:
    """Load the Catalog cog."""
    await bot.add_cog(Catalog(bot.store, bot.online, bot.pictures))
