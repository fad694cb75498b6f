"""The dispatching side of the Celery executor: due waits and outbox work go to the queue."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import exists, select, update

from app.db import read_transaction, transaction
from app.models.base import utcnow
from app.models.processes import OutboxMessage, Wait
from app.services import timers

log = logging.getLogger(__name__)

# A dispatched wait becomes due again after this: the sweep for lost messages.
LEASE = timedelta(seconds=30)
BATCH = 500
OUTBOX_DISPATCH_SECONDS = 1.0
_last_outbox_dispatch = [0.0]


def _celery(app: Flask):
    from app.celery_app import configure

    return configure(app)


def dispatch_due_waits(app: Flask) -> int:
    """Lease due waits and send `bizflow.resume_wait` for each; returns how many were sent."""
    celery = _celery(app)
    sent = 0
    while timers.has_due_waits(app):
        with transaction(app) as session:
            now = utcnow()
            claimed = [wait_id for wait_id, _ in timers.claim_due_waits(session, now, BATCH)]
            if claimed:
                session.execute(update(Wait).where(Wait.id.in_(claimed))
                                .values(due_at=now + LEASE)
                                .execution_options(synchronize_session=False))
        # Sent after the commit: a task must never find the wait still leased by us.
        for wait_id in claimed:
            try:
                celery.send_task("bizflow.resume_wait", args=(wait_id,))
            except Exception:
                log.warning("could not queue wait %s; it is sent again after the lease",
                            wait_id, exc_info=True)
                return sent
            sent += 1
        if len(claimed) < BATCH:
            break
    return sent


def dispatch_outbox(app: Flask) -> int:
    """Ask a Celery worker to deliver the outbox when something is due (at most once a second)."""
    now = time.monotonic()
    if now - _last_outbox_dispatch[0] < OUTBOX_DISPATCH_SECONDS:
        return 0
    with read_transaction(app) as session:
        due = session.scalar(select(exists().where(
            OutboxMessage.state.in_(("pending", "undeliverable")),
            OutboxMessage.next_attempt_at <= utcnow())))
    if not due:
        return 0
    _last_outbox_dispatch[0] = now
    try:
        _celery(app).send_task("bizflow.deliver_outbox")
    except Exception:
        log.warning("could not queue outbox delivery", exc_info=True)
        return 0
    return 1
