"""Robots of a stage -> one bizflow.template/1 graph (pure: no Flask, no database).

Robots without `after_previous` run as parallel branches from the moment the record enters
the stage; a robot with `after_previous` is chained after the robot before it. Each robot
becomes: [skip if its date field is empty] -> [delay] -> [condition] -> action block(s).
A robot skipped by its condition or an empty date field lets the chain go on.
Each robot stands alone: its condition and action blocks carry `on_error: "continue"`, so a
failing robot changes nothing, its failure is logged (the record's history shows it), its
siblings' work is kept, and an `after_previous` chain goes on with the next robot.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from interpreter.fields import FieldDef, field_map
from interpreter.intervals import IntervalError, parse_interval

ROBOT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
TIMING_MODES = ("immediately", "after", "before", "after_field")
STAGE_FIELD = {"lead": "STATUS_ID", "deal": "STAGE_ID"}
MAX_ROBOTS = 100
CONTINUE = "continue"   # on_error of a robot's blocks: a failing robot does not fail the rest

# Blocks of SPEC 3.3 that make sense as a robot on their own; their properties are the block's.
BLOCK_ROBOTS = ("modify_document", "email", "log", "delay", "notify", "create_task", "webhook",
                "approve", "request_info", "create_document", "start_process", "change_stage",
                "generate_code", "sms", "delete_document")


@dataclass(frozen=True)
class Rule:
    """One rule of the seeds' catalogue: its title, group and allowed properties."""

    title: str
    group: str
    properties: dict[str, str] = field(default_factory=dict)   # name -> kind (for the UI)
    required: tuple[str, ...] = ()


CATALOGUE: dict[str, Rule] = {
    "activity": Rule("Add an activity", "staff",
                     {"title": "text", "description": "text", "responsible": "recipients",
                      "deadline": "interval"}, ("title",)),
    "task": Rule("Create a task", "staff",
                 {"title": "text", "description": "text", "responsible": "recipients",
                  "deadline": "interval"}, ("title",)),
    "history": Rule("Write to history", "staff", {"text": "text"}, ("text",)),
    "comment": Rule("Add a comment", "staff", {"text": "text"}, ("text",)),
    "notify": Rule("Notify", "staff", {"to": "recipients", "text": "text"}, ("text",)),
    "email_staff": Rule("Send e-mail to staff", "staff",
                        {"to": "recipients", "subject": "text", "body": "text",
                         "format": "format"}, ("subject",)),
    "email_client": Rule("Send e-mail to the client", "client",
                         {"subject": "text", "body": "text", "format": "format",
                          "from": "value"}, ("subject",)),
    "sms_staff": Rule("Send SMS to staff", "staff", {"to": "recipients", "text": "text"},
                      ("text",)),
    "sms_client": Rule("Send SMS to the client", "client", {"text": "text"}, ("text",)),
    "change_stage": Rule("Change stage", "staff", {"stage": "stage"}, ("stage",)),
    "change_responsible": Rule("Change responsible person", "staff",
                               {"responsible": "value"}, ("responsible",)),
    "modify_fields": Rule("Modify fields", "staff", {"fields": "fields"}, ("fields",)),
    "create_from_source": Rule("Create using source", "staff",
                               {"target": "document_type", "category_id": "value",
                                "fields": "fields"}, ("target",)),
    "delete_record": Rule("Delete the record", "staff", {}),
    "generate_code": Rule("Generate a code", "staff",
                          {"length": "value", "alphabet": "value"}),
    "schedule_call": Rule("Schedule a call", "staff",
                          {"title": "text", "description": "text", "responsible": "recipients",
                           "deadline": "interval"}),
    "schedule_meeting": Rule("Schedule a meeting", "staff",
                             {"title": "text", "description": "text",
                              "responsible": "recipients", "deadline": "interval"}),
    "wait": Rule("Wait", "staff", {"for": "interval"}, ("for",)),
    "control": Rule("Control: alert when the record stays in the stage too long", "staff",
                    {"interval": "interval", "to": "recipients", "text": "text"},
                    ("interval",)),
    "webhook": Rule("Webhook", "custom",
                    {"url": "value", "method": "value", "headers": "value", "body": "value",
                     "timeout": "value"}, ("url",)),
}
ROBOT_TYPES = tuple(sorted(set(BLOCK_ROBOTS) | set(CATALOGUE)))

