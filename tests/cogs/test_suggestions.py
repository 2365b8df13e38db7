"""/suggest through the emulator: modal, mod-log buttons, approve and reject, refusals."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.bot import Server
from tests.support.commands import fill, setup_modlog


async def suggest_credit(server: Server, person: str = "Jane Example") -> Any:
    fd = server.discord
    reply = await fd.slash("suggest", user=server.alice, kind="credit", subject="Blueming")
    assert reply.modal is not None
    done = await fd.submit_modal(
        reply,
        fill(
            reply,
            {
                "Person": person,
                "Role": "mixing engineer",
                "Evidence": "https://example.org/credits",
            },
        ),
    )
    assert done.ephemeral
    assert "went to the moderators" in done.content
    return done


async def suggest_reference(server: Server) -> None:
    fd = server.discord
    reply = await fd.slash("suggest", user=server.alice, kind="reference", subject="Blueming")
    await fd.submit_modal(
        reply,
        fill(
            reply,
            {
                "What it references": "The Starry Night",
                "By whom": "Vincent van Gogh, 1889",
                "homage": "visual reference",
                "Who says so": "fan",
                "Evidence": "https://example.org/starry",
            },
        ),
    )


async def test_approve_adds_the_fact_with_its_source(server: Server) -> None:
    fd = server.discord
    modlog = await setup_modlog(server)
    before = await fd.slash("credits", user=server.alice, query="Blueming")
    assert "Jane Example" not in str(before.embeds)

    await suggest_credit(server)
    posted = [m for m in fd.channel_messages(modlog) if m.embeds]
    assert len(posted) == 1
    card = posted[0]
    assert "Suggested credit" in card.embeds[0]["title"]
    # Not approved yet: the bot does not state it.
    pending = await fd.slash("credits", user=server.alice, query="Blueming")
    assert "Jane Example" not in str(pending.embeds)

    click = await fd.click(card, label="Approve", user=server.mina)
    edited = await click.wait_edit()
    assert "Approved by" in str(edited.embeds)
    assert edited.components == []

    after = await fd.slash("credits", user=server.alice, query="Blueming")
    text = after.embeds[0]["description"]
    assert "Jane Example" in text
    assert "https://example.org/credits" in text
    # A member's evidence is labelled as such, not as press.
    line = next(ln for ln in text.splitlines() if "Jane Example" in ln)
    assert "*(community, approved by a moderator)*" in line
    assert "(press)" not in line
    dm = fd.world.dm_channel(server.alice.user)
    assert any("approved" in m.content for m in dm.messages)


async def test_reject_and_non_editor_click_refused(server: Server) -> None:
    fd = server.discord
    modlog = await setup_modlog(server)
    await suggest_credit(server, person="Nobody Real")
    card = next(m for m in fd.channel_messages(modlog) if m.embeds)

    refused = await fd.click(card, label="Approve", user=server.alice)
    assert refused.ephemeral
    assert "Only editors and moderators" in refused.content

    editors = server.guild.add_role("Editors")
    await fd.slash("config editors", user=server.mina, options={"role": editors})
    editor = server.guild.add_member("sora", roles=[editors])
    click = await fd.click(card, label="Reject", user=editor)
    edited = await click.wait_edit()
    assert "Rejected by" in str(edited.embeds)
    after = await fd.slash("credits", user=server.alice, query="Blueming")
    assert "Nobody Real" not in str(after.embeds)
    dm = fd.world.dm_channel(server.alice.user)
    assert any("rejected" in m.content for m in dm.messages)


async def test_reference_suggestion_approved_shows_in_references(server: Server) -> None:
    fd = server.discord
    modlog = await setup_modlog(server)
    await suggest_reference(server)
    card = next(m for m in fd.channel_messages(modlog) if m.embeds)
    await (await fd.click(card, label="Approve", user=server.mina)).wait_edit()
    refs = await fd.slash("references", user=server.alice, query="Blueming")
    text = refs.embeds[0]["description"]
    assert "The Starry Night" in text
    assert "fan reading" in text


async def test_bad_evidence_is_refused_and_nothing_posted(server: Server) -> None:
    fd = server.discord
    modlog = await setup_modlog(server)
    reply = await fd.slash("suggest", user=server.alice, kind="credit", subject="Blueming")
    done = await fd.submit_modal(
        reply,
        fill(
            reply,
            {
                "Person": "X",
                "Role": "composer",
                "Evidence": "not a link",
            },
        ),
    )
    assert done.ephemeral and "http" in done.content
    assert [m for m in fd.channel_messages(modlog) if m.embeds] == []


async def test_evidence_the_source_policy_refuses_is_refused_with_its_rule(
    server: Server,
) -> None:
    fd = server.discord
    modlog = await setup_modlog(server)
    for evidence, rule in (
        ("https://www.soompi.com/?s=blueming", "search-page"),
        ("https://lr.vern.cc/r/aaaaaaaa/comments/abc/blueming/", "proxy-or-mirror"),
        ("https://mp3b.com/song/0123456789abcdef", "reprint-or-spam"),
    ):
        reply = await fd.slash("suggest", user=server.alice, kind="credit", subject="Blueming")
        done = await fd.submit_modal(
            reply, fill(reply, {"Person": "X", "Role": "composer", "Evidence": evidence})
        )
        assert done.ephemeral and f'rule "{rule}"' in done.content, done.content
    assert [m for m in fd.channel_messages(modlog) if m.embeds] == []


async def test_suggest_needs_a_modlog(server: Server) -> None:
    reply = await server.discord.slash(
        "suggest", user=server.alice, kind="credit", subject="Blueming"
    )
    assert reply.ephemeral and "/config modlog" in reply.content


async def test_two_moderators_approving_at_once_store_the_fact_once(server: Server) -> None:
    fd = server.discord
    modlog = await setup_modlog(server)
    await suggest_reference(server)
    card = next(m for m in fd.channel_messages(modlog) if m.embeds)
    editors = server.guild.add_role("Editors")
    await fd.slash("config editors", user=server.mina, options={"role": editors})
    sora = server.guild.add_member("sora", roles=[editors])

    clicks = await asyncio.gather(
        fd.click(card, label="Approve", user=server.mina),
        fd.click(card, label="Approve", user=sora),
    )

    def settled() -> list[str] | None:
        # Done when the card says approved and one click was told it came second (at once,
        # or in a followup after deferring).
        refusals = [c.content or "" for c in clicks if not c.deferred and c.ephemeral]
        refusals += [m.content or "" for c in clicks for m in c.followups if m.ephemeral]
        shown = next(m for m in fd.channel_messages(modlog) if m.id == card.id)
        return refusals if refusals and "Approved by" in str(shown.embeds) else None

    refusals = await fd.wait_for(settled, what="one approval and one refusal")
    assert len(refusals) == 1
    assert "already approved" in refusals[0] or "someone else" in refusals[0]
    rows = await server.bot.store.fetchall(
        "SELECT count(*) AS n FROM entity_references WHERE origin = 'suggestion'"
    )
    assert rows[0]["n"] == 1
    refs = await fd.slash("references", user=server.alice, query="Blueming")
    assert refs.embeds[0]["description"].count("The Starry Night") == 1
