"""Create, change, delete, read and list CRM records; values checked only by interpreter.fields."""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, cast, func, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.api.errors import ApiError
from app.driver_statements import DriverStatement
from app.models.base import as_loaded, utcnow
from app.models.records import CustomField, Record
from app.models.users import User
from app.services import config_cache, record_events
from app.services.record_events import Origin
from interpreter.fields import (
    DOCUMENT_TYPES,
    FieldDef,
    FieldValueError,
    coerce_value,
    field_map,
)

COLLECTIONS = {"leads": "lead", "contacts": "contact", "companies": "company",
               "deals": "deal", "documents": "document"}
COLLECTION_OF = {doc_type: name for name, doc_type in COLLECTIONS.items()}
# System fields are columns of Record, not JSON values.
SYSTEM_FIELDS = ("ID", "DATE_CREATE", "DATE_MODIFY", "CREATED_BY_ID", "MODIFY_BY_ID")
MAX_ID = 2**63 - 1


def check_document_type(document_type: str) -> None:
    """A 404 ApiError for a type that is not one of the five document types."""
    if document_type not in DOCUMENT_TYPES:
        raise ApiError(404, "unknown_document_type",
                       f"unknown document type {document_type!r}; "
                       f"expected one of {', '.join(DOCUMENT_TYPES)}")


# Custom field definitions are read on every create and update and change rarely: they and
# the field map built from them are cached until the custom fields change (config_cache).
@dataclass(frozen=True)
class _CachedFields:
    custom: tuple[FieldDef, ...]
    defs: Mapping[str, FieldDef]


def _load_fields(session: Session, document_type: str) -> _CachedFields:
    rows = session.scalars(select(CustomField).where(CustomField.document_type == document_type)
                           .order_by(CustomField.id))
    custom = tuple(FieldDef(code=row.code, type=row.type, title=row.title,
                            multiple=row.multiple, required=row.required,
                            options=tuple((key, title) for key, title in row.options))
                   for row in rows)
    return _CachedFields(custom, MappingProxyType(field_map(document_type, custom)))


def _cached_fields(session: Session, document_type: str) -> _CachedFields:
    return config_cache.cached(session, ("custom_fields", document_type),
                               lambda s: _load_fields(s, document_type))


def custom_fields(session: Session, document_type: str) -> list[FieldDef]:
    """The `UF_` fields defined for a document type, oldest first."""
    return list(_cached_fields(session, document_type).custom)


def fields_of(session: Session, document_type: str) -> Mapping[str, FieldDef]:
    """Standard and custom fields of a document type, by code (a read-only mapping)."""
    check_document_type(document_type)
    return _cached_fields(session, document_type).defs


def _coerce_input(defs: Mapping[str, FieldDef], fields: Any, current: Record | None
                  ) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise ApiError(400, "invalid_fields", "'fields' must be an object of FIELD_CODE: value")
    values: dict[str, Any] = {}
    current_fields = current.to_fields() if current is not None else {}
    for code, raw in fields.items():
        field = defs.get(code) if isinstance(code, str) else None
        if field is None:
            raise FieldValueError("unknown_field", str(code), f"{code}: unknown field")
        value = coerce_value(field, raw)
        if field.read_only:
            # A read-only field sent back unchanged (GET, edit, PATCH) is harmless.
            if code in current_fields and current_fields[code] == value:
                continue
            raise FieldValueError("read_only", code, f"{code}: the field is read-only")
        values[code] = value
    return values


# Users are never deleted (only deactivated), so an id once seen stays valid: remembering
# them saves a query on most writes (a process assigning a responsible person, say).
_known_users: weakref.WeakKeyDictionary[Any, set[int]] = weakref.WeakKeyDictionary()


