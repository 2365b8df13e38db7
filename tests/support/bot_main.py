"""``linernotes`` in a child process as the process tests start it (``python -m
tests.support.bot_main run``): the command line's own ``main``, with one difference from
``python -m bot``, the one the in-process test bots have too (tests/support/bot.py).

discord.py waits ``guild_ready_timeout`` (2 s by default) after the last GUILD_CREATE before it
sends READY, for guilds Discord is slow to send; the emulator sends every one at once, so the
test bots wait 0.01 s (with no wait at all every test still passes: a guild that comes after
READY is added as Discord's late guilds are). The start-up, the signals and kill -9 are the real
process's.
"""

from __future__ import annotations

import sys
from typing import Any

from bot.app import client
from bot.app.cli import main

# What the test bots wait after the last GUILD_CREATE (discord.py's guild_ready_timeout).
GUILD_READY_SECONDS = 0.01


class _QuickReadyBot(client.LinerNotesBot):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("guild_ready_timeout", GUILD_READY_SECONDS)
        super().__init__(*args, **kwargs)


if __name__ == "__main__":
    client.LinerNotesBot = _QuickReadyBot  # type: ignore[misc]
    sys.exit(main())
