"""The Celery application of `BIZFLOW_EXECUTOR=celery`: tasks that run due work by id.

Every task re-reads and locks what it works on, so the queue carries hints, not truth:
`bizflow.resume_wait(wait_id)` fires one wait if it is still open and due, and
`bizflow.deliver_outbox()` delivers whatever outbox messages are due (claims make a second
worker skip them). Broker: BIZFLOW_CELERY_BROKER_URL (e.g. amqp://guest:guest@host:5672//),
else BIZFLOW_REDIS_URL. Queue: BIZFLOW_CELERY_QUEUE (default `bizflow`).

A Celery worker builds the Flask app once (`create_app()`, settings from the environment);
`bizflow worker` with BIZFLOW_EXECUTOR=celery starts one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from celery import Celery
from flask import Flask

DEFAULT_QUEUE = "bizflow"

celery_app = Celery("bizflow")
_flask: dict[str, Flask] = {}
_flask_lock = threading.Lock()


def broker_url(config: Mapping[str, Any]) -> str | None:
    """Where the queue lives: the Celery broker setting, else Redis."""
    return config.get("CELERY_BROKER_URL") or os.environ.get("BIZFLOW_CELERY_BROKER_URL") \
        or config.get("REDIS_URL")


def queue_name(config: Mapping[str, Any]) -> str:
    """The queue due work is sent to."""
    return config.get("CELERY_QUEUE") or os.environ.get("BIZFLOW_CELERY_QUEUE") \
        or DEFAULT_QUEUE


def configure(app: Flask) -> Celery:
    """Point the Celery app at `app`'s broker and queue; tasks then run against `app`."""
    url = broker_url(app.config)
    if not url:
        raise RuntimeError("BIZFLOW_EXECUTOR=celery needs BIZFLOW_CELERY_BROKER_URL or "
                           "BIZFLOW_REDIS_URL")
    queue = queue_name(app.config)
    if celery_app.conf.broker_url and celery_app.conf.broker_url != url:
        # Another broker than before (tests use two): drop the cached connections to it.
        celery_app.close()
        celery_app.amqp._producer_pool = None
    celery_app.conf.update(
        broker_url=url, task_default_queue=queue, task_ignore_result=True,
        # A task is acknowledged after it ran: a worker killed mid-task leaves the message
        # to another worker (the database makes the second run a no-op when needed).
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=4,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)
    with _flask_lock:
        _flask["app"] = app
    return celery_app


def flask_app() -> Flask:
    """The Flask app tasks run against (built from the environment on first use)."""
    with _flask_lock:
        if "app" not in _flask:
            from app import create_app

            _flask["app"] = create_app()
        return _flask["app"]


@celery_app.task(name="bizflow.resume_wait")
def resume_wait(wait_id: int) -> int:
    """Fire one wait if it is still open and due; 1 when a step ran."""
    from app.services.timers import fire_one

    app = flask_app()
    with app.app_context():
        return fire_one(app, wait_id)


@celery_app.task(name="bizflow.deliver_outbox")
def deliver_outbox() -> None:
    """Deliver due e-mail, notifications and webhooks."""
    from app.services.outbox import deliver_due_messages
    from app.services.webhooks import deliver_due_webhooks

    app = flask_app()
    with app.app_context():
        deliver_due_messages(app)
        deliver_due_webhooks(app)
