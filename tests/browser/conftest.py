"""Browser fixtures: one Chromium per session (Debian's, through Playwright), a live app on a
werkzeug thread with its embedded worker, a real SMTP sink, and a logged-in page per test."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, ADMIN_TOKEN, app_config

CHROMIUM = os.environ.get("BIZFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
SCREENS = Path(__file__).parent / "screens"



class SmtpSink:
    """Every message an aiosmtpd server on 127.0.0.1 (port 0) accepted."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.port = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 accepted"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [message for rcpt, message in self.messages if address in rcpt]


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.smtp import SMTP

    sink = SmtpSink()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="browser-smtp", daemon=True)
    thread.start()

    async def serve() -> asyncio.Server:
        return await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), "127.0.0.1", 0)

    server = asyncio.run_coroutine_threadsafe(serve(), loop).result(10)
    sink.port = server.sockets[0].getsockname()[1]
    yield sink
    server.close()
    asyncio.run_coroutine_threadsafe(server.wait_closed(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


class LiveServer:
    def __init__(self, url: str, app: Any) -> None:
        self.url = url
        self.app = app

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Calls the REST API as the admin (Bearer token); returns (status, JSON)."""
        client = self.app.test_client()
        response = client.open(f"/api/v1{path}", method=method, json=body,
                               headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        return response.status_code, response.get_json(silent=True)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory,
                smtp_sink: SmtpSink) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from app import create_app, worker
    from app.services.bootstrap import prepare

    tmp = tmp_path_factory.mktemp("browser-app")
    app = create_app(app_config(f"sqlite:///{tmp / 'bizflow.sqlite3'}", tmp,
                                SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port,
                                SMTP_TLS="none", MAIL_FROM="bizflow@example.com"))
    prepare(app)
    worker.start_embedded(app, poll_seconds=0.2)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server", daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(10)
    worker.stop_embedded(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium): browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def login_state(browser: Any, live_server: LiveServer,
                tmp_path_factory: pytest.TempPathFactory) -> str:
    """Logs in once through the /login form; tests reuse the session cookie."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.locator("form button, form [type=submit]").first.click()
    page.wait_for_url(lambda url: "/login" not in url)
    path = str(tmp_path_factory.mktemp("browser-login") / "state.json")
    context.storage_state(path=path)
    context.close()
    return path


@pytest.fixture
def page(browser: Any, live_server: LiveServer, login_state: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, storage_state=login_state,
                                  viewport={"width": 1800, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot(page: Any, name: str) -> None:
    """Saves a screenshot of the main screens when SCREENSHOTS=1."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENS / f"{name}.png"))
