"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import make_engine
from app.migrations import upgrade_database
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
        "models and app/migrations differ; run `.venv/bin/python -m app.migrations.regenerate`"
        f": {differences}")
