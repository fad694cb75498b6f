"""The interpreter's user directory (Context.directory) over the users and roles tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.models.users import Role, User, user_roles

_USERS = User.__table__
_USER_BY_ID = select(_USERS.c.id, _USERS.c.login, _USERS.c.name, _USERS.c.last_name,
                     _USERS.c.email).where(_USERS.c.id == bindparam("id"),
                                           _USERS.c.active.is_(True))


class Directory:
    """Users by id and members of roles, read in the run step's transaction and memoised.

    One instance serves one run step, so a user looked up by several blocks costs one query.
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
            # Core execution on the session's connection: a plain row, no ORM overhead.
            row = self._session.connection().execute(_USER_BY_ID, {"id": key}).first()
            self._users[key] = None if row is None else {
                "ID": row.id, "LOGIN": row.login, "NAME": row.name,
                "LAST_NAME": row.last_name, "EMAIL": row.email}
        return self._users[key]

    def role_members(self, name: str) -> list[int]:
        """Ids of the active users who have the role `name` ([] for an unknown role)."""
        if name not in self._roles:
            self._roles[name] = list(self._session.scalars(
                select(User.id).join(user_roles, user_roles.c.user_id == User.id)
                .join(Role, Role.id == user_roles.c.role_id)
                .where(Role.name == name, User.active.is_(True)).order_by(User.id)))
        return self._roles[name]
