"""Liner Notes: a Discord bot for K-pop liner notes, references and reviews."""

__version__ = "0.1.0"
