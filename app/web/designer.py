"""The designer's pages (template list, canvas, instance view), its static files and live watch."""

from __future__ import annotations

import functools
import mimetypes
import posixpath
import re
from pathlib import Path, PurePosixPath
from typing import Any

from flask import Blueprint, abort, render_template, request, send_from_directory
from flask_socketio import join_room, leave_room

from app.api.openapi import API_PREFIX
from app.auth import current_user, login_required
from app.realtime import socketio
from interpreter.fields import DOCUMENT_TYPES

STATIC_DIR = Path(__file__).resolve().parents[2] / "designer_static"

# ES modules must be served with a JavaScript MIME type whatever the host's mime.types says.
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/css", ".css")

bp = Blueprint("designer", __name__, template_folder="templates")


IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}/[^'"]+)['"]""", re.M)


@functools.cache
def _module_paths(entry: str) -> tuple[str, ...]:
    """The ES modules `entry` (a path under designer_static) imports, directly or not, itself
    included: preloaded so the browser fetches them in parallel instead of discovering them one
    import level at a time (and nothing another page needs)."""
    found: list[str] = []
    queue = [entry]
    while queue:
        path = queue.pop()
        if path in found:
            continue
        found.append(path)
        source = (STATIC_DIR / path).read_text(encoding="utf-8")
        folder = PurePosixPath(path).parent
        queue.extend(posixpath.normpath(str(folder / spec)) for spec in IMPORT.findall(source))
    return tuple(sorted(found, key=lambda p: (not p.startswith("vendor/"), p)))


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
    return render_template("designer/instance.html", user=current_user(), instance_id=instance_id,
                           designer_modules=_module_paths("js/instance.js"))


def _canvas(template_id: int | None, document_type: str):
    # What the canvas opens with is requested by the page itself before its modules have loaded.
    prefetch = [f"{API_PREFIX}/block-types"]
    if template_id is not None:
        prefetch.append(f"{API_PREFIX}/templates/{template_id}")
    return render_template("designer/canvas.html", user=current_user(), template_id=template_id,
                           document_type=document_type, prefetch=prefetch,
                           designer_modules=_module_paths("js/designer.js"))


@socketio.on("watch_instance")
def on_watch_instance(data: Any) -> dict[str, Any]:
    """Join the room `instance:<id>` that app.services.instances publishes progress to."""
    if current_user() is None:
        return {"ok": False, "error": "authentication required"}
    instance_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(instance_id, int) or isinstance(instance_id, bool):
        return {"ok": False, "error": "id must be an instance id (an integer)"}
    join_room(f"instance:{instance_id}")
    return {"ok": True}


@socketio.on("unwatch_instance")
def on_unwatch_instance(data: Any) -> dict[str, Any]:
    instance_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(instance_id, int):
        leave_room(f"instance:{instance_id}")
    return {"ok": True}
