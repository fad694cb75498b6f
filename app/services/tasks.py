"""Human tasks: created for approve / request_info waits and create_task, completed by people.

A `task` wait gets one Task row per resolved user. Completing a row records that person's
answer; the wait is decided from the answers (approve: any / all / percent; request_info: the
first form sent) and then the instance resumes, in the same transaction. The instance row is
locked first, so two approvers answering at the same moment are counted one after the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.models.base import utcnow
from app.models.processes import Instance, Wait
from app.models.records import Record
from app.models.tasks import DECISIONS, TASK_KINDS, TASK_STATUSES, Task
from app.models.users import User
from app.services import instances
from interpreter.blocks.approve import decide
from interpreter.blocks.request_info import check_form
from interpreter.fields import parse_datetime

MAX_COMMENT = 10_000


# --- creating -----------------------------------------------------------------------------

def open_tasks(session: Session, instance: Instance, wait: Wait) -> None:
    """Wait listener: one open task per user asked by an approve / request_info wait."""
    request = wait.request or {}
    session.flush()   # the wait's id
    kind = request.get("type") if request.get("type") in TASK_KINDS else "approve"
    deadline = _datetime(request.get("timeout_due"))
    for user_id in request.get("users") or ():
        session.add(Task(instance_id=instance.id, wait_id=wait.id, node=wait.node, kind=kind,
                         user_id=int(user_id), name=str(request.get("name") or ""),
                         description=str(request.get("description") or ""),
                         fields=list(request.get("fields") or []),
                         document_type=instance.document_type,
                         document_id=instance.document_id, status="open",
                         deadline=deadline, values={}))


def create_todo(session: Session, instance: Instance, record: Record,
                request: Mapping[str, Any]) -> dict[str, Any]:
    """Call handler of create_task: a to-do for the responsible person; answers its TaskId."""
    task = Task(instance_id=instance.id, kind="todo", user_id=int(request["responsible"]),
                name=str(request.get("title") or ""),
                description=str(request.get("description") or ""),
                document_type=record.document_type, document_id=record.id, status="open",
                deadline=_datetime(request.get("deadline")), fields=[], values={})
    session.add(task)
    session.flush()
    return {"TaskId": task.id}


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


# --- reading ------------------------------------------------------------------------------

def list_tasks(session: Session, user_id: int | None, filters: Mapping[str, Any], limit: int,
               offset: int) -> tuple[list[Task], int]:
    """Tasks newest first: of one user (None: everyone's), filtered by status, kind, instance."""
    conditions = []
    if user_id is not None:
        conditions.append(Task.user_id == user_id)
    for name in ("status", "kind", "instance_id", "document_type", "document_id"):
        if filters.get(name) is not None:
            conditions.append(getattr(Task, name) == filters[name])
    total = session.scalar(select(func.count()).select_from(Task).where(*conditions))
    rows = session.scalars(select(Task).where(*conditions).order_by(Task.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), int(total or 0)


def get_task(session: Session, task_id: int) -> Task:
    """The task or a 404."""
    task = session.get(Task, task_id) if 0 < task_id < 2**63 else None
    if task is None:
        raise ApiError(404, "not_found", f"task {task_id} not found")
    return task


def task_to_dict(task: Task) -> dict[str, Any]:
    """A task as the API shows it."""
    return {
        "id": task.id, "kind": task.kind, "status": task.status, "name": task.name,
        "description": task.description, "user_id": task.user_id,
        "instance_id": task.instance_id, "node": task.node,
        "document_type": task.document_type, "document_id": task.document_id,
        "fields": task.fields or [], "decision": task.decision, "comment": task.comment,
        "values": task.values or {},
        "deadline": task.deadline.isoformat() if task.deadline else None,
        "created_at": task.created_at.isoformat(),
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
    }


# --- completing ---------------------------------------------------------------------------

def complete_task(session: Session, task_id: int, user: User, body: Mapping[str, Any]
                  ) -> Task:
    """Record `user`'s answer (decision, comment, values) and resume the instance if decided.

    400 naming the field for bad input, 403 for someone else's task, 409 when it is no
    longer open or its instance does not wait any more.
    """
    task = get_task(session, task_id)
    if task.user_id != user.id and not user.is_admin:
        raise ApiError(403, "forbidden", f"task {task_id} is assigned to another user")
    instance = None
    if task.wait_id is not None:
        # Lock the instance before reading the other answers: votes are counted in order.
        instance = instances.get_instance(session, task.instance_id, for_update=True)
    session.refresh(task)
    if task.status != "open":
        raise ApiError(409, "task_closed", f"task {task_id} is {task.status}")
    decision, comment, values = _answer(task, body)
    wait = session.get(Wait, task.wait_id) if task.wait_id is not None else None
    if wait is not None and (wait.state != "open" or instance.status != "waiting"):
        raise ApiError(409, "instance_not_waiting",
                       f"instance {instance.id} is {instance.status}; "
                       "it no longer waits for this task")
    now = utcnow()
    task.status, task.decision, task.comment, task.values = "completed", decision, comment, values
    task.completed_at = now
    session.flush()
    if wait is not None:
        _decide(session, instance, wait, task)
    return task


def _answer(task: Task, body: Mapping[str, Any]) -> tuple[str | None, str | None, dict]:
    # "comments" and "fields" are accepted as other names of "comment" and "values".
    body = {**body}
    if "comment" not in body and "comments" in body:
        body["comment"] = body["comments"]
    if "values" not in body and "fields" in body:
        body["values"] = body["fields"]
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise _invalid("comment", "comment must be text")
    if comment is not None and len(comment) > MAX_COMMENT:
        raise _invalid("comment", f"comment is longer than {MAX_COMMENT} characters")
    decision = body.get("decision")
    decision = {"approve": "approved", "reject": "rejected"}.get(decision, decision) \
        if isinstance(decision, str) else decision
    if task.kind == "approve":
        if decision not in DECISIONS:
            raise _invalid("decision", "decision must be 'approved' or 'rejected'")
    elif decision is not None and decision not in DECISIONS:
        raise _invalid("decision", "decision must be 'approved', 'rejected' or absent")
    submitted = body.get("values") if body.get("values") is not None else {}
    if not isinstance(submitted, Mapping):
        raise _invalid("values", "values must be an object of form field ids to values")
    values: dict[str, Any] = {}
    if task.kind == "request_info":
        known = {item.get("id") for item in task.fields or ()}
        unknown = [key for key in submitted if key not in known]
        if unknown:
            raise _invalid(f"values.{unknown[0]}", f"{unknown[0]}: the form has no such field")
        values, errors = check_form(task.fields or [], submitted)
        if errors:
            raise ApiError(400, "invalid_value", errors[0]["message"],
                           [{"field": f"values.{e['field']}", "code": "invalid_value",
                             "message": e["message"]} for e in errors])
    elif submitted:
        raise _invalid("values", f"a {task.kind} task has no form fields")
    return decision, comment, values


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_value", f"{field}: {message}",
                    [{"field": field, "code": "invalid_value", "message": message}])


def _decide(session: Session, instance: Instance, wait: Wait, last: Task) -> None:
    rows = list(session.scalars(select(Task).where(Task.wait_id == wait.id)
                                .order_by(Task.completed_at, Task.id)))
    answered = [row for row in rows if row.status == "completed"]
    request = wait.request or {}
    if last.kind == "request_info":
        decision = "approved"
    else:
        decision = decide(request, [(row.user_id, row.decision) for row in answered])
    if decision is None:
        return
    _close_open(session, wait.id, "closed")
    data = {"decision": decision, "comments": _comments(session, answered),
            "last_approver": last.user_id, "values": last.values or {}}
    instances.resume_instance(session, instance, wait.token, data)


def _comments(session: Session, answered: list[Task]) -> list[str]:
    logins = dict(session.execute(select(User.id, User.login).where(
        User.id.in_([row.user_id for row in answered]))).all())
    return [f"{logins.get(row.user_id, row.user_id)}: {row.comment}"
            for row in answered if row.comment]


def _close_open(session: Session, wait_id: int, status: str) -> None:
    session.execute(update(Task).where(Task.wait_id == wait_id, Task.status == "open")
                    .values(status=status, completed_at=utcnow())
                    .execution_options(synchronize_session=False))


# --- timeouts and cancellation ------------------------------------------------------------

def time_out(session: Session, instance: Instance, wait: Wait) -> None:
    """An approval's time limit passed: close its open tasks and resume as rejected."""
    rows = list(session.scalars(select(Task).where(Task.wait_id == wait.id,
                                                   Task.status == "completed")
                                .order_by(Task.completed_at, Task.id)))
    _close_open(session, wait.id, "closed")
    instances.resume_instance(session, instance, wait.token, {
        "decision": "timeout", "comments": _comments(session, rows),
        "last_approver": rows[-1].user_id if rows else None, "values": {}})


def cancel_instance_tasks(session: Session, instance: Instance) -> None:
    """Finish listener: an ended instance's open tasks are cancelled (to-dos stay)."""
    if instance.status != "terminated":
        # Failed: it may be retried, its people keep their tasks. Completed: every task wait
        # was decided, so its tasks are closed already.
        return
    session.execute(update(Task).where(Task.instance_id == instance.id, Task.status == "open",
                                       Task.kind != "todo")
                    .values(status="cancelled", completed_at=utcnow())
                    .execution_options(synchronize_session=False))


def check_status_filter(value: str | None) -> str | None:
    """A `status` query value, or a 400 naming it."""
    if value is not None and value not in TASK_STATUSES:
        raise ApiError(400, "invalid_parameter", f"status: one of {', '.join(TASK_STATUSES)}",
                       [{"parameter": "status"}])
    return value


instances.on_wait_opened("task", open_tasks)
instances.on_instance_finished(cancel_instance_tasks)
instances.register_call_handler("create_task", create_todo)
