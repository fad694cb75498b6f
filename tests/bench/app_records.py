"""Records created per second through the service layer and over HTTP (no templates enabled).

One transaction per record, like a client creating leads one by one. SQLite always;
PostgreSQL too when BIZFLOW_BENCH_DATABASE_URL or BIZFLOW_TEST_DATABASE_URL names a server
(a uniquely named database is created and dropped). Each run checks the rows it made.
Environment: BIZFLOW_BENCH_RECORDS (default 5000), BIZFLOW_BENCH_HTTP_RECORDS (default 2000),
BIZFLOW_BENCH_HTTP_CLIENTS (default 4; keep-alive, each in its own process).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from typing import Any

from sqlalchemy import func, select

from tests.bench._http_clients import post_all
from tests.pg_temp import server_url, temporary_database

TOKEN = "bench-records-token"


def _fields(number: int) -> dict[str, Any]:
    return {"TITLE": f"Lead {number}", "NAME": "Anna", "OPPORTUNITY": number % 977,
            "CURRENCY_ID": ("EUR", "USD", "VND")[number % 3], "SOURCE_ID": "WEB",
            "EMAIL": f"lead{number}@example.com", "PHONE": "+84 24 5555 0101"}


def _make_app(database_url: str, files_dir: str) -> Any:
    from app import create_app
    from app.services.bootstrap import prepare

    app = create_app({"DATABASE_URL": database_url, "API_TOKEN": TOKEN,
                      "ADMIN_PASSWORD": "bench-password", "SMTP_HOST": None,
                      "FILES_DIR": files_dir, "SECRET_KEY": "bench"})
    prepare(app)
    return app


def _count_leads(app: Any) -> int:
    from app.db import read_transaction
    from app.models.records import Record

    with read_transaction(app) as session:
        return session.scalar(select(func.count()).select_from(Record)
                              .where(Record.document_type == "lead")) or 0


def bench_service(app: Any, count: int) -> tuple[float, float]:
    """(records per second, CPU ms per record) through records.create_record, one
    transaction each."""
    from app.db import transaction
    from app.models.users import User
    from app.services.record_events import Origin
    from app.services.records import create_record

    with transaction(app) as session:
        admin_id = session.scalar(select(User.id).where(User.login == "admin"))
    origin = Origin.user(admin_id)
    before = _count_leads(app)
    began, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        for number in range(count):
            with transaction(app) as session:
                create_record(session, "lead", _fields(number), admin_id, origin)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    assert _count_leads(app) - before == count
    return count / elapsed, cpu * 1000 / count


def bench_http(app: Any, count: int, clients: int) -> tuple[float, float]:
    """(records per second, server CPU ms per record) through POST /api/v1/leads on waitress,
    with `clients` keep-alive clients in their own processes."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=max(4, clients))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    before = _count_leads(app)
    try:
        run = post_all(server.effective_port, "/api/v1/leads", TOKEN,
                       [{"fields": _fields(number)} for number in range(count)], clients)
    finally:
        # Closed from waitress' own loop, so its select() never sees a closed descriptor.
        server.trigger.pull_trigger(server.close)
        thread.join(timeout=5)
    assert not run.errors, run.errors[:3]
    assert _count_leads(app) - before == count
    return count / run.seconds, run.server_cpu * 1000 / count


def _run(label: str, database_url: str, records: int, http_records: int, clients: int
         ) -> list[tuple[str, str, tuple[float, float]]]:
    from app.db import get_engine

    with tempfile.TemporaryDirectory() as files_dir:
        app = _make_app(database_url, files_dir)
        try:
            service = bench_service(app, records)
            http = bench_http(app, http_records, clients)
        finally:
            get_engine(app).dispose()
    return [(label, "service layer", service), (label, f"HTTP ({clients} clients)", http)]


def main() -> None:
    """Print a table of records per second on SQLite and (when configured) PostgreSQL."""
    logging.getLogger("waitress").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    records = int(os.environ.get("BIZFLOW_BENCH_RECORDS", "5000"))
    http_records = int(os.environ.get("BIZFLOW_BENCH_HTTP_RECORDS", "2000"))
    clients = int(os.environ.get("BIZFLOW_BENCH_HTTP_CLIENTS", "4"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += _run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", records, http_records, clients)
    server = server_url()
    if server:
        with temporary_database(server, "bizflow_bench") as url:
            rows += _run("PostgreSQL", url, records, http_records, clients)
    else:
        print("PostgreSQL skipped: set BIZFLOW_BENCH_DATABASE_URL or BIZFLOW_TEST_DATABASE_URL")
    # CPU ms per record (of this process: the server) says what the code costs even when the
    # machine is busy; the HTTP clients run in their own processes.
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'database':<12} {'path':<20} {'records/s':>10} {'CPU ms/record':>14} "
          f"{'records/CPU s':>14}")
    for database, path, (rate, cpu_ms) in rows:
        print(f"{database:<12} {path:<20} {rate:>10.0f} {cpu_ms:>14.2f} {1000 / cpu_ms:>14.0f}")
    for database, path, (rate, cpu_ms) in rows:
        name = f"records_{database.lower()}_{'http' if path.startswith('HTTP') else 'service'}"
        print(f"RESULT {name}_per_s {rate:.0f}")
        print(f"RESULT {name}_per_cpu_s {1000 / cpu_ms:.0f}")


if __name__ == "__main__":
    main()
