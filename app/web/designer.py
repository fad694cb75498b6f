"""The designer's pages (template list, canvas, instance view), its static files and live watch."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, send_from_directory
from flask.blueprints import BlueprintSetupState
from flask_socketio import join_room, leave_room

from app.api.openapi import API_PREFIX
from app.auth import current_user, login_required
from app.realtime import on_event
from app.web import es_bundle
from app.web.es_bundle import Bundle
from interpreter.fields import DOCUMENT_TYPES

STATIC_DIR = Path(__file__).resolve().parents[2] / "designer_static"

# ES modules must be served with a JavaScript MIME type whatever the host's mime.types says.
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/css", ".css")

bp = Blueprint("designer", __name__, template_folder="templates")


PAGES = {"designer": "js/designer.js", "instance": "js/instance.js", "list": "js/list.js"}
_bundles: dict[str, tuple[tuple[int, ...], Bundle]] = {}


def _bundle(page: str) -> Bundle:
    """The page's modules as one (rebuilt when a module changed on disk)."""
    files = sorted((STATIC_DIR / "js").rglob("*.js"))
    signature = tuple(f.stat().st_mtime_ns for f in files) + (len(files),)
    cached = _bundles.get(page)
    if cached is None or cached[0] != signature:
        cached = (signature, es_bundle.build(STATIC_DIR, PAGES[page], "/designer/static/"))
        _bundles[page] = cached
    return cached[1]


@bp.context_processor
def _page_script() -> dict[str, Any]:
    return {"bundle": _bundle}


@bp.get("/designer/bundle/<page>.js")
def bundle(page: str):
    """A designer page's script: its modules joined into one (see app/web/es_bundle.py)."""
    if page not in PAGES:
        abort(404)
    built = _bundle(page)
    response = Response(built.text, mimetype="text/javascript")
    response.set_etag(built.etag)
    response.cache_control.max_age = 300
    return response.make_conditional(request)


@bp.get("/designer/static/<path:filename>")
def static_file(filename: str):
    if filename.startswith("vendor-src/"):
        abort(404)
    return send_from_directory(STATIC_DIR, filename, max_age=300)


@bp.get("/designer/")
@login_required
def template_list():
    return render_template("designer/list.html", user=current_user(), document_types=DOCUMENT_TYPES)


@bp.get("/designer/new")
@login_required
def new_template():
    document_type = request.args.get("document_type", "lead")
    if document_type not in DOCUMENT_TYPES:
        abort(400, description=f"document_type must be one of {', '.join(DOCUMENT_TYPES)}")
    return _canvas(None, document_type)


@bp.get("/designer/<int:template_id>")
@login_required
def edit_template(template_id: int):
    return _canvas(template_id, "")


@bp.get("/designer/instances/<int:instance_id>")
@login_required
def watch_instance(instance_id: int):
    return render_template("designer/instance.html", user=current_user(), instance_id=instance_id)


def _canvas(template_id: int | None, document_type: str):
    # What the canvas opens with is requested by the page itself before its modules have loaded.
    prefetch = [f"{API_PREFIX}/block-types"]
    if template_id is not None:
        prefetch.append(f"{API_PREFIX}/templates/{template_id}")
    return render_template("designer/canvas.html", user=current_user(), template_id=template_id,
                           document_type=document_type, prefetch=prefetch)


def on_watch_instance(data: Any) -> dict[str, Any]:
    """Join the room `instance:<id>` that app.services.instances publishes progress to."""
    if current_user() is None:
        return {"ok": False, "error": "authentication required"}
    instance_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(instance_id, int) or isinstance(instance_id, bool):
        return {"ok": False, "error": "id must be an instance id (an integer)"}
    join_room(f"instance:{instance_id}")
    return {"ok": True}


def on_unwatch_instance(data: Any) -> dict[str, Any]:
    instance_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(instance_id, int):
        leave_room(f"instance:{instance_id}")
    return {"ok": True}


@bp.record
def _register_socket_events(state: BlueprintSetupState) -> None:
    on_event(state.app, "watch_instance", on_watch_instance)
    on_event(state.app, "unwatch_instance", on_unwatch_instance)
