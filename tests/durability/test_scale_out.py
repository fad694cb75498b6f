"""Scale-out on PostgreSQL: many workers share due timers; each step and e-mail happens once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from durable_helpers import (
    SmtpSink,
    bizflow_process,
    clone_waiting_instances,
    later,
    mail_env,
    statuses,
    timer_then_mail,
    wait_until,
)
from sqlalchemy import create_engine, func, select, text

from app.db import read_transaction
from app.models.processes import InstanceLogEntry, OutboxMessage
from app.services.timers import fire_due_waits

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(pg_url: str) -> str:
    """The session's PostgreSQL database, emptied for this test."""
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return pg_url


@pytest.fixture
def sink():
    server = SmtpSink()
    yield server
    server.close()


def log_counts(app, ids: list[int]) -> Counter:
    with read_transaction(app) as session:
        rows = session.execute(select(InstanceLogEntry.node, func.count()).where(
            InstanceLogEntry.instance_id.in_(ids)).group_by(InstanceLogEntry.node)).all()
    return Counter(dict(rows))


def test_threads_racing_on_due_timers_run_each_step_once(app):
    ids = clone_waiting_instances(app, timer_then_mail({"for": "1h"}), 200)
    moment = later(3700)
    results: list[int] = []

    def work() -> None:
        with app.app_context():
            results.append(fire_due_waits(app, batch=20, now=moment))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(results) == 200
    assert statuses(app, ids) == {"completed": 200}
    counts = log_counts(app, ids)
    assert counts["mail"] == 200 and counts["pause"] == 200   # fired once each
    with read_transaction(app) as session:
        keys = session.scalars(select(OutboxMessage.idempotency_key)).all()
    assert len(keys) == len(set(keys)) == 200


def test_worker_processes_share_due_timers_and_send_each_mail_once(app, sink, tmp_path,
                                                                  database_url):
    env = mail_env(database_url, sink)
    workers = [bizflow_process(["worker", "--threads", "3"], env, tmp_path) for _ in range(2)]
    try:
        # All due at the same moment, a second after they start: six threads race.
        ids = clone_waiting_instances(app, timer_then_mail({"for": "1s"}), 200)
        # Polled gently: the SMTP sink shares this process.
        assert wait_until(lambda: statuses(app, ids) == {"completed": 200}, 120, every=1.0), \
            statuses(app, ids)
        assert wait_until(lambda: sink.count() >= 200, 90, every=0.5), sink.count()
        assert wait_until(lambda: False, 1.0) is False   # late duplicates would arrive now
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(20)
    assert sorted(sink.subjects) == sorted(f"LEAD {n}" for n in range(200))
    counts = log_counts(app, ids)
    assert counts["mail"] == 200 and counts["pause"] == 200
    with read_transaction(app) as session:
        rows = session.execute(select(OutboxMessage.state, OutboxMessage.attempts)).all()
    assert Counter(rows) == Counter({("sent", 1): 200})
