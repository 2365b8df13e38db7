"""Discord I/O: one extension per user-facing noun. Modules starting with ``_`` are helpers."""
