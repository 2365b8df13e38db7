"""Where the database is: ``DATABASE_URL`` (SQLite file or PostgreSQL server) or a plain path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

BackendName = Literal["sqlite", "postgresql"]


class DatabaseUrlError(ValueError):
    """A database URL that cannot be used as written (the message says why)."""


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A parsed database location: a SQLite file, or a PostgreSQL DSN."""

    backend: BackendName
    path: Path | None = None  # SQLite
    dsn: str | None = None  # PostgreSQL, as given

    @classmethod
    def sqlite(cls, path: Path | str) -> DatabaseUrl:
        """Return the location of a SQLite file."""
        return cls("sqlite", path=Path(path))

    @property
    def is_postgres(self) -> bool:
        """Whether this names a PostgreSQL database."""
        return self.backend == "postgresql"

    def display(self) -> str:
        """Return the location without its password, for logs and messages."""
        if self.path is not None:
            return str(self.path)
        parts = urlsplit(self.dsn or "")
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        user = f"{parts.username}@" if parts.username else ""
        return f"postgresql://{user}{host}{parts.path}"

    def __str__(self) -> str:
        return self.display()


def parse_database_url(text: str) -> DatabaseUrl:
    """Parse ``sqlite:///path``, ``postgresql://…`` or ``postgres://…``; refuse anything else."""
    text = text.strip()
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise DatabaseUrlError(
            "must look like sqlite:///path/to/file.db or postgresql://user:pass@host:port/dbname"
        )
    if scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy spells them.
        if not rest.startswith("/") or rest == "/":
            raise DatabaseUrlError("a SQLite URL needs a file: sqlite:///path/to/file.db")
        path = unquote(rest[1:])
        if not path or path.endswith("/"):
            raise DatabaseUrlError("a SQLite URL needs a file: sqlite:///path/to/file.db")
        return DatabaseUrl.sqlite(Path(path).expanduser())
    if scheme in ("postgresql", "postgres"):
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise DatabaseUrlError(f"is not a valid PostgreSQL URL ({exc})") from None
        if not parts.hostname and "host=" not in parts.query:
            raise DatabaseUrlError("a PostgreSQL URL needs a host: postgresql://user@host/dbname")
        if port == 0:
            raise DatabaseUrlError("a PostgreSQL URL needs a port between 1 and 65535")
        dbname = parts.path.lstrip("/")
        if not dbname or "/" in dbname:
            raise DatabaseUrlError(
                "a PostgreSQL URL needs a database name: postgresql://host/dbname"
            )
        return DatabaseUrl("postgresql", dsn="postgresql://" + text.split("://", 1)[1])
    raise DatabaseUrlError(
        f"has the scheme {scheme or '(none)'}: use sqlite:///path/to/file.db or "
        "postgresql://user:pass@host:port/dbname"
    )


def as_database(target: DatabaseUrl | Path | str) -> DatabaseUrl:
    """Return ``target`` as a ``DatabaseUrl`` (a path, or text with ``://``, is parsed)."""
    if isinstance(target, DatabaseUrl):
        return target
    if isinstance(target, str) and "://" in target:
        return parse_database_url(target)
    return DatabaseUrl.sqlite(target)
