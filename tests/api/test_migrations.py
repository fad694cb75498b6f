"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.db import make_engine
from app.migrations import alembic_config, upgrade_database
from app.models import Base

pytestmark = pytest.mark.both_databases


def test_migrations_match_the_models(database_url):
    engine = make_engine(database_url)
    try:
        upgrade_database(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], (
        "models and app/migrations differ; add a revision: `.venv/bin/python -m "
        "app.migrations.new_revision \"what changed\"`"
        f": {differences}")


def _add_field(connection, code: str) -> None:
    connection.execute(text(
        "INSERT INTO custom_fields (document_type, code, type, title, multiple, required, "
        f"options, created_at) VALUES ('lead', '{code}', 'string', 'T', false, false, '[]', "
        "CURRENT_TIMESTAMP)"))


def test_0002_adds_the_config_token_to_a_database_with_data_and_goes_back(database_url):
    engine = make_engine(database_url)   # the fixture's database is at head
    try:
        command.downgrade(alembic_config(engine), "0001")
        with engine.begin() as connection:
            _add_field(connection, "UF_CRM_OLD")
        upgrade_database(engine)
        with engine.begin() as connection:
            token = connection.scalar(text("SELECT token FROM config_state WHERE id = 1"))
            connection.execute(text("DELETE FROM custom_fields WHERE code = 'UF_CRM_OLD'"))
            assert connection.scalar(text("SELECT token FROM config_state")) != token
        command.downgrade(alembic_config(engine), "0001")
        with engine.begin() as connection:   # no trigger is left to fail on writes
            _add_field(connection, "UF_CRM_NEW")
    finally:
        upgrade_database(engine)
        engine.dispose()
