"""Pipelines and their stages, robots per stage, triggers, stage-robot runs and record history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class Pipeline(Base):
    """A pipeline of one document type: leads have one (category 0), deals one per category."""

    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(255))
    sort: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("document_type", "category_id",
                                       name="uq_pipelines_document_type_category_id"),)


class PipelineStage(Base):
    """One stage (lead status, deal stage); `stage_id` is unique within its document type."""

    __tablename__ = "pipeline_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(Integer, default=0)
    stage_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    semantics: Mapped[str] = mapped_column(String(16), default="process")

    __table_args__ = (UniqueConstraint("document_type", "stage_id",
                                       name="uq_pipeline_stages_document_type_stage_id"),)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.stage_id, "name": self.name, "sort": self.sort,
                "semantics": self.semantics}


class StageRobots(Base):
    """The robot list of one stage, replaced as a whole and version-checked (SPEC 7)."""

    __tablename__ = "stage_robots"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    stage_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    robots: Mapped[list[Any]] = mapped_column(default=list)
    # The stored template the robots compile into (a processes-side template row), so that
    # stage robots run through the same instances, timers and outbox as any template.
    template_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # The template version the robots last compiled into: a newer current version was saved
    # from the designer ("edited in designer"), and the stage runs that version.
    template_version: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("document_type", "stage_id",
                                       name="uq_stage_robots_document_type_stage_id"),)


class Trigger(Base):
    """A customer-side event bound to a stage: when it happens the record moves there (SPEC 8)."""

    __tablename__ = "automation_triggers"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(64))
    stage_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255), default="")
    allow_backwards: Mapped[bool] = mapped_column(Boolean, default=False)
    act_as: Mapped[int | None] = mapped_column(Integer, default=None)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    condition: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # Secret of an inbound webhook trigger (only `webhook` triggers have one).
    token: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_automation_triggers_type_event", "document_type", "event"),)


class AppTrigger(Base):
    """An application trigger `app.<code>` registered through the API."""

    __tablename__ = "app_triggers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StageRobotRun(Base):
    """The robots instance started when a record entered a stage; cancelled when it leaves."""

    __tablename__ = "stage_robot_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[int] = mapped_column(Integer)
    stage_id: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running/cancelled
    started_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_stage_robot_runs_document", "document_type", "document_id"),)


class HistoryEntry(Base):
    """One line of a record's history: a stage change (who or which trigger), a robot note."""

    __tablename__ = "record_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    trigger_id: Mapped[int | None] = mapped_column(Integer, default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_record_history_document", "document_type", "document_id"),)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(timespec="seconds"), "kind": self.kind,
                "message": self.message, "user_id": self.user_id,
                "trigger_id": self.trigger_id, "data": self.data}
