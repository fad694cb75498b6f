"""Automation API (SPEC 7-8): robots per stage, their template, triggers, app triggers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from app.api.errors import json_body
from app.api.openapi import operation
from app.auth import admin_required, automation_required, current_user, login_required
from app.db import read_transaction, transaction
from app.services import history, records, robots, triggers
from app.services.robots_compile import CATALOGUE, ROBOT_TYPES, TIMING_MODES
from app.services.users import set_role_automation
from interpreter.fields import DOCUMENT_TYPES

bp = Blueprint("automation", __name__)
TAGS = ["automation"]

CONDITION = {"type": ["object", "null"], "description": "SPEC 3.2 Condition"}
ROBOT_SCHEMA = {
    "type": "object", "required": ["type"],
    "properties": {
        "id": {"type": "string"}, "type": {"enum": list(ROBOT_TYPES)},
        "title": {"type": "string"}, "properties": {"type": "object"},
        "condition": CONDITION,
        "timing": {"type": "object", "properties": {
            "mode": {"enum": list(TIMING_MODES)}, "interval": {"type": ["string", "null"]},
            "field": {"type": ["string", "null"]}, "work_time": {"type": "boolean"}}},
        "after_previous": {"type": "boolean"},
    },
}
ROBOTS_SCHEMA = {"type": "object", "required": ["version", "robots"],
                 "properties": {"version": {"type": "integer"},
                                "robots": {"type": "array", "items": ROBOT_SCHEMA},
                                "template_id": {"type": ["integer", "null"]},
                                "designer_edited": {
                                    "type": "boolean", "description":
                                    "the stage's template was saved from the designer since "
                                    "the robots last compiled into it; the stage runs that "
                                    "edit"}}}
ROBOTS_INPUT_SCHEMA = {**ROBOTS_SCHEMA, "properties": {
    **ROBOTS_SCHEMA["properties"],
    "discard_designer_edits": {
        "type": "boolean", "default": False,
        "description": "needed (true) to replace a stage template edited in the designer; "
                       "without it such a save answers 409 designer_edits"}}}
TRIGGER_SCHEMA = {
    "type": "object", "required": ["event", "stage_id"],
    "properties": {
        "id": {"type": "integer"}, "event": {"type": "string"},
        "stage_id": {"type": "string"}, "title": {"type": "string"},
        "allow_backwards": {"type": "boolean"}, "act_as": {"type": ["integer", "null"]},
        "settings": {"type": "object"}, "condition": CONDITION,
        "url": {"type": "string", "description": "webhook triggers: the secret inbound URL"},
    },
}


def _actor() -> int | None:
    user = current_user()
    return user.id if user is not None else None


# --- robots ------------------------------------------------------------------------------

@bp.get("/automation/<document_type>/stages/<stage_id>/robots")
@operation("The robots of a stage", tags=TAGS, responses={200: ROBOTS_SCHEMA})
@automation_required("document_type", "read")
def get_robots(document_type: str, stage_id: str):
    with read_transaction() as session:
        return robots.get_robots(session, document_type, stage_id)


@bp.put("/automation/<document_type>/stages/<stage_id>/robots")
@operation("Replace the robots of a stage (409 on a stale version, or when the stage was "
           "edited in the designer and discard_designer_edits is not true)", tags=TAGS,
           request=ROBOTS_INPUT_SCHEMA, responses={200: ROBOTS_SCHEMA})
@automation_required("document_type", "update")
def put_robots(document_type: str, stage_id: str):
    body = json_body()
    with transaction() as session:
        return robots.save_robots(session, document_type, stage_id, body.get("version"),
                                  body.get("robots"), _actor(),
                                  body.get("discard_designer_edits", False))


@bp.get("/automation/<document_type>/stages/<stage_id>/template")
@operation("The robots of a stage as a bizflow.template/1 graph (the designer's edit of it "
           "when the stage was edited in the designer)", tags=TAGS,
           responses={200: {"type": "object"}})
@automation_required("document_type", "read")
def get_stage_template(document_type: str, stage_id: str):
    with read_transaction() as session:
        return robots.stage_template(session, document_type, stage_id)


@bp.get("/automation/robot-types")
@operation("The robot catalogue: rule types of the seeds and blocks usable as robots",
           tags=TAGS, responses={200: {"type": "object"}})
@login_required
def robot_types():
    return {"items": [
        {"type": name, "title": rule.title, "group": rule.group,
         "properties": rule.properties, "required": list(rule.required)}
        for name, rule in CATALOGUE.items()] + [
        {"type": name, "title": name.replace("_", " ").capitalize(), "group": "block",
         "properties": None, "required": []}
        for name in ROBOT_TYPES if name not in CATALOGUE]}


# --- triggers ----------------------------------------------------------------------------

@bp.get("/automation/<document_type>/triggers")
@operation("Triggers of a document type", tags=TAGS,
           responses={200: {"type": "object", "properties": {
               "items": {"type": "array", "items": TRIGGER_SCHEMA}}}})
@automation_required("document_type", "read")
def list_triggers(document_type: str):
    with read_transaction() as session:
        return {"items": [triggers.trigger_to_dict(t, request.host_url)
                          for t in triggers.list_triggers(session, document_type)]}


@bp.post("/automation/<document_type>/triggers")
@operation("Add a trigger", tags=TAGS, request=TRIGGER_SCHEMA,
           responses={201: TRIGGER_SCHEMA})
@automation_required("document_type", "update")
def create_trigger(document_type: str):
    body = json_body()
    with transaction() as session:
        trigger = triggers.create_trigger(session, document_type, body)
        return triggers.trigger_to_dict(trigger, request.host_url), 201


@bp.get("/automation/<document_type>/triggers/<int:trigger_id>")
@operation("One trigger", tags=TAGS, responses={200: TRIGGER_SCHEMA})
@automation_required("document_type", "read")
def get_trigger(document_type: str, trigger_id: int):
    with read_transaction() as session:
        trigger = triggers.get_trigger(session, document_type, trigger_id)
        return triggers.trigger_to_dict(trigger, request.host_url)


@bp.put("/automation/<document_type>/triggers/<int:trigger_id>")
@operation("Change a trigger", tags=TAGS, request=TRIGGER_SCHEMA,
           responses={200: TRIGGER_SCHEMA})
@automation_required("document_type", "update")
def update_trigger(document_type: str, trigger_id: int):
    body = json_body()
    with transaction() as session:
        trigger = triggers.update_trigger(session, document_type, trigger_id, body)
        return triggers.trigger_to_dict(trigger, request.host_url)


@bp.delete("/automation/<document_type>/triggers/<int:trigger_id>")
@operation("Delete a trigger", tags=TAGS, responses={204: None})
@automation_required("document_type", "update")
def delete_trigger(document_type: str, trigger_id: int):
    with transaction() as session:
        triggers.delete_trigger(session, document_type, trigger_id)
    return "", 204


@bp.post("/automation/<document_type>/triggers/<int:trigger_id>/rotate-token")
@operation("Give a webhook trigger a new secret URL (the old one stops working)", tags=TAGS,
           responses={200: TRIGGER_SCHEMA})
@automation_required("document_type", "update")
def rotate_token(document_type: str, trigger_id: int):
    with transaction() as session:
        trigger = triggers.rotate_token(session, document_type, trigger_id)
        return triggers.trigger_to_dict(trigger, request.host_url)


# --- app triggers ------------------------------------------------------------------------

APP_TRIGGER = {"type": "object", "required": ["code"],
               "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                              "event": {"type": "string"}}}


@bp.get("/automation/app-triggers")
@operation("Registered application triggers (events app.<code>)", tags=TAGS,
           responses={200: {"type": "object"}})
@login_required
def list_app_triggers():
    with read_transaction() as session:
        return {"items": [triggers.app_trigger_to_dict(a)
                          for a in triggers.list_app_triggers(session)]}


@bp.post("/automation/app-triggers")
@operation("Register an application trigger; its event is app.<code>", tags=TAGS,
           request=APP_TRIGGER, responses={201: APP_TRIGGER})
@login_required
def register_app_trigger():
    body: dict[str, Any] = json_body()
    triggers.require_any_update_right()
    with transaction() as session:
        return triggers.app_trigger_to_dict(triggers.register_app_trigger(session, body)), 201


@bp.delete("/automation/app-triggers/<code>")
@operation("Unregister an application trigger", tags=TAGS, responses={204: None})
@login_required
def delete_app_trigger(code: str):
    triggers.require_any_update_right()
    with transaction() as session:
        triggers.delete_app_trigger(session, code)
    return "", 204


# --- access rights -----------------------------------------------------------------------

RIGHTS_SCHEMA = {"type": "object", "additionalProperties": {"enum": ["read", "update", None]}}


@bp.get("/automation/rights")
@operation("The current user's automation right per document type", tags=TAGS,
           responses={200: RIGHTS_SCHEMA})
@login_required
def my_rights():
    user = current_user()
    return {doc_type: user.automation_right(doc_type) for doc_type in DOCUMENT_TYPES}


@bp.put("/automation/roles/<role>")
@operation("Give a role automation rights per document type (admin only)", tags=TAGS,
           request=RIGHTS_SCHEMA, responses={200: RIGHTS_SCHEMA})
@admin_required
def set_role_rights(role: str):
    body = json_body()
    with transaction() as session:
        return dict(set_role_automation(session, role, body).automation)


# --- record history ----------------------------------------------------------------------

@bp.get("/automation/<document_type>/records/<int:record_id>/history")
@operation("A record's history: stage changes (who or which trigger), robots run, e-mails",
           tags=TAGS, responses={200: {"type": "object", "properties": {
               "items": {"type": "array", "items": {"type": "object"}}}}})
@login_required
def record_history(document_type: str, record_id: int):
    with read_transaction() as session:
        records.require_record(session, document_type, record_id)
        return {"items": history.record_history(session, document_type, record_id)}
