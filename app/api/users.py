"""Users: list, create, read and change (SPEC 5.2)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import func, select

from app.api.errors import ApiError, json_body
from app.api.openapi import operation
from app.api.paging import page, paging_parameters
from app.auth import admin_required, login_required
from app.db import read_transaction, transaction
from app.models.users import User
from app.services.users import create_user, update_user, user_to_api

bp = Blueprint("users", __name__)

USER_SCHEMA = {
    "type": "object", "required": ["id", "fields", "roles"],
    "properties": {
        "id": {"type": "integer"},
        "fields": {"type": "object", "required": ["ID", "LOGIN", "ACTIVE"], "properties": {
            "ID": {"type": "integer"}, "LOGIN": {"type": "string"},
            "NAME": {"type": "string"}, "LAST_NAME": {"type": "string"},
            "EMAIL": {"type": ["string", "null"]}, "ACTIVE": {"type": "boolean"}}},
        "roles": {"type": "array", "items": {"type": "string"}},
    },
}
_ROLE_NAME = {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"}
_FIELDS_INPUT = {
    "type": "object", "additionalProperties": False,
    "properties": {"LOGIN": {"type": "string", "pattern": "^[A-Za-z0-9_.@-]{1,64}$"},
                   "NAME": {"type": "string", "maxLength": 255},
                   "LAST_NAME": {"type": "string", "maxLength": 255},
                   "EMAIL": {"type": "string", "format": "email", "maxLength": 254},
                   "ACTIVE": {"type": "boolean"}},
}
_USER_INPUT = {
    "type": "object", "additionalProperties": False,
    "properties": {"fields": _FIELDS_INPUT,
                   "roles": {"type": "array", "items": _ROLE_NAME, "maxItems": 20},
                   "password": {"type": "string", "minLength": 8, "maxLength": 1024}},
}


def _unpack(body: dict) -> tuple:
    unknown = set(body) - {"fields", "roles", "password"}
    if unknown:
        raise ApiError(400, "unknown_property", f"unknown properties {sorted(unknown)}")
    return body.get("fields"), body.get("roles"), body.get("password")


def _require_user(session, user_id: int) -> User:
    user = session.get(User, user_id) if 0 < user_id < 2**63 else None
    if user is None:
        raise ApiError(404, "not_found", f"user {user_id} not found")
    return user


@bp.get("/users")
@operation("List users", tags=["users"], parameters=paging_parameters(),
           responses={200: {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": USER_SCHEMA}, "total": {"type": "integer"}}}})
@login_required
def list_users():
    limit, offset = page(default_limit=100)
    with read_transaction() as session:
        total = session.scalar(select(func.count()).select_from(User)) or 0
        users = session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
        return {"items": [user_to_api(user) for user in users], "total": total}


@bp.post("/users")
@operation("Create a user", tags=["users"],
           request={**_USER_INPUT, "required": ["fields"]}, responses={201: USER_SCHEMA})
@admin_required
def post_user():
    fields, roles, password = _unpack(json_body())
    with transaction() as session:
        user = create_user(session, fields, roles if roles is not None else [], password)
        return user_to_api(user), 201


@bp.get("/users/<int:user_id>")
@operation("A user by id", tags=["users"], responses={200: USER_SCHEMA})
@login_required
def get_user(user_id: int):
    with read_transaction() as session:
        return user_to_api(_require_user(session, user_id))


@bp.patch("/users/<int:user_id>")
@operation("Change a user's fields, roles or password", tags=["users"],
           request=_USER_INPUT, responses={200: USER_SCHEMA})
@admin_required
def patch_user(user_id: int):
    fields, roles, password = _unpack(json_body())
    with transaction() as session:
        user = update_user(session, _require_user(session, user_id), fields, roles, password)
        return user_to_api(user)
