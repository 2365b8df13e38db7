"""Logging configuration for the CLI and the bot."""

from __future__ import annotations

import logging


def configure_logging(level: int | str = logging.INFO) -> None:
    """Log to stderr with timestamps; keep discord.py's own chatter at WARNING below DEBUG."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        force=True,
    )
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    if isinstance(numeric, int) and numeric > logging.DEBUG:
        logging.getLogger("discord").setLevel(max(numeric, logging.WARNING))
        # discord.client logs an unsharded reconnect, discord.shard a shard's (our bot's).
        for name in ("discord.client", "discord.shard"):
            reconnects = logging.getLogger(name)
            if not any(isinstance(f, OneLineReconnect) for f in reconnects.filters):
                reconnects.addFilter(OneLineReconnect())


class OneLineReconnect(logging.Filter):
    """Log discord.py's "Attempting a reconnect" as one WARNING line saying why, no traceback.

    A lost connection is an expected event that discord.py recovers from with its own backoff;
    a traceback per attempt hides that. LOG_LEVEL=DEBUG keeps the tracebacks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the reconnect record in place; let every record through."""
        if str(record.msg).startswith("Attempting a reconnect") and record.exc_info:
            from bot.app.client import connection_problem

            error = record.exc_info[1]
            reason = connection_problem(error) if error is not None else "unknown reason"
            # The reason is an argument, never part of the format: a "%" in it (a close
            # reason sent by the other end) must not break the line.
            if str(record.msg).startswith("Attempting a reconnect for shard"):
                # args: (shard id, seconds)
                record.msg = (
                    "lost the connection to Discord (%s) on shard %s; reconnecting in %.0f s"
                )
            else:
                record.msg = "lost the connection to Discord (%s); reconnecting in %.0f s"
            args = record.args if isinstance(record.args, tuple) else ()
            record.args = (reason, *args)
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
