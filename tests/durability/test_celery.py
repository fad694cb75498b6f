"""BIZFLOW_EXECUTOR=celery: due work goes through a real Celery worker; the database decides."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from durable_helpers import (
    SmtpSink,
    bizflow_process,
    clone_waiting_instances,
    mail_env,
    statuses,
    timer_then_mail,
    wait_until,
)
from sqlalchemy import func, select, update

from app.celery_app import configure
from app.db import read_transaction, transaction
from app.executors import celery_dispatch
from app.models.base import utcnow
from app.models.processes import InstanceLogEntry, Wait
from app.services import timers

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
QUEUE = f"bizflow-test-{uuid.uuid4().hex[:10]}"
BROKERS = ["redis", "amqp"]


@pytest.fixture(params=BROKERS)
def broker_url(request) -> str:
    name = {"redis": "BIZFLOW_TEST_REDIS_URL", "amqp": "BIZFLOW_TEST_AMQP_URL"}[request.param]
    url = os.environ.get(name)
    if not url:
        pytest.skip(f"{name} is not set: Celery over {request.param} skipped")
    return url


@pytest.fixture
def database_url(pg_url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return pg_url


@pytest.fixture
def app_extra_config(broker_url) -> dict:
    return {"EXECUTOR": "celery", "CELERY_BROKER_URL": broker_url, "CELERY_QUEUE": QUEUE}


@pytest.fixture
def sink():
    server = SmtpSink()
    yield server
    server.close()


@pytest.fixture
def celery_worker(app, sink, database_url, broker_url, tmp_path):
    env = {**mail_env(database_url, sink), "BIZFLOW_EXECUTOR": "celery",
           "BIZFLOW_CELERY_BROKER_URL": broker_url, "BIZFLOW_CELERY_QUEUE": QUEUE}
    # --no-dispatch: this test plays the web process that sends due work to the queue.
    process = bizflow_process(["worker", "--threads", "4", "--no-dispatch"], env, tmp_path)
    yield process
    process.kill()   # the database, not the worker, holds the state: no clean stop needed
    process.wait(30)


def step_counts(app, ids: list[int]) -> Counter:
    with read_transaction(app) as session:
        return Counter(dict(session.execute(
            select(InstanceLogEntry.node, func.count()).where(
                InstanceLogEntry.instance_id.in_(ids)).group_by(InstanceLogEntry.node)).all()))


def dispatch_until_done(app, ids: list[int], timeout: float) -> bool:
    def done() -> bool:
        celery_dispatch.dispatch_due_waits(app)
        celery_dispatch._last_outbox_dispatch[0] = 0.0
        celery_dispatch.dispatch_outbox(app)
        return statuses(app, ids) == {"completed": len(ids)}
    return wait_until(done, timeout, every=0.5)


def test_celery_workers_run_due_timers_and_lost_or_doubled_messages_change_nothing(
        app, sink, celery_worker, monkeypatch):
    ids = clone_waiting_instances(app, timer_then_mail({"for": "1s"}), 60)
    with read_transaction(app) as session:
        wait_ids = session.scalars(select(Wait.id).where(Wait.instance_id.in_(ids[:10]))).all()
    # Lost messages: ten due waits are leased and sent to a queue no worker listens to.
    monkeypatch.setattr(celery_dispatch, "LEASE", timedelta(seconds=2))
    celery = configure(app)
    time.sleep(1.2)
    with transaction(app) as session:
        now = utcnow()
        claimed = [wait for wait, _ in timers.claim_due_waits(session, now, 500)
                   if wait in wait_ids]
        session.execute(update(Wait).where(Wait.id.in_(claimed)).values(
            due_at=now + celery_dispatch.LEASE))
    assert len(claimed) == 10
    for wait_id in claimed:
        celery.send_task("bizflow.resume_wait", args=(wait_id,), queue=f"{QUEUE}-nobody")
    # Doubled messages: five waits are sent twice (once here, once by the sweep).
    for wait_id in wait_ids[:5]:
        celery.send_task("bizflow.resume_wait", args=(wait_id,))
    assert dispatch_until_done(app, ids, 120), statuses(app, ids)
    counts = step_counts(app, ids)
    assert counts["pause"] == 60 and counts["mail"] == 60   # each timer fired once
    assert wait_until(lambda: (celery_dispatch.dispatch_outbox(app) or True)
                      and sink.count() >= 60, 60, every=1.1), sink.count()
    assert Counter(sink.subjects) == Counter(f"LEAD {n}" for n in range(60))
