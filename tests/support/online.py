"""The real bot with online lookups pointed at the MusicBrainz and Wikidata stand-ins."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from tests.fakediscord import FakeDiscord, Permissions
from tests.standins.musicbrainz import MusicBrainzStandIn
from tests.standins.wikidata import WikidataStandIn
from tests.support.bot import Server, bot_settings, start_bot, stop_bot

CONTACT = "ops@example.org"
FAST = 0.01  # politeness interval where a test is not about politeness


async def serve_online(
    fd: FakeDiscord,
    template_db: Path,
    tmp_path: Path,
    musicbrainz: MusicBrainzStandIn,
    wikidata: WikidataStandIn,
    lookups: str,
    **extra: str,
) -> AsyncIterator[Server]:
    """Start the real bot on a copy of the template, its lookups pointed at the stand-ins
    (``extra``: more settings, e.g. the Cover Art Archive's stand-in)."""
    database = tmp_path / "linernotes.db"
    shutil.copy(template_db, database)
    guild = fd.add_guild("K-pop Club")
    mods = guild.add_role("Mods", permissions=Permissions.parse("manage_guild"))
    alice = guild.add_member("alice")
    mina = guild.add_member("mina", roles=[mods])
    settings = bot_settings(
        fd,
        database,
        DEV_GUILD_ID=str(guild.id),
        ONLINE_LOOKUPS=lookups,
        MUSICBRAINZ_API_BASE=musicbrainz.base,
        MUSICBRAINZ_CONTACT=CONTACT,
        WIKIDATA_API_BASE=wikidata.base,
        **extra,
    )
    bot = await start_bot(fd, settings)
    general = next(c for c in guild.channels.values() if c.name == "general")
    srv = Server(fd, bot, settings, guild, general, alice, mina)
    try:
        yield srv
    finally:
        await stop_bot(srv.bot)


def quick(server: Server, timeout: float = 10.0) -> None:
    """Shorten the politeness interval (tests that are not about it) and the timeout."""
    assert server.bot.online is not None
    server.bot.online.musicbrainz.limiter.interval = FAST
    server.bot.online.musicbrainz.timeout = timeout
    assert server.bot.online.wikidata is not None
    server.bot.online.wikidata.limiter.interval = FAST
