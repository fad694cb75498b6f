"""BIZFLOW_SMTP_TLS modes against a real aiosmtpd server: STARTTLS with login, implicit SSL."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from app.services import mail

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="the openssl command is needed to make a test certificate")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == b"bizflow" \
            and data.password == b"secret"
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok)


def _serve(factory: Any, ssl_context: ssl.SSLContext | None) -> Iterator[int]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> asyncio.Server:
        return await loop.create_server(factory, "127.0.0.1", 0, ssl=ssl_context)

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        # asyncio servers are not thread-safe: close it on its own loop's thread.
        async def stop() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context


def _payload() -> dict[str, Any]:
    return {"to": ["someone@example.com"], "cc": [], "subject": "Over TLS", "body": "hi"}


def test_starttls_with_login(certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))   # trust the test certificate
    inbox = Inbox()
    context = _server_context(certificate)
    servers = _serve(lambda: SMTP(inbox, tls_context=context, require_starttls=True,
                                  authenticator=inbox.authenticate, auth_required=True),
                     None)
    port = next(servers)
    try:
        settings = mail.SmtpSettings(host="127.0.0.1", port=port, user="bizflow",
                                     password="secret", tls="starttls",
                                     mail_from="crm@example.com")
        mail.send_message(settings, mail.build_message(_payload(), settings, "<a.b@example.com>"))
    finally:
        servers.close()
    assert inbox.logins == ["bizflow"]
    assert [message["Subject"] for message in inbox.messages] == ["Over TLS"]


def test_implicit_ssl(certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    inbox = Inbox()
    servers = _serve(lambda: SMTP(inbox), _server_context(certificate))
    port = next(servers)
    try:
        settings = mail.SmtpSettings(host="127.0.0.1", port=port, tls="ssl",
                                     mail_from="crm@example.com")
        mail.send_message(settings, mail.build_message(_payload(), settings, "<e.f@example.com>"))
    finally:
        servers.close()
    assert [message["Message-ID"] for message in inbox.messages] == ["<e.f@example.com>"]


def test_a_server_without_tls_is_refused_in_starttls_mode(monkeypatch):
    inbox = Inbox()
    servers = _serve(lambda: SMTP(inbox), None)
    port = next(servers)
    try:
        settings = mail.SmtpSettings(host="127.0.0.1", port=port, tls="starttls",
                                     mail_from="crm@example.com")
        with pytest.raises(mail.MailError):
            mail.send_message(settings, mail.build_message(_payload(), settings, "<g@h.com>"))
    finally:
        servers.close()
    assert inbox.messages == []
