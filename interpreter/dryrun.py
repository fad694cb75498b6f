"""run(): a whole instance in memory, with simulated host answers; the `bizflow run` object."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from interpreter.errors import TemplateError
from interpreter.fields import FieldDef, FieldValueError, coerce_value
from interpreter.model import Template
from interpreter.runtime import Context, resume, start

# Outputs a call wait is answered with in a dry run, per requested action.
CALL_OUTPUTS = {"create_task": "TaskId", "create_document": "DocumentId",
                "start_process": "InstanceId"}
_CANONICAL_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "text": (str,), "crm_status": (str,), "integer": (int,), "user": (int,),
    "crm_ref": (int,), "number": (int, float), "boolean": (bool,),
}


def run(tpl: Template, fields: Mapping[str, Any] | None = None,
        parameters: Mapping[str, Any] | None = None, *, now: datetime | None = None,
        step_budget: int | None = None) -> dict[str, Any]:
    """Dry-run `tpl` on a document's fields: no database, nothing sent.

    Returns `{status, document, changes, emails, notifications, variables, log, error}`.
    Bad parameters or document values give status `failed` with `error.node` null.
    """
    when = now if now is not None else datetime.now(UTC)
    try:
        params = tpl.check_parameters(parameters)
        document = _document(tpl, fields)
    except (TemplateError, FieldValueError) as exc:
        messages = [e["message"] for e in exc.errors] if isinstance(exc, TemplateError) \
            else [exc.message]
        return _result("failed", dict(fields) if isinstance(fields, Mapping) else {}, {}, [], {},
                       [], {"node": None, "message": "; ".join(messages)})
    ctx = Context(document, document_type=tpl.document_type, parameters=params, now=when)
    if step_budget is not None:
        ctx.step_budget = step_budget
    step = start(tpl, ctx)
    if step.status != "waiting":
        return _result(step.status, step.document, step.changes, step.effects, step.variables,
                       step.log, step.error)
    changes = dict(step.changes)
    effects = list(step.effects)
    log = list(step.log)
    simulated = 0
    while step.status == "waiting":
        call = next((w for w in step.waits if w["kind"] == "call"), None)
        if call is None:
            break
        simulated += 1
        answer = {CALL_OUTPUTS.get(call["request"].get("action"), "Id"): f"dry-run:{simulated}"}
        ctx = Context(step.document, document_type=tpl.document_type, parameters=params,
                      now=when, step_budget=ctx.step_budget)
        step = resume(tpl, step.state, ctx, {"token": call["token"], "data": answer})
        changes.update(step.changes)
        effects.extend(step.effects)
        log.extend(step.log)
    document = dict(step.document)
    document.update(changes)
    return _result(step.status, document, changes, effects, step.variables, log, step.error)


def _document(tpl: Template, fields: Mapping[str, Any] | None) -> dict[str, Any]:
    if fields is None:
        return {}
    if not isinstance(fields, Mapping):
        raise FieldValueError("invalid_value", None, "the document must be an object of fields")
    known = tpl.fields
    result = {}
    for code, value in fields.items():
        field = known.get(code)
        result[code] = value if field is None or _canonical(field, value) \
            else coerce_value(field, value)
    return result


def _canonical(field: FieldDef, value: Any) -> bool:
    # Skips coercion of values that are already canonical: run() is the benchmark's hot path.
    if value is None or field.multiple:
        return value is None
    kind = field.type
    if kind == "list":
        return value.__class__ is str and any(value == key for key, _ in field.options[:8])
    allowed = _CANONICAL_TYPES.get(kind)
    if allowed is None or value.__class__ not in allowed:
        return False
    if kind in ("string", "crm_status"):
        return len(value) <= 64
    return value.__class__ is not bool or kind == "boolean"


def _result(status: str, document: dict[str, Any], changes: dict[str, Any],
            effects: list[dict[str, Any]], variables: dict[str, Any],
            log: list[dict[str, Any]], error: dict[str, Any] | None) -> dict[str, Any]:
    emails = []
    notifications = []
    for effect in effects:
        kind = effect["kind"]
        if kind == "email":
            emails.append({"to": effect["to"], "cc": effect["cc"], "subject": effect["subject"],
                           "body": effect["body"]})
        elif kind == "notify":
            notifications.append({"to": effect["to"], "text": effect["text"]})
    return {"status": status, "document": document, "changes": changes, "emails": emails,
            "notifications": notifications, "variables": variables, "log": log, "error": error}
