"""Typed settings, read once from the environment and an optional ``.env`` file."""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from bot.core.database_url import DatabaseUrl, DatabaseUrlError, parse_database_url
from bot.core.errors import ConfigError

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
DEFAULT_MUSICBRAINZ_API_BASE = "https://musicbrainz.org/ws/2"
DEFAULT_WIKIDATA_API_BASE = "https://www.wikidata.org/w/api.php"
DEFAULT_COVERART_API_BASE = "https://coverartarchive.org"
DEFAULT_COMMONS_API_BASE = "https://commons.wikimedia.org/w/api.php"
DEFAULT_YOUTUBE_FEED_BASE = "https://www.youtube.com/feeds/videos.xml"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
# Where the database lived by default in earlier versions (relative to the working directory):
# a database found there is still used, and the log says how to move it (README.md, "Upgrading").
OLD_DEFAULT_DATABASE = Path("data/linernotes.db")
DATABASE_FILE = "linernotes.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the bot; see README's settings table."""

    discord_token: str | None
    database_path: Path
    discord_api_base: str
    discord_gateway_url: str
    dev_guild_id: int | None
    log_level: str
    feed_poll_seconds: int
    feed_allow_private_hosts: bool
    musicbrainz_contact: str | None = None
    metrics_addr: tuple[str, int] | None = None
    shard_count: int | None = None  # unset: ask Discord (GET /gateway/bot)
    shard_ids: tuple[int, ...] | None = None  # unset: every shard
    musicbrainz_api_base: str = DEFAULT_MUSICBRAINZ_API_BASE
    wikidata_api_base: str = DEFAULT_WIKIDATA_API_BASE
    online_lookups: bool = True
    coverart_api_base: str = DEFAULT_COVERART_API_BASE
    commons_api_base: str = DEFAULT_COMMONS_API_BASE
    youtube_feed_base: str = DEFAULT_YOUTUBE_FEED_BASE
    # Where database_path came from: "DATABASE_PATH", "data directory" or "old default".
    database_origin: str = "DATABASE_PATH"
    # Whether LOG_LEVEL was set: command-line tools other than `run` log warnings only unless so.
    log_level_set: bool = False
    database_url: DatabaseUrl | None = None  # DATABASE_URL; wins over database_path
    database_pool_size: int = 10
    # The first wait before `run` tries Discord again at start; it doubles up to 5 minutes.
    discord_retry_seconds: float = 1.0

    @property
    def database(self) -> DatabaseUrl:
        """Return where the database is: ``DATABASE_URL`` if set, else ``DATABASE_PATH``."""
        return self.database_url or DatabaseUrl.sqlite(self.database_path)

    @property
    def log_level_number(self) -> int:
        """Return the ``logging`` level number."""
        return logging.getLevelNamesMapping()[self.log_level]

    def database_notice(self) -> str | None:
        """Return the log line for a database found at the old default location, else None."""
        if self.database_origin != "old default":
            return None
        target = default_data_dir() / DATABASE_FILE
        return (
            f"using the database at {self.database_path.resolve()}, the old default location; "
            f"Liner Notes now keeps it in {target.parent}. To move it, stop the bot and run: "
            f"mv {self.database_path}* {target.parent}/ (or set DATABASE_PATH to keep it here)"
        )


def default_data_dir() -> Path:
    """Return the platform's user data directory for Liner Notes (XDG_DATA_HOME on Linux)."""
    from platformdirs import user_data_path  # only when DATABASE_PATH is not set

    return user_data_path("linernotes", appauthor=False)


def default_database(cwd: Path | None = None) -> tuple[Path, str]:
    """Return the database to use when DATABASE_PATH is unset, and where it came from.

    A database already at the old default (``data/linernotes.db`` in the working directory) is
    used; otherwise the one in the user data directory, so a command run anywhere does not leave
    a stray database behind.
    """
    old = (cwd or Path.cwd()) / OLD_DEFAULT_DATABASE
    if old.is_file():
        return (OLD_DEFAULT_DATABASE if cwd is None else old), "old default"
    return default_data_dir() / DATABASE_FILE, "data directory"


def _url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    value = value.strip()
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in schemes or not rest.strip("/"):
        allowed = " or ".join(s + "://" for s in schemes)
        raise ConfigError(f"{name} must be a URL starting with {allowed} (got {value!r})")
    return value


def _int(name: str, value: str, minimum: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number (got {value!r})") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum} (got {number})")
    return number


def _seconds(name: str, value: str, minimum: float) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds (got {value!r})") from None
    if not math.isfinite(number) or number < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g} seconds (got {value.strip()})")
    return number


def _shard_ids(value: str, count: int | None) -> tuple[int, ...] | None:
    if not value.strip():
        return None
    if count is None:
        raise ConfigError(
            "SHARD_IDS needs SHARD_COUNT (the total number of shards over every process)"
        )
    parts = [p.strip() for p in value.split(",")]
    if not all(p.isdigit() for p in parts):
        raise ConfigError(
            f"SHARD_IDS must be shard numbers separated by commas, like 0,1 (got {value!r})"
        )
    ids = [int(p) for p in parts]
    for shard in ids:
        if shard >= count:
            raise ConfigError(
                f"SHARD_IDS has {shard}, but with SHARD_COUNT={count} shard ids run from 0 "
                f"to {count - 1}"
            )
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ConfigError(f"SHARD_IDS lists {repeated[0]} more than once")
    return tuple(sorted(ids))


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false (got {value!r})")


