"""The configuration change token: one row that database triggers renew on every change of
the configuration the record service reads on each write (see services/config_cache)."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ConfigState(Base):
    """Row 1 holds `token`: a new random value whenever a configuration table changes."""

    __tablename__ = "config_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)
