"""CRM records of the five document types, their custom UF_ field definitions, stored files."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class Record(Base):
    """One lead, contact, company, deal or library document.

    One shared table: the system fields are columns, every other field value lives in the
    JSON `fields` column in its canonical form (interpreter.fields.coerce_value). One insert
    per record keeps creation fast, and `?FIELD=value` filters are JSON path comparisons.
    """

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    modified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # Optimistic check on every UPDATE: a concurrent lost update becomes an error, not a loss.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_records_document_type_id", "document_type", "id"),)
    __mapper_args__ = {"version_id_col": version}

    # Ids of the instances the last create/update of this object started (not stored).
    started_instances: ClassVar[list[int]] = []

    def to_fields(self) -> dict[str, Any]:
        """Every field value, system fields included, as the API returns them."""
        return {
            "ID": self.id,
            **self.fields,
            "DATE_CREATE": self.created_at.isoformat(timespec="seconds"),
            "DATE_MODIFY": self.modified_at.isoformat(timespec="seconds"),
            "CREATED_BY_ID": self.created_by_id,
            "MODIFY_BY_ID": self.modified_by_id,
        }


class CustomField(Base):
    """A `UF_` field added to a document type through the API or the UI."""

    __tablename__ = "custom_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(255))
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[list[Any]] = mapped_column(default=list)   # [[id, title], ...]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("document_type", "code",
                                       name="uq_custom_fields_document_type_code"),)


class DocumentFile(Base):
    """The stored file of a library document; the bytes live on disk under the instance folder."""

    __tablename__ = "document_files"

    record_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)  # random, never user input
    filename: Mapped[str] = mapped_column(String(255))                   # sanitised original name
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
