"""Retrying failed instances after a fix: one, or every failed instance matching filters.

A failed step left no changes, so a retry runs that step again from the instance's last
committed state: the blocks before the failure in that step run again (their effects were
rolled back with it), the blocks of earlier, committed steps do not. When the failed step
was answering a wait (a timer, a task decision, a webhook answer), the same answer is given
again; a webhook that could not be delivered is sent again and the instance waits for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.models.base import utcnow
from app.models.processes import Instance, InstanceLogEntry, Wait
from app.services import instances, webhooks

MAX_BULK = 1000


def retry_instance(session: Session, instance: Instance, actor: int | None = None) -> Instance:
    """Run a failed instance's failed step again; 409 when it has not failed."""
    if instance.status != "failed":
        raise ApiError(409, "not_failed", f"instance {instance.id} is {instance.status}; "
                                          "only failed instances can be retried")
    now = utcnow()
    who = f"user {actor}" if actor is not None else "the system"
    session.add(InstanceLogEntry(instance_id=instance.id, at=now, node=None, type="retry",
                                 message=f"retried by {who} after: "
                                         f"{(instance.error or {}).get('message', '')}"))
    if webhooks.requeue_for_retry(session, instance):
        instance.status = "waiting"
        instance.error = None
        instance.finished_at = None
        instance.updated_at = now
        session.flush()
        return instance
    instances.continue_instance(session, instance, _last_answer(session, instance))
    return instance


def _last_answer(session: Session, instance: Instance) -> dict[str, Any] | None:
    """The answer the failed step was given: the newest answered wait of a token that still
    waits in the stored state (its step did not commit)."""
    waiting = {str(token.get("id")) for token in (instance.state or {}).get("tokens", ())
               if isinstance(token, Mapping) and token.get("wait") is not None}
    newest: dict[str, Wait] = {}
    for wait in session.scalars(select(Wait).where(Wait.instance_id == instance.id)
                                .order_by(Wait.id)):
        newest[wait.token] = wait
    answered = [wait for token, wait in newest.items()
                if token in waiting and wait.state == "answered"]
    if not answered:
        return None
    wait = max(answered, key=lambda row: (row.answered_at or row.created_at, row.id))
    token: Any = int(wait.token) if wait.token.isdigit() else wait.token
    return {"token": token, "data": dict(wait.response or {})}


def failed_instance_ids(session: Session, filters: Mapping[str, Any],
                        limit: int = MAX_BULK) -> list[int]:
    """Ids of failed instances matching `template_id`, `document_type`, `node` (the failed
    block) and `ids`, oldest first."""
    conditions = [Instance.status == "failed"]
    if filters.get("template_id") is not None:
        conditions.append(Instance.template_id == filters["template_id"])
    if filters.get("document_type") is not None:
        conditions.append(Instance.document_type == filters["document_type"])
    if filters.get("ids") is not None:
        conditions.append(Instance.id.in_(list(filters["ids"])))
    rows = session.execute(select(Instance.id, Instance.error).where(*conditions)
                           .order_by(Instance.id).limit(limit * 4 if filters.get("node")
                                                        else limit)).all()
    node = filters.get("node")
    ids = [row.id for row in rows if node is None or (row.error or {}).get("node") == node]
    return ids[:limit]
