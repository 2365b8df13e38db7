"""Members' release alerts by DM, each sent once (the protocol in ``bot/store/posts.py``).

Each round claims the alerts whose time has come (a day before a release, and at its time;
an alert added less than a day before the release gets only the second), then sends every
pending one with its nonce. A kill after the claim loses nothing (the row is pending); a kill
after Discord accepted the DM repeats nothing (the re-send carries the same nonce, and past
Discord's nonce window the DM channel is searched for it first). A member whose DMs are
closed (50007) is recorded once and not tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.core import metrics
from bot.discord_io.posting import UNKNOWN_MESSAGE
from bot.discord_io.radar_render import alert_text
from bot.discord_io.translator import server_lang
from bot.knowledge.upcoming import Upcoming, release_item, upcoming
from bot.store import Store
from bot.store.guilds import GuildStore
from bot.store.posts import make_nonce
from bot.store.radar import Delivery, RadarStore

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

DAY = timedelta(days=1)
# An "at release" alert is still sent this late after the release (the bot was down);
# past it the release is old news and nothing is sent.
LATE_GRACE = timedelta(hours=6)
NONCE_WINDOW = timedelta(minutes=2)  # Discord de-duplicates a nonce for a few minutes only
HISTORY_SCAN = 20  # how far back a DM channel is searched for an alert a crash left unrecorded
RETRY = timedelta(minutes=5)
MAX_ATTEMPTS = 8
CANNOT_DM = 50007
ALERT_WINDOW = 5000  # releases read per round (a day and a quarter of them)
DM_USER = 0  # guild_id of a member's DM alerts: one per member, whichever server they use


def runs_shard_zero(bot: LinerNotesBot) -> bool:
    """Whether this process runs shard 0 (Discord sends DMs' events there): the one process
    that sends members' DMs and reads MusicBrainz for the radar."""
    scope = bot.shard_scope
    return scope is None or 0 in scope.ids


class AlertSender:
    """Claims due alerts and sends them, once each."""

    def __init__(self, bot: LinerNotesBot, store: Store, now: Callable[[], datetime]) -> None:
        self.bot = bot
        self.store = store
        self.radar = RadarStore(store)
        self.guilds = GuildStore(store)
        self.now = now

    async def run(self) -> int:
        """Claim what is due and send every pending alert; return how many went out."""
        await self.claim_due()
        sent = 0
        for delivery in await self.radar.pending_deliveries(self.now()):
            if delivery.guild_id == DM_USER and not runs_shard_zero(self.bot):
                continue  # DMs are the process with shard 0's, so two processes never race
            try:
                sent += await self.deliver(delivery)
            except Exception:  # one alert never stops the others
                log.warning("alert %s failed", delivery, exc_info=True)
        return sent

    async def claim_due(self) -> None:
        """Write the intent of every alert whose time has come (idempotent)."""
        now = self.now()
        items = await upcoming(self.store, now - LATE_GRACE, until=now + DAY, limit=ALERT_WINDOW)
        if not items:
            return
        await self.claim_channel_alerts(items, now)
        keys = sorted({k for item in items for k in item.artist_keys})
        alerts = await self.radar.alerts_for(keys)
        for item in items:
            wanted = set(item.artist_keys)
            first_added: dict[int, str] = {}
            for alert in alerts:  # ordered by member, then when added
                if alert.artist_key in wanted:
                    first_added.setdefault(alert.user_id, alert.added_at)
            for user_id, added_at in sorted(first_added.items()):
                for kind, due in self.due_kinds(item, added_at, now):
                    await self.radar.claim_delivery(
                        DM_USER,
                        user_id,
                        item.release.value,
                        kind,
                        make_nonce("alert", user_id, item.release.value, kind),
                        due,
                        now,
                    )

    @staticmethod
    def due_kinds(item: Upcoming, added_at: str, now: datetime) -> list[tuple[str, datetime]]:
        """Return the alerts of a member on a release that are due at ``now``."""
        due = []
        day_before = item.instant - DAY
        if datetime.fromisoformat(added_at) <= day_before <= now < item.instant:
            due.append(("day before", day_before))
        if item.instant <= now <= item.instant + LATE_GRACE:
            due.append(("at release", item.instant))
        return due

    async def claim_channel_alerts(self, items: list[Upcoming], now: datetime) -> None:
        """Claim the alerts-channel post of each release out now that has an artist role."""
        for guild in sorted(self.bot.guilds, key=lambda g: g.id):
            if not (await self.guilds.config(guild.id))["alerts_channel"]:
                continue
            mapped = {r.artist_key for r in await self.radar.artist_roles(guild.id)}
            for item in items:
                if not mapped.intersection(item.artist_keys):
                    continue
                if item.instant <= now <= item.instant + LATE_GRACE:
                    await self.radar.claim_delivery(
                        guild.id,
                        0,
                        item.release.value,
                        "channel",
                        make_nonce("alert channel", guild.id, item.release.value),
                        item.instant,
                        now,
                    )

    async def deliver(self, d: Delivery) -> int:
        """Send one claimed alert; record the outcome. Returns 1 when sent."""
        now = self.now()
        item = await release_item(self.store, d.release_key)
        if item is None:
            await self.radar.mark_delivery_skipped(d, "the release is no longer in the catalog")
            return 0
        if d.kind == "channel":
            place = await self.channel_place(d, item)
        else:
            place = await self.dm_place(d, item)
        if place is None:
            return 0
        channel, content, mentions = place
        if (
            d.last_attempt_at is not None
            and now - datetime.fromisoformat(d.last_attempt_at) >= NONCE_WINDOW
        ):
            found = await self.find_sent(channel, content)
            if found is not None:
                await self.radar.mark_delivery_sent(d, found, now)
                return 0
        await self.radar.mark_delivery_attempt(d, channel.id, now)
        try:
            message = await channel.send(content, nonce=d.nonce, allowed_mentions=mentions)
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM and d.kind != "channel":
                if await self.radar.record_closed_dm(d.user_id, now):
                    log.info("member %s does not accept DMs; alerts to them stop", d.user_id)
                await self.radar.mark_delivery_skipped(d, "the member's DMs are closed")
                return 0
            await self.radar.mark_delivery_failed(d, f"Discord refused: {exc.text}", None, now)
            return 0
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise
            # Sent before a crash, then deleted: it stays deleted.
            await self.radar.mark_delivery_sent(d, None, now)
            return 0
        except discord.HTTPException as exc:
            retry = now + RETRY * (2 ** min(d.attempts, 6))
            await self.radar.mark_delivery_failed(
                d,
                f"Discord answered {exc.status}: {exc.text}",
                retry if d.attempts + 1 < MAX_ATTEMPTS else None,
                now,
            )
            return 0
        await self.radar.mark_delivery_sent(d, message.id, now)
        metrics.post_sent("alert")
        return 1

    async def dm_place(
        self, d: Delivery, item: Upcoming
    ) -> tuple[discord.DMChannel | discord.TextChannel, str, discord.AllowedMentions] | None:
        """Return the member's DM channel and the alert, or None (closed DMs, no account)."""
        if await self.radar.closed_dm(d.user_id) is not None:
            await self.radar.mark_delivery_skipped(d, "the member's DMs are closed")
            return None
        try:
            user = self.bot.get_user(d.user_id) or await self.bot.fetch_user(d.user_id)
            channel = user.dm_channel or await user.create_dm()
        except discord.NotFound:
            await self.radar.mark_delivery_skipped(d, "the member's account is gone")
            return None
        lang = await self.radar.member_lang(d.user_id)
        return channel, alert_text(item, d.kind, lang), discord.AllowedMentions.none()

    async def channel_place(
        self, d: Delivery, item: Upcoming
    ) -> tuple[discord.DMChannel | discord.TextChannel, str, discord.AllowedMentions] | None:
        """Return the server's alerts channel and the post pinging the artists' roles."""
        guild = self.bot.get_guild(d.guild_id)
        if guild is None:
            return None  # not connected to that server now: stays pending
        config = await self.guilds.config(guild.id)
        channel = guild.get_channel(config["alerts_channel"] or 0)
        if not isinstance(channel, discord.TextChannel):
            await self.radar.mark_delivery_skipped(d, "the alerts channel is gone")
            return None
        roles = [
            r.role_id
            for r in await self.radar.artist_roles(guild.id)
            if r.artist_key in item.artist_keys
        ]
        content = alert_text(
            item, "channel", server_lang(config["language"], guild), role_ids=roles
        )
        mentions = discord.AllowedMentions(
            everyone=False, users=False, roles=[discord.Object(r) for r in roles]
        )
        return channel, content, mentions

    async def find_sent(self, channel: discord.abc.Messageable, content: str) -> int | None:
        """Return our DM with this content, made before a crash left it unrecorded."""
        me = self.bot.user
        try:
            async for message in channel.history(limit=HISTORY_SCAN):
                if me is not None and message.author.id == me.id and message.content == content:
                    return message.id
        except discord.HTTPException:
            return None
        return None
