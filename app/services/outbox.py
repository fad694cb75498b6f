"""The outbox: messages written by a run step's transaction, claimed and delivered by workers.

Delivery is at most once per instance step: a message is claimed (state `sending`, a claim
token) in its own short transaction before anything leaves, so two workers never send the
same row; the result is recorded only by the holder of the claim. A worker that dies
mid-send leaves the row in `sending`; after SENDING_LEASE another worker sends it again with
the same Message-ID (see docs/DECISIONS.md).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from app.db import is_sqlite, read_transaction, transaction
from app.driver_statements import DriverStatement
from app.models.base import utcnow
from app.models.processes import OUTBOX_KINDS, OutboxMessage
from app.services import mail

log = logging.getLogger(__name__)

# Longer than any real send (each SMTP step times out after 30 s), short enough that a
# message stranded by a killed worker goes out within a minute or two of the restart.
SENDING_LEASE = timedelta(seconds=90)
MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 3600
# One message per claim: a worker killed mid-send strands one row in `sending`, not a batch.
CLAIM_BATCH = 1
NOT_CONFIGURED = "SMTP is not configured: set BIZFLOW_SMTP_HOST (the message waits here)"


def idempotency_key(instance_id: int, seq: int, index: int) -> str:
    """The key of the `index`-th message of step `seq` of an instance."""
    return f"{instance_id}:{seq}:{index}"


def add_message(session: Session, kind: str, payload: dict[str, Any], key: str,
                instance_id: int | None = None) -> int:
    """Write one message to the outbox in the caller's transaction; returns its id.

    A Core INSERT (the row is never read back in this transaction; the unit of work cost
    several times more CPU). The ids of process e-mails are kept in session.info under
    PROCESS_EMAILS for the email.sent trigger, which fires when the transaction commits.
    """
    if kind not in OUTBOX_KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    if kind == "email":
        payload = {**payload, "message_id": mail.message_id_for(
            f"{key}.{secrets.token_hex(4)}", _mail_from())}
    now = utcnow()
    message_id = _INSERT_MESSAGE.execute(session, {
        "kind": kind, "payload": payload, "idempotency_key": key, "instance_id": instance_id,
        "state": "pending", "attempts": 0, "next_attempt_at": now,
        "created_at": now}).fetchone()[0]
    if kind == "email" and instance_id:
        session.info.setdefault(PROCESS_EMAILS, []).append(message_id)
    return message_id


PROCESS_EMAILS = "bizflow.process_emails"
_INSERT_MESSAGE = DriverStatement(
    insert(OutboxMessage.__table__).returning(OutboxMessage.__table__.c.id),
    ("kind", "payload", "idempotency_key", "instance_id", "state", "attempts",
     "next_attempt_at", "created_at"))


def _mail_from() -> str:
    if has_app_context():
        return current_app.config.get("MAIL_FROM") or "bizflow@localhost"
    return "bizflow@localhost"


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 30 s, 1 min, 2 min, ... capped at one hour."""
    seconds = FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, LONGEST_RETRY_SECONDS))


# --- claiming ---------------------------------------------------------------------------

def _due(kinds: Iterable[str], now: datetime, states: tuple[str, ...]) -> Any:
    return and_(OutboxMessage.kind.in_(tuple(kinds)), or_(
        and_(OutboxMessage.state.in_(states), OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.state == "sending", OutboxMessage.claimed_at < now - SENDING_LEASE),
    ))


def claim_messages(session: Session, kinds: Iterable[str], limit: int = CLAIM_BATCH,
                   states: tuple[str, ...] = ("pending",)) -> tuple[str, list[OutboxMessage]]:
    """Mark up to `limit` due messages as `sending` under a new claim token; returns both.

    One UPDATE does the claim: on SQLite the write lock serialises it, on PostgreSQL the
    candidate rows are locked with SKIP LOCKED and re-checked, so a row is never claimed
    by two workers. Call it in its own transaction and commit before sending.
    """
    now = utcnow()
    kinds = tuple(kinds)
    token = secrets.token_hex(16)
    candidates = select(OutboxMessage.id).where(_due(kinds, now, states)) \
        .order_by(OutboxMessage.id).limit(limit)
    if not is_sqlite(session):
        candidates = candidates.with_for_update(skip_locked=True)
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()), _due(kinds, now, states))
        .values(state="sending", claim_token=token, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    claimed = session.scalars(select(OutboxMessage).where(OutboxMessage.claim_token == token)
                              .order_by(OutboxMessage.id)).all()
    return token, list(claimed)


def _finish(app: Flask | None, message_id: int, token: str, **values: Any) -> None:
    # Only the holder of the claim records the outcome; a late worker changes nothing.
    with transaction(app) as session:
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.id == message_id,
                               OutboxMessage.claim_token == token)
                        .values(claim_token=None, **values)
                        .execution_options(synchronize_session=False))


