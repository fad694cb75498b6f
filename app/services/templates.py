"""Templates: create, save as a new version, enable, delete, validate, preview; compiled cache."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.models.base import utcnow
from app.models.processes import Template, TemplateVersion
from app.services.records import custom_fields
from interpreter import TemplateError, load_template, run
from interpreter.fields import DOCUMENT_TYPES

MAX_TEMPLATE_BYTES = 1024 * 1024
CACHE_SIZE = 512

# One cache per database engine: template ids are only unique within one database.
_caches: WeakKeyDictionary[Engine, OrderedDict[tuple[int, int], Any]] = WeakKeyDictionary()
_cache_lock = threading.Lock()


def _cache_of(session: Session) -> OrderedDict[tuple[int, int], Any]:
    bind = session.get_bind()
    engine = getattr(bind, "_proxied", bind)   # read sessions use an options view of it
    with _cache_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = OrderedDict()
        return cache


# --- loading and validation ---------------------------------------------------------------

def _custom_fields_for(session: Session, body: Any) -> list[Any]:
    document_type = body.get("document_type") if isinstance(body, Mapping) else None
    if document_type not in DOCUMENT_TYPES:
        return []
    return custom_fields(session, document_type)


def _check_size(body: Any) -> None:
    if not isinstance(body, Mapping):
        raise ApiError(400, "invalid_template", "a template must be a JSON object",
                       [{"code": "not_an_object", "message": "a template must be a JSON object",
                         "node": None, "path": ""}])
    size = len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
    if size > MAX_TEMPLATE_BYTES:
        message = f"the template is {size} bytes; at most {MAX_TEMPLATE_BYTES} (1 MiB) allowed"
        raise ApiError(400, "template_too_large", message,
                       [{"code": "too_large", "message": message, "node": None, "path": ""}])


def compile_body(session: Session, body: Any) -> Any:
    """The compiled interpreter template of `body`, checked against this database's UF_ fields.

    Raises a 400 ApiError whose `details` are every validation error.
    """
    _check_size(body)
    try:
        return load_template(dict(body), custom_fields=_custom_fields_for(session, body))
    except TemplateError as error:
        raise ApiError(400, "invalid_template", f"the template is not valid: {error}",
                       error.errors) from None


def validation_errors(session: Session, body: Any) -> list[dict[str, Any]]:
    """Every validation error of `body` ([] when it is valid)."""
    try:
        compile_body(session, body)
    except ApiError as error:
        return error.details
    return []


def compiled_template(session: Session, template_id: int, version: int) -> Any:
    """The compiled form of one saved version, validated once per process and then cached.

    Versions never change, so (id, version) is a safe key; a process that starts many
    instances never re-validates.
    """
    key = (template_id, version)
    cache = _cache_of(session)
    with _cache_lock:
        tpl = cache.get(key)
        if tpl is not None:
            cache.move_to_end(key)
            return tpl
    body = session.scalar(select(TemplateVersion.body).where(
        TemplateVersion.template_id == template_id, TemplateVersion.version == version))
    if body is None:
        raise ApiError(404, "not_found", f"template {template_id} has no version {version}")
    tpl = compile_body(session, body)
    with _cache_lock:
        cache[key] = tpl
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return tpl


# --- reading ------------------------------------------------------------------------------

def get_template(session: Session, template_id: int) -> Template:
    """The template (not deleted), or a 404 ApiError."""
    template = session.get(Template, template_id) if 0 < template_id < 2**63 else None
    if template is None or template.deleted_at is not None:
        raise ApiError(404, "not_found", f"template {template_id} not found")
    return template


def template_body(session: Session, template: Template, version: int | None = None
                  ) -> dict[str, Any]:
    """The JSON of the current (or a given) version."""
    body = session.scalar(select(TemplateVersion.body).where(
        TemplateVersion.template_id == template.id,
        TemplateVersion.version == (version or template.version)))
    if body is None:
        raise ApiError(404, "not_found", f"template {template.id} has no version {version}")
    return body


def list_templates(session: Session, document_type: str | None = None) -> list[Template]:
    """Every template that is not deleted, optionally of one document type, by id."""
    query = select(Template).where(Template.deleted_at.is_(None)).order_by(Template.id)
    if document_type is not None:
        query = query.where(Template.document_type == document_type)
    return list(session.scalars(query))


def summary(template: Template) -> dict[str, Any]:
    """A template as GET /templates lists it."""
    return {"id": template.id, "name": template.name, "document_type": template.document_type,
            "auto_start": list(template.auto_start), "enabled": template.enabled,
            "version": template.version, "updated_at": template.updated_at.isoformat()}


def list_versions(session: Session, template: Template) -> list[dict[str, Any]]:
    """The saved versions of a template, newest first."""
    rows = session.scalars(select(TemplateVersion).where(
        TemplateVersion.template_id == template.id).order_by(TemplateVersion.version.desc()))
    return [{"version": row.version, "created_at": row.created_at.isoformat(),
             "created_by": row.created_by_id, "name": row.body.get("name"),
             "current": row.version == template.version, "template": row.body}
            for row in rows]


# --- changing -----------------------------------------------------------------------------

def _apply_body(template: Template, body: Mapping[str, Any]) -> None:
    template.name = str(body.get("name") or "")[:255]
    template.document_type = body["document_type"]
    template.auto_start = list(body.get("auto_start") or [])


def create_template(session: Session, body: Any, actor: int | None,
                    enabled: bool = True) -> Template:
    """Validate and store a new template as version 1 (API-created templates start enabled)."""
    compile_body(session, body)
    now = utcnow()
    template = Template(enabled=enabled, version=1, created_by_id=actor, created_at=now,
                        updated_at=now)
    _apply_body(template, body)
    session.add(template)
    session.flush()
    session.add(TemplateVersion(template_id=template.id, version=1, body=dict(body),
                                created_by_id=actor, created_at=now))
    session.flush()
    return template


def save_template(session: Session, template: Template, expected_version: Any, body: Any,
                  actor: int | None) -> Template:
    """Store `body` as the next version; 409 when `expected_version` is not the current one."""
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise ApiError(400, "invalid_version", "'version' must be the integer version you "
                       "edited (from GET /templates/{id})",
                       [{"field": "version", "message": "an integer is required"}])
    if expected_version != template.version:
        raise ApiError(409, "version_conflict",
                       f"template {template.id} is at version {template.version}, not "
                       f"{expected_version}: someone else saved it; reload and retry",
                       [{"current_version": template.version}])
    compile_body(session, body)
    now = utcnow()
    # The conditional UPDATE makes two concurrent saves of one version end in one 409.
    template.version = expected_version + 1
    template.updated_at = now
    _apply_body(template, body)
    session.add(TemplateVersion(template_id=template.id, version=template.version,
                                body=dict(body), created_by_id=actor, created_at=now))
    try:
        session.flush()
    except IntegrityError:  # the unique (template_id, version) lost a race
        raise ApiError(409, "version_conflict",
                       f"template {template.id} was saved by someone else; reload") from None
    return template


def set_enabled(session: Session, template: Template, enabled: Any) -> Template:
    """Enable or disable auto-start and manual start of a template."""
    if not isinstance(enabled, bool):
        raise ApiError(400, "invalid_enabled", "'enabled' must be true or false",
                       [{"field": "enabled", "message": "a boolean is required"}])
    template.enabled = enabled
    template.updated_at = utcnow()
    session.flush()
    return template


def delete_template(session: Session, template: Template) -> None:
    """Hide a template; its versions stay so that running instances go on to their end."""
    template.deleted_at = utcnow()
    template.enabled = False
    session.flush()


# --- dry run ------------------------------------------------------------------------------

def preview(session: Session, body: Any) -> dict[str, Any]:
    """POST /templates/preview: the dry-run object of `bizflow run` for a posted document."""
    if not isinstance(body, Mapping):
        raise ApiError(400, "invalid_body", "expected {\"template\", \"document\", "
                       "\"parameters\"}")
    tpl = compile_body(session, body.get("template"))
    document = body.get("document") or {}
    if not isinstance(document, Mapping):
        raise ApiError(400, "invalid_document", "'document' must be an object "
                       "{\"type\", \"fields\"}", [{"field": "document"}])
    doc_type = document.get("type", tpl.document_type)
    if doc_type != tpl.document_type:
        raise ApiError(400, "invalid_document",
                       f"document.type {doc_type!r} does not match the template's "
                       f"document_type {tpl.document_type!r}", [{"field": "document.type"}])
    fields = document.get("fields") or {}
    parameters = body.get("parameters") or {}
    if not isinstance(fields, Mapping):
        raise ApiError(400, "invalid_document", "'document.fields' must be an object",
                       [{"field": "document.fields"}])
    if not isinstance(parameters, Mapping):
        raise ApiError(400, "invalid_parameters", "'parameters' must be an object",
                       [{"field": "parameters"}])
    try:
        return run(tpl, dict(fields), parameters=dict(parameters))
    except TemplateError as error:
        raise ApiError(400, "invalid_parameters", str(error), error.errors) from None


# --- built-in templates -------------------------------------------------------------------

def install_builtin(session: Session, key: str, constants: Mapping[str, Any] | None = None,
                    actor: int | None = None, enabled: bool = True) -> Template:
    """Store the built-in template `key` (templates_bp/KEY.json) with some constants set."""
    from templates_bp import list_builtin_templates

    found = {entry["key"]: entry["template"] for entry in list_builtin_templates()}
    if key not in found:
        raise ApiError(404, "not_found", f"there is no built-in template {key!r}")
    body = dict(found[key])
    values = dict(constants or {})
    body["constants"] = [{**constant, "value": values[constant["id"]]}
                         if constant.get("id") in values else constant
                         for constant in body.get("constants", [])]
    return create_template(session, body, actor, enabled=enabled)
