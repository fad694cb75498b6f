"""SMS through a provider interface; the default provider only logs and writes history.

A real provider is a class with `send(to: str, text: str) -> str` (the message id), named
in the BIZFLOW_SMS_PROVIDER setting as "module:Class" (config key SMS_PROVIDER).
"""

from __future__ import annotations

import importlib
import logging
import secrets
from collections.abc import Mapping
from typing import Any, Protocol

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from app.models.processes import Instance
from app.models.records import Record
from app.models.users import User
from app.services import history
from app.services.instances import register_call_handler

log = logging.getLogger(__name__)


class SmsProvider(Protocol):
    """Sends one text message; returns the provider's message id."""

    def send(self, to: str, text: str) -> str: ...


class LoggingSmsProvider:
    """The default: nothing leaves the machine; the message is logged (and kept in history)."""

    def send(self, to: str, text: str) -> str:
        message_id = f"log-{secrets.token_hex(6)}"
        log.info("SMS %s to %s: %s", message_id, to, text)
        return message_id


_providers: dict[str, SmsProvider] = {}


def provider() -> SmsProvider:
    """The configured provider (one object per dotted name), LoggingSmsProvider by default."""
    name = current_app.config.get("SMS_PROVIDER") if has_app_context() else None
    key = name or "default"
    if key not in _providers:
        if name:
            module, _, attribute = name.partition(":")
            _providers[key] = getattr(importlib.import_module(module), attribute)()
        else:
            _providers[key] = LoggingSmsProvider()
    return _providers[key]


def _number_of(session: Session, entry: str) -> str | None:
    """A phone number, or the phone of a user given as user:ID (users may have none)."""
    if not entry.startswith("user:"):
        return entry
    user = session.get(User, int(entry[5:])) if entry[5:].isdigit() else None
    return getattr(user, "phone", None) if user is not None else None


def send_sms(session: Session, instance: Instance, record: Record,
             request: Mapping[str, Any]) -> dict[str, Any]:
    """The `send_sms` call of the sms block: send to every number, note it in the history."""
    text = str(request.get("text") or "")
    sent: list[str] = []
    for entry in request.get("to") or ():
        number = _number_of(session, str(entry))
        if not number:
            continue
        try:
            sent.append(provider().send(number, text))
        except Exception as error:  # noqa: BLE001 - any provider failure is reported alike
            # A provider that is down must not undo the rest of the step (nor fail the
            # request that moved the record): the failure goes to the record's history.
            log.warning("SMS to %s failed: %r", number, error)
            history.add_entry(session, record.document_type, record.id, "sms_failed",
                              f"SMS to {number} failed: {error}",
                              data={"instance_id": instance.id})
            continue
        history.add_entry(session, record.document_type, record.id, "sms",
                          f"SMS to {number}: {text}", data={"instance_id": instance.id})
    return {"MessageId": sent[0] if sent else None}


register_call_handler("send_sms", send_sms)
