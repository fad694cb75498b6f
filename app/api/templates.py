"""REST endpoints of templates: CRUD with versions, validate, import/export, preview, start."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, request

from app.api.errors import ApiError, json_body
from app.api.openapi import operation, query_param
from app.auth import login_required, require_automation, require_user
from app.db import read_transaction, transaction
from app.models.users import User
from app.services import autostart  # noqa: F401  (registers the auto-start listeners)
from app.services import templates as service
from app.services.instances import check_parameters, instance_to_dict, start_instance
from app.services.records import require_record
from interpreter.fields import DOCUMENT_TYPES
from templates_bp import list_builtin_templates

bp = Blueprint("templates", __name__)
TAGS = ["templates"]

TEMPLATE_JSON = {"type": "object", "description": "a bizflow.template/1 template (SPEC 3)"}
ERRORS = {"type": "array", "items": {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string"},
    "node": {"type": ["string", "null"]}, "path": {"type": ["string", "null"]}}}}
SUMMARY = {"type": "object", "required": ["id", "name", "document_type", "auto_start",
                                          "enabled", "version", "updated_at"],
           "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                          "document_type": {"type": "string", "enum": list(DOCUMENT_TYPES)},
                          "auto_start": {"type": "array", "items": {"type": "string"}},
                          "enabled": {"type": "boolean"}, "version": {"type": "integer"},
                          "updated_at": {"type": "string"}}}
DETAIL = {"type": "object", "required": ["id", "version", "enabled", "template"],
          "properties": {"id": {"type": "integer"}, "version": {"type": "integer"},
                         "enabled": {"type": "boolean"}, "template": TEMPLATE_JSON}}
CREATED = {"type": "object", "required": ["id", "version"],
           "properties": {"id": {"type": "integer"}, "version": {"type": "integer"}}}
INSTANCE = {"type": "object", "required": [
    "id", "template_id", "template_version", "document_type", "document_id", "status",
    "current_nodes", "variables", "error", "started_at", "finished_at", "log"]}


def _require_edit(body: Any) -> User:
    """Editing needs `update` on the template's type (admin has it on every type)."""
    user = require_user()
    document_type = body.get("document_type") if isinstance(body, dict) else None
    if document_type in DOCUMENT_TYPES:
        return require_automation(document_type, "update")
    if not user.is_admin and not any(user.automation_right(kind) == "update"
                                     for kind in DOCUMENT_TYPES):
        raise ApiError(403, "forbidden", "this needs the automation 'update' right")
    return user


def _detail(session: Any, template: Any) -> dict[str, Any]:
    return {"id": template.id, "version": template.version, "enabled": template.enabled,
            "template": service.template_body(session, template)}


@bp.get("/templates")
@operation("List templates", tags=TAGS, parameters=[query_param(
    "document_type", {"type": "string", "enum": list(DOCUMENT_TYPES)})],
    responses={200: {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": SUMMARY}, "total": {"type": "integer"}}}})
@login_required
def list_templates():
    user = require_user()
    document_type = request.args.get("document_type") or None
    if document_type is not None and document_type not in DOCUMENT_TYPES:
        raise ApiError(400, "invalid_parameter", f"document_type: one of "
                       f"{', '.join(DOCUMENT_TYPES)}", [{"parameter": "document_type"}])
    with read_transaction() as session:
        items = [service.summary(template)
                 for template in service.list_templates(session, document_type)
                 if user.automation_right(template.document_type) is not None]
    return {"items": items, "total": len(items)}


@bp.post("/templates")
@operation("Create a template (starts enabled)", tags=TAGS, request=TEMPLATE_JSON,
           responses={201: CREATED})
@login_required
def create_template():
    body = json_body()
    user = _require_edit(body)
    with transaction() as session:
        template = service.create_template(session, body, user.id)
    return {"id": template.id, "version": template.version}, 201


@bp.get("/templates/gallery")
@operation("Built-in templates (templates_bp/) for the designer's gallery", tags=TAGS,
           responses={200: {"type": "object", "required": ["items"]}})
@login_required
def gallery():
    items = []
    for entry in list_builtin_templates():
        body = entry["template"]
        items.append({"key": entry["key"], "name": body.get("name"),
                      "description": body.get("description", ""),
                      "document_type": body.get("document_type"),
                      "auto_start": body.get("auto_start", []), "template": body})
    return {"items": items}


@bp.post("/templates/validate")
@operation("Validate a template without saving it", tags=TAGS, request=TEMPLATE_JSON,
           responses={200: {"type": "object", "required": ["valid", "errors"], "properties": {
               "valid": {"type": "boolean"}, "errors": ERRORS}}})
@login_required
def validate_template():
    body = json_body()
    with read_transaction() as session:
        errors = service.validation_errors(session, body)
    return {"valid": not errors, "errors": errors}


@bp.post("/templates/import")
@operation("Import a template (JSON body or multipart `file`); it starts enabled", tags=TAGS,
           request_content={
               "application/json": {"schema": TEMPLATE_JSON},
               "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                  "properties": {"file": {
                                                      "type": "string",
                                                      "format": "binary"}}}}},
           responses={201: CREATED})
@login_required
def import_template():
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(400, "missing_file", "file: a multipart part named 'file' is "
                           "required", [{"field": "file"}])
        raw = upload.read(service.MAX_TEMPLATE_BYTES + 1)
        if len(raw) > service.MAX_TEMPLATE_BYTES:
            raise ApiError(400, "template_too_large", "the file is larger than 1 MiB",
                           [{"field": "file"}])
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ApiError(400, "bad_json", f"file: not a JSON document ({error})",
                           [{"field": "file"}]) from None
    else:
        body = json_body()
    user = _require_edit(body)
    with transaction() as session:
        template = service.create_template(session, body, user.id)
    return {"id": template.id, "version": template.version}, 201