# Fields a lead hands over when a deal, contact or company is created from it.
_FROM_LEAD = {
    "deal": {"TITLE": "{=Document:TITLE}", "OPPORTUNITY": "{=Document:OPPORTUNITY}",
             "CURRENCY_ID": "{=Document:CURRENCY_ID}", "SOURCE_ID": "{=Document:SOURCE_ID}",
             "CONTACT_ID": "{=Document:CONTACT_ID}", "COMPANY_ID": "{=Document:COMPANY_ID}",
             "ASSIGNED_BY_ID": "{=Document:ASSIGNED_BY_ID}", "LEAD_ID": "{=Document:ID}"},
    "contact": {"NAME": "{=Document:NAME}", "SECOND_NAME": "{=Document:SECOND_NAME}",
                "LAST_NAME": "{=Document:LAST_NAME}", "POST": "{=Document:POST}",
                "EMAIL": "{=Document:EMAIL}", "PHONE": "{=Document:PHONE}",
                "SOURCE_ID": "{=Document:SOURCE_ID}",
                "ASSIGNED_BY_ID": "{=Document:ASSIGNED_BY_ID}"},
    "company": {"TITLE": "{=Document:COMPANY_TITLE}", "EMAIL": "{=Document:EMAIL}",
                "PHONE": "{=Document:PHONE}", "WEB": "{=Document:WEB}",
                "ADDRESS": "{=Document:ADDRESS}",
                "ASSIGNED_BY_ID": "{=Document:ASSIGNED_BY_ID}"},
}
# A deal creates an invoice or a quote of its own (services.invoices, block create_invoice);
# `fields` may set TITLE, OPPORTUNITY and CURRENCY_ID of the new item (default: the deal's).
_FROM_DEAL = {"invoice": "Invoice", "quote": "Quote"}
_ITEM_FIELDS = {"TITLE": "title", "OPPORTUNITY": "amount", "CURRENCY_ID": "currency"}


