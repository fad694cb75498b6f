"""Schemathesis over the automation endpoints: no server errors, responses match the schema."""

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

AUTOMATION_PATHS = (r"^/api/v1/(pipelines|automation|events|hooks"
                    r"|deals/\{deal_id\}/(invoices|quotes))")
MAX_EXAMPLES = 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def live_schema(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        schema = schemathesis.openapi.from_url(
            f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json")
        yield schema.include(path_regex=AUTOMATION_PATHS)
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_automation_api_has_no_server_errors_or_schema_violations(live_schema, admin_headers):
    operations = [result.ok() for result in live_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=admin_headers, checks=CHECKS)

        check()
