"""Who is calling: the user from a Bearer token or the session, and the access decorators."""

from __future__ import annotations

import functools
import hashlib
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.api.errors import ApiError
from app.db import get_engine, read_transaction
from app.models.users import ApiToken, User
from interpreter.fields import DOCUMENT_TYPES

F = TypeVar("F", bound=Callable[..., Any])
RIGHTS = ("read", "update")


def hash_token(token: str) -> str:
    """The stored form of an API token (sha256 hex); tokens themselves are never stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


# Who a token or session belongs to is remembered for a few seconds per database: it saves a
# query on every API call. A change made in this process (deactivation, roles) applies at
# once (forget_sessions_and_tokens); one made by another process within USER_CACHE_SECONDS.
USER_CACHE_SECONDS = 5.0
_user_cache: weakref.WeakKeyDictionary[Any, dict[Any, tuple[float, User | None]]] = \
    weakref.WeakKeyDictionary()


def forget_sessions_and_tokens() -> None:
    """Drop every remembered user (call after changing users, roles or tokens)."""
    _user_cache.clear()


def _active_user(token: str | None, user_id: Any) -> User | None:
    if token is None and not isinstance(user_id, int):
        return None
    cache = _user_cache.setdefault(get_engine().pool, {})
    key = ("token", hash_token(token)) if token is not None else ("id", user_id)
    cached = cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < USER_CACHE_SECONDS:
        return cached[1]
    user = _load_active_user(token, user_id)
    if len(cache) > 10_000:   # bounded: never a memory leak under a token-guessing flood
        cache.clear()
    cache[key] = (now, user)
    return user


def _load_active_user(token: str | None, user_id: Any) -> User | None:
    with read_transaction() as db_session:
        # One query per request: the user with its roles.
        query = select(User).options(joinedload(User.roles))
        if token is not None:
            query = query.join(ApiToken, ApiToken.user_id == User.id) \
                .where(ApiToken.token_hash == hash_token(token))
        else:
            query = query.where(User.id == user_id)
        user = db_session.scalars(query).unique().one_or_none()
    return user if user is not None and user.active else None


def current_user(token: str | None = None) -> User | None:
    """The authenticated, active user of this request (Bearer token first, then the session).

    `token` is an API token given another way (e.g. the Socket.IO `auth` payload).
    """
    if "current_user" in g:
        return g.current_user
    token = token or _bearer_token()
    user = _active_user(token, session.get("user_id") if token is None else None)
    g.current_user = user
    return user


def _is_api_request() -> bool:
    return request.path.startswith("/api/") or _bearer_token() is not None


def _unauthenticated() -> Any:
    if _is_api_request():
        raise ApiError(401, "unauthenticated",
                       "authentication required: send 'Authorization: Bearer <token>' or log in")
    return redirect(url_for("auth_pages.login", next=request.full_path.rstrip("?")))


def require_user() -> User:
    """The current user, or a 401 ApiError."""
    user = current_user()
    if user is None:
        raise ApiError(401, "unauthenticated",
                       "authentication required: send 'Authorization: Bearer <token>' or log in")
    return user


def require_admin() -> User:
    """The current user when an admin, else a 401/403 ApiError."""
    user = require_user()
    if not user.is_admin:
        raise ApiError(403, "forbidden", "this needs the admin role")
    return user


def require_automation(document_type: str, right: str) -> User:
    """The current user when allowed to `read` or `update` automation of a type, else 401/403."""
    if right not in RIGHTS:
        raise ValueError(f"unknown automation right {right!r}")
    user = require_user()
    have = user.automation_right(document_type)
    if have == "update" or (have == "read" and right == "read"):
        return user
    raise ApiError(403, "forbidden",
                   f"this needs the automation {right!r} right on {document_type}")


def login_required(view: F) -> F:
    """Any logged-in user (API: 401 JSON; pages: redirect to /login)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _unauthenticated()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Users with the admin role (401 when not logged in, 403 otherwise)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _unauthenticated()
        require_admin()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def automation_required(document_type: str, right: str) -> Callable[[F], F]:
    """Users with the automation `right` ("read"/"update") on a document type.

    `document_type` is a type ("lead") or the name of the view argument that holds it
    (e.g. "document_type" for a route `/automation/<document_type>/...`).
    """
    if right not in RIGHTS:
        raise ValueError(f"unknown automation right {right!r}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user() is None:
                return _unauthenticated()
            doc_type = document_type if document_type in DOCUMENT_TYPES \
                else kwargs.get(document_type)
            if doc_type not in DOCUMENT_TYPES:
                raise ApiError(404, "not_found", f"unknown document type {doc_type!r}")
            require_automation(doc_type, right)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def log_in(user: User) -> None:
    """Start a session for `user` (the login page calls it after checking the password)."""
    session.clear()
    session["user_id"] = user.id
    session.permanent = True
    g.current_user = user


def log_out() -> None:
    """End the session."""
    session.clear()
    g.pop("current_user", None)
