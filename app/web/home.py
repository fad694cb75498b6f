"""The home page: the app shell listing record types and links to the designer."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from app.auth import current_user, login_required
from app.db import read_transaction
from app.models.records import Record
from app.services.records import COLLECTION_OF
from interpreter.fields import DOCUMENT_TYPES

bp = Blueprint("home", __name__, template_folder="templates")

TYPE_TITLES = {"lead": "Leads", "contact": "Contacts", "company": "Companies", "deal": "Deals",
               "document": "Library documents"}


@bp.get("/")
@login_required
def index():
    with read_transaction() as session:
        counts = dict(session.execute(
            select(Record.document_type, func.count()).group_by(Record.document_type)).all())
    types = [{"id": doc_type, "title": TYPE_TITLES[doc_type], "count": counts.get(doc_type, 0),
              "api": f"/api/v1/{COLLECTION_OF[doc_type]}"} for doc_type in DOCUMENT_TYPES]
    return render_template("home.html", types=types, user=current_user())
