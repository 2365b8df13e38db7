"""Untrusted text through the emulator: a hostile /suggest and hostile MusicBrainz names reach
the mod-log and public cards as text, never as links or mentions (issue 24)."""

from __future__ import annotations

import copy
from typing import Any

from tests.standins.musicbrainz import MusicBrainzStandIn
from tests.support.bot import Server
from tests.support.commands import fill, message_text, setup_modlog
from tests.support.escape_checks import assert_inert, live_links
from tests.support.online import quick

# At most 100 characters (the modal's Person field): two masked links, mentions, markdown.
PERSON = "[Verify](https://evil.example/phish) [b](https://evil.example/2) @everyone <@&456> **x**"
EVIDENCE = "https://example.org/credits_(2024)"


async def test_a_hostile_suggestion_stays_text_in_the_mod_log_the_card_and_the_dm(
    server: Server,
) -> None:
    fd = server.discord
    modlog = await setup_modlog(server)
    reply = await fd.slash("suggest", user=server.alice, kind="credit", subject="Blueming")
    done = await fd.submit_modal(
        reply,
        fill(reply, {"Person": PERSON, "Role": "mixing engineer", "Evidence": EVIDENCE}),
    )
    assert "went to the moderators" in done.content
    card = next(m for m in fd.channel_messages(modlog) if m.embeds)
    shown = message_text(card)
    # The moderator sees the payload as written, not the disguise.
    assert "Verify" in shown and "evil.example/phish" in shown
    assert_inert(shown)
    assert "example.org" in shown  # the evidence's real host
    click = await fd.click(card, label="Approve", user=server.mina)
    edited = await click.wait_edit()
    assert "Approved by" in message_text(edited)
    assert_inert(message_text(edited).replace(server.mina.mention, ""))
    public = await fd.slash("credits", user=server.alice, query="Blueming")
    text = message_text(public)
    assert "Verify" in text
    assert_inert(text)
    # The one live link on the line is the evidence, percent-encoded whole.
    line = next(ln for ln in text.splitlines() if "Verify" in ln)
    assert [target for _, target in live_links(line)] == ["https://example.org/credits_%282024%29"]
    dm = fd.world.dm_channel(server.alice.user)
    assert dm.messages and all("evil.example/phish](" not in m.content for m in dm.messages)
    for message in dm.messages:
        assert_inert(message.content)


async def test_evidence_with_a_user_name_is_refused_showing_the_real_host(server: Server) -> None:
    fd = server.discord
    modlog = await setup_modlog(server)
    for evidence, says in (
        ("https://melon.com.official-credits-page@evil.example/x", "(evil.example)"),
        ("http://[::1", "not a web address I can read"),
        ("http://example.org:99999/", "not a web address I can read"),
        ("http://a\u2100b.example/", "not a web address I can read"),
    ):
        reply = await fd.slash("suggest", user=server.alice, kind="credit", subject="Blueming")
        done = await fd.submit_modal(
            reply, fill(reply, {"Person": "Jane", "Role": "mixing engineer", "Evidence": evidence})
        )
        assert done.ephemeral and says in done.content, evidence
        assert "error" not in done.content.lower()
    assert not [m for m in fd.channel_messages(modlog) if m.embeds]


KNOWING = "2d40c8b2-7524-49e3-af44-ebb924c5b023"


def _hostile_names(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for rel in doc.get("relations") or []:
        artist = rel.get("artist")
        if isinstance(artist, dict):
            artist["name"] = f"{PERSON} {artist.get('name')}"
    return doc


async def test_hostile_names_from_musicbrainz_stay_text_in_a_public_card(
    online: Server,
    musicbrainz: MusicBrainzStandIn,
) -> None:
    quick(online)
    musicbrainz.documents[KNOWING] = _hostile_names(musicbrainz.documents[KNOWING])
    reply = await online.discord.slash(
        "credits", user=online.alice, query="Knowing Me, Knowing You"
    )
    message = await reply.final()
    text = message_text(message)
    assert "Verify" in text and "Benny Andersson" in text
    assert_inert(text)
