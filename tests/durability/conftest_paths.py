"""Database locations of subprocess tests."""

from __future__ import annotations

from pathlib import Path


def sqlite_url(directory: Path) -> str:
    """A SQLite database file in `directory` (shared by the test and its subprocesses)."""
    return f"sqlite:///{directory / 'bizflow.sqlite3'}"
