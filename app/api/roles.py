"""Roles and their automation rights per document type (SPEC 7, last line)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from app.api.errors import ApiError, json_body
from app.api.openapi import operation
from app.auth import admin_required, login_required
from app.db import read_transaction, transaction
from app.models.users import Role
from app.services.users import set_role_automation
from interpreter.fields import DOCUMENT_TYPES

bp = Blueprint("roles", __name__)

_RIGHT = {"enum": ["read", "update", None]}
ROLE_SCHEMA = {
    "type": "object", "required": ["name", "title", "automation"],
    "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                   "automation": {"type": "object", "additionalProperties": {
                       "enum": ["read", "update"]}}},
}


def _role_to_api(role: Role) -> dict[str, Any]:
    return {"name": role.name, "title": role.title, "automation": dict(role.automation)}


@bp.get("/roles")
@operation("Roles and their automation rights", tags=["users"], responses={200: {
    "type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "items": ROLE_SCHEMA}}}})
@login_required
def list_roles():
    with read_transaction() as session:
        roles = session.scalars(select(Role).order_by(Role.name))
        return {"items": [_role_to_api(role) for role in roles]}


@bp.put("/roles/<name>")
@operation("Create a role or change its title and automation rights", tags=["users"],
           request={"type": "object", "additionalProperties": False, "properties": {
               "title": {"type": "string", "maxLength": 255},
               "automation": {"type": "object", "additionalProperties": False,
                              "properties": {doc_type: _RIGHT for doc_type in DOCUMENT_TYPES}}}},
           responses={200: ROLE_SCHEMA})
@admin_required
def put_role(name: str):
    body = json_body()
    unknown = set(body) - {"title", "automation"}
    if unknown:
        raise ApiError(400, "unknown_property", f"unknown properties {sorted(unknown)}")
    automation = body.get("automation", {})
    if not isinstance(automation, dict):
        raise ApiError(400, "invalid_value", "automation: expected an object {type: right}",
                       [{"field": "automation"}])
    title = body.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > 255):
        raise ApiError(400, "invalid_value", "title: expected a string of at most 255 "
                       "characters", [{"field": "title"}])
    with transaction() as session:
        role = set_role_automation(session, name, automation)
        if title is not None:
            role.title = title
        return _role_to_api(role)
