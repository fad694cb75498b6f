"""`bizflow worker`: a process that runs due work alone (timers, outbox, webhooks) for scale-out."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Threads running due work (Celery: the pool size).")
@click.option("--dispatch/--no-dispatch", default=True, show_default=True,
              help="Celery only: also send due work to the queue (else web processes do).")
@with_appcontext
def worker(threads: int, dispatch: bool) -> None:
    """Run due work alone: any number of workers may share one PostgreSQL database.

    With BIZFLOW_EXECUTOR=celery this is a Celery worker of the Bizflow queue that also
    dispatches due work to it; otherwise the worker fires timers and delivers the outbox
    itself. It first brings the database to the current schema, as `bizflow serve` does.
    Stop it with Ctrl+C or SIGTERM (a step in progress finishes first).
    """
    from app.executors import uses_celery

    app = current_app._get_current_object()
    _migrate(app)
    if uses_celery(app):
        _run_celery(app, threads, dispatch)
    else:
        _run_embedded(app, threads)


def _migrate(app: Flask) -> None:
    """Create or migrate the schema (PostgreSQL: one process at a time, so workers and
    servers starting together take turns); a clear error when the database is unusable."""
    from app.db import get_engine
    from app.migrations import upgrade_database

    engine = get_engine(app)
    try:
        upgrade_database(engine)
    except Exception as error:
        where = engine.url.render_as_string(hide_password=True)
        raise click.ClickException(
            f"could not bring the database {where} to the current schema: {error}") from None


def _run_embedded(app: Flask, threads: int) -> None:
    from app.worker import JOBS, EmbeddedWorker, register_builtin_jobs

    register_builtin_jobs()
    workers = [EmbeddedWorker(app, list(JOBS.values())).start() for _ in range(threads)]
    click.echo(f"Bizflow worker: {threads} thread(s) running due work "
               f"({', '.join(JOBS)}). Ctrl+C stops.")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_args: stop.set())
    stop.wait()
    for running in workers:
        running.stop()
    click.echo("Stopped.")


def _run_celery(app: Flask, threads: int, dispatch: bool) -> None:
    from app.celery_app import configure, queue_name
    from app.executors import DUE_POLL_SECONDS, run_due_waits, run_webhooks
    from app.services import timers
    from app.worker import EmbeddedWorker, Job

    celery = configure(app)
    if dispatch:
        # The dispatcher: due waits go to the queue this worker (and its peers) consume.
        EmbeddedWorker(app, [Job("dispatch-due-waits", run_due_waits, DUE_POLL_SECONDS,
                                 timers.next_due_in),
                             Job("dispatch-outbox", run_webhooks, 1.0)]).start()
    queue = queue_name(app.config)
    click.echo(f"Bizflow Celery worker on queue {queue!r}, {threads} thread(s).")
    celery.worker_main(["worker", "--queues", queue, "--pool", "threads",
                        "--concurrency", str(threads), "--loglevel", "INFO",
                        "--without-gossip", "--without-mingle", "--without-heartbeat"])


commands = [worker]