@bp.post("/templates/preview")
@operation("Dry run of a template on a posted document (nothing is stored or sent)", tags=TAGS,
           request={"type": "object", "required": ["template"], "properties": {
               "template": TEMPLATE_JSON,
               "document": {"type": "object", "properties": {
                   "type": {"type": "string"}, "fields": {"type": "object"}}},
               "parameters": {"type": "object"}}},
           responses={200: {"type": "object", "required": ["status", "document", "changes",
                                                           "emails", "log", "error"]}})
@login_required
def preview_template():
    body = json_body()
    template = body.get("template")
    document_type = template.get("document_type") if isinstance(template, dict) else None
    if document_type in DOCUMENT_TYPES:
        require_automation(document_type, "read")
    with read_transaction() as session:
        return service.preview(session, body)


@bp.get("/templates/<int:template_id>")
@operation("One template: its current version's JSON", tags=TAGS, responses={200: DETAIL})
@login_required
def get_template(template_id: int):
    with read_transaction() as session:
        template = service.get_template(session, template_id)
        require_automation(template.document_type, "read")
        return _detail(session, template)


@bp.put("/templates/<int:template_id>")
@operation("Save a new version (409 when `version` is not the current one)", tags=TAGS,
           request={"type": "object", "required": ["version", "template"], "properties": {
               "version": {"type": "integer"}, "template": TEMPLATE_JSON}},
           responses={200: DETAIL})
@login_required
def save_template(template_id: int):
    body = json_body()
    if "template" not in body:
        raise ApiError(400, "missing_template", "template: the template JSON is required",
                       [{"field": "template"}])
    with transaction() as session:
        template = service.get_template(session, template_id)
        user = require_automation(template.document_type, "update")
        _require_edit(body["template"])
        service.save_template(session, template, body.get("version"), body["template"],
                              user.id)
        return _detail(session, template)


@bp.patch("/templates/<int:template_id>")
@operation("Enable or disable a template", tags=TAGS,
           request={"type": "object", "required": ["enabled"],
                    "properties": {"enabled": {"type": "boolean"}}},
           responses={200: DETAIL})
@login_required
def patch_template(template_id: int):
    body = json_body()
    unknown = set(body) - {"enabled"}
    if unknown or "enabled" not in body:
        raise ApiError(400, "invalid_body", "send {\"enabled\": true|false}",
                       [{"field": name} for name in sorted(unknown)] or [{"field": "enabled"}])
    with transaction() as session:
        template = service.get_template(session, template_id)
        require_automation(template.document_type, "update")
        service.set_enabled(session, template, body["enabled"])
        return _detail(session, template)


@bp.delete("/templates/<int:template_id>")
@operation("Delete a template (running instances go on to their end)", tags=TAGS,
           responses={204: None})
@login_required
def delete_template(template_id: int):
    with transaction() as session:
        template = service.get_template(session, template_id)
        require_automation(template.document_type, "update")
        service.delete_template(session, template)
    return "", 204


def _file_name(name: str, template_id: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:60]
    return f"{slug or 'template'}-{template_id}.json"


@bp.get("/templates/<int:template_id>/export")
@operation("The template JSON as an attachment", tags=TAGS,
           raw_responses={"200": {"description": "bizflow.template/1 JSON file",
                                  "content": {"application/json": {"schema": TEMPLATE_JSON}}}})
@login_required
def export_template(template_id: int):
    with read_transaction() as session:
        template = service.get_template(session, template_id)
        require_automation(template.document_type, "read")
        body = service.template_body(session, template)
    response = Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n",
                        mimetype="application/json")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{_file_name(template.name, template.id)}"'
    return response


@bp.get("/templates/<int:template_id>/versions")
@operation("Saved versions, newest first", tags=TAGS,
           responses={200: {"type": "object", "required": ["items"]}})
@login_required
def template_versions(template_id: int):
    with read_transaction() as session:
        template = service.get_template(session, template_id)
        require_automation(template.document_type, "read")
        return {"items": service.list_versions(session, template)}


@bp.post("/templates/<int:template_id>/start")
@operation("Start an instance on a document", tags=TAGS,
           request={"type": "object", "required": ["document_id"], "properties": {
               "document_id": {"type": "integer"}, "parameters": {"type": "object"}}},
           responses={201: INSTANCE})
@login_required
def start_template(template_id: int):
    body = json_body()
    document_id = body.get("document_id")
    if isinstance(document_id, str) and document_id.strip().isdigit():
        document_id = int(document_id)
    if isinstance(document_id, bool) or not isinstance(document_id, int) \
            or not 0 < document_id < 2**63:
        raise ApiError(400, "invalid_document_id", "document_id: an integer record id is "
                       "required", [{"field": "document_id"}])
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise ApiError(400, "invalid_parameters", "parameters: must be an object",
                       [{"field": "parameters"}])
    with transaction() as session:
        template = service.get_template(session, template_id)
        user = require_automation(template.document_type, "read")
        if not template.enabled:
            raise ApiError(409, "template_disabled",
                           f"template {template.id} is disabled; enable it first")
        record = require_record(session, template.document_type, document_id, for_update=True)
        checked = check_parameters(session, template, parameters)
        instance = start_instance(session, template, record, checked, user.id)
        result = instance_to_dict(session, instance)
    return result, 201
