"""Durable timers at scale: 10,000 instances on short delays, resumed by the embedded worker on
SQLite and by 1, 2 and 4 `bizflow worker` processes on PostgreSQL.

Two phases per setup, on fresh data each time:
- burst: every timer falls due at the same moment; resumes/s = instances / time from that
  moment until the last one completed (what the workers can do flat out);
- steady: the timers fall due spread evenly at BIZFLOW_BENCH_DURABLE_RATE per second (default
  1000); lateness = when the wait was answered - when it was due, p50 and p99.

The waiting instances are made by starting one instance through the services and copying its
rows (record, instance state, timer wait) with bulk inserts, so seeding takes seconds; every
resume then goes through the real path (claim, interpreter.resume, one transaction per batch).
Sizes: BIZFLOW_BENCH_DURABLE_INSTANCES (default 10000), BIZFLOW_BENCH_DURABLE_WORKERS (default
"1,2,4"), BIZFLOW_BENCH_DURABLE_THREADS (threads per worker, default 2); PostgreSQL from
BIZFLOW_TEST_DATABASE_URL (skipped when unset). The check: every instance completes and each
took exactly two log entries on the delay (paused, fired).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text, update

INSTANCES = int(os.environ.get("BIZFLOW_BENCH_DURABLE_INSTANCES", "10000"))
RATE = float(os.environ.get("BIZFLOW_BENCH_DURABLE_RATE", "1000"))
WORKERS = [int(n) for n in os.environ.get("BIZFLOW_BENCH_DURABLE_WORKERS", "1,2,4").split(",")]
THREADS = int(os.environ.get("BIZFLOW_BENCH_DURABLE_THREADS", "2"))
LEAD_SECONDS = 3.0   # the first timer falls due this long after seeding (workers warm up)
TEMPLATE = {
    "format": "bizflow.template/1", "name": "Bench delay", "document_type": "contact",
    "auto_start": [],
    "nodes": [{"id": "start", "type": "start"},
              {"id": "pause", "type": "delay", "properties": {"for": "1h"}},
              {"id": "note", "type": "log", "properties": {"text": "woke {=Document:NAME}"}},
              {"id": "done", "type": "end"}],
    "edges": [{"from": "start", "to": "pause"}, {"from": "pause", "to": "note"},
              {"from": "note", "to": "done"}],
}


def make_app(url: str) -> Any:
    from app import create_app
    from app.services.bootstrap import prepare

    app = create_app({"DATABASE_URL": url, "ADMIN_PASSWORD": "bench-password-1",
                      "TESTING": True, "SMTP_HOST": None})
    prepare(app)
    return app


def seed(app: Any, count: int) -> list[int]:
    """`count` instances waiting on the delay (due in an hour until `schedule` moves them)."""
    from tests.durability.durable_helpers import clone_waiting_instances

    return clone_waiting_instances(app, TEMPLATE, count, fields_of=lambda n: {"NAME": f"C{n}"})


def schedule(app: Any, spacing: float) -> float:
    """Make the timers due from LEAD_SECONDS from now on, `spacing` seconds apart (0: all at
    once); returns the monotonic time of the first due moment."""
    from app.db import read_transaction, transaction
    from app.models.base import utcnow
    from app.models.processes import Wait

    with read_transaction(app) as session:
        wait_ids = session.scalars(select(Wait.id).where(Wait.state == "open")
                                   .order_by(Wait.id)).all()
    lead = LEAD_SECONDS + len(wait_ids) / 2000
    first = utcnow() + timedelta(seconds=lead)
    began = time.monotonic() + lead
    for chunk in range(0, len(wait_ids), 2000):
        rows = []
        for n, wait_id in enumerate(wait_ids[chunk:chunk + 2000], start=chunk):
            due = first + timedelta(seconds=n * spacing)
            rows.append({"id": wait_id, "due_at": due, "request": {"due": due.isoformat()}})
        with transaction(app) as session:
            session.execute(update(Wait), rows)
    if time.monotonic() > began:
        print(f"note: writing the due times took longer than the {lead:.1f} s lead; the "
              "first timers were due before the last were written")
    return began


def completed(app: Any) -> int:
    from app.db import read_transaction
    from app.models.processes import Instance

    with read_transaction(app) as session:
        return session.scalar(select(func.count()).select_from(Instance).where(
            Instance.status == "completed")) or 0


def wait_for_completion(app: Any, count: int, timeout: float) -> float:
    """Seconds (monotonic clock) at which the `count`-th instance completed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if completed(app) >= count:
            return time.monotonic()
        time.sleep(0.1)
    raise AssertionError(f"only {completed(app)} of {count} instances completed in {timeout} s")


