"""First start and every start: migrate the database, create the admin, seed default data."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from flask import Flask
from sqlalchemy.orm import Session

from app.db import get_engine, transaction
from app.migrations import upgrade_database
from app.services.users import FirstStart, ensure_admin

# "module:function" of seeders run in one transaction at every start; each must be
# idempotent (e.g. the default lead statuses and deal pipeline). One line per seeder.
SEEDERS: list[str] = [
    "app.services.pipelines:seed_default_pipelines",
]


def _seeder(name: str) -> Callable[[Session], None]:
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def prepare(app: Flask) -> FirstStart:
    """Bring the database to the current schema, ensure the admin and the default data."""
    upgrade_database(get_engine(app))
    with app.app_context(), transaction(app) as session:
        first = ensure_admin(session, app.config.get("ADMIN_PASSWORD"),
                             app.config.get("API_TOKEN"))
        for name in SEEDERS:
            _seeder(name)(session)
    return first
