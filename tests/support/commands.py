"""Driving the bot through the emulator the way several cog tests do: reading a reply's text,
filling a modal, setting the discussions channel, following a feed and running a feed cycle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.support.bot import Clock, Server


def text_of(reply) -> str:
    parts = [reply.content or ""]
    for embed in reply.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def modal_inputs(reply) -> dict[str, str]:
    """Map each text input's label to its custom_id in the modal the bot opened."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == 4:
                found[node.get("label") or node.get("_label", "")] = node["custom_id"]
            for key, value in node.items():
                if key == "component" and isinstance(value, dict) and value.get("type") == 4:
                    value = {**value, "_label": node.get("label")}
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(reply.modal)
    return found


def fill(reply, answers: dict[str, str]) -> dict[str, str]:
    inputs = modal_inputs(reply)
    values = {}
    for prefix, text in answers.items():
        label = next(label for label in inputs if label.startswith(prefix))
        values[inputs[label]] = text
    return values


async def set_discussions(server: Server, channel) -> None:
    reply = await server.discord.slash(
        "config discussions", user=server.mina, options={"channel": channel}
    )
    assert "→" in reply.content, reply.content


T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def add(server: Server, url: str, channel, **options):
    return await server.discord.slash(
        "feed add", user=server.mina, options={"url": url, "channel": channel, **options}
    )


async def cycle(server: Server, clock: Clock) -> None:
    clock.later()
    await server.bot.get_cog("Feeds").run_cycle()


def posts(server: Server, channel) -> list:
    return [m for m in server.discord.channel_messages(channel) if m.embeds]


def message_text(message: Any) -> str:
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def setup_modlog(server: Server):
    modlog = server.guild.add_text_channel("mod-log")
    await server.discord.slash("config modlog", user=server.mina, options={"channel": modlog})
    return modlog
