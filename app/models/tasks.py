"""Human tasks: one row per person asked by approve / request_info, or a create_task to-do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

TASK_KINDS = ("approve", "request_info", "todo")
# open: waiting for its user; completed: the user answered; closed: decided without this
# user (another approver was enough, or a timeout); cancelled: the instance ended.
TASK_STATUSES = ("open", "completed", "closed", "cancelled")
DECISIONS = ("approved", "rejected")


class Task(Base):
    """One person's part of a human task.

    An approval asked of three people is three rows sharing `wait_id`; the wait is decided
    from their votes (any / all / percent). A `todo` task (the create_task block) has no wait:
    completing it resumes nothing.
    """

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), default=None, index=True)
    wait_id: Mapped[int | None] = mapped_column(
        ForeignKey("waits.id", ondelete="CASCADE"), default=None, index=True)
    node: Mapped[str | None] = mapped_column(String(64), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # request_info: the form, [{id, title, type, required, multiple, options}]
    fields: Mapped[list[Any]] = mapped_column(default=list)
    document_type: Mapped[str | None] = mapped_column(String(16), default=None)
    document_id: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="open")
    decision: Mapped[str | None] = mapped_column(String(16), default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deadline: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_tasks_user_id_status", "user_id", "status"),)
