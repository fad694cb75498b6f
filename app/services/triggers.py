"""Triggers (SPEC 8): CRUD, matching an event to the first trigger that may move the record.

Rules from the seeds: a trigger on stage S fires only for a record below S (unless
`allow_backwards`); the record's current stage never fires; the stages passed over keep
their robots unrun (only the target stage's robots start); the first matching trigger, in
the order they were created, wins; the change is recorded as `act_as` (default: the record's
responsible person).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.auth import require_user
from app.models.automation import AppTrigger, Trigger
from app.models.processes import Instance, OutboxMessage
from app.models.records import Record
from app.models.users import User
from app.services import config_cache, outbox, pipelines, record_events, records
from app.services.directory import Directory
from app.services.record_events import Origin
from interpreter.conditions import compile_condition
from interpreter.expressions import CompileError, ExpressionError, Statics
from interpreter.fields import DOCUMENT_TYPES

# event code -> {setting: type}; a setting left empty matches any value.
EVENTS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "email.received": {}, "email.sent": {}, "email.opened": {},
    "email.link_clicked": {"url": str},
    "call.incoming": {"line": str}, "call.outgoing": {"line": str}, "call.missed": {"line": str},
    "webform.filled": {"form_id": (str, int)}, "callback.filled": {"form_id": (str, int)},
    "webhook": {}, "visit": {}, "visit.returning": {},
    "chat.first_message": {"channel": str}, "chat.message": {"channel": str},
    "chat.accepted": {"channel": str},
    "chat.response_time": {"channel": str, "seconds": (int, float)},
    "chat.keyword": {"channel": str, "text": str},
    "resource.booked": {"resource": (str, int)}, "invoice.paid": {},
    "field.changed": {"field": str},
}
EVENT_TITLES = {
    "email.received": "E-mail received", "email.sent": "E-mail sent to the client",
    "email.opened": "E-mail opened", "email.link_clicked": "Link in an e-mail clicked",
    "call.incoming": "Incoming call", "call.outgoing": "Outgoing call",
    "call.missed": "Missed call", "webform.filled": "CRM web form filled",
    "callback.filled": "Callback form filled", "webhook": "Inbound webhook",
    "visit": "Site visit", "visit.returning": "Returning visitor",
    "chat.first_message": "First chat message", "chat.message": "Any chat message",
    "chat.accepted": "Chat accepted by a manager",
    "chat.response_time": "Chat response time exceeded",
    "chat.keyword": "Chat message containing keywords", "resource.booked": "Resource booked",
    "invoice.paid": "Invoice paid", "field.changed": "Field value changed",
}
APP_CODE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
TRIGGER_KEYS = {"id", "event", "stage_id", "title", "allow_backwards", "act_as", "settings",
                "condition", "url", "document_type"}


def _bad(message: str, field: str) -> ApiError:
    return ApiError(400, "invalid_trigger", f"{field}: {message}",
                    [{"field": field, "message": message}])


# --- app triggers -------------------------------------------------------------------------

def require_any_update_right() -> User:
    """Registering app triggers needs the automation update right on some type."""
    user = require_user()
    if any(user.automation_right(t) == "update" for t in DOCUMENT_TYPES):
        return user
    raise ApiError(403, "forbidden", "this needs the automation 'update' right")


def list_app_triggers(session: Session) -> list[AppTrigger]:
    return list(session.scalars(select(AppTrigger).order_by(AppTrigger.id)))


def app_trigger_to_dict(app_trigger: AppTrigger) -> dict[str, Any]:
    return {"code": app_trigger.code, "name": app_trigger.name,
            "event": f"app.{app_trigger.code}"}


def register_app_trigger(session: Session, body: Mapping[str, Any]) -> AppTrigger:
    """Register `app.<code>` (idempotent for the same code: the name is updated)."""
    code = body.get("code")
    if isinstance(code, str) and code.startswith("app."):
        code = code[4:]
    if not isinstance(code, str) or not APP_CODE.match(code):
        raise _bad("must be lower-case letters, digits and _ (e.g. 'quiz_done')", "code")
    name = body.get("name", code)
    if not isinstance(name, str) or len(name) > 255:
        raise _bad("must be a string (max 255)", "name")
    existing = session.scalar(select(AppTrigger).where(AppTrigger.code == code))
    if existing is None:
        existing = AppTrigger(code=code, name=name)
        session.add(existing)
    else:
        existing.name = name
    session.flush()
    return existing


def delete_app_trigger(session: Session, code: str) -> None:
    code = code[4:] if code.startswith("app.") else code
    existing = session.scalar(select(AppTrigger).where(AppTrigger.code == code))
    if existing is None:
        raise ApiError(404, "not_found", f"application trigger app.{code} is not registered")
    session.delete(existing)


def _event_known(session: Session, event: Any) -> bool:
    if not isinstance(event, str):
        return False
    if event in EVENTS:
        return True
    return event.startswith("app.") and session.scalar(
        select(AppTrigger.id).where(AppTrigger.code == event[4:])) is not None


# --- CRUD ---------------------------------------------------------------------------------

def _statics(session: Session, document_type: str) -> Statics:
    return Statics(fields=records.fields_of(session, document_type),
                   document_type=document_type)


def _check_body(session: Session, document_type: str, body: Mapping[str, Any],
                current: Trigger | None) -> dict[str, Any]:
    """Every property of a trigger, checked; unknown ones are refused."""
    for key in sorted(set(body) - TRIGGER_KEYS):
        raise _bad("unknown trigger property", key)
    merged: dict[str, Any] = {} if current is None else {
        "event": current.event, "stage_id": current.stage_id, "title": current.title,
        "allow_backwards": current.allow_backwards, "act_as": current.act_as,
        "settings": current.settings, "condition": current.condition}
    merged.update({k: v for k, v in body.items() if k not in ("id", "url", "document_type")})
    event = merged.get("event")
    if not _event_known(session, event):
        raise _bad(f"{event!r} is not an event (one of {', '.join(EVENTS)}, or a registered "
                   f"app.<code>)", "event")
    stage_id = merged.get("stage_id")
    if not isinstance(stage_id, str) or not pipelines.stage_exists(session, document_type,
                                                                   stage_id):
        raise _bad(f"{stage_id!r} is not a {document_type} stage", "stage_id")
    title = merged.get("title") or EVENT_TITLES.get(event, event)
    if not isinstance(title, str) or len(title) > 255:
        raise _bad("must be a string (max 255)", "title")
    allow_backwards = merged.get("allow_backwards", False)
    if not isinstance(allow_backwards, bool):
        raise _bad("must be true or false", "allow_backwards")
    act_as = merged.get("act_as")
    if isinstance(act_as, str) and act_as.removeprefix("user:").isdigit():
        act_as = int(act_as.removeprefix("user:"))
    if act_as is not None and (isinstance(act_as, bool) or not isinstance(act_as, int)
                               or session.get(User, act_as) is None):
        raise _bad(f"{act_as!r} is not a user id (null: the responsible person)", "act_as")
    settings = merged.get("settings")
    settings = {} if settings is None else settings
    if not isinstance(settings, dict):
        raise _bad("must be an object", "settings")
    allowed = EVENTS.get(event, {})
    for key, value in settings.items():
        if key not in allowed:
            raise _bad(f"not a setting of {event} (allowed: {', '.join(allowed) or 'none'})",
                       f"settings.{key}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, allowed[key])):
            raise _bad(f"has the wrong type ({type(value).__name__})", f"settings.{key}")
    if event == "field.changed":
        code = settings.get("field")
        if not code or code not in records.fields_of(session, document_type):
            raise _bad(f"{code!r} is not a field of {document_type}", "settings.field")
    condition = merged.get("condition")
    if condition is not None:
        if not isinstance(condition, dict):
            raise _bad("must be a condition object or null", "condition")
        try:
            compile_condition(condition, _statics(session, document_type), "/condition")
        except CompileError as error:
            raise ApiError(400, "invalid_trigger",
                           f"condition: {error.errors[0]['message']}",
                           [{"field": "condition", **e} for e in error.errors]) from None
    return {"event": event, "stage_id": stage_id, "title": title,
            "allow_backwards": allow_backwards, "act_as": act_as, "settings": settings,
            "condition": condition}


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def list_triggers(session: Session, document_type: str) -> list[Trigger]:
    pipelines.check_pipeline_type(document_type)
    return list(session.scalars(select(Trigger).where(Trigger.document_type == document_type)
                                .order_by(Trigger.id)))


def get_trigger(session: Session, document_type: str, trigger_id: int) -> Trigger:
    trigger = session.get(Trigger, trigger_id) if 0 < trigger_id < 2**63 else None
    if trigger is None or trigger.document_type != document_type:
        raise ApiError(404, "not_found", f"{document_type} trigger {trigger_id} not found")
    return trigger


def create_trigger(session: Session, document_type: str, body: Mapping[str, Any]) -> Trigger:
    pipelines.check_pipeline_type(document_type)
    values = _check_body(session, document_type, body, None)
    trigger = Trigger(document_type=document_type, **values)
    if trigger.event == "webhook":
        trigger.token = _new_token()
    session.add(trigger)
    session.flush()
    return trigger


def update_trigger(session: Session, document_type: str, trigger_id: int,
                   body: Mapping[str, Any]) -> Trigger:
    trigger = get_trigger(session, document_type, trigger_id)
    for key, value in _check_body(session, document_type, body, trigger).items():
        setattr(trigger, key, value)
    if trigger.event == "webhook" and trigger.token is None:
        trigger.token = _new_token()
    elif trigger.event != "webhook":
        trigger.token = None
    session.flush()
    return trigger


def delete_trigger(session: Session, document_type: str, trigger_id: int) -> None:
    session.delete(get_trigger(session, document_type, trigger_id))


def rotate_token(session: Session, document_type: str, trigger_id: int) -> Trigger:
    """A new secret for a webhook trigger; the old URL answers 404 from now on."""
    trigger = get_trigger(session, document_type, trigger_id)
    if trigger.event != "webhook":
        raise ApiError(409, "not_a_webhook", f"trigger {trigger_id} is a {trigger.event} "
                       "trigger; only webhook triggers have a secret URL")
    trigger.token = _new_token()
    session.flush()
    return trigger


def trigger_to_dict(trigger: Trigger, host_url: str | None = None) -> dict[str, Any]:
    """A trigger as the API returns it; webhook triggers carry their secret URL."""
    result = {"id": trigger.id, "event": trigger.event, "stage_id": trigger.stage_id,
              "title": trigger.title, "allow_backwards": trigger.allow_backwards,
              "act_as": trigger.act_as, "settings": trigger.settings,
              "condition": trigger.condition}
    if trigger.token:
        path = f"/api/v1/hooks/triggers/{trigger.token}"
        result["url"] = (host_url or "/").rstrip("/") + path
        result["path"] = path
    return result


# --- matching and firing ------------------------------------------------------------------

class _RecordScope:
    """The record's fields for a trigger condition (no instance, variables or blocks)."""

    def __init__(self, session: Session, fields: Mapping[str, Any],
                 changed: frozenset[str] = frozenset()) -> None:
        self.document = fields.get
        self.changed_fields = changed
        self._directory = Directory(session)

    def variable(self, id: str) -> Any:
        raise KeyError(id)

    parameter = constant = variable

    def block_output(self, node: str, output: str) -> Any:
        raise KeyError(node)

    def instance(self, key: str) -> Any:
        raise KeyError(key)

    def user(self, id: int) -> dict[str, Any] | None:
        return self._directory.user(id)

    def now(self) -> datetime:
        return datetime.now(UTC)


