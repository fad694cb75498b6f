"""The Bizflow Flask application factory: configuration, extensions, blueprints."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, request

from app import db, realtime
from app.api import API_BLUEPRINTS
from app.api.errors import register_error_handlers
from app.api.json_provider import StrictJSONProvider
from app.api.openapi import API_PREFIX
from app.config import load_config
from app.web import WEB_BLUEPRINTS


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """A configured app: settings from the environment, overridden by `config` (tests)."""
    app = Flask(__name__, instance_relative_config=True,
                instance_path=str(Path.cwd() / "instance"))
    app.config.update(load_config(app.instance_path))
    app.config.update(config or {})
    app.config.update(
        MAX_CONTENT_LENGTH=app.config["MAX_UPLOAD_BYTES"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
    )
    app.json = StrictJSONProvider(app)
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.config["DATABASE_URL"][len("sqlite:///"):]).parent.mkdir(
            parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO)

    db.init_app(app)
    realtime.init_app(app)
    register_error_handlers(app)

    @app.before_request
    def _limit_body_size() -> None:
        # Uploads may be large; everything else is JSON or a form and stays small.
        if request.mimetype != "multipart/form-data":
            request.max_content_length = app.config["MAX_JSON_BYTES"]

    for name in API_BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp, url_prefix=API_PREFIX)
    for name in WEB_BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    return app