def _check_users_exist(session: Session, defs: Mapping[str, FieldDef],
                       values: Mapping[str, Any]) -> None:
    known = _known_users.setdefault(session.get_bind().pool, set())
    wanted: dict[int, str] = {}
    for code, value in values.items():
        if defs[code].type != "user" or value is None:
            continue
        for user_id in value if isinstance(value, list) else [value]:
            if user_id not in known:
                wanted.setdefault(user_id, code)
    if not wanted:
        return
    found = set(session.scalars(select(User.id).where(User.id.in_(list(wanted)))))
    known.update(found)
    for user_id, code in wanted.items():
        if user_id not in found:
            raise FieldValueError("unknown_user", code, f"{code}: there is no user {user_id}")


def _check_required(defs: Mapping[str, FieldDef], values: Mapping[str, Any]) -> None:
    for code, field in defs.items():
        if field.required and values.get(code) in (None, "", []):
            raise FieldValueError("required", code, f"{code}: a value is required")


def create_record(session: Session, document_type: str, fields: Any, actor: int | None,
                  origin: Origin, *, system_values: Mapping[str, Any] | None = None) -> Record:
    """Create a record in the caller's transaction and run the created-listeners.

    `fields` is the client's {CODE: value}; `system_values` are canonical values the app
    sets itself (e.g. a document's FILE_SIZE). The returned record's `started_instances`
    holds the ids of the instances that listeners started.
    """
    defs = fields_of(session, document_type)
    values = _coerce_input(defs, fields, None)
    values.update(system_values or {})
    values = {code: value for code, value in values.items() if value is not None}
    _check_users_exist(session, defs, values)
    if actor is not None and "ASSIGNED_BY_ID" not in values and "ASSIGNED_BY_ID" in defs:
        values["ASSIGNED_BY_ID"] = actor
    record_events.run_validators(session, document_type, values, values, None)
    _check_required(defs, values)
    now = utcnow()
    record = _insert_record(session, {
        "document_type": document_type, "fields": values, "created_at": now,
        "modified_at": now, "created_by_id": actor, "modified_by_id": actor, "version": 1})
    record.started_instances = record_events.record_created(
        session, record, dict(values), actor, origin)
    return record


_RECORDS = Record.__table__
_INSERT_RECORD = DriverStatement(insert(_RECORDS).returning(_RECORDS.c.id), (
    "document_type", "fields", "created_at", "modified_at", "created_by_id", "modified_by_id",
    "version"))
_UPDATE_RECORD = DriverStatement(update(_RECORDS).where(
    _RECORDS.c.id == bindparam("b_id"), _RECORDS.c.version == bindparam("b_version")),
    ("fields", "modified_at", "modified_by_id", "version", "b_id", "b_version"))


def _insert_record(session: Session, values: dict[str, Any]) -> Record:
    # A Core INSERT (the unit of work costs several times more CPU) and the object attached
    # as if loaded, so later ORM reads in this session return it and its changes are UPDATEs.
    # Pending ORM objects go first, as the flush before an ORM insert would send them.
    if session.autoflush and session.new:
        session.flush()
    record_id = _INSERT_RECORD.execute(session, values).fetchone()[0]
    record = as_loaded(Record, {"id": record_id, **values})
    session.add(record)
    return record


def _write_record(session: Session, record: Record, values: dict[str, Any]) -> None:
    """Store new values of a record: one Core versioned UPDATE when nothing else is pending on
    it, through the ORM otherwise (the same optimistic version check either way)."""
    state = inspect(record)
    if not state.persistent or state.modified:
        for key, value in values.items():
            setattr(record, key, value)
        session.flush()
        return
    version = record.version
    result = _UPDATE_RECORD.execute(session, {
        **values, "version": version + 1, "b_id": record.id, "b_version": version})
    if result.rowcount != 1:
        raise StaleDataError(f"{record.document_type} {record.id} was changed by another "
                             "transaction")
    for key, value in values.items():
        set_committed_value(record, key, value)
    set_committed_value(record, "version", version + 1)


