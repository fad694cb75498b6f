"""Records created per second through the service layer and over HTTP (no templates enabled).

One transaction per record, like a client creating leads one by one. SQLite always;
PostgreSQL too when BIZFLOW_BENCH_DATABASE_URL or BIZFLOW_TEST_DATABASE_URL names a server
(a uniquely named database is created and dropped). Each run checks the rows it made.
Environment: BIZFLOW_BENCH_RECORDS (default 5000), BIZFLOW_BENCH_HTTP_RECORDS (default 2000),
BIZFLOW_BENCH_HTTP_CLIENTS (default 4).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from typing import Any

import httpx
from sqlalchemy import func, select

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
    """(records per second, CPU ms per record of server and clients together) through
    POST /api/v1/leads on waitress, with `clients` keep-alive clients."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=max(4, clients))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}/api/v1"
    before = _count_leads(app)
    errors: list[str] = []

    def client(numbers: range) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as http:
            for number in numbers:
                response = http.post(f"{base}/leads", json={"fields": _fields(number)})
                if response.status_code != 201:
                    errors.append(f"{response.status_code} {response.text[:200]}")

    share = count // clients
    workers = [threading.Thread(target=client, args=(range(i * share, (i + 1) * share),))
               for i in range(clients)]
    began, cpu = time.perf_counter(), time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    # Closed from waitress' own loop, so its select() never sees a closed descriptor.
    server.trigger.pull_trigger(server.close)
    thread.join(timeout=5)
    assert not errors, errors[:3]
    assert _count_leads(app) - before == share * clients
    return share * clients / elapsed, cpu * 1000 / (share * clients)


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
    # CPU ms per record says what the code costs even when the machine is busy.
    print(f"{'database':<12} {'path':<20} {'records/s':>10} {'CPU ms/record':>14}")
    for database, path, (rate, cpu_ms) in rows:
        print(f"{database:<12} {path:<20} {rate:>10.0f} {cpu_ms:>14.2f}")


if __name__ == "__main__":
    main()
