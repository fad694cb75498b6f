"""The `webhook` block: an outgoing HTTP request, delivered by the host (a webhook wait)."""

from __future__ import annotations

import json
from typing import Any

from interpreter.blocks.definition import (
    Behaviour,
    BlockType,
    Wait,
    choice,
    is_static,
    properties,
    text,
    value,
)
from interpreter.errors import BlockError

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
MAX_TIMEOUT = 60


def _check_url(url: str) -> str | None:
    if not url.startswith(("http://", "https://")) or len(url) > 2000 or " " in url.strip():
        return f"webhook url must be an http:// or https:// address, got {url[:100]!r}"
    return None


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    raw_url = props["url"]
    if is_static(raw_url):
        problem = _check_url(raw_url)
        if problem:
            env.error("invalid_value", problem, "url")
    url = env.text(raw_url, "url")
    method = props.get("method", "POST")
    headers = tuple((name, env.text(raw, "headers", name))
                    for name, raw in props.get("headers", {}).items())
    body = env.value(props.get("body"), "body")
    timeout = props.get("timeout", 10)
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> Wait:
        address = url(run).strip()
        problem = _check_url(address)
        if problem:
            raise BlockError(problem)
        payload = body(run)
        if payload is not None and not isinstance(payload, str):
            payload = json.dumps(payload, ensure_ascii=False)
        run.msg = f"{method} {address}"
        return Wait("webhook", {"method": method, "url": address,
                                "headers": {name: render(run) for name, render in headers},
                                "body": payload, "timeout": timeout})

    def resume(run: Any, token: dict[str, Any], data: Any) -> str:
        status = data.get("StatusCode")
        run.outputs[node_id] = {"StatusCode": status, "Response": data.get("Response")}
        run.msg = f"answered {status}"
        return "next"

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="webhook", title="Webhook", group="integration", outputs=("StatusCode", "Response"),
    description="Calls an external URL; the answer's status and body become outputs.",
    properties_schema=properties({
        "url": text("URL", maxLength=2000),
        "method": choice("Method", METHODS, "POST"),
        "headers": {"title": "Headers", "type": "object", "format": "headers",
                    "additionalProperties": {"type": "string", "maxLength": 4000},
                    "maxProperties": 50},
        "body": value("Body"),
        "timeout": {"title": "Timeout, seconds", "type": "number", "exclusiveMinimum": 0,
                    "maximum": MAX_TIMEOUT, "default": 10},
    }, required=("url",)),
    compile=_compile,
)
