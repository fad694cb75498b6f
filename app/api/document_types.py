"""Document types and their field lists (standard + UF_ custom fields)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select

from app.api.errors import ApiError, json_body
from app.api.openapi import operation
from app.auth import admin_required, login_required
from app.db import read_transaction, transaction
from app.models.records import CustomField
from app.services.records import COLLECTION_OF, fields_of
from interpreter.fields import DOCUMENT_TYPES, FIELD_TYPES, FieldDef, custom_field

bp = Blueprint("document_types", __name__)

_TYPE_TITLES = {"lead": "Lead", "contact": "Contact", "company": "Company", "deal": "Deal",
                "document": "Library document"}
FIELD_SCHEMA = {
    "type": "object", "required": ["code", "type", "title", "multiple"],
    "properties": {
        "code": {"type": "string"}, "type": {"type": "string", "enum": list(FIELD_TYPES)},
        "title": {"type": "string"}, "multiple": {"type": "boolean"},
        "options": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}}}},
        "read_only": {"type": "boolean"}, "required": {"type": "boolean"},
        "custom": {"type": "boolean"},
    },
}
_TYPE_PARAM = {"name": "document_type", "in": "path", "required": True,
               "schema": {"type": "string", "enum": list(DOCUMENT_TYPES)}}


def _field_to_api(field: FieldDef) -> dict:
    return {**field.to_dict(), "custom": field.code.startswith("UF_")}


@bp.get("/document-types")
@operation("The document types", tags=["document-types"], responses={200: {
    "type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
        "type": "object", "required": ["id", "title", "collection"],
        "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                       "collection": {"type": "string"}}}}}}})
@login_required
def list_types():
    return {"items": [{"id": doc_type, "title": _TYPE_TITLES[doc_type],
                       "collection": COLLECTION_OF[doc_type]} for doc_type in DOCUMENT_TYPES]}


@bp.get("/document-types/<document_type>/fields")
@operation("The fields of a document type", tags=["document-types"], responses={200: {
    "type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "items": FIELD_SCHEMA}}}})
@login_required
def list_fields(document_type: str):
    with read_transaction() as session:
        fields = fields_of(session, document_type)
    return {"items": [_field_to_api(field) for field in fields.values()]}


@bp.post("/document-types/<document_type>/fields")
@operation("Add a UF_ custom field", tags=["document-types"], request={
    "type": "object", "required": ["code", "type"],
    "properties": {"code": {"type": "string", "pattern": "^UF_[A-Z0-9_]{1,60}$"},
                   "type": {"type": "string", "enum": list(FIELD_TYPES)},
                   "title": {"type": "string", "minLength": 1, "maxLength": 255},
                   "multiple": {"type": "boolean"}, "required": {"type": "boolean"},
                   "options": {"type": "array"}}}, responses={201: FIELD_SCHEMA})
@admin_required
def add_field(document_type: str):
    body = json_body()
    with transaction() as session:
        fields_of(session, document_type)  # 404 for an unknown type
        field = custom_field(body)
        exists = session.scalar(select(CustomField.id).where(
            CustomField.document_type == document_type, CustomField.code == field.code))
        if exists is not None:
            raise ApiError(409, "field_exists", f"{field.code}: the field already exists",
                           [{"field": field.code, "code": "field_exists"}])
        session.add(CustomField(document_type=document_type, code=field.code, type=field.type,
                                title=field.title, multiple=field.multiple,
                                required=field.required,
                                options=[list(option) for option in field.options]))
    return _field_to_api(field), 201


for _view in (list_fields, add_field):
    _view.openapi.parameters.insert(0, _TYPE_PARAM)
