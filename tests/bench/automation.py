"""Stage changes per second with five robots per stage, and events per second through /events.

Stage changes go through the service layer (records.update_record, one transaction per
change): leaving a stage terminates its robots instance (one robot waits a day, so there is
always something to cancel), entering one starts the next stage's five robots (history,
two field changes, a notification, a conditional change, a delayed change). Events go
through the Flask app (POST /api/v1/events with the admin's token): half of them move the
record by a trigger, half are refused by the forward-only rule. SQLite always; PostgreSQL
too when BIZFLOW_BENCH_DATABASE_URL or BIZFLOW_TEST_DATABASE_URL names a server. Every run is
checked (instances started and cancelled, stages reached).

Environment: BIZFLOW_BENCH_AUTOMATION_RECORDS (default 300 leads; each changes stage twice),
BIZFLOW_BENCH_AUTOMATION_EVENTS (default 2000).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from typing import Any

from sqlalchemy import func, select

from tests.pg_temp import server_url, temporary_database

TOKEN = "bench-automation-token"
STAGES = ("NEW", "IN_PROCESS", "PROCESSED")


def _robots(stage: str) -> list[dict[str, Any]]:
    return [
        {"type": "history", "properties": {"text": f"{stage}: {{=Document:TITLE}}"}},
        {"type": "modify_fields", "properties": {"fields": {"COMMENTS": f"in {stage}"}}},
        {"type": "notify", "properties": {"text": "{=Document:TITLE} is in " + stage}},
        {"type": "modify_fields", "properties": {"fields": {"POST": stage}},
         "condition": {"left": "{=Document:OPPORTUNITY}", "op": ">", "right": 500}},
        {"type": "modify_fields", "properties": {"fields": {"SOURCE_DESCRIPTION": "late"}},
         "timing": {"mode": "after", "interval": "1d"}},
    ]


def _run(database: str, url: str, files: str, count: int, events: int) -> list[tuple]:
    from app import create_app
    from app.db import get_engine, transaction
    from app.models.automation import StageRobotRun
    from app.models.processes import Instance
    from app.services import records, robots
    from app.services.bootstrap import prepare
    from app.services.record_events import Origin

    app = create_app({"DATABASE_URL": url, "API_TOKEN": TOKEN, "ADMIN_PASSWORD": "bench-pass",
                      "SMTP_HOST": None, "FILES_DIR": files, "SECRET_KEY": "bench"})
    prepare(app)
    with app.app_context():
        with transaction(app) as session:
            for stage in STAGES:
                robots.save_robots(session, "lead", stage, 0, _robots(stage), None)
        ids = []
        for number in range(count):
            with transaction(app) as session:
                lead = records.create_record(
                    session, "lead", {"TITLE": f"Lead {number}",
                                      "OPPORTUNITY": 100 + number % 2 * 900}, 1,
                    Origin.user(1))
                ids.append(lead.id)
        began, cpu = time.perf_counter(), time.process_time()
        for stage in STAGES[1:]:
            for record_id in ids:
                with transaction(app) as session:
                    record = records.require_record(session, "lead", record_id, for_update=True)
                    records.update_record(session, record, {"STATUS_ID": stage}, 1,
                                          Origin.user(1))
        changes_seconds = time.perf_counter() - began
        changes_cpu = time.process_time() - cpu
        with transaction(app) as session:
            runs = session.scalar(select(func.count()).select_from(StageRobotRun))
            terminated = session.scalar(select(func.count()).select_from(Instance)
                                        .where(Instance.status == "terminated"))
            waiting = session.scalar(select(func.count()).select_from(Instance)
                                     .where(Instance.status == "waiting"))
        assert runs == 3 * count, runs
        assert terminated == 2 * count and waiting == count, (terminated, waiting)

        client = app.test_client()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        for body in ({"event": "call.missed", "stage_id": "CONVERTED"},
                     {"event": "visit", "stage_id": "IN_PROCESS"}):
            assert client.post("/api/v1/automation/lead/triggers", json=body,
                               headers=headers).status_code == 201
        moved = 0
        began, cpu = time.perf_counter(), time.process_time()
        for number in range(events):
            record_id = ids[number % len(ids)]
            event = "call.missed" if number < len(ids) else "visit"
            response = client.post("/api/v1/events", headers=headers, json={
                "event": event, "document": {"type": "lead", "id": record_id}, "data": {}})
            assert response.status_code == 200, response.get_json()
            moved += response.get_json()["moved"]
        events_seconds = time.perf_counter() - began
        events_cpu = time.process_time() - cpu
        assert moved == min(len(ids), events), moved
    get_engine(app).dispose()
    return [(database, "stage changes", 2 * count, changes_seconds, changes_cpu),
            (database, "events", events, events_seconds, events_cpu)]


def main() -> None:
    """Run on SQLite (and PostgreSQL when configured); print the table and RESULT lines."""
    logging.disable(logging.INFO)
    count = int(os.environ.get("BIZFLOW_BENCH_AUTOMATION_RECORDS", "300"))
    events = int(os.environ.get("BIZFLOW_BENCH_AUTOMATION_EVENTS", "2000"))
    pg_server = server_url()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += _run("sqlite", f"sqlite:///{tmp}/bench.sqlite3", tmp, count, events)
        if pg_server:
            with temporary_database(pg_server, "bizflow_bench") as url:
                rows += _run("postgresql", url, tmp, count, events)
        else:
            print("PostgreSQL skipped: set BIZFLOW_BENCH_DATABASE_URL or "
                  "BIZFLOW_TEST_DATABASE_URL")
    print("five robots per stage (one waits 1d and is cancelled on leave); events: half move "
          "the lead by a trigger, half are refused (forward only)")
    # CPU time of this process is shown too: wall time swings with the machine's load.
    print(f"{'database':<12} {'what':<15} {'count':>7} {'seconds':>9} {'per s':>9} "
          f"{'cpu s':>8} {'per cpu s':>10}")
    for database, what, number, seconds, cpu in rows:
        print(f"{database:<12} {what:<15} {number:>7} {seconds:>9.2f} {number / seconds:>9,.0f} "
              f"{cpu:>8.2f} {number / cpu:>10,.0f}")
    for database, what, number, seconds, cpu in rows:
        name = f"automation_{database}_{what.replace(' ', '_')}_per_s"
        print(f"RESULT {name} {number / seconds:.0f}")
        print(f"RESULT {name}_cpu {number / cpu:.0f}")


if __name__ == "__main__":
    main()
