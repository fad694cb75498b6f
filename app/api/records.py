"""REST endpoints of the five record collections: /leads /contacts /companies /deals /documents."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request, send_file
from werkzeug.datastructures import FileStorage

from app.api.errors import ApiError, json_body
from app.api.openapi import operation
from app.api.paging import PAGING_PARAMS, page, paging_parameters
from app.api.record_schemas import fields_input_schema, record_list_schema, record_schema
from app.auth import login_required, require_user
from app.db import read_transaction, transaction
from app.models.records import Record
from app.realtime import publish
from app.services import documents_files
from app.services.record_events import Origin
from app.services.records import (
    COLLECTIONS,
    create_record,
    delete_record,
    fields_of,
    list_records,
    require_record,
    update_record,
)

bp = Blueprint("records", __name__)


def record_to_api(record: Record, codes: list[str], with_started: bool = False
                  ) -> dict[str, Any]:
    """A record as the API returns it: every field of its type in `codes`, null when unset."""
    values = record.to_fields()
    fields = {code: values.get(code) for code in codes}
    body = {"id": record.id, "type": record.document_type, "fields": fields}
    if with_started:
        body["started_instances"] = list(record.started_instances)
    return body


def _fields_from_body() -> dict[str, Any]:
    body = json_body()
    unknown = set(body) - {"fields"}
    if unknown:
        raise ApiError(400, "unknown_property",
                       f"unknown properties {sorted(unknown)}; send {{\"fields\": {{...}}}}")
    fields = body.get("fields", {})
    if not isinstance(fields, dict):
        raise ApiError(400, "invalid_fields", "'fields' must be an object of FIELD_CODE: value")
    return fields


def _fields_from_form() -> dict[str, Any]:
    raw = request.form.get("fields")
    fields: Any = {}
    if raw:
        try:
            fields = current_app.json.loads(raw)  # strict: never a RecursionError
        except ValueError:
            raise ApiError(400, "bad_json", "the form part 'fields' is not valid JSON") from None
        if not isinstance(fields, dict):
            raise ApiError(400, "invalid_fields", "'fields' must be a JSON object")
    for key, value in request.form.items():
        if key != "fields":
            fields.setdefault(key, value)
    return fields


def _publish(event: str, record: Record) -> None:
    publish(event, {"type": record.document_type, "id": record.id})


def _create(document_type: str) -> tuple[dict[str, Any], int]:
    user = require_user()
    origin = Origin.user(user.id)
    if document_type == "document" and request.mimetype == "multipart/form-data":
        return _create_document_upload(user.id, origin)
    fields = _fields_from_body()
    with transaction() as session:
        record = create_record(session, document_type, fields, user.id, origin)
        codes = list(fields_of(session, document_type))
    _publish("record.created", record)
    return record_to_api(record, codes, with_started=True), 201


def _create_document_upload(user_id: int, origin: Origin) -> tuple[dict[str, Any], int]:
    upload: FileStorage | None = request.files.get("file")
    fields = _fields_from_form()
    if upload is None:
        raise ApiError(400, "missing_file", "file: a multipart part named 'file' is required",
                       [{"field": "file"}])
    directory = documents_files.files_dir(current_app.config)
    stored = documents_files.store_file(directory, upload.stream, upload.filename,
                                        upload.mimetype, current_app.config["MAX_UPLOAD_BYTES"])
    try:
        with transaction() as session:
            record = documents_files.create_document(session, fields, stored, user_id, origin)
            codes = list(fields_of(session, "document"))
    except BaseException:
        documents_files.remove_stored(directory, stored.storage_name)
        raise
    _publish("record.created", record)
    return record_to_api(record, codes, with_started=True), 201


def _list(document_type: str) -> dict[str, Any]:
    limit, offset = page()
    filters = {key: value for key, value in request.args.items()
               if key not in PAGING_PARAMS}
    with read_transaction() as session:
        items, total = list_records(session, document_type, filters, limit, offset)
        codes = list(fields_of(session, document_type))
        return {"items": [record_to_api(item, codes) for item in items], "total": total}


def _get(document_type: str, record_id: int) -> dict[str, Any]:
    with read_transaction() as session:
        record = require_record(session, document_type, record_id)
        return record_to_api(record, list(fields_of(session, document_type)))


def _patch(document_type: str, record_id: int) -> dict[str, Any]:
    user = require_user()
    fields = _fields_from_body()
    with transaction() as session:
        record = require_record(session, document_type, record_id, for_update=True)
        changes = update_record(session, record, fields, user.id, Origin.user(user.id))
        codes = list(fields_of(session, document_type))
    if changes:
        _publish("record.updated", record)
    return record_to_api(record, codes, with_started=True)


def _delete(document_type: str, record_id: int) -> tuple[str, int]:
    user = require_user()
    storage_name = None
    with transaction() as session:
        record = require_record(session, document_type, record_id, for_update=True)
        stored = documents_files.document_file(session, record.id)
        storage_name = stored.storage_name if stored is not None else None
        delete_record(session, record, user.id, Origin.user(user.id))
    if storage_name is not None:
        documents_files.remove_stored(documents_files.files_dir(current_app.config),
                                      storage_name)
    publish("record.deleted", {"type": document_type, "id": record_id})
    return "", 204


def _register(collection: str, document_type: str) -> None:
    title = document_type.capitalize()
    tags = [collection]
    item_rule = f"/{collection}/<int:record_id>"
    defaults = {"document_type": document_type}
    body = {"type": "object", "additionalProperties": False,
            "properties": {"fields": fields_input_schema(document_type)}}
    create_content = {"application/json": {"schema": body}}
    if document_type == "document":
        create_content["multipart/form-data"] = {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"},
                           "fields": {"type": "string",
                                      "description": "JSON object of FIELD_CODE: value"}}}}
    filters = paging_parameters()
    views = {
        "create": (f"/{collection}", ["POST"], _create, operation(
            f"Create a {document_type}", tags=tags, request_content=create_content,
            responses={201: record_schema(document_type, with_started=True)})),
        "list": (f"/{collection}", ["GET"], _list, operation(
            f"List {collection} (?FIELD=value filters, limit, offset)", tags=tags,
            parameters=filters, responses={200: record_list_schema(document_type)})),
        "get": (item_rule, ["GET"], _get, operation(
            f"{title} by id", tags=tags, responses={200: record_schema(document_type)})),
        "patch": (item_rule, ["PATCH"], _patch, operation(
            f"Change some fields of a {document_type}", tags=tags, request=body,
            responses={200: record_schema(document_type, with_started=True)})),
        "delete": (item_rule, ["DELETE"], _delete, operation(
            f"Delete a {document_type}", tags=tags, responses={204: None})),
    }
    for action, (rule, methods, handler, declare) in views.items():
        view = declare(login_required(_bind(handler)))
        view.__name__ = f"{collection}_{action}"
        bp.add_url_rule(rule, endpoint=f"{collection}_{action}", view_func=view,
                        methods=methods, defaults=defaults)


def _bind(handler: Any) -> Any:
    # A distinct function per route, so each carries its own OpenAPI declaration.
    def view(**kwargs: Any) -> Any:
        return handler(**kwargs)

    return view


for _collection, _document_type in COLLECTIONS.items():
    _register(_collection, _document_type)


@bp.get("/documents/<int:record_id>/content")
@operation("The stored file of a library document", tags=["documents"],
           raw_responses={"200": {"description": "the file",
                                  "content": {"application/octet-stream": {
                                      "schema": {"type": "string", "format": "binary"}}}}})
@login_required
def document_content(record_id: int):
    with read_transaction() as session:
        require_record(session, "document", record_id)
        stored = documents_files.document_file(session, record_id)
    if stored is None:
        raise ApiError(404, "no_file", f"document {record_id} has no stored file")
    path = documents_files.stored_path(documents_files.files_dir(current_app.config),
                                       stored.storage_name)
    if not path.exists():
        raise ApiError(404, "no_file", f"the file of document {record_id} is missing on disk")
    response = send_file(path, mimetype=stored.mime_type, as_attachment=True,
                         download_name=stored.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
