"""Every model module, imported so that `Base.metadata` (and Alembic) sees all tables.

Add your model module to the import line below (one-line edit).
"""

from app.models import automation, config, invoices, processes, records, tasks, users  # noqa: F401
from app.models.base import Base

__all__ = ["Base"]
