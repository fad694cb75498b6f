"""Users, roles (with automation rights per document type) and hashed API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow

ADMIN_ROLE = "admin"

user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(Base):
    """A named group of users (`role:NAME` recipients) with automation rights per type."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    # {"lead": "update", "deal": "read"}: automation rights (SPEC 7); admin has all.
    automation: Mapped[dict[str, Any]] = mapped_column(default=dict)


class User(Base):
    """A person who logs in, is responsible for records and receives tasks and mail."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin",
                                             order_by=Role.name)

    @property
    def role_names(self) -> list[str]:
        return [role.name for role in self.roles]

    @property
    def is_admin(self) -> bool:
        return any(role.name == ADMIN_ROLE for role in self.roles)

    def automation_right(self, document_type: str) -> str | None:
        """'update', 'read' or None: the best automation right of the user's roles."""
        if self.is_admin:
            return "update"
        rights = {role.automation.get(document_type) for role in self.roles}
        if "update" in rights:
            return "update"
        return "read" if "read" in rights else None

    def to_fields(self) -> dict[str, Any]:
        """The user as SPEC 2 names its fields."""
        return {"ID": self.id, "LOGIN": self.login, "NAME": self.name,
                "LAST_NAME": self.last_name, "EMAIL": self.email, "ACTIVE": self.active}


class ApiToken(Base):
    """An API token: only its sha256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user: Mapped[User] = relationship(lazy="joined")
