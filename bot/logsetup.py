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
