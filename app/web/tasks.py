"""Pages of durable execution: my tasks (approve, fill in, mark done) and the operations view."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.api.errors import ApiError
from app.api.operations import why
from app.auth import current_user, login_required
from app.db import read_transaction, transaction
from app.models.processes import Instance, Wait
from app.services import instances, retry
from app.services import tasks as service

bp = Blueprint("tasks_pages", __name__, template_folder="templates")
PAGE_SIZE = 100


@bp.get("/tasks")
@login_required
def my_tasks():
    user = current_user()
    with read_transaction() as session:
        items, total = service.list_tasks(session, user.id, {"status": "open"}, PAGE_SIZE, 0)
        done, _ = service.list_tasks(session, user.id, {"status": "completed"}, 20, 0)
        tasks = [service.task_to_dict(task) for task in items]
        recent = [service.task_to_dict(task) for task in done]
    return render_template("tasks/list.html", user=user, tasks=tasks, total=total,
                           recent=recent)


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int):
    user = current_user()
    form = request.form
    body: dict[str, Any] = {"comment": form.get("comment") or None}
    if form.get("decision"):
        body["decision"] = form["decision"]
    values = {key[len("value."):]: value for key, value in form.items()
              if key.startswith("value.") and value != ""}
    if values:
        body["values"] = values
    try:
        with transaction() as session:
            task = service.complete_task(session, task_id, user, body)
            flash(f"Task '{task.name}' done.", "info")
    except ApiError as error:
        flash(error.message, "error")
    return redirect(url_for("tasks_pages.my_tasks"))


@bp.get("/operations")
@login_required
def operations():
    user = current_user()
    if not user.is_admin:
        abort(403)
    with read_transaction() as session:
        failed = session.scalars(select(Instance).where(Instance.status == "failed")
                                 .order_by(Instance.id.desc()).limit(PAGE_SIZE)).all()
        rows = session.execute(select(Wait, Instance).join(
            Instance, Instance.id == Wait.instance_id).where(
            Wait.state == "open", Instance.status == "waiting")
            .order_by(Wait.due_at, Wait.id).limit(PAGE_SIZE)).all()
        waiting = [{"instance": instance, "wait": wait, "why": why(wait),
                    "until": (wait.request or {}).get("due")
                    or (wait.request or {}).get("timeout_due")} for wait, instance in rows]
    return render_template("tasks/operations.html", user=user, failed=failed, waiting=waiting)


@bp.post("/operations/retry/<int:instance_id>")
@login_required
def retry_one(instance_id: int):
    user = current_user()
    if not user.is_admin:
        abort(403)
    try:
        with transaction() as session:
            instance = instances.get_instance(session, instance_id, for_update=True)
            retry.retry_instance(session, instance, user.id)
            flash(f"Instance {instance_id} retried: now {instance.status}.", "info")
    except ApiError as error:
        flash(error.message, "error")
    return redirect(url_for("tasks_pages.operations"))
