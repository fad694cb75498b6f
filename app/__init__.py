"""Bizflow's host application. Importing the package stays cheap so that offline commands
(`bizflow validate`, `bizflow run`) start without loading Flask extensions or the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """A configured app: settings from the environment, overridden by `config` (tests)."""
    from app.factory import create_app as build

    return build(config)
