"""The interpreter's user directory (Context.directory) over the users and roles tables."""

from __future__ import annotations

import time
import weakref
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.auth import USER_CACHE_SECONDS
from app.models.users import Role, User, user_roles

_USERS = User.__table__
_USER_BY_ID = select(_USERS.c.id, _USERS.c.login, _USERS.c.name, _USERS.c.last_name,
                     _USERS.c.email).where(_USERS.c.id == bindparam("id"),
                                           _USERS.c.active.is_(True))


# Active users found by id are remembered per database for as long as the API remembers who
# a token belongs to (USER_CACHE_SECONDS, see docs/DECISIONS.md): a process e-mailing
# the responsible person then costs no query. Changes made through app.services.users apply
# at once here (forget_users); ones made by another process within that time. Misses are
# never remembered, so a user created or reactivated is found at once.
_user_cache: weakref.WeakKeyDictionary[Any, dict[int, tuple[float, dict[str, Any]]]] = \
    weakref.WeakKeyDictionary()


def forget_users() -> None:
    """Drop every remembered user (app.services.users calls it after a change)."""
    _user_cache.clear()


class Directory:
    """Users by id and members of roles, read in the run step's transaction and memoised.

    One instance serves one run step, so a user looked up by several blocks costs one query
    (and an active user seen within the last few seconds none).
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._users: dict[int, dict[str, Any] | None] = {}
        self._roles: dict[str, list[int]] = {}

    def user(self, user_id: Any) -> dict[str, Any] | None:
        """{ID, LOGIN, NAME, LAST_NAME, EMAIL} of an active user, or None."""
        if isinstance(user_id, bool):
            return None
        try:
            key = int(user_id)
        except (TypeError, ValueError):
            return None
        if key not in self._users:
            self._users[key] = self._load_user(key)
        return self._users[key]

    def _load_user(self, key: int) -> dict[str, Any] | None:
        cache = _user_cache.setdefault(self._session.get_bind().pool, {})
        cached = cache.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < USER_CACHE_SECONDS:
            return dict(cached[1])
        # Core execution on the session's connection: a plain row, no ORM overhead.
        row = self._session.connection().execute(_USER_BY_ID, {"id": key}).first()
        if row is None:
            cache.pop(key, None)
            return None
        user = {"ID": row.id, "LOGIN": row.login, "NAME": row.name,
                "LAST_NAME": row.last_name, "EMAIL": row.email}
        if len(cache) > 10_000:   # bounded, like the API's user cache
            cache.clear()
        cache[key] = (now, user)
        return dict(user)

    def role_members(self, name: str) -> list[int]:
        """Ids of the active users who have the role `name` ([] for an unknown role)."""
        if name not in self._roles:
            self._roles[name] = list(self._session.scalars(
                select(User.id).join(user_roles, user_roles.c.user_id == User.id)
                .join(Role, Role.id == user_roles.c.role_id)
                .where(Role.name == name, User.active.is_(True)).order_by(User.id)))
        return self._roles[name]