def settings_match(event: str, settings: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Whether the event's data fits the trigger's settings (empty settings match anything)."""
    for key, wanted in settings.items():
        if wanted in (None, ""):
            continue
        if key == "seconds":
            got = data.get("seconds", data.get("response_time"))
            if isinstance(got, bool) or not isinstance(got, int | float) or got < wanted:
                return False
        elif key == "text":
            # "price, cost": any of the comma-separated keywords (or the whole phrase).
            message = data.get("text", data.get("message"))
            keywords = {str(wanted).strip().lower()} | {
                part.strip().lower() for part in str(wanted).split(",") if part.strip()}
            if not isinstance(message, str) or not any(k in message.lower() for k in keywords):
                return False
        elif key == "url":
            got = data.get("url")
            if not isinstance(got, str) or got.strip().rstrip("/") != \
                    str(wanted).strip().rstrip("/"):
                return False
        elif str(data.get(key)) != str(wanted):
            return False
    return True


def _condition_holds(session: Session, trigger: Trigger, record: Record,
                     changed: frozenset[str]) -> bool:
    if trigger.condition is None:
        return True
    try:
        check = compile_condition(trigger.condition,
                                  _statics(session, record.document_type), "/condition")
        return bool(check(_RecordScope(session, record.to_fields(), changed)))
    except (CompileError, ExpressionError):
        return False    # a condition that no longer fits the fields never fires


def may_move(trigger: Trigger, current: str | None, stages: Mapping[str, Any]) -> bool:
    """Forward-only: the trigger's stage must be above the current one (or allow_backwards).

    `stages` maps stage ids of the record's type to their rows (one query per event).
    """
    if current == trigger.stage_id:
        return False
    target, now = stages.get(trigger.stage_id), stages.get(current)
    if target is None:
        return False
    if now is None:
        return True
    if now.category_id != target.category_id:
        return False    # a trigger never moves a deal into another pipeline
    below = (now.sort, now.id) < (target.sort, target.id)
    return below or trigger.allow_backwards


def _result(moved: bool, from_stage: Any, to_stage: Any, trigger_id: int | None
            ) -> dict[str, Any]:
    return {"moved": moved, "from": from_stage, "to": to_stage, "trigger_id": trigger_id}


def apply_trigger(session: Session, trigger: Trigger, record: Record) -> dict[str, Any]:
    """Move the record to the trigger's stage, recorded as act_as or the responsible person."""
    field = pipelines.STAGE_FIELD[record.document_type]
    from_stage = record.fields.get(field)
    actor = trigger.act_as or record.fields.get("ASSIGNED_BY_ID")
    records.update_record(session, record, {field: trigger.stage_id}, actor,
                          Origin("trigger", trigger.id))
    return _result(True, from_stage, trigger.stage_id, trigger.id)


def fire_event(session: Session, event: str, record: Record, data: Mapping[str, Any],
               changed: frozenset[str] = frozenset(),
               only: Trigger | None = None) -> dict[str, Any]:
    """The first trigger of `event` that matches moves the record; else moved is false."""
    field = pipelines.STAGE_FIELD.get(record.document_type)
    if field is None:
        return _result(False, None, None, None)
    current = record.fields.get(field)
    candidates = [only] if only is not None else list(session.scalars(
        select(Trigger).where(Trigger.document_type == record.document_type,
                              Trigger.event == event).order_by(Trigger.id)))
    if not candidates:
        return _result(False, current, None, None)
    stages = {s.stage_id: s for s in pipelines.list_stages(session, record.document_type, None)}
    for trigger in candidates:
        if not settings_match(event, trigger.settings or {}, data):
            continue
        if not may_move(trigger, current, stages):
            continue
        if not _condition_holds(session, trigger, record, changed):
            continue
        return apply_trigger(session, trigger, record)
    return _result(False, current, None, None)


def _event_record(session: Session, document: Any) -> Record:
    if not isinstance(document, Mapping):
        raise _bad("must be an object {\"type\": \"lead\", \"id\": 5}", "document")
    document_type, record_id = document.get("type"), document.get("id")
    if document_type not in pipelines.PIPELINE_TYPES:
        raise _bad(f"{document_type!r}: triggers exist for lead and deal", "document.type")
    if isinstance(record_id, str) and record_id.isdigit():
        record_id = int(record_id)
    if isinstance(record_id, bool) or not isinstance(record_id, int):
        raise _bad("must be a record id", "document.id")
    return records.require_record(session, document_type, record_id, for_update=True)


def post_event(session: Session, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /events: {"event", "document": {"type", "id"}, "data"} -> the move made or not."""
    event = body.get("event")
    if not _event_known(session, event):
        raise ApiError(400, "unknown_event",
                       f"event: {event!r} is not an event code (SPEC 8) or registered app "
                       "trigger", [{"field": "event", "message": "unknown event"}])
    data = body.get("data")
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise _bad("must be an object", "data")
    record = _event_record(session, body.get("document"))
    changed = frozenset([data["field"]]) if isinstance(data.get("field"), str) else frozenset()
    return fire_event(session, event, record, data, changed)


def fire_webhook(session: Session, token: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /hooks/triggers/{token}: the one trigger holding that secret; 404 otherwise."""
    trigger = session.scalar(select(Trigger).where(Trigger.token == token)) \
        if 20 <= len(token) <= 64 else None
    if trigger is None or trigger.event != "webhook":
        raise ApiError(404, "not_found", "no trigger has this URL")
    document_type = body.get("document_type", trigger.document_type)
    if document_type != trigger.document_type:
        raise _bad(f"this trigger moves {trigger.document_type} records, not "
                   f"{document_type!r}", "document_type")
    record = _event_record(session, {"type": document_type, "id": body.get("document_id")})
    return fire_event(session, "webhook", record, body, only=trigger)


# --- events the CRM produces itself -------------------------------------------------------

_TRIGGERS = Trigger.__table__
_OF_EVENT = select(_TRIGGERS.c.id, _TRIGGERS.c.settings).where(
    _TRIGGERS.c.document_type == bindparam("document_type"),
    _TRIGGERS.c.event == bindparam("event")).order_by(_TRIGGERS.c.id)
_EMAIL_SENT_TYPES = select(_TRIGGERS.c.document_type).distinct().where(
    _TRIGGERS.c.event == "email.sent", _TRIGGERS.c.document_type.in_(pipelines.PIPELINE_TYPES))


def _field_triggers(session: Session, document_type: str) -> tuple[tuple[int, Any], ...]:
    """(id, field code) of the type's field.changed triggers, oldest first."""
    rows = session.connection().execute(_OF_EVENT, {"document_type": document_type,
                                                    "event": "field.changed"})
    return tuple((trigger_id, (settings or {}).get("field")) for trigger_id, settings in rows)


@record_events.on_record_updated
def _field_changed(session: Session, record: Record, changes: dict[str, Any],
                   actor: int | None, origin: Origin) -> list[int]:
    """A field changed (by anyone but a trigger, so triggers never chain): field.changed."""
    if origin.kind == "trigger" or record.document_type not in pipelines.STAGE_FIELD:
        return []
    candidates = config_cache.cached(session, ("field_triggers", record.document_type),
                                     lambda s: _field_triggers(s, record.document_type))
    for trigger_id, code in candidates:
        if code not in changes:
            continue
        trigger = session.get(Trigger, trigger_id)
        result = fire_event(session, "field.changed", record,
                            {"field": code, "value": changes[code]}, frozenset(changes),
                            only=trigger)
        if result["moved"]:
            break
    return []


# E-mail a process writes to the outbox for the record's own address is "email.sent": it
# fires when the step that wrote it commits (whether or not SMTP is configured yet).
_SENT_MAIL = outbox.PROCESS_EMAILS


@event.listens_for(Session, "before_commit")
def _fire_email_sent(session: Session) -> None:
    for _round in range(8):   # firing may start robots that send more mail; bounded
        ids = session.info.pop(_SENT_MAIL, None)
        if not ids:
            return
        # Types with an email.sent trigger first: usually none, and then nothing is read.
        types = config_cache.cached(
            session, "email_sent_types",
            lambda s: tuple(s.connection().execute(_EMAIL_SENT_TYPES).scalars()))
        if not types:
            continue
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.payload, Instance.document_type,
                   Instance.document_id)
            .join(Instance, Instance.id == OutboxMessage.instance_id)
            .where(OutboxMessage.id.in_(ids), Instance.document_type.in_(types))).all()
        for _id, payload, document_type, document_id in rows:
            record = records.get_record(session, document_type, document_id)
            if record is None:
                continue
            own = {str(e.get("VALUE", "")).lower() for e in record.fields.get("EMAIL") or ()
                   if isinstance(e, dict)}
            sent_to = {str(a).lower() for a in (payload or {}).get("to") or ()}
            if own & sent_to:
                fire_event(session, "email.sent", record,
                           {"to": sorted(sent_to), "subject": (payload or {}).get("subject")})


def invoice_paid(session: Session, deal: Record, invoice: Any) -> dict[str, Any]:
    """An invoice of the deal was paid (services.invoices): `invoice.paid`, in its transaction."""
    return fire_event(session, "invoice.paid", deal, {
        "invoice_id": invoice.id, "number": invoice.number, "amount": invoice.amount,
        "currency": invoice.currency})