# --- delivery ---------------------------------------------------------------------------

def deliver_due_messages(app: Flask | None = None) -> dict[str, int]:
    """The worker job: deliver every due e-mail and notification; returns counts by outcome."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    counts = {"sent": 0, "retry": 0, "failed": 0, "undeliverable": 0}
    # Cheap reads first: an idle worker must not take SQLite's write lock every second.
    if _anything_due(app, ("notify",), ("pending",)):
        counts["sent"] += deliver_notifications(app)
    settings = mail.SmtpSettings.from_config(app.config)
    problem = settings.problem()
    if problem:
        if _anything_due(app, ("email",), ("pending",)):
            counts["undeliverable"] = mark_undeliverable(app, problem)
        return counts
    while _anything_due(app, ("email",), ("pending", "undeliverable")):
        with transaction(app) as session:
            token, batch = claim_messages(session, ("email",), CLAIM_BATCH,
                                          states=("pending", "undeliverable"))
        if not batch:
            break
        for message in batch:
            outcome = send_claimed_email(app, settings, message, token)
            counts[outcome] += 1
    return counts


def _anything_due(app: Flask | None, kinds: tuple[str, ...], states: tuple[str, ...]) -> bool:
    with read_transaction(app) as session:
        return session.scalar(select(OutboxMessage.id).where(
            _due(kinds, utcnow(), states)).limit(1)) is not None


def send_claimed_email(app: Flask | None, settings: mail.SmtpSettings,
                       message: OutboxMessage, token: str) -> str:
    """Send one claimed e-mail and record the outcome: 'sent', 'retry' or 'failed'."""
    payload = message.payload
    message_id = payload.get("message_id") or mail.message_id_for(
        message.idempotency_key, settings.mail_from)
    try:
        mail.send_message(settings, mail.build_message(payload, settings, message_id))
    except mail.MailError as error:
        if error.permanent or message.attempts >= MAX_ATTEMPTS:
            _finish(app, message.id, token, state="failed", last_error=error.message)
            log.warning("outbox %s failed for good: %s", message.id, error.message)
            return "failed"
        _finish(app, message.id, token, state="pending", last_error=error.message,
                next_attempt_at=utcnow() + retry_delay(message.attempts))
        return "retry"
    _finish(app, message.id, token, state="sent", sent_at=utcnow(), last_error=None)
    return "sent"


def mark_undeliverable(app: Flask | None, reason: str = NOT_CONFIGURED) -> int:
    """Mark pending e-mail undeliverable-until-configured; they go out once SMTP is set."""
    with transaction(app) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == "email", OutboxMessage.state == "pending")
            .values(state="undeliverable", last_error=reason)
            .execution_options(synchronize_session=False))
        return result.rowcount or 0


def deliver_notifications(app: Flask | None) -> int:
    """Push in-app notifications to their users' Socket.IO rooms; they count as sent then."""
    from app.realtime import publish

    with transaction(app) as session:
        token, batch = claim_messages(session, ("notify",))
    for message in batch:
        for user in message.payload.get("to") or ():
            publish("notification", {"text": message.payload.get("text", ""),
                                     "instance_id": message.instance_id},
                    room=f"user:{user}")
        _finish(app, message.id, token, state="sent", sent_at=utcnow())
    return len(batch)


# --- reading ----------------------------------------------------------------------------

def message_to_dict(message: OutboxMessage) -> dict[str, Any]:
    """A message as GET /outbox lists it."""
    payload = message.payload or {}
    return {
        "id": message.id,
        "kind": message.kind,
        "instance_id": message.instance_id,
        "idempotency_key": message.idempotency_key,
        "state": message.state,
        "attempts": message.attempts,
        "next_attempt_at": _iso(message.next_attempt_at),
        "last_error": message.last_error,
        "sent_at": _iso(message.sent_at),
        "created_at": _iso(message.created_at),
        "payload": payload,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def list_messages(session: Session, filters: Mapping[str, Any], limit: int,
                  offset: int) -> tuple[list[OutboxMessage], int]:
    """Messages newest first with optional `state`, `kind`, `instance_id` filters, and the total."""
    conditions = []
    if filters.get("state") is not None:
        conditions.append(OutboxMessage.state == filters["state"])
    if filters.get("kind") is not None:
        conditions.append(OutboxMessage.kind == filters["kind"])
    if filters.get("instance_id") is not None:
        conditions.append(OutboxMessage.instance_id == filters["instance_id"])
    total = session.scalar(select(func.count()).select_from(OutboxMessage).where(*conditions))
    rows = session.scalars(select(OutboxMessage).where(*conditions)
                           .order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), int(total or 0)