def check_and_lateness(app: Any, count: int) -> tuple[float, float]:
    """Check every step ran once; (p50, p99) of answered_at - due in seconds."""
    from app.db import read_transaction
    from app.models.processes import InstanceLogEntry, Wait

    with read_transaction(app) as session:
        pauses = session.scalar(select(func.count()).select_from(InstanceLogEntry).where(
            InstanceLogEntry.node == "pause"))
        notes = session.scalar(select(func.count()).select_from(InstanceLogEntry).where(
            InstanceLogEntry.node == "note"))
        rows = session.execute(select(Wait.answered_at, Wait.request).where(
            Wait.state == "answered")).all()
    assert pauses == count and notes == count, f"steps ran {pauses}/{notes} times, not {count}"
    late = sorted((answered - datetime.fromisoformat(request["due"])).total_seconds()
                  for answered, request in rows)
    return late[len(late) // 2], late[min(len(late) - 1, int(len(late) * 0.99))]


class Workers:
    """The due-work runners of one setup: the embedded thread, or `bizflow worker` processes."""

    def __init__(self, app: Any, url: str, processes: int, workdir: Path) -> None:
        self.app, self.url, self.processes, self.workdir = app, url, processes, workdir
        self.running: list[Any] = []

    def start(self) -> None:
        if self.processes == 0:
            from app.worker import JOBS, EmbeddedWorker, register_builtin_jobs

            register_builtin_jobs()
            self.running = [EmbeddedWorker(self.app, list(JOBS.values())).start()]
            return
        executable = Path(sys.executable).with_name("bizflow")
        env = {**os.environ, "BIZFLOW_DATABASE_URL": self.url, "BIZFLOW_EXECUTOR": "embedded",
               "BIZFLOW_SECRET_KEY": "bench"}
        env.pop("BIZFLOW_SMTP_HOST", None)
        self.running = [subprocess.Popen([str(executable), "worker", "--threads", str(THREADS)],
                                         cwd=self.workdir, env=env, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
                        for _ in range(self.processes)]

    def cpu_seconds(self) -> float:
        """CPU time the runners used so far (the embedded one: this whole process)."""
        if self.processes == 0:
            return time.process_time()
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for runner in self.running:
            fields = Path(f"/proc/{runner.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks   # utime, stime
        return total

    def stop(self) -> None:
        for runner in self.running:
            if self.processes == 0:
                runner.stop()
            else:
                runner.terminate()
                runner.wait(30)


def reset(app: Any) -> None:
    from app.db import transaction
    from app.models.processes import Instance, InstanceLogEntry, Template, Wait
    from app.models.records import Record

    with transaction(app) as session:
        for model in (Wait, InstanceLogEntry, Instance, Template, Record):
            session.execute(model.__table__.delete())


def run_setup(label: str, key: str, url: str, processes: int, workdir: Path
              ) -> dict[str, Any]:
    from app.db import get_engine

    app = make_app(url)
    reset(app)
    workers = Workers(app, url, processes, workdir)
    workers.start()
    try:
        # Burst: every timer due at the same moment.
        seed(app, INSTANCES)
        began = schedule(app, 0.0)
        cpu_before = workers.cpu_seconds()
        ended = wait_for_completion(app, INSTANCES, 600)
        cpu_ms = (workers.cpu_seconds() - cpu_before) * 1000 / INSTANCES
        burst_rate = INSTANCES / max(ended - began, 1e-6)
        check_and_lateness(app, INSTANCES)
        reset(app)
        # Steady: due times spread at RATE per second.
        seed(app, INSTANCES)
        schedule(app, 1.0 / RATE)
        wait_for_completion(app, INSTANCES, 600 + INSTANCES / RATE)
        p50, p99 = check_and_lateness(app, INSTANCES)
    finally:
        workers.stop()
        get_engine(app).dispose()
    return {"setup": label, "key": key, "resumes_per_s": burst_rate, "cpu_ms": cpu_ms,
            "p50": p50, "p99": p99}


def postgres_database() -> tuple[str, Any] | None:
    base = os.environ.get("BIZFLOW_TEST_DATABASE_URL")
    if not base:
        return None
    from sqlalchemy.engine import make_url

    url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"bizflow_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    """Print the table and RESULT lines; raise when an instance did not complete once."""
    import logging

    logging.disable(logging.WARNING)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results.append(run_setup("sqlite, embedded worker", "sqlite_embedded",
                                 f"sqlite:///{workdir}/bench.db", 0, workdir))
        database = postgres_database()
        if database is None:
            print("BIZFLOW_TEST_DATABASE_URL is not set: PostgreSQL setups skipped")
        else:
            url, drop = database
            try:
                for count in WORKERS:
                    results.append(run_setup(
                        f"postgresql, {count} worker(s) x {THREADS} threads",
                        f"postgresql_{count}_workers", url, count, workdir))
            finally:
                drop()
    print(f"{INSTANCES} instances on a delay; steady phase at {RATE:g} timers/s")
    print(f"{'setup':<40} {'resumes/s':>10} {'CPU ms/resume':>14} {'p50 late s':>11} "
          f"{'p99 late s':>11}")
    for row in results:
        print(f"{row['setup']:<40} {row['resumes_per_s']:>10.0f} {row['cpu_ms']:>14.2f} "
              f"{row['p50']:>11.3f} {row['p99']:>11.3f}")
    print("CPU ms/resume: CPU time of the worker processes (embedded: the whole process) per "
          "resumed instance in the burst phase; PostgreSQL's own CPU is not counted.")
    for row in results:
        print(f"RESULT durable_{row['key']}_resumes_per_s {row['resumes_per_s']:.0f}")
        print(f"RESULT durable_{row['key']}_cpu_ms_per_resume {row['cpu_ms']:.2f}")
        print(f"RESULT durable_{row['key']}_p50_lateness_s {row['p50']:.3f}")
        print(f"RESULT durable_{row['key']}_p99_lateness_s {row['p99']:.3f}")


if __name__ == "__main__":
    main()