class RobotError(ValueError):
    """Robots that cannot be saved; `errors` are {"code", "message", "robot", "field"}."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


def _err(errors: list, code: str, robot: str | None, where: str, message: str) -> None:
    errors.append({"code": code, "robot": robot, "field": where,
                   "message": f"robot {robot or '?'}: {where}: {message}"})


# --- validation and normalisation ---------------------------------------------------------

def normalise_robots(robots: Any, document_type: str,
                     custom_fields: Iterable[FieldDef] = ()) -> list[dict[str, Any]]:
    """Check a robot list (every error, each naming its robot and field); returns it complete.

    Missing ids become R1, R2...; missing timing is `immediately`; block properties are
    checked later, when the compiled template is loaded by the interpreter.
    """
    errors: list[dict[str, Any]] = []
    if not isinstance(robots, list):
        raise RobotError([{"code": "invalid_robots", "robot": None, "field": "robots",
                           "message": "robots: must be a list"}])
    if len(robots) > MAX_ROBOTS:
        raise RobotError([{"code": "too_many_robots", "robot": None, "field": "robots",
                           "message": f"robots: at most {MAX_ROBOTS} per stage"}])
    fields = field_map(document_type, tuple(custom_fields))
    used: set[str] = {r["id"] for r in robots if isinstance(r, dict)
                      and isinstance(r.get("id"), str)}
    result = []
    counter = 0
    for index, robot in enumerate(robots):
        if not isinstance(robot, dict):
            _err(errors, "invalid_robot", f"#{index}", "robot", "must be an object")
            continue
        robot_id = robot.get("id")
        if robot_id is None:
            counter += 1
            while f"R{counter}" in used:
                counter += 1
            robot_id = f"R{counter}"
            used.add(robot_id)
        label = robot_id if isinstance(robot_id, str) else f"#{index}"
        if not isinstance(robot_id, str) or not ROBOT_ID.match(robot_id):
            _err(errors, "invalid_id", label, "id",
                 "must match ^[A-Za-z][A-Za-z0-9_]{0,39}$")
        elif any(r["id"] == robot_id for r in result):
            _err(errors, "duplicate_id", label, "id", "is used by another robot")
        unknown = set(robot) - {"id", "type", "title", "properties", "condition", "timing",
                                "after_previous"}
        for key in sorted(unknown):
            _err(errors, "unknown_property", label, key, "unknown robot property")
        robot_type = robot.get("type")
        if robot_type not in ROBOT_TYPES:
            _err(errors, "unknown_type", label, "type",
                 f"{robot_type!r} is not a robot type (one of {', '.join(ROBOT_TYPES)})")
        title = robot.get("title")
        if title is None:
            title = CATALOGUE[robot_type].title if robot_type in CATALOGUE else \
                str(robot_type)
        if not isinstance(title, str) or len(title) > 255:
            _err(errors, "invalid_title", label, "title", "must be a string (max 255)")
        props = robot.get("properties", {})
        if props is None:
            props = {}
        if not isinstance(props, dict):
            _err(errors, "invalid_properties", label, "properties", "must be an object")
            props = {}
        elif robot_type in CATALOGUE:
            rule = CATALOGUE[robot_type]
            for key in sorted(set(props) - set(rule.properties)):
                _err(errors, "unknown_property", label, f"properties.{key}",
                     f"not a property of {robot_type} "
                     f"(allowed: {', '.join(rule.properties) or 'none'})")
            for key in rule.required:
                if props.get(key) in (None, "", [], {}):
                    _err(errors, "missing_property", label, f"properties.{key}", "is required")
        condition = robot.get("condition")
        if condition is not None and not isinstance(condition, dict):
            _err(errors, "invalid_condition", label, "condition", "must be an object or null")
        after_previous = robot.get("after_previous", False)
        if not isinstance(after_previous, bool):
            _err(errors, "invalid_after_previous", label, "after_previous",
                 "must be true or false")
        timing = _timing(robot.get("timing"), fields, label, errors)
        result.append({"id": robot_id, "type": robot_type, "title": title,
                       "properties": props, "condition": condition, "timing": timing,
                       "after_previous": after_previous})
    if errors:
        raise RobotError(errors)
    return result


def _timing(raw: Any, fields: dict[str, FieldDef], label: str,
            errors: list[dict[str, Any]]) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        _err(errors, "invalid_timing", label, "timing", "must be an object")
        return {"mode": "immediately", "interval": None, "field": None, "work_time": False}
    for key in sorted(set(raw) - {"mode", "interval", "field", "work_time"}):
        _err(errors, "invalid_timing", label, f"timing.{key}", "unknown timing property")
    mode = raw.get("mode", "immediately")
    interval, field_code = raw.get("interval"), raw.get("field")
    work_time = raw.get("work_time", False)
    if mode not in TIMING_MODES:
        _err(errors, "invalid_timing", label, "timing.mode",
             f"{mode!r} is not one of {', '.join(TIMING_MODES)}")
    if not isinstance(work_time, bool):
        _err(errors, "invalid_timing", label, "timing.work_time", "must be true or false")
    if interval in ("", None):
        interval = None
        if mode == "after":
            _err(errors, "invalid_timing", label, "timing.interval",
                 "is required when mode is 'after' (e.g. \"1d 2h\")")
    else:
        try:
            parse_interval(interval)
        except IntervalError as exc:
            _err(errors, "invalid_timing", label, "timing.interval", str(exc))
    if mode in ("before", "after_field"):
        fdef = fields.get(field_code) if isinstance(field_code, str) else None
        if fdef is None:
            _err(errors, "invalid_timing", label, "timing.field",
                 f"{field_code!r} is not a field of this document type")
        elif fdef.type not in ("date", "datetime"):
            _err(errors, "invalid_timing", label, "timing.field",
                 f"{field_code} is a {fdef.type} field; a date or datetime field is needed")
    else:
        field_code = None
    return {"mode": mode, "interval": interval, "field": field_code, "work_time": work_time}


# --- compilation ----------------------------------------------------------------------------

class _Graph:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []

    def node(self, node_id: str, node_type: str, title: str, x: int, y: int,
             properties: dict[str, Any] | None = None, on_error: str | None = None) -> str:
        node: dict[str, Any] = {"id": node_id, "type": node_type, "title": title[:255],
                                "position": {"x": x, "y": y}}
        if properties is not None:
            node["properties"] = properties
        if on_error is not None:
            node["on_error"] = on_error
        self.nodes.append(node)
        return node_id

    def edge(self, source: str, target: str, port: str = "next") -> None:
        edge = {"from": source, "to": target}
        if port != "next":
            edge["port"] = port
        self.edges.append(edge)


def _action_nodes(robot: dict[str, Any], document_type: str,
                  stage_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The (suffix, block type, properties) chain that performs one robot's action."""
    rtype, props = robot["type"], robot["properties"]
    if rtype in BLOCK_ROBOTS and rtype not in CATALOGUE:
        leaves = rtype == "change_stage" or (
            rtype == "modify_document" and isinstance(props.get("fields"), dict)
            and STAGE_FIELD.get(document_type) in props["fields"])
        if leaves:
            return [("do", rtype, props), ("stop", "end", {"status": "terminated"})]
        return [("do", rtype, props)]
    responsible = props.get("responsible") or ["{=Document:ASSIGNED_BY_ID}"]
    task = {"title": props.get("title") or robot["title"],
            "description": props.get("description", ""),
            "responsible": responsible if isinstance(responsible, list) else [responsible]}
    if props.get("deadline"):
        task["deadline"] = f'=dateadd(now(), {json.dumps(props["deadline"])})'
    staff = props.get("to") or ["{=Document:ASSIGNED_BY_ID}"]
    match rtype:
        case "activity" | "task":
            return [("do", "create_task", task)]
        case "schedule_call" | "schedule_meeting":
            kind = "Call" if rtype == "schedule_call" else "Meeting"
            task["title"] = props.get("title") or f"{kind}: {{=Document:TITLE}}"
            return [("do", "create_task", task)]
        case "history":
            return [("do", "log", {"text": props["text"]})]
        case "comment":
            return [("do", "log", {"text": "Comment: " + str(props["text"])})]
        case "notify":
            return [("do", "notify", {"to": staff, "text": props["text"]})]
        case "email_staff" | "email_client":
            mail: dict[str, Any] = {
                "to": staff if rtype == "email_staff" else ["{=Document:EMAIL}"],
                "subject": props["subject"], "body": props.get("body", ""),
                "format": props.get("format", "text")}
            if props.get("from"):
                mail["from"] = props["from"]
            return [("do", "email", mail)]
        case "sms_staff":
            return [("do", "sms", {"to": staff, "text": props["text"]})]
        case "sms_client":
            return [("do", "sms", {"to": ["{=Document:PHONE}"], "text": props["text"]})]
        case "change_stage":
            return [("do", "change_stage", {"stage": props["stage"]}),
                    ("stop", "end", {"status": "terminated"})]
        case "change_responsible":
            return [("do", "modify_document", {"fields": {"ASSIGNED_BY_ID":
                                                          props["responsible"]}})]
        case "modify_fields":
            nodes = [("do", "modify_document", {"fields": props["fields"]})]
            if isinstance(props["fields"], dict) and STAGE_FIELD.get(document_type) in \
                    props["fields"]:
                # Like "change stage": the record leaves, so this stage's robots stop here.
                nodes.append(("stop", "end", {"status": "terminated"}))
            return nodes
        case "create_from_source":
            if document_type == "deal":
                return [("do", "create_invoice", _item_from_deal(props, robot["id"]))]
            return [("do", "create_document",
                     _create_from_source(props, document_type, robot["id"]))]
        case "delete_record":
            return [("do", "delete_document", {}), ("stop", "end", {"status": "terminated"})]
        case "generate_code":
            return [("do", "generate_code", {k: v for k, v in props.items()
                                             if k in ("length", "alphabet")})]
        case "wait":
            return [("do", "delay", {"for": props["for"]})]
        case "control":
            text = props.get("text") or (
                f"{{=Document:TITLE}} has been in stage {stage_id} for {props['interval']}")
            field_code = STAGE_FIELD.get(document_type)
            nodes: list[tuple[str, str, dict[str, Any]]] = [
                ("wait", "delay", {"for": props["interval"]})]
            if field_code:
                # Leaving the stage cancels the robot anyway; this guards a late timer.
                nodes.append(("still", "condition", {"branches": [
                    {"id": "yes", "when": {"left": f"{{=Document:{field_code}}}", "op": "=",
                                           "right": stage_id}},
                    {"id": "no", "when": None}]}))
            nodes.append(("do", "notify", {"to": staff, "text": text}))
            return nodes
        case "webhook":
            return [("do", "webhook", {"method": "POST", **props})]
    raise RobotError([{"code": "unknown_type", "robot": robot["id"], "field": "type",
                       "message": f"robot {robot['id']}: type: {rtype!r} is unknown"}])


