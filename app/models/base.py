"""The declarative base of every model, with the column types shared by all of them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.types import TypeDecorator

# Stable constraint names so that Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime, also on SQLite (which stores it without a zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" \
            else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL (indexable, compact); JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Base of every model: typed `Mapped[...]` columns, JSON dicts/lists, UTC datetimes."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        datetime: UTCDateTime(),
    }


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the default of every timestamp column)."""
    return datetime.now(UTC)


M = TypeVar("M", bound=Base)


def as_loaded(model: type[M], values: dict[str, Any]) -> M:
    """An object of `model` holding `values` (primary key included) as if just read from its
    row: detached, with no pending change; add it to a session to use it there.

    For rows written with a Core INSERT: the instrumented constructor would fire an attribute
    event per column, several times the cost of the INSERT itself. No column type here tracks
    in-place changes, so the values are stored exactly as loading would store them.
    """
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    return instance
