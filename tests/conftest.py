"""Fixtures the whole team uses: a fresh app per test (SQLite, or PostgreSQL when asked)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.pg_temp import temporary_database

ADMIN_TOKEN = "test-admin-token"
ADMIN_PASSWORD = "test-admin-password"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a uniquely named PostgreSQL database for this test session, dropped at the end.

    Skips when BIZFLOW_TEST_DATABASE_URL (the server to create it on) is not set.
    """
    base = os.environ.get("BIZFLOW_TEST_DATABASE_URL")
    if not base:
        pytest.skip("BIZFLOW_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    with temporary_database(base) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_pg_url(pg_url: str) -> str:
    """The session's PostgreSQL database, migrated once."""
    from app.db import make_engine
    from app.migrations import upgrade_database

    engine = make_engine(pg_url)
    upgrade_database(engine)
    engine.dispose()
    return pg_url


def _empty_postgres(url: str) -> None:
    # Deleting the few rows a test wrote is much faster than TRUNCATE or a new schema. The
    # configuration token row stays (the migration wrote it; the deletes renew its token).
    from app.models import Base

    engine = create_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "config_state":
                connection.execute(table.delete())
        connection.execute(text("INSERT INTO config_state (id, token) SELECT 1, 0 "
                                "WHERE NOT EXISTS (SELECT 1 FROM config_state)"))
    engine.dispose()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_databases: run the test on SQLite and on PostgreSQL "
                   "(the PostgreSQL run skips when BIZFLOW_TEST_DATABASE_URL is unset)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" in metafunc.fixturenames and \
            metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize(
            "database_url",
            ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
            indirect=True)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the current schema, copied for each test (faster)."""
    from app.db import make_engine
    from app.migrations import upgrade_database

    path = tmp_path_factory.mktemp("schema") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()  # closing the last connection folds the WAL into the file
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of one test: a fresh SQLite file (already migrated), or with the marker
    `@pytest.mark.both_databases` also the session's PostgreSQL database, emptied."""
    if getattr(request, "param", "sqlite") == "postgresql":
        url = request.getfixturevalue("migrated_pg_url")
        _empty_postgres(url)
        return url
    path = tmp_path / "bizflow.sqlite3"
    shutil.copyfile(request.getfixturevalue("migrated_sqlite_template"), path)
    return f"sqlite:///{path}"


def app_config(database_url: str, tmp_path, **extra: Any) -> dict[str, Any]:
    """Test settings: the given database, files under tmp_path, a known admin and token."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "API_TOKEN": ADMIN_TOKEN,
        "REDIS_URL": None,
        "SMTP_HOST": None,
        "FILES_DIR": str(tmp_path / "files"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **extra,
    }


@pytest.fixture
def app_extra_config() -> dict[str, Any]:
    """Override in a test module to add settings to the `app` fixture."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path, app_extra_config: dict[str, Any]):
    """A migrated app with the admin user (token ADMIN_TOKEN), like after `bizflow serve`."""
    from app import create_app
    from app.db import get_engine
    from app.services.bootstrap import prepare

    application = create_app(app_config(database_url, tmp_path, **app_extra_config))
    prepare(application)
    yield application
    get_engine(application).dispose()


@pytest.fixture
def client(app):
    """Flask test client of `app`."""
    return app.test_client()


@pytest.fixture
def admin_headers() -> dict[str, str]:
    """Authorization header of the admin (BIZFLOW_API_TOKEN of the test app)."""
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
