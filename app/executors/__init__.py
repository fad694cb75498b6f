"""How due work runs: here (`embedded`, the default) or dispatched to Celery (`celery`).

BIZFLOW_EXECUTOR chooses. Either way the database decides what is due and claims it; the
executor only says which process runs the step:

- embedded: the worker thread of `bizflow serve` / each `bizflow worker` fires due waits
  itself (app.services.timers) and delivers webhooks (app.services.webhooks).
- celery: those same loops only dispatch: each due wait is sent to the Celery queue as
  `bizflow.resume_wait(wait_id)` (app.celery_app) after its `due_at` was moved forward by a
  lease in the claiming transaction. A lost message lets the lease run out and the wait is
  sent again (the sweep); a duplicated one finds the wait answered and does nothing.
"""

from __future__ import annotations

from flask import Flask

from app.services import timers, webhooks

# How often the due-work loop looks for due work at the latest (a child that ended, a wait
# made due by hand); between two looks it sleeps until the next timer falls due.
DUE_POLL_SECONDS = 0.5
WEBHOOK_POLL_SECONDS = 1.0


def uses_celery(app: Flask) -> bool:
    """True when BIZFLOW_EXECUTOR is `celery`."""
    return (app.config.get("EXECUTOR") or "embedded").lower() == "celery"


def run_due_waits(app: Flask) -> int:
    """Job: fire due waits here, or send them to Celery."""
    if uses_celery(app):
        from app.executors.celery_dispatch import dispatch_due_waits

        return dispatch_due_waits(app)
    return timers.fire_due_waits(app)


def run_webhooks(app: Flask) -> int:
    """Job: deliver due webhooks here, or ask a Celery worker to."""
    if uses_celery(app):
        from app.executors.celery_dispatch import dispatch_outbox

        return dispatch_outbox(app)
    return webhooks.deliver_due_webhooks(app)


def register_jobs() -> None:
    """Add the durable-execution jobs to the worker registry (app.worker)."""
    from app.worker import register_job

    register_job("due-waits", run_due_waits, every=DUE_POLL_SECONDS, next_in=timers.next_due_in)
    register_job("deliver-webhooks", run_webhooks, every=WEBHOOK_POLL_SECONDS)