def _bad_target(robot_id: str, target: Any, document_type: str) -> RobotError:
    allowed = ", ".join(_FROM_LEAD if document_type == "lead" else _FROM_DEAL)
    return RobotError([{"code": "invalid_target", "robot": robot_id,
                        "field": "properties.target",
                        "message": f"robot {robot_id}: properties.target: {target!r} cannot be "
                                   f"created from a {document_type} (one of: {allowed})"}])


def _create_from_source(props: dict[str, Any], document_type: str,
                        robot_id: str) -> dict[str, Any]:
    target = props.get("target")
    extra = props.get("fields") or {}
    if document_type == "lead" and target in _FROM_LEAD:
        fields = dict(_FROM_LEAD[target])
        if target == "deal" and props.get("category_id") not in (None, ""):
            fields["CATEGORY_ID"] = str(props["category_id"])
        return {"document_type": target, "fields": {**fields, **extra}}
    raise _bad_target(robot_id, target, document_type)


def _item_from_deal(props: dict[str, Any], robot_id: str) -> dict[str, Any]:
    target = props.get("target")
    if target not in _FROM_DEAL:
        raise _bad_target(robot_id, target, "deal")
    extra = props.get("fields") or {}
    if not isinstance(extra, dict) or set(extra) - set(_ITEM_FIELDS):
        raise RobotError([{"code": "invalid_fields", "robot": robot_id,
                           "field": "properties.fields",
                           "message": f"robot {robot_id}: properties.fields: an invoice or quote "
                                      f"takes {', '.join(_ITEM_FIELDS)}"}])
    item = {"kind": target, "title": f"{_FROM_DEAL[target]}: {{=Document:TITLE}}"}
    item.update({_ITEM_FIELDS[code]: value for code, value in extra.items()})
    return item


