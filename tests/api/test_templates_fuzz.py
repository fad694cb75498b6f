"""schemathesis over real HTTP on the processes endpoints: no 5xx, responses match the schema."""

from __future__ import annotations

import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from tests.conftest import ADMIN_TOKEN

PROCESS_PATHS = r"^/api/v1/(templates|instances|outbox|block-types)"
MAX_EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def live_schema(app):
    """The app on a free port with one template and one instance, and its schema over HTTP."""
    client = app.test_client()
    template = {"format": "bizflow.template/1", "name": "Fuzz", "document_type": "lead",
                "auto_start": ["create"],
                "nodes": [{"id": "start", "type": "start"},
                          {"id": "sleep", "type": "delay", "properties": {"for": "1d"}}],
                "edges": [{"from": "start", "to": "sleep"}]}
    assert client.post("/api/v1/templates", json=template, headers=HEADERS).status_code == 201
    assert client.post("/api/v1/leads", json={"fields": {"TITLE": "x"}},
                       headers=HEADERS).status_code == 201
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        schema = schemathesis.openapi.from_url(
            f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json")
        yield schema.include(path_regex=PROCESS_PATHS)
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_process_endpoints_have_no_server_errors_or_schema_violations(live_schema):
    operations = [result.ok() for result in live_schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=HEADERS, checks=CHECKS)

        check()
