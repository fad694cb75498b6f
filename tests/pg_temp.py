"""A uniquely named PostgreSQL database that exists only for a block (tests and benchmarks)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def server_url() -> str | None:
    """The PostgreSQL server benchmarks use: BIZFLOW_BENCH_DATABASE_URL, else
    BIZFLOW_TEST_DATABASE_URL, else None."""
    return os.environ.get("BIZFLOW_BENCH_DATABASE_URL") or \
        os.environ.get("BIZFLOW_TEST_DATABASE_URL")


@contextmanager
def temporary_database(server: str, prefix: str = "bizflow_test") -> Iterator[str]:
    """Create `<prefix>_<random>` on the server of `server`, yield its URL, drop it after.

    Only the database created here is ever dropped (FORCE closes connections left open).
    """
    url = make_url(server)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
