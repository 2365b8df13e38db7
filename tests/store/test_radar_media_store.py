"""The release radar's and the cards' media tables (migrations 0013-0015) on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store import Store, media
from bot.store.catalog.writes import ensure_entity, ensure_source, upsert_release
from bot.store.radar import RadarStore, write_approved_release_date
from bot.store.status import StatusStore

NOW = datetime(2026, 2, 13, 9, 0, tzinfo=UTC)
USER = 181_000_000_000_000_001  # Discord ids need 64 bits
GUILD = 181_000_000_000_000_777


async def _release(store: Store, key: str, name: str, date: str) -> tuple[int, int]:
    async with store.transaction() as conn:
        source = await ensure_source(conn, f"test:{key}", "test", f"https://e.test/{key}", "E")
        release, created = await ensure_entity(conn, "release", key, "test", name)
        assert created
        await upsert_release(conn, release, "album", date, None, None)
    return release, source


async def test_alerts_deliveries_closed_dms_calendars_roles_and_refreshes(
    database: Path | str,
) -> None:
    async with Store.open(database) as store:
        radar = RadarStore(store)
        assert await radar.add_alert(GUILD, USER, "artist:1", "IU", "ko", NOW)
        assert not await radar.add_alert(GUILD, USER, "artist:1", "IU", "ko", NOW)
        assert [a.artist_key for a in await radar.alerts_of(GUILD, USER)] == ["artist:1"]
        assert await radar.member_lang(USER) == "ko"
        await radar.set_artist_role(GUILD, "artist:2", "aespa", 55)
        await radar.set_artist_role(GUILD, "artist:2", "aespa!", 56)
        assert [(r.label, r.role_id) for r in await radar.artist_roles(GUILD)] == [("aespa!", 56)]
        assert await radar.followed_artist_keys() == ["artist:1", "artist:2"]

        first = await radar.claim_delivery(
            GUILD, USER, "release:9", "day before", "lnabc", NOW, NOW
        )
        again = await radar.claim_delivery(
            GUILD, USER, "release:9", "day before", "lnother", NOW, NOW
        )
        assert again.nonce == first.nonce == "lnabc"
        assert [d.kind for d in await radar.pending_deliveries(NOW)] == ["day before"]
        await radar.mark_delivery_attempt(first, 99, NOW)
        await radar.mark_delivery_failed(first, "503", NOW + timedelta(minutes=5), NOW)
        assert await radar.pending_deliveries(NOW) == []
        await radar.mark_delivery_sent(first, 1234, NOW)
        (sent,) = await radar.deliveries_of("release:9")
        assert (sent.state, sent.message_id, sent.attempts) == ("sent", 1234, 2)

        assert await radar.record_closed_dm(USER, NOW)
        assert not await radar.record_closed_dm(USER, NOW)
        assert await radar.mark_closed_dm_told(USER, NOW)
        await radar.forget_closed_dm(USER)
        assert await radar.closed_dm(USER) is None

        cal = await radar.set_calendar(GUILD, 10, lambda g: f"cal{g}", NOW)
        assert (cal.generation, cal.nonce) == (0, "cal0")
        moved = await radar.set_calendar(GUILD, 11, lambda g: f"cal{g}", NOW)
        assert (moved.channel_id, moved.generation, moved.nonce) == (11, 1, "cal1")
        await radar.mark_calendar_posted(GUILD, 777, None, "h1", NOW)
        await radar.mark_calendar_edited(GUILD, "h2", NOW)
        assert [c.content_hash for c in await radar.calendars()] == ["h2"]
        assert (await radar.remove_calendar(GUILD)) is not None
        assert await radar.calendar(GUILD) is None

        await radar.record_refresh("artist:1", "found", 2, NOW)
        await radar.record_refresh("artist:1", "nothing", 0, NOW)
        assert await radar.refreshed("artist:1") == NOW
        due = await radar.refresh_due(["artist:1", "artist:2"], NOW - timedelta(days=1))
        assert due == ["artist:2"]


async def test_an_approved_release_date_keeps_the_date_it_replaces(database: Path | str) -> None:
    async with Store.open(database) as store:
        release, source = await _release(store, "release:t1", "Spring", "2026-03-01")
        async with store.transaction() as conn:
            await conn.execute(
                "UPDATE releases SET date_source_id = ? WHERE entity_id = ?", (source, release)
            )
            approved = await ensure_source(
                conn, "suggestion:1", "suggestion", "https://e.test/s", "S"
            )
            await write_approved_release_date(
                conn, release, "2026-03-04", "18:00+09:00", approved, "suggestion"
            )
        radar = RadarStore(store)
        (row,) = await radar.upcoming("2026-02-13")
        assert (row.date, row.time) == ("2026-03-04", "18:00+09:00")
        assert await radar.known_dates(release) == {"2026-03-01", "2026-03-04"}
        assert await radar.upcoming("2026-03-05") == []


async def test_pictures_links_and_their_counts(database: Path | str) -> None:
    async with Store.open(database) as store:
        release, source = await _release(store, "release:t2", "Summer", "2026-06-01")
        stamp = NOW.isoformat()
        async with store.transaction() as conn:
            await media.set_image(
                conn, release, "cover", "none", origin="coverartarchive", fetched_at=stamp
            )
            await media.set_image(
                conn,
                release,
                "cover",
                "found",
                origin="coverartarchive",
                fetched_at=stamp,
                url="https://img.test/c.jpg",
                source_id=source,
            )
            await media.replace_links(
                conn, release, "musicbrainz", [("https://music.test/a", source)] * 2, stamp
            )
        found = await media.image(store, release, "cover")
        assert found is not None and found.url == "https://img.test/c.jpg"
        assert [ln.url for ln in await media.links(store, [release])] == ["https://music.test/a"]
        counts = await media.counts(store)
        assert counts["cover found"] == 1 and counts["links"] == 1


async def test_the_status_figures_read_on_both_backends(database: Path | str) -> None:
    async with Store.open(database) as store:
        status = StatusStore(store)
        assert await status.heartbeat() is None
        health = await status.feed_health(NOW)
        assert (health.followed, health.due, health.failing, health.disabled) == (0, 0, 0, 0)
