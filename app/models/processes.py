"""Business processes: templates and their versions, instances, their log, waits and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

INSTANCE_STATUSES = ("running", "waiting", "completed", "terminated", "failed")
FINISHED_STATUSES = ("completed", "terminated", "failed")
OUTBOX_KINDS = ("email", "webhook", "notify")
OUTBOX_STATES = ("pending", "sending", "sent", "failed", "undeliverable")


class Template(Base):
    """A business-process template; its JSON lives in TemplateVersion, one row per save."""

    __tablename__ = "templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    document_type: Mapped[str] = mapped_column(String(16), index=True)
    auto_start: Mapped[list[Any]] = mapped_column(default=list)   # subset of create/update
    enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)      # the current version
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Deleting hides the template but keeps its versions: running instances go on to their end.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class TemplateVersion(Base):
    """One saved version of a template: the bizflow.template/1 JSON, never changed again."""

    __tablename__ = "template_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("template_id", "version",
                                       name="uq_template_versions_template_id_version"),)


class Instance(Base):
    """One run of one template version on one document."""

    __tablename__ = "instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    template_version: Mapped[int] = mapped_column(Integer)
    document_type: Mapped[str] = mapped_column(String(16))
    # No foreign key: the instance (and its log) outlives a deleted record.
    document_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="running")
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    current_nodes: Mapped[list[Any]] = mapped_column(default=list)
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    started_by: Mapped[int | None] = mapped_column(Integer, default=None)
    # Committed run steps; the step number is part of each outbox message's idempotency key.
    steps: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic locking: two workers resuming the same instance cannot both commit a step.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_instances_document", "document_type", "document_id"),
        Index("ix_instances_template_id", "template_id"),
        Index("ix_instances_status", "status"),
    )
    __mapper_args__ = {"version_id_col": lock_version}


class InstanceLogEntry(Base):
    """One block executed by an instance: `{at, node, type, message}` (SPEC 4)."""

    __tablename__ = "instance_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    node: Mapped[str | None] = mapped_column(String(64), default=None)
    type: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")


class Wait(Base):
    """A token of an instance waiting for the world: a timer, a task, a webhook, a child.

    `kind` and `request` are the interpreter's wait as it returned it; `due_at` is set for
    anything a periodic job must pick up when the time comes (timers, task timeouts).
    """

    __tablename__ = "waits"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64))
    node: Mapped[str | None] = mapped_column(String(64), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    request: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    state: Mapped[str] = mapped_column(String(16), default="open")   # open/answered/cancelled
    response: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_waits_kind_state_due_at", "kind", "state", "due_at"),)


class OutboxMessage(Base):
    """A message a run step decided to send, delivered later by a worker (at most once)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instances.id", ondelete="SET NULL"), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column()
    # "<instance id>:<step seq>:<index in the step>": one message per effect of one step.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),)
