"""A record's history: stage changes (who or which trigger), robots run, e-mails sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.automation import HistoryEntry
from app.models.processes import Instance, InstanceLogEntry, OutboxMessage, TemplateVersion
from app.models.records import Record
from app.services.record_events import Origin
from interpreter.on_error import RECOVERED_PREFIX

# Instance log types that are bookkeeping, not something a robot did.
# (terminations are written as our own "cancelled" entries, with the reason).
_QUIET_TYPES = ("start", "end", "condition", "parallel", "join", "terminate")
# Suffixes robots_compile gives a robot's helper nodes (R1_if, R1_timing...).
_ROBOT_NODE_SUFFIXES = ("_has_date", "_timing", "_if", "_still", "_wait", "_stop")


def add_entry(session: Session, document_type: str, document_id: int, kind: str,
              message: str, user_id: int | None = None, trigger_id: int | None = None,
              data: dict[str, Any] | None = None) -> HistoryEntry:
    """Write one history line in the caller's transaction."""
    entry = HistoryEntry(document_type=document_type, document_id=document_id, kind=kind,
                         message=message[:10_000], user_id=user_id, trigger_id=trigger_id,
                         data=dict(data or {}))
    session.add(entry)
    return entry


def record_stage_change(session: Session, record: Record, from_stage: str | None,
                        to_stage: str, actor: int | None, origin: Origin) -> None:
    """A stage change with who made it: a user, a process (robot) or a trigger."""
    by = {"user": f"user {actor}" if actor else "the system",
          "process": f"process instance {origin.id}", "trigger": f"trigger {origin.id}",
          }.get(origin.kind, origin.kind)
    if origin.kind == "trigger" and actor:
        by += f" on behalf of user {actor}"
    text = f"stage {from_stage} -> {to_stage} by {by}" if from_stage else \
        f"entered stage {to_stage} ({by})"
    add_entry(session, record.document_type, record.id, "stage_change", text, user_id=actor,
              trigger_id=origin.id if origin.kind == "trigger" else None,
              data={"from": from_stage, "to": to_stage, "origin": origin.to_dict()})


def _node_titles(session: Session, versions: set[tuple[int, int]]
                 ) -> dict[tuple[int, int, str], str]:
    """(template id, version, node id) -> the node's title, for readable robot lines."""
    titles: dict[tuple[int, int, str], str] = {}
    for template_id, version in versions:
        body = session.scalar(select(TemplateVersion.body).where(
            TemplateVersion.template_id == template_id, TemplateVersion.version == version))
        for node in (body or {}).get("nodes", ()):
            if isinstance(node, dict) and node.get("title"):
                titles[(template_id, version, node.get("id"))] = str(node["title"])
    return titles


def _robot_title(titles: dict[tuple[int, int, str], str], version: tuple[int, int],
                 node: str | None) -> str | None:
    """The title of the robot a node belongs to (its action node R1 for R1_if, R1_timing...)."""
    node = node or ""
    for suffix in _ROBOT_NODE_SUFFIXES:
        if node.endswith(suffix) and (*version, node[:-len(suffix)]) in titles:
            return titles[(*version, node[:-len(suffix)])]
    return titles.get((*version, node))


def _log_item(log: InstanceLogEntry, titles: dict[tuple[int, int, str], str],
              version: tuple[int, int]) -> dict[str, Any]:
    data = {"instance_id": log.instance_id, "node": log.node, "type": log.type}
    # The instance log keeps only the message: the prefix tells a failed robot from one that ran.
    if log.message.startswith(RECOVERED_PREFIX):
        error = log.message[len(RECOVERED_PREFIX):]
        title = _robot_title(titles, version, log.node) or log.node or log.type
        return {"id": None, "at": log.at.isoformat(timespec="seconds"),
                "kind": "robot_failed", "message": f"robot {title} failed: {error}",
                "user_id": None, "trigger_id": None, "data": {**data, "error": error}}
    title = titles.get((*version, log.node)) or log.type
    return {"id": None, "at": log.at.isoformat(timespec="seconds"), "kind": "robot",
            "message": f"{title}: {log.message}", "user_id": None, "trigger_id": None,
            "data": data}


def record_history(session: Session, document_type: str, document_id: int,
                   limit: int = 500) -> list[dict[str, Any]]:
    """Every history line of a record, oldest first: our entries, robot logs, e-mails."""
    items: list[dict[str, Any]] = []
    for entry in session.scalars(select(HistoryEntry).where(
            HistoryEntry.document_type == document_type,
            HistoryEntry.document_id == document_id).order_by(HistoryEntry.id).limit(limit)):
        items.append(entry.to_dict())
    rows = session.execute(select(Instance.id, Instance.template_id, Instance.template_version)
                           .where(Instance.document_type == document_type,
                                  Instance.document_id == document_id)).all()
    instances = {row.id: (row.template_id, row.template_version) for row in rows}
    titles = _node_titles(session, set(instances.values()))
    if instances:
        for log in session.scalars(select(InstanceLogEntry).where(
                InstanceLogEntry.instance_id.in_(instances),
                InstanceLogEntry.type.not_in(_QUIET_TYPES) | InstanceLogEntry.message.startswith(
                    RECOVERED_PREFIX)).order_by(InstanceLogEntry.id).limit(limit)):
            items.append(_log_item(log, titles, instances[log.instance_id]))
        for mail in session.scalars(select(OutboxMessage).where(
                OutboxMessage.instance_id.in_(instances),
                OutboxMessage.kind == "email").order_by(OutboxMessage.id).limit(limit)):
            payload = mail.payload or {}
            to = ", ".join(str(x) for x in payload.get("to") or [])
            items.append({"id": None, "at": mail.created_at.isoformat(timespec="seconds"),
                          "kind": "email",
                          "message": f"e-mail to {to}: {payload.get('subject', '')} "
                                     f"({mail.state})",
                          "user_id": None, "trigger_id": None,
                          "data": {"outbox_id": mail.id, "state": mail.state,
                                   "instance_id": mail.instance_id}})
    items.sort(key=lambda item: item["at"])
    return items[-limit:]
