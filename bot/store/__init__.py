"""All SQL lives in this package; nothing here imports discord or cogs."""

from bot.store.core import Migration, Store, bundled_migrations

__all__ = ["Migration", "Store", "bundled_migrations"]
