"""Leads per second with the seeds' template enabled, each lead's process committed.

Two paths: the service layer (records.create_record in one transaction per lead: the lead,
its instance, the assignment, the log and the outbox e-mail commit together) and HTTP
(POST /api/v1/leads to `waitress` on an ephemeral port, keep-alive clients in their own
processes). Wall-clock rates and CPU per lead (this process: the server) are printed.
SQLite always; PostgreSQL too when BIZFLOW_BENCH_DATABASE_URL or BIZFLOW_TEST_DATABASE_URL
names a server (a uniquely named database is created and dropped). Every run is checked:
each lead has one completed instance, one outbox e-mail, and the manager the template picks.

Environment: BIZFLOW_BENCH_LEADS (default 5000), BIZFLOW_BENCH_HTTP_LEADS (default 3000),
BIZFLOW_BENCH_HTTP_CLIENTS (default 4), BIZFLOW_BENCH_PROFILE=1 (pyinstrument on the service
path, printed).
"""

from __future__ import annotations

import logging
import os
import random
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from tests.bench._http_clients import HttpRun, post_all
from tests.pg_temp import server_url, temporary_database

TOKEN = "bench-admin-token"
CURRENCIES = ("EUR", "USD", "RUB", "VND", "GBP")


def _leads(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [{"TITLE": f"Web order {number}", "CURRENCY_ID": rng.choice(CURRENCIES),
             "OPPORTUNITY": rng.choice((rng.randint(0, 1000), round(rng.uniform(0, 5000), 2)))}
            for number in range(count)]


def _expected_manager(lead: dict[str, Any], managers: dict[str, int]) -> int:
    if lead["CURRENCY_ID"] == "EUR":
        return managers["EuroManager"]
    return managers["BigDealManager"] if lead["OPPORTUNITY"] > 500 else \
        managers["SmallDealManager"]


def _make_app(database_url: str, files_dir: str) -> tuple[Any, dict[str, int], int]:
    from app import create_app
    from app.db import transaction
    from app.models.users import User
    from app.services.bootstrap import prepare
    from app.services.templates import install_builtin
    from app.services.users import create_user

    app = create_app({"DATABASE_URL": database_url, "API_TOKEN": TOKEN,
                      "ADMIN_PASSWORD": "bench-password", "SMTP_HOST": None,
                      "FILES_DIR": files_dir, "SECRET_KEY": "bench"})
    prepare(app)
    with transaction(app) as session:
        admin_id = session.scalar(select(User.id).where(User.login == "admin"))
        ids = [create_user(session, {"LOGIN": f"manager{n}", "NAME": "M", "LAST_NAME": str(n),
                                     "EMAIL": f"manager{n}@example.com"}, [], "password-123").id
               for n in range(3)]
        managers = dict(zip(("EuroManager", "BigDealManager", "SmallDealManager"), ids,
                            strict=True))
        install_builtin(session, "assign_responsible", managers)
    return app, managers, admin_id


def _check(app: Any, leads: list[dict[str, Any]], ids: list[int],
           managers: dict[str, int]) -> None:
    from app.db import read_transaction
    from app.models.processes import Instance, OutboxMessage
    from app.models.records import Record

    with read_transaction(app) as session:
        completed = session.scalar(select(func.count()).select_from(Instance).where(
            Instance.document_id.in_(ids), Instance.status == "completed"))
        mails = session.scalar(select(func.count()).select_from(OutboxMessage).join(
            Instance, Instance.id == OutboxMessage.instance_id).where(
            Instance.document_id.in_(ids)))
        assigned = dict(session.execute(select(Record.id, Record.fields).where(
            Record.id.in_(ids))).all())
    if completed != len(ids) or mails != len(ids):
        raise AssertionError(f"{len(ids)} leads but {completed} completed instances and "
                             f"{mails} outbox e-mails")
    for lead, record_id in zip(leads, ids, strict=True):
        if assigned[record_id].get("ASSIGNED_BY_ID") != _expected_manager(lead, managers):
            raise AssertionError(f"lead {record_id} assigned to the wrong manager")


@dataclass(frozen=True)
class Row:
    """One measured path: leads, wall seconds, server CPU seconds, client CPU seconds."""

    database: str
    path: str
    leads: int
    seconds: float
    cpu: float
    client_cpu: float = 0.0


def _service_path(app: Any, leads: list[dict[str, Any]], admin_id: int,
                  profile: bool) -> tuple[float, float, list[int]]:
    from app.db import transaction
    from app.services.record_events import Origin
    from app.services.records import create_record

    origin = Origin.user(admin_id)
    ids: list[int] = []
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    began, cpu = time.perf_counter(), time.process_time()
    with app.app_context():   # as in the API and the worker: live updates are published
        for fields in leads:
            with transaction(app) as session:
                ids.append(create_record(session, "lead", fields, admin_id, origin).id)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return elapsed, cpu, ids


def _http_path(app: Any, leads: list[dict[str, Any]], clients: int) -> tuple[HttpRun, list[int]]:
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=max(4, clients))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        run = post_all(server.effective_port, "/api/v1/leads", TOKEN,
                       [{"fields": lead} for lead in leads], clients)
    finally:
        # Closed from inside waitress's own loop thread (closing from here races its select()).
        server.trigger.pull_trigger(server.close)
        thread.join(timeout=5)
    if run.errors:
        raise AssertionError(f"HTTP errors: {run.errors[:3]}")
    return run, [record_id for record_id in run.ids if record_id is not None]


