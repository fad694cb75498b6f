"""SMTP delivery of one e-mail: settings from BIZFLOW_SMTP_*, the message, the send itself."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from interpreter.fields import is_valid_email

TLS_MODES = ("none", "starttls", "ssl")
SMTP_TIMEOUT_SECONDS = 30


class MailError(Exception):
    """A delivery that did not happen; `permanent` when retrying cannot help (5xx, no recipient)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail; `host` None means mail is not configured."""

    host: str | None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    tls: str = "none"
    mail_from: str = "bizflow@localhost"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        tls = (config.get("SMTP_TLS") or "none").lower()
        return cls(host=config.get("SMTP_HOST") or None, port=config.get("SMTP_PORT") or None,
                   user=config.get("SMTP_USER") or None,
                   password=config.get("SMTP_PASSWORD") or None,
                   tls=tls, mail_from=config.get("MAIL_FROM") or "bizflow@localhost")

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def problem(self) -> str | None:
        """Why mail cannot be sent with these settings, or None."""
        if not self.host:
            return "SMTP is not configured: set BIZFLOW_SMTP_HOST (mail waits in the outbox)"
        if self.tls not in TLS_MODES:
            return f"BIZFLOW_SMTP_TLS must be one of {', '.join(TLS_MODES)}, got {self.tls!r}"
        return None


def message_id_for(idempotency_key: str, mail_from: str) -> str:
    """A Message-ID that is the same for every attempt at one outbox message.

    A retry after a crash mid-send carries the same Message-ID, so mail servers and clients
    that de-duplicate on it show the message once.
    """
    domain = mail_from.rpartition("@")[2] or "bizflow.localhost"
    local = "".join(char if char.isalnum() else "." for char in idempotency_key)
    return f"<bizflow.{local}@{domain}>"


def valid_addresses(values: Any) -> list[str]:
    """The e-mail addresses among recipients (a user without an e-mail resolves to nothing)."""
    if isinstance(values, str):
        values = [values]
    found: list[str] = []
    for value in values or ():
        text = str(value).strip()
        if is_valid_email(text) and text not in found:
            found.append(text)
    return found


def build_message(payload: Mapping[str, Any], settings: SmtpSettings,
                  message_id: str) -> EmailMessage:
    """The MIME message of an outbox e-mail payload (`to`, `cc`, `from`, `subject`, `body`)."""
    message = EmailMessage()
    sender = payload.get("from")
    message["From"] = sender if sender and is_valid_email(str(sender)) else settings.mail_from
    to = valid_addresses(payload.get("to"))
    cc = valid_addresses(payload.get("cc"))
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    # Header injection is impossible: EmailMessage refuses CR/LF in header values, and the
    # subject is flattened to one line first.
    message["Subject"] = " ".join(str(payload.get("subject") or "").split())
    message["Message-ID"] = message_id
    message["Date"] = formatdate(localtime=False)
    body = str(payload.get("body") or "")
    if payload.get("format") == "html":
        message.set_content(body, subtype="html")
    else:
        message.set_content(body)
    return message


def send_message(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; raises MailError."""
    problem = settings.problem()
    if problem:
        raise MailError(problem)
    headers = (*message.get_all("To", []), *message.get_all("Cc", []))
    recipients = valid_addresses(
        [part.strip() for header in headers for part in str(header).split(",")])
    if not recipients:
        raise MailError("the message has no valid recipient address", permanent=True)
    try:
        client = _connect(settings)
        try:
            if settings.user:
                client.login(settings.user, settings.password or "")
            client.send_message(message, to_addrs=recipients)
        finally:
            try:
                client.quit()
            except smtplib.SMTPException:
                client.close()
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError(f"every recipient was refused: {error.recipients}", permanent=True) \
            from None
    except smtplib.SMTPResponseException as error:
        text = error.smtp_error.decode("utf-8", "replace") \
            if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        raise MailError(f"SMTP {error.smtp_code}: {text}",
                        permanent=500 <= error.smtp_code < 600) from None
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"SMTP delivery failed: {error}") from None


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    # The TLS context (loading the CA bundle costs ~0.1 s) is only built when TLS is used.
    if settings.tls == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port or 465,
                                timeout=SMTP_TIMEOUT_SECONDS,
                                context=ssl.create_default_context())
    default_port = 587 if settings.tls == "starttls" else 25
    client = smtplib.SMTP(settings.host, settings.port or default_port,
                          timeout=SMTP_TIMEOUT_SECONDS)
    if settings.tls == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client
