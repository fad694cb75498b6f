"""Durable timers at scale: 10,000 instances on short delays, resumed by the embedded worker on
SQLite and by 1, 2 and 4 `bizflow worker` processes on PostgreSQL.

Two phases per setup, on fresh data each time:
- burst: every timer falls due at the same moment; resumes/s = instances / seconds from that
  moment until the last wait was answered (what the workers can do flat out);
- steady: the timers fall due spread evenly at BIZFLOW_BENCH_DURABLE_RATE per second (default
  1000); lateness = when the wait was answered - when it was due, p50, p99 and max: what the
  scheduler adds while the workers keep up.
Both report resumes per CPU second of the workers (the processes, or the embedded worker's
thread) and the CPU the PostgreSQL backends of the bench database used per resume, as the
machine may be shared; the load average is printed with each setup.

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
from sqlalchemy.engine import make_url

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
    lead = LEAD_SECONDS + len(wait_ids) / 500   # writing them must end before the first is due
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


def wait_for_completion(app: Any, count: int, timeout: float) -> None:
    """Return once `count` instances completed (polled gently: the embedded worker shares
    this process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if completed(app) >= count:
            return
        time.sleep(0.25)
    raise AssertionError(f"only {completed(app)} of {count} instances completed in {timeout} s")


def lateness(app: Any, count: int) -> tuple[list[float], float]:
    """Check every step ran once; (each wait's answered_at - due in seconds, sorted; seconds
    from the first due moment until the last answer)."""
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
    assert len(rows) == count, f"{len(rows)} waits answered, not {count}"
    dues = [datetime.fromisoformat(request["due"]) for _answered, request in rows]
    late = sorted((answered - due).total_seconds()
                  for (answered, _request), due in zip(rows, dues, strict=True))
    return late, (max(answered for answered, _r in rows) - min(dues)).total_seconds()


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))]


def _proc_cpu(path: str) -> float:
    """utime + stime of a /proc stat file, in seconds (0 when the process is gone)."""
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        """CPU time the runners used so far: the worker processes, or the embedded worker's
        thread (SQLite runs in it; the bench's own polling is not counted)."""
        if self.processes == 0:
            return sum(_proc_cpu(f"/proc/self/task/{runner._thread.native_id}/stat")
                       for runner in self.running)
        return sum(_proc_cpu(f"/proc/{runner.pid}/stat") for runner in self.running)

    def stop(self) -> None:
        for runner in self.running:
            if self.processes == 0:
                runner.stop()
            else:
                runner.terminate()
                runner.wait(30)


class DatabaseCpu:
    """CPU time of the PostgreSQL backends serving one database (this machine's server)."""

    def __init__(self, url: str) -> None:
        self.name = make_url(url).database if url.startswith("postgresql") else None
        self.admin = create_engine(url) if self.name else None

    def snapshot(self) -> dict[int, float]:
        if self.admin is None:
            return {}
        with self.admin.connect() as connection:
            pids = connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> "
                "pg_backend_pid()"), {"name": self.name}).scalars().all()
        return {pid: _proc_cpu(f"/proc/{pid}/stat") for pid in pids}

    @staticmethod
    def used(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())

    def dispose(self) -> None:
        if self.admin is not None:
            self.admin.dispose()


def reset(app: Any) -> None:
    from app.db import transaction
    from app.models.processes import Instance, InstanceLogEntry, Template, Wait
    from app.models.records import Record

    with transaction(app) as session:
        for model in (Wait, InstanceLogEntry, Instance, Template, Record):
            session.execute(model.__table__.delete())


def phase(app: Any, workers: Workers, database: DatabaseCpu, spacing: float
          ) -> dict[str, float]:
    """Seed, make the timers due `spacing` s apart, wait until all completed; the figures."""
    reset(app)
    seed(app, INSTANCES)
    began = schedule(app, spacing)
    time.sleep(max(0.0, began - time.monotonic()))   # the first timer is due now
    cpu, db = workers.cpu_seconds(), database.snapshot()
    wait_for_completion(app, INSTANCES, 600 + INSTANCES * spacing)
    cpu, db = workers.cpu_seconds() - cpu, DatabaseCpu.used(db, database.snapshot())
    late, drain = lateness(app, INSTANCES)
    drain = max(drain, 1e-6)
    return {"per_s": INSTANCES / drain, "per_cpu_s": INSTANCES / max(cpu, 1e-6),
            "cpu_ms": cpu * 1000 / INSTANCES, "db_cpu_ms": db * 1000 / INSTANCES,
            "p50": percentile(late, 0.5), "p99": percentile(late, 0.99), "max": late[-1]}


def run_setup(label: str, key: str, url: str, processes: int, workdir: Path
              ) -> dict[str, Any]:
    from app.db import get_engine

    app = make_app(url)
    database = DatabaseCpu(url)
    workers = Workers(app, url, processes, workdir)
    workers.start()
    load_before = os.getloadavg()[0]
    try:
        burst = phase(app, workers, database, 0.0)      # every timer due at one moment
        steady = phase(app, workers, database, 1.0 / RATE)   # RATE timers fall due per second
    finally:
        workers.stop()
        database.dispose()
        get_engine(app).dispose()
    return {"setup": label, "key": key, "burst": burst, "steady": steady,
            "load": (load_before + os.getloadavg()[0]) / 2}


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
    print(f"{INSTANCES} instances on a delay, resumed once each. burst: all due at one moment; "
          f"steady: due at {RATE:g}/s over {INSTANCES / RATE:g} s")
    print(f"{'setup':<36} {'load':>5} | {'burst/s':>8} {'/CPU s':>7} {'CPU ms':>7} "
          f"{'DB ms':>6} | {'steady/s':>8} {'/CPU s':>7} {'p50 s':>6} {'p99 s':>6} "
          f"{'max s':>6}")
    for row in results:
        burst, steady = row["burst"], row["steady"]
        print(f"{row['setup']:<36} {row['load']:>5.1f} | {burst['per_s']:>8.0f} "
              f"{burst['per_cpu_s']:>7.0f} {burst['cpu_ms']:>7.2f} {burst['db_cpu_ms']:>6.2f} | "
              f"{steady['per_s']:>8.0f} {steady['per_cpu_s']:>7.0f} {steady['p50']:>6.3f} "
              f"{steady['p99']:>6.3f} {steady['max']:>6.3f}")
    print("burst/s, steady/s: resumes per wall second from the first due moment until the "
          "last wait was answered (steady cannot exceed its rate). /CPU s: resumes per CPU "
          "second of the worker processes (embedded: the worker thread); CPU ms: the same per "
          "resume; DB ms: CPU of the PostgreSQL backends per resume (same machine). "
          "p50/p99/max: lateness of the steady phase (answered - due). load: 1-minute load "
          "average of this machine during the setup.")
    for row in results:
        name = f"durable_{row['key']}"
        burst, steady = row["burst"], row["steady"]
        print(f"RESULT {name}_burst_resumes_per_s {burst['per_s']:.0f}")
        print(f"RESULT {name}_burst_resumes_per_cpu_s {burst['per_cpu_s']:.0f}")
        print(f"RESULT {name}_burst_db_cpu_ms_per_resume {burst['db_cpu_ms']:.2f}")
        print(f"RESULT {name}_steady_resumes_per_cpu_s {steady['per_cpu_s']:.0f}")
        print(f"RESULT {name}_p50_lateness_s {steady['p50']:.3f}")
        print(f"RESULT {name}_p99_lateness_s {steady['p99']:.3f}")
        print(f"RESULT {name}_load_average {row['load']:.1f}")


if __name__ == "__main__":
    main()
