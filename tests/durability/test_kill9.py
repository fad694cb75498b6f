"""kill -9 of `bizflow serve` and `bizflow worker` while instances wait or mail goes out."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from conftest_paths import sqlite_url
from durable_helpers import (
    BOOT_SECONDS,
    HTTP,
    TOKEN,
    Server,
    SmtpSink,
    bizflow_process,
    mail_env,
    seed_instances,
    statuses,
    timer_then_mail,
    wait_until,
)

from app import create_app
from app.db import get_engine
from app.services.bootstrap import prepare


@pytest.fixture
def sink():
    server = SmtpSink()
    yield server
    server.close()


def test_serve_killed_while_instances_wait_finishes_them_after_restart(tmp_path, sink):
    url = sqlite_url(tmp_path)
    server = Server(mail_env(url, sink), tmp_path).start()
    try:
        body = timer_then_mail({"for": "8s"})
        body["auto_start"] = ["create"]
        assert HTTP.post(server.url("/api/v1/templates"), json=body, headers=TOKEN).is_success
        started, began = [], time.monotonic()
        for number in range(20):
            reply = HTTP.post(server.url("/api/v1/contacts"), headers=TOKEN, json={
                "fields": {"NAME": f"LEAD {number}", "EMAIL": f"lead{number}@example.com"}})
            started += reply.json()["started_instances"]
        assert len(started) == 20
        server.kill()   # every instance waits on its timer
        assert sink.count() == 0
        # The timers fall due while the server is down.
        time.sleep(max(0.0, began + 8.5 - time.monotonic()))
        server.start()
        assert wait_until(lambda: sink.count() >= 20, 60), sink.count()
        time.sleep(1)
        done = HTTP.get(server.url("/api/v1/instances?status=completed"), headers=TOKEN)
        assert done.json()["total"] == 20
    finally:
        server.stop()
    assert Counter(sink.subjects) == Counter(f"LEAD {n}" for n in range(20))


def test_worker_killed_mid_delivery_loses_and_repeats_nothing(tmp_path):
    slow_sink = SmtpSink(delay=0.1)
    url = sqlite_url(tmp_path)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "ADMIN_PASSWORD": "x" * 12})
    try:
        prepare(app)
        ids = seed_instances(app, timer_then_mail({"for": "1s"}), 40)
        env = mail_env(url, slow_sink)
        worker = bizflow_process(["worker", "--threads", "2"], env, tmp_path)
        assert wait_until(lambda: slow_sink.count() >= 8, BOOT_SECONDS, every=0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(20)
        delivered_before = slow_sink.count()
        assert delivered_before < 40
        worker = bizflow_process(["worker", "--threads", "2"], env, tmp_path)
        try:
            # A message whose sending was cut off stays claimed until its lease ends (it is
            # then sent again with the same Message-ID): at most one per killed thread.
            assert wait_until(lambda: slow_sink.count() >= 38
                              and statuses(app, ids) == {"completed": 40}, 90)
            time.sleep(1)
        finally:
            worker.terminate()
            worker.wait(20)
        counts = Counter(slow_sink.subjects)
        assert max(counts.values()) == 1, [s for s, c in counts.items() if c > 1]
        assert len(counts) >= 38
    finally:
        get_engine(app).dispose()
        slow_sink.close()
