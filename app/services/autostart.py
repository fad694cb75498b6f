"""Auto-start: every enabled template of a type starts when a record of it is created or updated.

The listeners run inside the records service's transaction, whatever path changed the record
(API, UI, import, a robot, another process). Field changes made by a process itself never
start `update` templates again, so two templates cannot restart each other forever.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.models.processes import Template
from app.models.records import Record
from app.services import config_cache
from app.services.instances import TemplateKey, start_instance
from app.services.record_events import Origin, on_record_created, on_record_updated

_TEMPLATES = Template.__table__
_ENABLED_OF_TYPE = select(_TEMPLATES.c.id, _TEMPLATES.c.version, _TEMPLATES.c.auto_start).where(
    _TEMPLATES.c.document_type == bindparam("document_type"), _TEMPLATES.c.enabled.is_(True),
    _TEMPLATES.c.deleted_at.is_(None)).order_by(_TEMPLATES.c.id)


def templates_starting_on(session: Session, document_type: str, event: str
                          ) -> tuple[TemplateKey, ...]:
    """(id, version) of the enabled templates of `document_type` that start on `event`.

    Asked for every record created or changed: cached until a template changes.
    """
    def load(session: Session) -> tuple[TemplateKey, ...]:
        rows = session.connection().execute(_ENABLED_OF_TYPE, {"document_type": document_type})
        return tuple(TemplateKey(row.id, row.version) for row in rows
                     if event in (row.auto_start or ()))

    return config_cache.cached(session, ("autostart", document_type, event), load)


@on_record_created
def start_on_create(session: Session, record: Record, changes: dict[str, Any],
                    actor: int | None, origin: Origin) -> list[int]:
    """Start the `create` templates of the record's type; returns the instance ids."""
    return [start_instance(session, template, record, None, actor).id
            for template in templates_starting_on(session, record.document_type, "create")]


@on_record_updated
def start_on_update(session: Session, record: Record, changes: dict[str, Any],
                    actor: int | None, origin: Origin) -> list[int]:
    """Start the `update` templates, with `modified` seeing exactly the changed fields."""
    if origin.kind == "process":
        return []
    return [start_instance(session, template, record, None, actor, frozenset(changes)).id
            for template in templates_starting_on(session, record.document_type, "update")]
