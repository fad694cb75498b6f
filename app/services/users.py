"""Users, roles, passwords and API tokens; the first-start admin."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.api.errors import ApiError
from app.auth import forget_sessions_and_tokens, hash_token
from app.models.users import ADMIN_ROLE, ApiToken, Role, User
from app.services.directory import forget_users
from interpreter.fields import DOCUMENT_TYPES, is_valid_email

ADMIN_LOGIN = "admin"
_USER_FIELDS = ("LOGIN", "NAME", "LAST_NAME", "EMAIL", "ACTIVE")
_ROLE_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
MIN_PASSWORD_LENGTH = 8


def _forget_users() -> None:
    # Both caches of who users are: the API's (tokens, sessions) and the processes'.
    forget_sessions_and_tokens()
    forget_users()


def _bad(field: str, message: str, code: str = "invalid_value") -> ApiError:
    return ApiError(400, code, f"{field}: {message}",
                    [{"field": field, "code": code, "message": f"{field}: {message}"}])


def _text(field: str, value: Any, limit: int, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _bad(field, "expected a string")
    value = value.strip()
    if required and not value:
        raise _bad(field, "a value is required", "required")
    if len(value) > limit:
        raise _bad(field, f"longer than {limit} characters")
    return value


def _apply_fields(session: Session, user: User, fields: Any) -> None:
    if not isinstance(fields, Mapping):
        raise ApiError(400, "invalid_fields", "'fields' must be an object")
    for code in fields:
        if code not in _USER_FIELDS:
            raise _bad(str(code), "unknown or read-only user field", "unknown_field")
    if "LOGIN" in fields:
        login = _text("LOGIN", fields["LOGIN"], 64, required=True)
        if any(ch.isspace() for ch in login):
            raise _bad("LOGIN", "must not contain spaces")
        taken = session.scalar(select(User.id).where(func.lower(User.login) == login.lower()))
        if taken is not None and taken != user.id:
            raise ApiError(409, "login_taken", f"LOGIN: {login!r} is already used",
                           [{"field": "LOGIN", "code": "login_taken"}])
        user.login = login
    if "NAME" in fields:
        user.name = _text("NAME", fields["NAME"], 255)
    if "LAST_NAME" in fields:
        user.last_name = _text("LAST_NAME", fields["LAST_NAME"], 255)
    if "EMAIL" in fields:
        email = _text("EMAIL", fields["EMAIL"], 254)
        if email and not is_valid_email(email):
            raise _bad("EMAIL", f"{email!r} is not a valid e-mail address")
        user.email = email or None
    if "ACTIVE" in fields:
        active = fields["ACTIVE"]
        if isinstance(active, str) and active.upper() in ("Y", "N"):
            active = active.upper() == "Y"
        if not isinstance(active, bool):
            raise _bad("ACTIVE", "expected true/false (or Y/N)")
        user.active = active


def get_or_create_role(session: Session, name: str) -> Role:
    """The role named `name`, created (with no automation rights) when it does not exist."""
    if not isinstance(name, str) or not name or len(name) > 64 \
            or not set(name) <= _ROLE_NAME_CHARS:
        raise _bad("roles", f"{name!r} is not a role name (letters, digits, _ - .)")
    role = session.scalar(select(Role).where(Role.name == name))
    if role is None:
        role = Role(name=name, title=name, automation={})
        session.add(role)
        session.flush()
    return role


def _set_roles(session: Session, user: User, roles: Any) -> None:
    if not isinstance(roles, list):
        raise _bad("roles", "expected a list of role names")
    user.roles = [get_or_create_role(session, name) for name in dict.fromkeys(roles)]


def _set_password(user: User, password: Any) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise _bad("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 1024:
        raise _bad("password", "at most 1024 characters")
    # Tests choose a cheaper hash (PASSWORD_HASH_METHOD); production keeps scrypt.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() \
        else "scrypt"
    user.password_hash = generate_password_hash(password, method=method)


def create_user(session: Session, fields: Any, roles: Any = (),
                password: str | None = None) -> User:
    """A new user from SPEC field codes (LOGIN required), role names and an optional password."""
    if not isinstance(fields, Mapping) or "LOGIN" not in fields:
        raise _bad("LOGIN", "a value is required", "required")
    user = User(login="", name="", last_name="", active=True)
    _apply_fields(session, user, fields)
    session.add(user)
    _set_roles(session, user, list(roles) if isinstance(roles, tuple) else roles)
    if password is not None:
        _set_password(user, password)
    session.flush()
    return user


def update_user(session: Session, user: User, fields: Any = None, roles: Any = None,
                password: Any = None) -> User:
    """Change a user's fields, roles (replaced when given) and password."""
    if fields is not None:
        _apply_fields(session, user, fields)
    if roles is not None:
        _set_roles(session, user, roles)
    if password is not None:
        _set_password(user, password)
    session.flush()
    _forget_users()
    return user


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The active user with that login and password, or None."""
    user = session.scalar(select(User).where(func.lower(User.login) == login.strip().lower()))
    if user is None or not user.active or not user.password_hash:
        return None
    return user if check_password_hash(user.password_hash, password) else None


def issue_token(session: Session, user: User, name: str = "",
                token: str | None = None) -> str:
    """A new API token for `user` (or register the given one); only its sha256 is stored."""
    token = token or secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name))
    session.flush()
    _forget_users()
    return token


def set_role_automation(session: Session, name: str, rights: Mapping[str, str]) -> Role:
    """Give a role automation rights per document type ({"lead": "update", "deal": "read"})."""
    role = get_or_create_role(session, name)
    for doc_type, right in rights.items():
        if doc_type not in DOCUMENT_TYPES or right not in ("read", "update", None):
            raise _bad("automation", f"{doc_type!r}: {right!r} is not read/update/null")
    role.automation = {k: v for k, v in {**role.automation, **rights}.items() if v}
    session.flush()
    _forget_users()
    return role


@dataclass(frozen=True)
class FirstStart:
    """What ensure_admin did: the generated password to print once, if any."""

    created: bool
    login: str
    generated_password: str | None


def ensure_admin(session: Session, password: str | None, api_token: str | None) -> FirstStart:
    """Create the admin user on first start (password given or generated) and its token.

    BIZFLOW_API_TOKEN (`api_token`) is registered for the admin whenever it is set and not
    yet known, so a restart with the same variable keeps working.
    """
    admin_role = get_or_create_role(session, ADMIN_ROLE)
    has_admin = session.scalar(select(User.id).where(User.roles.contains(admin_role)).limit(1))
    created, generated = False, None
    if has_admin is None:
        if password is None:
            generated = password = secrets.token_urlsafe(12)
        login = ADMIN_LOGIN
        if session.scalar(select(User.id).where(User.login == login)) is not None:
            login = f"{ADMIN_LOGIN}-{secrets.token_hex(3)}"
        create_user(session, {"LOGIN": login, "NAME": "Administrator"}, [ADMIN_ROLE], password)
        created = True
    admin = session.scalar(select(User).where(User.roles.contains(admin_role))
                           .order_by(User.id).limit(1))
    assert admin is not None
    if api_token and session.scalar(
            select(ApiToken.id).where(ApiToken.token_hash == hash_token(api_token))) is None:
        issue_token(session, admin, "BIZFLOW_API_TOKEN", api_token)
    return FirstStart(created=created, login=admin.login, generated_password=generated)


def user_to_api(user: User) -> dict[str, Any]:
    """The API form of a user: {"id", "fields", "roles"}."""
    return {"id": user.id, "fields": user.to_fields(), "roles": user.role_names}
