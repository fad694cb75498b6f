"""The OpenAPI document matches the code; schemathesis fuzzes the live app over real HTTP."""

from __future__ import annotations

import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from app.api.openapi import API_PREFIX
from tests.conftest import ADMIN_TOKEN

# The foundation's endpoints; other parts add their own fuzz tests for theirs.
FOUNDATION_PATHS = (r"^/api/v1/(health|openapi\.json|document-types|leads|contacts|companies"
                    r"|deals|documents|users|roles)")
MAX_EXAMPLES = 8
NEGATIVE_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_every_api_route_is_in_the_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in document["paths"].items()
                  for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", f"{{{arg}}}").replace(f"<{arg}>", f"{{{arg}}}")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert missing == [], "routes without @operation: " + ", ".join(sorted(missing))


def test_record_operations_declare_their_fields(client):
    document = client.get("/api/v1/openapi.json").get_json()
    create = document["paths"]["/api/v1/leads"]["post"]
    fields = create["requestBody"]["content"]["application/json"]["schema"]["properties"][
        "fields"]
    assert "OPPORTUNITY" in fields["properties"]
    assert "ID" not in fields["properties"]       # read-only
    assert "201" in create["responses"] and "401" in create["responses"]
    assert document["paths"]["/api/v1/health"]["get"]["security"] == []


@pytest.fixture
def live_schema(app):
    """The app served by werkzeug on a free port, and its OpenAPI schema loaded over HTTP."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
        yield schema.include(path_regex=FOUNDATION_PATHS)
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _fuzz(operation, mode: schemathesis.GenerationMode, examples: int, checks: list) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=headers, checks=checks)

    try:
        check()
    except Unsatisfiable:
        pass  # nothing invalid to generate for this operation (e.g. no parameters)


def test_api_has_no_server_errors_or_schema_violations(live_schema):
    # Driven directly (not through schemathesis' pytest plugin) so it runs on one live app.
    operations = [result.ok() for result in live_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        _fuzz(operation, schemathesis.GenerationMode.POSITIVE, MAX_EXAMPLES, CHECKS)
        # Invalid input of every kind must be refused with a 4xx, never a 5xx.
        _fuzz(operation, schemathesis.GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES,
              [not_a_server_error])
