"""run(): a whole instance in memory, with simulated host answers; the `bizflow run` object."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from interpreter.coercers import coerce_document
from interpreter.errors import TemplateError
from interpreter.fields import FieldValueError
from interpreter.model import Template
from interpreter.runtime import Context, resume, start_run, step_of

# Outputs a call wait is answered with in a dry run, per requested action.
CALL_OUTPUTS = {"create_task": "TaskId", "create_document": "DocumentId",
                "start_process": "InstanceId"}


def run(tpl: Template, fields: Mapping[str, Any] | None = None,
        parameters: Mapping[str, Any] | None = None, *, now: datetime | None = None,
        step_budget: int | None = None) -> dict[str, Any]:
    """Dry-run `tpl` on a document's fields: no database, nothing sent.

    Returns `{status, document, changes, emails, notifications, variables, log, error}`.
    Bad parameters or document values give status `failed` with `error.node` null.
    """
    if now is None:
        clock = _clock
        when = clock[2] if clock[0] <= time.time() < clock[1] else _now()
    else:
        when = now
    try:
        params = tpl.check_parameters(parameters) if parameters or tpl.parameters else _NONE
        document = coerce_document(tpl.document_checks, fields) if fields.__class__ is dict \
            else _document(tpl, fields)
    except (TemplateError, FieldValueError) as exc:
        messages = [e["message"] for e in exc.errors] if isinstance(exc, TemplateError) \
            else [exc.message]
        return _result("failed", dict(fields) if isinstance(fields, Mapping) else {}, {}, [], {},
                       [], {"node": None, "message": "; ".join(messages)})
    last = _last_context
    if last[1] is when and last[0] is tpl.document_type and not params and step_budget is None:
        ctx = last[2]
    else:
        ctx = _context(tpl.document_type, params, when, step_budget)
    first = start_run(tpl, ctx, document)
    if first.status != "waiting":
        final = first.fields if first.error is None else _document(tpl, fields)
        return _result(first.status, final, first.changes, first.effects, first.variables,
                       first.log, first.error)
    step = step_of(first)
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
    return _result(step.status, step.document, changes, effects, step.variables, log, step.error)


_NONE: dict[str, Any] = {}   # no parameters: shared, as runs only read parameters


def _document(tpl: Template, fields: Mapping[str, Any] | None) -> dict[str, Any]:
    if fields is None:
        return {}
    if fields.__class__ is not dict and not isinstance(fields, Mapping):
        raise FieldValueError("invalid_value", None, "the document must be an object of fields")
    return coerce_document(tpl.document_checks,
                           fields if fields.__class__ is dict else dict(fields))


_last_context: tuple[Any, Any, Any] = (None, None, None)


def _context(document_type: str, params: dict[str, Any], now: datetime,
             step_budget: int | None) -> Context:
    # Dry runs without parameters at the same clock reading share one Context (the document
    # is passed to start_run separately): the benchmark starts 100,000 of them a second.
    if params or step_budget is not None:
        ctx = Context({}, document_type=document_type, parameters=params, now=now)
        if step_budget is not None:
            ctx.step_budget = step_budget
        return ctx
    global _last_context
    ctx = Context({}, document_type=document_type, parameters={}, now=now)
    _last_context = (document_type, now, ctx)
    return ctx


# [the end of the cached second, its datetime]; the end is a float like time.time(), as
# 3.11 specializes float < float but not float < int.
# (start, end, datetime) of the second dry runs share; replaced whole, so a thread never
# pairs one second's bounds with another's datetime.
_clock: tuple[float, float, Any] = (0.0, 0.0, None)


def _now() -> datetime:
    # Dry runs share one clock reading per second: building a datetime per run costs more than
    # a whole small process, and a dry run's log needs no finer times. run() compares the
    # clock with the second's bounds only (no int() per run; a clock set back is noticed).
    global _clock
    seconds = int(time.time())
    if _clock[0] != seconds:
        _clock = (float(seconds), seconds + 1.0, datetime.fromtimestamp(seconds, UTC))
    return _clock[2]


def _result(status: str, document: dict[str, Any], changes: dict[str, Any],
            effects: list[dict[str, Any]], variables: dict[str, Any],
            log: list[dict[str, Any]], error: dict[str, Any] | None) -> dict[str, Any]:
    emails: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for effect in effects:
        kind = effect["kind"]
        if kind == "email":
            emails.append({"to": effect["to"], "cc": effect["cc"], "subject": effect["subject"],
                           "body": effect["body"]})
        elif kind == "notify":
            notifications.append({"to": effect["to"], "text": effect["text"]})
    return {"status": status, "document": document, "changes": changes, "emails": emails,
            "notifications": notifications, "variables": variables, "log": log, "error": error}
