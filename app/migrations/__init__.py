"""Alembic migrations of the database schema; `upgrade_database` brings a database to head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).parent


def alembic_config(engine: Engine) -> Config:
    """An Alembic config for this folder that runs on `engine` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


# Several `bizflow serve` processes may start together on one PostgreSQL database.
_UPGRADE_LOCK_ID = 7_305_011


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema of the database behind `engine` (one process at a time)."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _UPGRADE_LOCK_ID})
        lock.commit()
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _UPGRADE_LOCK_ID})
            lock.commit()
