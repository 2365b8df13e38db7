"""Issue 13.4: a long input never loses the answer.

Every free-text option declares a ``max_length`` (Discord's client refuses longer values), a
reply quotes what was typed clipped, and the error fallback cannot fail on length.
"""

from __future__ import annotations

import pytest

from bot.core.errors import UserError, echo
from bot.discord_io.render import MESSAGE_LIMIT
from bot.knowledge import search
from tests.support.bot import Server

STRING = 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2

# The commands the issue found answering nothing to a 6,000-character value: command, the
# option, and any other options it needs.
AFFECTED = [
    ("release", "query", {}),
    ("credits", "query", {}),
    ("references", "query", {}),
    ("artist", "query", {}),
    ("works", "person", {}),
    ("reviews", "query", {}),
    ("onthisday", "date", {}),
    ("suggest", "subject", {"kind": "credit"}),
    ("config timezone", "zone", {}),
    ("config digest", "time", {"channel": "general"}),
    ("config follow", "artist", {}),
    ("config unfollow", "artist", {}),
]


def string_options(options: list[dict], where: str) -> list[tuple[str, dict]]:
    out = []
    for opt in options:
        if opt["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP):
            out += string_options(opt.get("options") or [], f"{where} {opt['name']}")
        elif opt["type"] == STRING:
            out.append((f"{where} {opt['name']}", opt))
    return out


def test_every_free_text_option_has_a_max_length(server: Server) -> None:
    synced = server.discord.commands(server.guild) or server.discord.commands()
    found = []
    for cmd in synced:
        found += string_options(cmd.get("options") or [], cmd["name"])
    assert len(found) >= 20
    unbounded = [name for name, opt in found if not opt.get("choices") and "max_length" not in opt]
    assert unbounded == []
    assert max(opt.get("max_length", 0) for _, opt in found) <= 1000


async def run(server: Server, command: str, option: str, value: str, extra: dict):
    options = {option: value, **extra}
    if options.get("channel") == "general":
        options["channel"] = server.general
    return await server.discord.slash(command, user=server.mina, options=options)


@pytest.mark.parametrize(("command", "option", "extra"), AFFECTED)
async def test_a_long_value_is_refused_by_discord_and_the_longest_gets_its_answer(
    server: Server, command: str, option: str, extra: dict
) -> None:
    with pytest.raises(AssertionError, match="length 6000 outside"):
        await run(server, command, option, "x" * 6000, extra)
    schema = dict(string_options(server.discord.command(command, server.guild)["options"], ""))
    longest = schema["".join(f" {part}" for part in [*command.split()[1:], option])]["max_length"]
    reply = await run(server, command, option, "봄" * longest, extra)
    if reply.modal is None:  # /suggest answers a known subject with a form
        answer = await reply.final()
        assert reply.rejected == []
        assert answer.content or answer.embeds
        assert len(answer.content or "") <= MESSAGE_LIMIT


async def test_the_error_fallback_cannot_fail_on_length(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 6,000-character error (whatever builds it) still reaches the member, clipped."""

    async def refuse(*args: object, **kwargs: object) -> None:
        raise UserError("No artist called " + "봄" * 6000)

    monkeypatch.setattr(search, "resolve_one", refuse)
    reply = await server.discord.slash("config follow", user=server.mina, artist="IU")
    answer = await reply.final()
    assert reply.rejected == []
    assert answer.content.startswith("No artist called 봄")
    assert len(answer.content) <= MESSAGE_LIMIT and answer.content.endswith("…")


def test_echo_quotes_user_text_short_and_on_one_line() -> None:
    assert echo("  Love\nwins   all ") == "Love wins all"
    quoted = echo("봄" * 6000)
    assert len(quoted) == 100 and quoted.endswith("…")
