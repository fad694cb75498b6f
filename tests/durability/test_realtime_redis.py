"""Socket.IO through Redis: an event published by one process reaches a browser of another."""

from __future__ import annotations

import os
import threading

import pytest
import socketio
from conftest_paths import sqlite_url
from durable_helpers import Server, wait_until

from app import create_app
from app.db import get_engine
from app.realtime import publish

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("BIZFLOW_TEST_REDIS_URL")
    if not url:
        pytest.skip("BIZFLOW_TEST_REDIS_URL is not set: Socket.IO over Redis skipped")
    return url


def test_an_event_published_elsewhere_reaches_a_browser_of_another_web_process(
        tmp_path, redis_url):
    url = sqlite_url(tmp_path)
    env = {"BIZFLOW_DATABASE_URL": url, "BIZFLOW_REDIS_URL": redis_url,
           "BIZFLOW_API_TOKEN": "test-admin-token", "BIZFLOW_ADMIN_PASSWORD": "x" * 12,
           "BIZFLOW_SECRET_KEY": "test"}
    web = Server(env, tmp_path).start()
    received: list[dict] = []
    arrived = threading.Event()
    browser = socketio.Client(reconnection=False)

    @browser.on("notification")
    def _on_notification(data: dict) -> None:
        received.append(data)
        arrived.set()

    other = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url, "TESTING": True})
    try:
        browser.connect(web.url("/"), auth={"token": "test-admin-token"},
                        transports=["polling"], wait_timeout=30)
        # The other process (this test, like a worker) publishes to the admin's room.
        with other.app_context():
            assert wait_until(lambda: publish("notification", {"text": "hello"},
                                              room="user:1") or arrived.wait(1), 30)
        assert received[0]["text"] == "hello"
    finally:
        browser.disconnect()
        web.stop()
        get_engine(other).dispose()
        create_app({"DATABASE_URL": url, "REDIS_URL": None, "TESTING": True})
