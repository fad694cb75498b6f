"""The home page (the app shell: record types, automation, designer) and record lists."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

from app.auth import current_user, login_required
from app.db import read_transaction
from app.models.records import Record
from app.services.records import COLLECTION_OF, fields_of, list_records
from interpreter.fields import DOCUMENT_TYPES, FieldValueError, render_text

bp = Blueprint("home", __name__, template_folder="templates")

TYPE_TITLES = {"lead": "Leads", "contact": "Contacts", "company": "Companies", "deal": "Deals",
               "document": "Library documents"}
# The columns a list shows, by type: the fields a CRM user looks at first.
LIST_COLUMNS = {
    "lead": ("TITLE", "NAME", "STATUS_ID", "OPPORTUNITY", "CURRENCY_ID", "ASSIGNED_BY_ID"),
    "contact": ("NAME", "LAST_NAME", "POST", "EMAIL", "PHONE", "ASSIGNED_BY_ID"),
    "company": ("TITLE", "COMPANY_TYPE", "INDUSTRY", "EMAIL", "ASSIGNED_BY_ID"),
    "deal": ("TITLE", "STAGE_ID", "OPPORTUNITY", "CURRENCY_ID", "CLOSEDATE", "ASSIGNED_BY_ID"),
    "document": ("NAME", "LIBRARY", "FOLDER", "FILE_SIZE", "MIME_TYPE"),
}
PAGE_SIZE = 50


@bp.get("/")
@login_required
def index():
    with read_transaction() as session:
        counts = dict(session.execute(
            select(Record.document_type, func.count()).group_by(Record.document_type)).all())
    types = [{"id": doc_type, "title": TYPE_TITLES[doc_type], "count": counts.get(doc_type, 0),
              "api": f"/api/v1/{COLLECTION_OF[doc_type]}"} for doc_type in DOCUMENT_TYPES]
    return render_template("home.html", types=types, user=current_user())


@bp.get("/records/<document_type>")
@login_required
def record_list(document_type: str):
    if document_type not in DOCUMENT_TYPES:
        abort(404)
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1
    with read_transaction() as session:
        defs = fields_of(session, document_type)
        try:
            items, total = list_records(session, document_type, {}, PAGE_SIZE,
                                        (page - 1) * PAGE_SIZE)
        except FieldValueError:
            abort(400)
    columns = [defs[code] for code in LIST_COLUMNS[document_type]]
    rows = [{"id": item.id,
             "cells": [render_text(item.fields.get(column.code)) for column in columns]}
            for item in items]
    return render_template("records.html", user=current_user(), document_type=document_type,
                           title=TYPE_TITLES[document_type], columns=columns, rows=rows,
                           total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           has_history=document_type != "document",
                           api=f"/api/v1/{COLLECTION_OF[document_type]}")