def update_record(session: Session, record: Record, fields: Any, actor: int | None,
                  origin: Origin, *, system_values: Mapping[str, Any] | None = None
                  ) -> dict[str, Any]:
    """Change some fields of a record; returns {CODE: new value} of the fields that changed.

    Nothing is written and no listener runs when no value actually changes.
    """
    defs = fields_of(session, record.document_type)
    requested = _coerce_input(defs, fields, record)
    requested.update(system_values or {})
    old = record.fields
    changes = {code: value for code, value in requested.items() if old.get(code) != value}
    record.started_instances = []
    if not changes:
        return {}
    _check_users_exist(session, defs, changes)
    values = {**old, **changes}
    record_events.run_validators(session, record.document_type, values, changes, record)
    values = {code: value for code, value in values.items() if value is not None}
    _check_required(defs, values)
    _write_record(session, record, {"fields": values, "modified_at": utcnow(),
                                    "modified_by_id": actor})
    record.started_instances = record_events.record_updated(
        session, record, dict(changes), actor, origin)
    return changes


def delete_record(session: Session, record: Record, actor: int | None, origin: Origin) -> None:
    """Delete a record in the caller's transaction (deleted-listeners run first)."""
    record_events.record_deleted(session, record, actor, origin)
    session.delete(record)
    session.flush()


def get_record(session: Session, document_type: str, record_id: int,
               for_update: bool = False) -> Record | None:
    """The record of that type and id, or None; `for_update` locks the row (PostgreSQL)."""
    if not 0 < record_id <= MAX_ID:
        return None
    query = select(Record).where(Record.id == record_id, Record.document_type == document_type)
    if for_update:
        # The locked row is the truth: an object this session already holds is refreshed
        # from it (a rolled-back savepoint may have left values written by a Core UPDATE).
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def require_record(session: Session, document_type: str, record_id: int,
                   for_update: bool = False) -> Record:
    """The record, or a 404 ApiError."""
    record = get_record(session, document_type, record_id, for_update)
    if record is None:
        raise ApiError(404, "not_found", f"{document_type} {record_id} not found")
    return record


def _like_pattern(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    text = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{text}%"


def _filter_clause(field: FieldDef, raw: str) -> ColumnElement[bool]:
    column = {"ID": Record.id, "CREATED_BY_ID": Record.created_by_id,
              "MODIFY_BY_ID": Record.modified_by_id}.get(field.code)
    if field.code in ("DATE_CREATE", "DATE_MODIFY"):
        raise FieldValueError("unsupported_filter", field.code,
                              f"{field.code}: filtering by this field is not supported")
    value = coerce_value(replace(field, multiple=False), raw)
    if column is not None:
        return column.is_(None) if value is None else column == value
    element = Record.fields[field.code]
    if value is None:
        return element.as_string().is_(None)
    if field.multiple or field.type in ("email", "phone"):
        needle = value[0]["VALUE"] if field.type in ("email", "phone") else value
        return cast(element, String).ilike(_like_pattern(needle), escape="\\")
    if field.type in ("integer", "user", "crm_ref"):
        return element.as_integer() == value
    if field.type == "number":
        return element.as_float() == float(value)
    if field.type == "boolean":
        return element.as_boolean() == value
    return element.as_string() == value


def list_records(session: Session, document_type: str, filters: Mapping[str, str],
                 limit: int = 50, offset: int = 0) -> tuple[list[Record], int]:
    """A page of records (oldest first) whose fields equal every filter, and the total count.

    Filters compare by the field's type (`OPPORTUNITY=500` matches 500.0); on e-mail, phone
    and multiple fields they match when one of the values equals the filter.
    """
    defs = fields_of(session, document_type)
    clauses = [Record.document_type == document_type]
    for code, raw in filters.items():
        field = defs.get(code)
        if field is None:
            raise FieldValueError("unknown_field", code, f"{code}: unknown field")
        clauses.append(_filter_clause(field, raw))
    total = session.scalar(select(func.count()).select_from(Record).where(*clauses)) or 0
    items = list(session.scalars(select(Record).where(*clauses).order_by(Record.id)
                                 .limit(limit).offset(offset)))
    return items, total
