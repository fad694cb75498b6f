"""The embedded worker: a daemon thread of `bizflow serve` running the registered periodic jobs.

A job is a function of the app, run inside an app context every `every` seconds and at once
when `wake()` is called (a run step that committed new outbox rows calls it). A job may also
say when it wants to run next (`next_in`, e.g. the next timer's due time), so the worker
sleeps until then instead of polling often. Jobs own their transactions; a failing job is
logged and retried at its next turn.

    register_job("deliver-mail", deliver_pending_mail, every=2.0)
    worker = start_embedded(app)   # `bizflow serve` does this
    worker.stop()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

log = logging.getLogger(__name__)

_EXTENSION = "bizflow.worker"
POLL_SECONDS = 1.0
# The shortest pause a `next_in` hint gets: timers falling due meanwhile go in one batch
# (bigger batches cost less per resume; a timer waits at most this much longer).
MIN_NAP = 0.05


@dataclass(frozen=True)
class Job:
    """A periodic job: a name for logs, the function, the longest pause between two runs and
    optionally `next_in(app)`: seconds until it should run again (None: nothing planned)."""

    name: str
    run: Callable[[Flask], object]
    every: float
    next_in: Callable[[Flask], float | None] | None = None


JOBS: dict[str, Job] = {}
_running: list[EmbeddedWorker] = []


def register_job(name: str, run: Callable[[Flask], object], every: float = POLL_SECONDS,
                 next_in: Callable[[Flask], float | None] | None = None) -> None:
    """Add (or replace) a periodic job of every worker started from now on."""
    JOBS[name] = Job(name, run, every, next_in)


def wake() -> None:
    """Ask every worker of this process to run its jobs now (e.g. new mail was committed)."""
    for worker in list(_running):
        worker.wake()


class EmbeddedWorker:
    """Runs the jobs in one daemon thread until stopped."""

    def __init__(self, app: Flask, jobs: list[Job], poll_seconds: float = POLL_SECONDS) -> None:
        self.app = app
        self.jobs = jobs
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bizflow-worker", daemon=True)
        self._next_run: dict[str, float] = {}

    def start(self) -> EmbeddedWorker:
        _running.append(self)
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the job that is running now (if any) ends."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        if self in _running:
            _running.remove(self)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def run_due_jobs(self, everything: bool = False) -> None:
        """Run every job whose time has come (all of them when woken up)."""
        for job in self.jobs:
            if self._stop.is_set():
                return
            started = time.monotonic()
            if not everything and started < self._next_run.get(job.name, 0.0):
                continue
            self._next_run[job.name] = started + job.every
            try:
                with self.app.app_context():
                    job.run(self.app)
                    hint = job.next_in(self.app) if job.next_in is not None else None
            except Exception:
                # A job must never kill the worker; it runs again at its next turn.
                log.exception("worker job %s failed", job.name)
                continue
            if hint is not None:
                self._next_run[job.name] = min(self._next_run[job.name],
                                               time.monotonic() + max(hint, MIN_NAP))

    def _pause(self) -> float:
        first = min(self._next_run.values(), default=time.monotonic() + self.poll_seconds)
        return min(self.poll_seconds, max(0.0, first - time.monotonic()))

    def _loop(self) -> None:
        woken = True
        while not self._stop.is_set():
            self.run_due_jobs(everything=woken)
            woken = self._wake.wait(self._pause())
            self._wake.clear()


def start_embedded(app: Flask, poll_seconds: float = POLL_SECONDS) -> EmbeddedWorker:
    """Start the embedded worker of `app` (once; a second call returns the running one)."""
    worker = app.extensions.get(_EXTENSION)
    if worker is not None and worker.alive:
        return worker
    register_builtin_jobs()
    worker = EmbeddedWorker(app, list(JOBS.values()), poll_seconds).start()
    app.extensions[_EXTENSION] = worker
    return worker


def stop_embedded(app: Flask) -> None:
    """Stop the embedded worker of `app`, if one runs."""
    worker = app.extensions.pop(_EXTENSION, None)
    if worker is not None:
        worker.stop()


def register_builtin_jobs() -> None:
    """Register the jobs every worker runs (outbox delivery, due waits, webhooks)."""
    # Imported here: the jobs need the services, which need the models; the worker module
    # itself stays importable from anywhere (services call wake()).
    from app.executors import register_jobs
    from app.services.outbox import deliver_due_messages

    JOBS.setdefault("deliver-outbox", Job("deliver-outbox", deliver_due_messages, POLL_SECONDS))
    register_jobs()
