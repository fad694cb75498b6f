"""A real SMTP server (aiosmtpd) on an ephemeral port, and an app configured to send to it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP


class SmtpSink:
    """Collects every message the server accepts; `refuse` makes the next DATA commands fail."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.refuse: list[str] = []   # e.g. ["451 try again later"], consumed one per DATA
        self.port = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.refuse:
                return self.refuse.pop(0)
            self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self._lock:
            return [message["Message-ID"] for _rcpt, message in self.messages]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An aiosmtpd server bound to 127.0.0.1 port 0 in a thread of its own."""
    sink = SmtpSink()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="smtp-sink", daemon=True)
    thread.start()

    async def serve() -> asyncio.Server:
        return await loop.create_server(lambda: SMTP(sink, hostname="sink.example"),
                                        "127.0.0.1", 0)

    server = asyncio.run_coroutine_threadsafe(serve(), loop).result(10)
    sink.port = server.sockets[0].getsockname()[1]
    try:
        yield sink
    finally:
        server.close()
        asyncio.run_coroutine_threadsafe(server.wait_closed(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def app_extra_config(smtp_sink: SmtpSink) -> dict[str, Any]:
    """The app sends its mail to the sink (no TLS, no login)."""
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_sink.port, "SMTP_TLS": "none",
            "MAIL_FROM": "bizflow@example.com"}