def _delay_for(timing: dict[str, Any]) -> dict[str, Any] | None:
    mode, interval = timing["mode"], timing["interval"]
    work = timing["work_time"]
    if mode == "immediately":
        return None
    if mode == "after":
        props: dict[str, Any] = {"for": interval}
    else:
        sign = "-" if mode == "before" else ""
        function = "workdateadd" if work else "dateadd"
        shift = json.dumps(sign + (interval or "0s")) if interval else '"0s"'
        props = {"until": f"={function}({{=Document:{timing['field']}}}, {shift})"}
    if work:
        props["business_hours"] = True
    return props


def _chains(robots: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    chains: list[list[dict[str, Any]]] = []
    for robot in robots:
        if robot["after_previous"] and chains:
            chains[-1].append(robot)
        else:
            chains.append([robot])
    return chains


def _robot_nodes(graph: _Graph, robot: dict[str, Any], document_type: str, stage_id: str,
                 x: int, y: int) -> tuple[int, list[tuple[str, str]]]:
    """Add one robot's nodes; returns the next free y and its loose ends (node, port)."""
    rid, timing = robot["id"], robot["timing"]
    ends: list[tuple[str, str]] = []
    skip_ends: list[tuple[str, str]] = []
    first = True

    def place(node_id: str, node_type: str, title: str, props: dict[str, Any],
              on_error: str | None = None) -> None:
        nonlocal y, ends, first
        graph.node(node_id, node_type, title, x, y, props, on_error)
        y += 100
        if not first:
            for end in ends:
                graph.edge(end[0], node_id, end[1])
        first = False

    if timing["mode"] in ("before", "after_field"):
        reference = f"{{=Document:{timing['field']}}}"
        place(f"{rid}_has_date", "condition", f"{timing['field']} is set?", {
            "branches": [{"id": "yes", "when": {"left": reference, "op": "not_empty"}},
                         {"id": "no", "when": None}]})
        ends, skip_ends = [(f"{rid}_has_date", "yes")], [(f"{rid}_has_date", "no")]
    delay = _delay_for(timing)
    if delay is not None:
        place(f"{rid}_timing", "delay", f"Timing of {robot['title']}", delay)
        ends = [(f"{rid}_timing", "next")]
    if robot["condition"] is not None:
        # A condition that cannot be evaluated skips this robot (and ends its chain: a
        # failing condition block has no `next` to go on through).
        place(f"{rid}_if", "condition", f"Condition of {robot['title']}", {
            "branches": [{"id": "yes", "when": robot["condition"]},
                         {"id": "no", "when": None}]}, CONTINUE)
        ends, skip_ends = [(f"{rid}_if", "yes")], skip_ends + [(f"{rid}_if", "no")]
    for suffix, block_type, props in _action_nodes(robot, document_type, stage_id):
        node_id = rid if suffix == "do" else f"{rid}_{suffix}"
        title = robot["title"] if suffix == "do" else f"{robot['title']} ({suffix})"
        place(node_id, block_type, title, props, None if block_type == "end" else CONTINUE)
        if block_type == "end":
            ends = []
        elif block_type == "condition":
            ends = [(node_id, "yes")]
        else:
            ends = [(node_id, "next")]
    return y, ends + skip_ends



def compile_stage(robots: list[dict[str, Any]], document_type: str, stage_id: str,
                  stage_name: str | None = None) -> dict[str, Any]:
    """The bizflow.template/1 graph running `robots` (already normalised) for one stage."""
    graph = _Graph()
    start = graph.node("start", "start", "Record enters the stage", 40, 40)
    chains = _chains(robots)
    if len(chains) > 1:
        branches = [{"id": f"chain{n}", "title": chain[0]["title"][:255]}
                    for n, chain in enumerate(chains, start=1)]
        fork = graph.node("robots", "parallel", "Robots run side by side", 40, 160,
                          {"branches": branches})
        graph.edge(start, fork)
        entries = [(fork, b["id"]) for b in branches]
    else:
        entries = [(start, "next")] * len(chains)
    for column, (chain, (source, port)) in enumerate(zip(chains, entries, strict=True)):
        x = 40 + column * 260
        y = 280 if len(chains) > 1 else 160
        pending: list[tuple[str, str]] = [(source, port)]   # loose ends to connect onward
        for robot in chain:
            if not pending:
                break   # the robot before ended the instance (changed the stage, deleted)
            first_node = len(graph.nodes)
            y, ends = _robot_nodes(graph, robot, document_type, stage_id, x, y)
            for end in pending:
                graph.edge(end[0], graph.nodes[first_node]["id"], end[1])
            pending = ends
    template = {
        "format": "bizflow.template/1",
        "name": f"Robots: {document_type} {stage_name or stage_id}"[:255],
        "description": f"Automation rules of stage {stage_id}; they run when a "
                       f"{document_type} enters the stage.",
        "document_type": document_type,
        "auto_start": [],
        "nodes": graph.nodes,
        "edges": graph.edges,
    }
    return template
