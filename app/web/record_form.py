"""Create and edit a record in the browser: a form built from the type's field list."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.auth import current_user, login_required
from app.db import read_transaction, transaction
from app.models.users import User
from app.services.pipelines import STAGE_FIELD, list_stages
from app.services.record_events import Origin
from app.services.records import create_record, fields_of, require_record, update_record
from interpreter.fields import DOCUMENT_TYPES, FieldDef, FieldValueError, render_text

bp = Blueprint("record_form", __name__, template_folder="templates")

# Types the form cannot edit as one text box; they are left to the API.
_SKIPPED_TYPES = ("file",)
_MULTI_VALUE = ("email", "phone")


def _choices(session: Session, document_type: str, field: FieldDef) -> list[tuple[str, str]]:
    if field.type == "user":
        users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
        return [(str(user.id), f"{user.name} {user.last_name}".strip() or user.login)
                for user in users]
    if field.type == "crm_status" and STAGE_FIELD.get(document_type) == field.code:
        return [(stage.stage_id, stage.name)
                for stage in list_stages(session, document_type, None)]
    if field.options:
        return list(field.options)
    return []


def _form_fields(session: Session, document_type: str) -> list[dict[str, Any]]:
    return [{"def": field, "choices": _choices(session, document_type, field)}
            for field in fields_of(session, document_type).values()
            if not field.read_only and field.type not in _SKIPPED_TYPES]


def _display(field: FieldDef, value: Any) -> str:
    if value is None:
        return ""
    if field.type in _MULTI_VALUE:
        return ", ".join(item["VALUE"] for item in value)
    if field.multiple:
        return ", ".join(render_text(item) for item in value)
    if field.type == "boolean":
        return "Y" if value else "N"
    if field.type == "datetime":
        return str(value)[:16]
    return render_text(value)


def _submitted(form_fields: list[dict[str, Any]], current: dict[str, Any]) -> dict[str, Any]:
    """{CODE: value} of the inputs that differ from the record (new record: non-empty ones)."""
    values: dict[str, Any] = {}
    for item in form_fields:
        field: FieldDef = item["def"]
        raw = request.form.get(field.code, "").strip()
        if raw == _display(field, current.get(field.code)):
            continue
        if raw == "":
            values[field.code] = None
        elif field.multiple or field.type in _MULTI_VALUE:
            values[field.code] = [part.strip() for part in raw.split(",") if part.strip()]
        else:
            values[field.code] = raw
    return values


def _render(document_type: str, form_fields: list[dict[str, Any]], shown: dict[str, str],
            record_id: int | None, error: str | None, status: int = 200):
    return render_template("record_form.html", user=current_user(), error=error,
                           document_type=document_type, record_id=record_id,
                           form_fields=form_fields, shown=shown), status


@bp.route("/records/<document_type>/new", methods=["GET", "POST"])
@bp.route("/records/<document_type>/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def record_form(document_type: str, record_id: int | None = None):
    if document_type not in DOCUMENT_TYPES:
        abort(404)
    user = current_user()
    with read_transaction() as session:
        form_fields = _form_fields(session, document_type)
        current: dict[str, Any] = {}
        if record_id is not None:
            try:
                current = require_record(session, document_type, record_id).to_fields()
            except ApiError:
                abort(404)
    shown = {item["def"].code: _display(item["def"], current.get(item["def"].code))
             for item in form_fields}
    if request.method == "GET":
        return _render(document_type, form_fields, shown, record_id, None)
    values = _submitted(form_fields, current)
    try:
        with transaction() as session:
            if record_id is None:
                record = create_record(session, document_type, values, user.id,
                                       Origin.user(user.id))
            else:
                record = require_record(session, document_type, record_id, for_update=True)
                update_record(session, record, values, user.id, Origin.user(user.id))
    except (FieldValueError, ApiError) as exc:
        shown.update({code: request.form.get(code, "") for code in shown})
        return _render(document_type, form_fields, shown, record_id, exc.message, 400)
    return redirect(f"/records/{document_type}?saved={record.id}")
