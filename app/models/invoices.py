"""Invoices and quotes of a deal: small items that belong to one deal (not a document type)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

KINDS = ("invoice", "quote")
STATUSES = {"invoice": ("draft", "sent", "paid", "cancelled"),
            "quote": ("draft", "sent", "accepted", "declined")}


class Invoice(Base):
    """An invoice or a quote (`kind`) of one deal; paying an invoice fires `invoice.paid`."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(32), default="")   # INV-00001 / Q-00001
    title: Mapped[str] = mapped_column(String(255), default="")
    amount: Mapped[float] = mapped_column(Numeric(18, 2, asdecimal=False), default=0)
    currency: Mapped[str] = mapped_column(String(3), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_invoices_deal_id_kind", "deal_id", "kind"),)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "deal_id": self.deal_id, "kind": self.kind,
                "number": self.number, "title": self.title, "amount": self.amount,
                "currency": self.currency, "status": self.status,
                "created_by_id": self.created_by_id,
                "created_at": self.created_at.isoformat(timespec="seconds"),
                "updated_at": self.updated_at.isoformat(timespec="seconds"),
                "paid_at": self.paid_at.isoformat(timespec="seconds") if self.paid_at else None}