def _run(label: str, database_url: str, files_dir: str, count: int, http_count: int,
         clients: int, profile: bool) -> list[Row]:
    from app.db import get_engine

    app, managers, admin_id = _make_app(database_url, files_dir)
    rows = []
    try:
        leads = _leads(count, seed=1)
        elapsed, cpu, ids = _service_path(app, leads, admin_id, profile)
        _check(app, leads, ids, managers)
        rows.append(Row(label, "service layer", count, elapsed, cpu))
        leads = _leads(http_count, seed=2)
        run, ids = _http_path(app, leads, clients)
        _check(app, leads, ids, managers)
        rows.append(Row(label, f"HTTP ({clients} clients)", http_count, run.seconds,
                        run.server_cpu, run.client_cpu))
    finally:
        get_engine(app).dispose()
    return rows


def main() -> None:
    """Run the benchmark on SQLite (and PostgreSQL when configured) and print the table."""
    logging.disable(logging.INFO)
    logging.getLogger("waitress").setLevel(logging.ERROR)   # "task queue depth" per request
    count = int(os.environ.get("BIZFLOW_BENCH_LEADS", "5000"))
    http_count = int(os.environ.get("BIZFLOW_BENCH_HTTP_LEADS", "3000"))
    clients = int(os.environ.get("BIZFLOW_BENCH_HTTP_CLIENTS", "4"))
    profile = os.environ.get("BIZFLOW_BENCH_PROFILE") == "1"
    pg_server = server_url()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += _run("sqlite", f"sqlite:///{tmp}/bench.sqlite3", tmp, count, http_count,
                     clients, profile)
        if pg_server:
            with temporary_database(pg_server, "bizflow_bench") as url:
                rows += _run("postgresql", url, tmp, count, http_count, clients, profile)
        else:
            print("PostgreSQL skipped: set BIZFLOW_BENCH_DATABASE_URL or "
                  "BIZFLOW_TEST_DATABASE_URL")
    print("flow: templates_bp/assign_responsible.json enabled; one transaction per lead "
          "(lead + instance + assignment + log + outbox e-mail)")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    # The server's CPU per lead says what the code costs even when the machine is busy; HTTP
    # clients run in their own processes, their CPU is shown apart.
    print(f"{'database':<12} {'path':<20} {'leads':>6} {'seconds':>8} {'leads/s':>8} "
          f"{'CPU ms/lead':>12} {'leads/CPU s':>12} {'client CPU ms':>14}")
    for row in rows:
        print(f"{row.database:<12} {row.path:<20} {row.leads:>6} {row.seconds:>8.2f} "
              f"{row.leads / row.seconds:>8,.0f} {row.cpu * 1000 / row.leads:>12.2f} "
              f"{row.leads / row.cpu:>12,.0f} {row.client_cpu * 1000 / row.leads:>14.2f}")
    for row in rows:
        name = f"app_{row.database}_{'http' if row.path.startswith('HTTP') else 'service'}"
        print(f"RESULT {name}_leads_per_s {row.leads / row.seconds:.0f}")
        print(f"RESULT {name}_leads_per_cpu_s {row.leads / row.cpu:.0f}")


if __name__ == "__main__":
    main()
