"""Numbered schema migrations: ``NNNN_reason.sql``, applied in order, never edited once landed."""