def _address(name: str, value: str) -> tuple[str, int]:
    """Read ``HOST:PORT`` (or ``:PORT`` for every interface)."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"{name} must be HOST:PORT, like 127.0.0.1:9108 (got {value!r})")
    return host.strip("[]") or "0.0.0.0", int(port)


def load_settings(
    *,
    require_token: bool = False,
    env: dict[str, str] | None = None,
    env_file: Path | None = Path(".env"),
) -> Settings:
    """Read and validate settings; raise ``ConfigError`` naming the first bad one.

    Values in the process environment win over those in ``env_file``.
    """
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if env is None else env)

    def get(name: str, default: str = "") -> str:
        return values.get(name, default)

    token = get("DISCORD_TOKEN").strip() or None
    if require_token and token is None:
        raise ConfigError(
            "DISCORD_TOKEN is not set: put your bot token in the environment or in .env"
        )
    if token is not None and any(c.isspace() for c in token):
        raise ConfigError("DISCORD_TOKEN must not contain spaces (paste only the token itself)")

    database = get("DATABASE_PATH").strip()
    if database:
        database_path, database_origin = Path(database).expanduser(), "DATABASE_PATH"
    else:
        database_path, database_origin = default_database()
    url_raw = get("DATABASE_URL").strip()
    try:
        database_url = parse_database_url(url_raw) if url_raw else None
    except DatabaseUrlError as exc:
        raise ConfigError(f"DATABASE_URL {exc}") from None

    guild_raw = get("DEV_GUILD_ID").strip()
    dev_guild = _int("DEV_GUILD_ID", guild_raw, 1) if guild_raw else None

    count_raw = get("SHARD_COUNT").strip()
    shard_count = _int("SHARD_COUNT", count_raw, 1) if count_raw else None
    shard_ids = _shard_ids(get("SHARD_IDS"), shard_count)

    level_raw = get("LOG_LEVEL").strip().upper()
    level = level_raw or "INFO"
    if level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)} (got {level!r})")

    contact = get("MUSICBRAINZ_CONTACT").strip() or None
    if contact is not None and any(c in contact for c in "()"):
        raise ConfigError(
            "MUSICBRAINZ_CONTACT must be an email address or URL, without brackets "
            f"(got {contact!r})"
        )
    metrics_raw = get("METRICS_ADDR").strip()

    return Settings(
        discord_token=token,
        database_path=database_path,
        database_origin=database_origin,
        discord_api_base=_url(
            "DISCORD_API_BASE", get("DISCORD_API_BASE", DEFAULT_API_BASE), ("http", "https")
        ).rstrip("/"),
        discord_gateway_url=_url(
            "DISCORD_GATEWAY_URL", get("DISCORD_GATEWAY_URL", DEFAULT_GATEWAY_URL), ("ws", "wss")
        ),
        dev_guild_id=dev_guild,
        log_level=level,
        log_level_set=bool(level_raw),
        feed_poll_seconds=_int("FEED_POLL_SECONDS", get("FEED_POLL_SECONDS", "900"), 1),
        discord_retry_seconds=_seconds(
            "DISCORD_RETRY_SECONDS", get("DISCORD_RETRY_SECONDS", "1"), 0.1
        ),
        feed_allow_private_hosts=_bool(
            "FEED_ALLOW_PRIVATE_HOSTS", get("FEED_ALLOW_PRIVATE_HOSTS", "false")
        ),
        musicbrainz_contact=contact,
        metrics_addr=_address("METRICS_ADDR", metrics_raw) if metrics_raw else None,
        shard_count=shard_count,
        shard_ids=shard_ids,
        musicbrainz_api_base=_url(
            "MUSICBRAINZ_API_BASE",
            get("MUSICBRAINZ_API_BASE", DEFAULT_MUSICBRAINZ_API_BASE),
            ("http", "https"),
        ).rstrip("/"),
        wikidata_api_base=_url(
            "WIKIDATA_API_BASE",
            get("WIKIDATA_API_BASE", DEFAULT_WIKIDATA_API_BASE),
            ("http", "https"),
        ),
        online_lookups=_bool("ONLINE_LOOKUPS", get("ONLINE_LOOKUPS", "true")),
        coverart_api_base=_url(
            "COVERART_API_BASE",
            get("COVERART_API_BASE", DEFAULT_COVERART_API_BASE),
            ("http", "https"),
        ).rstrip("/"),
        commons_api_base=_url(
            "COMMONS_API_BASE",
            get("COMMONS_API_BASE", DEFAULT_COMMONS_API_BASE),
            ("http", "https"),
        ),
        youtube_feed_base=_url(
            "YOUTUBE_FEED_BASE",
            get("YOUTUBE_FEED_BASE", DEFAULT_YOUTUBE_FEED_BASE),
            ("http", "https"),
        ),
        database_url=database_url,
        database_pool_size=_int("DATABASE_POOL_SIZE", get("DATABASE_POOL_SIZE", "10"), 1),
    )
