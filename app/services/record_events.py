"""Hooks around record changes: validation before a save, listeners after create/update.

Other parts register here at import time (auto-start of templates, robots, triggers,
pipeline checks); the records service calls them inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.models.records import Record


@dataclass(frozen=True)
class Origin:
    """Who or what changed a record.

    kind: "user" (API/UI, id = user id), "process" (id = instance id), "robot"
    (id = robot id), "trigger" (id = trigger id), "import", "system" (seeds, demo data).
    """

    kind: str
    id: int | str | None = None

    @classmethod
    def user(cls, user_id: int | None) -> Origin:
        return cls("user", user_id)

    @classmethod
    def process(cls, instance_id: int) -> Origin:
        return cls("process", instance_id)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id}


# (session, record, changes, actor, origin) -> list of started instance ids, or None
RecordListener = Callable[["Session", "Record", dict[str, Any], "int | None", Origin],
                          "list[int] | None"]
# (session, document_type, values, changes, record or None) -> extra {CODE: value} or None
RecordValidator = Callable[["Session", str, dict[str, Any], dict[str, Any], "Record | None"],
                           "dict[str, Any] | None"]

_created: list[RecordListener] = []
_updated: list[RecordListener] = []
_deleted: list[Callable[[Session, Record, int | None, Origin], None]] = []
_validators: list[RecordValidator] = []


def on_record_created(listener: RecordListener) -> RecordListener:
    """Register `listener` to run after a record is created (usable as a decorator)."""
    if listener not in _created:
        _created.append(listener)
    return listener


def on_record_updated(listener: RecordListener) -> RecordListener:
    """Register `listener` to run after a record's fields changed (only when something did)."""
    if listener not in _updated:
        _updated.append(listener)
    return listener


def on_record_deleted(listener: Callable[[Session, Record, int | None, Origin], None]
                      ) -> Callable[[Session, Record, int | None, Origin], None]:
    """Register `listener(session, record, actor, origin)` to run just before a delete."""
    if listener not in _deleted:
        _deleted.append(listener)
    return listener


def on_record_validating(validator: RecordValidator) -> RecordValidator:
    """Register a check run before a record is saved (e.g. STATUS_ID against the pipeline).

    It gets the complete new field values and the changes; it raises FieldValueError or
    ApiError to refuse, and may return extra canonical values to set (e.g. a default stage).
    """
    if validator not in _validators:
        _validators.append(validator)
    return validator


def run_validators(session: Session, document_type: str, values: dict[str, Any],
                   changes: dict[str, Any], record: Record | None) -> dict[str, Any]:
    """Every validator in order; returns the extra values they asked to set."""
    extra: dict[str, Any] = {}
    for validator in _validators:
        more = validator(session, document_type, values, changes, record)
        if more:
            extra.update(more)
            values.update(more)
            changes.update(more)
    return extra


def _notify(listeners: list[RecordListener], session: Session, record: Record,
            changes: dict[str, Any], actor: int | None, origin: Origin) -> list[int]:
    started: list[int] = []
    for listener in listeners:
        started.extend(listener(session, record, changes, actor, origin) or ())
    return started


def record_created(session: Session, record: Record, changes: dict[str, Any],
                   actor: int | None, origin: Origin) -> list[int]:
    """Call every created-listener; returns the ids of the instances they started."""
    return _notify(_created, session, record, changes, actor, origin)


def record_updated(session: Session, record: Record, changes: dict[str, Any],
                   actor: int | None, origin: Origin) -> list[int]:
    """Call every updated-listener; returns the ids of the instances they started."""
    return _notify(_updated, session, record, changes, actor, origin)


def record_deleted(session: Session, record: Record, actor: int | None, origin: Origin) -> None:
    """Call every deleted-listener (before the row goes)."""
    for listener in _deleted:
        listener(session, record, actor, origin)
