"""`bizflow worker` brings a new database to the current schema itself, as `bizflow serve` does,
and refuses clearly when it cannot."""

from __future__ import annotations

from conftest_paths import sqlite_url
from durable_helpers import bizflow_process, free_port, wait_until
from sqlalchemy import create_engine, inspect

from app.migrations import upgrade_database


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_worker_on_a_new_database_migrates_it_and_runs(tmp_path):
    url = sqlite_url(tmp_path)
    env = {"BIZFLOW_DATABASE_URL": url, "BIZFLOW_EXECUTOR": "embedded",
           "BIZFLOW_SECRET_KEY": "test"}
    worker = bizflow_process(["worker", "--threads", "1"], env, tmp_path)
    try:
        assert wait_until(lambda: {"alembic_version", "waits", "instances"} <= tables(url),
                          60, every=0.5), tables(url)
        assert wait_until(lambda: worker.poll() is not None, 2.0) is False   # still running
    finally:
        worker.terminate()
        worker.wait(20)
    # The same schema `bizflow db upgrade` makes: upgrading again finds nothing to do.
    engine = create_engine(url)
    upgrade_database(engine)
    engine.dispose()
    log = b"".join(path.read_bytes() for path in tmp_path.glob("bizflow-worker-*.log"))
    assert b"running due work" in log


def test_a_worker_refuses_a_database_it_cannot_migrate(tmp_path):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"   # no server
    env = {"BIZFLOW_DATABASE_URL": url, "BIZFLOW_EXECUTOR": "embedded",
           "BIZFLOW_SECRET_KEY": "test"}
    worker = bizflow_process(["worker"], env, tmp_path)
    try:
        assert worker.wait(60) != 0
    finally:
        worker.kill()
    log = b"".join(path.read_bytes() for path in tmp_path.glob("bizflow-worker-*.log"))
    assert b"could not bring the database" in log and b"nowhere" in log
