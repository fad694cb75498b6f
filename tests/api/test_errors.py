"""Errors are JSON with a code and a message; an unexpected failure never leaks internals."""

from __future__ import annotations

import logging

from app.api.errors import ApiError


def test_an_unexpected_exception_is_a_500_without_internals(app, client, caplog):
    def boom():
        raise RuntimeError("secret connection string")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal_error",
                                             "message": "internal server error", "details": []}}
    assert b"secret" not in response.data and b"Traceback" not in response.data
    assert "secret connection string" in caplog.text     # the operator sees it in the log


def test_api_error_carries_status_code_and_details(app, client):
    def teapot():
        raise ApiError(418, "teapot", "I am a teapot", [{"field": "TEA"}])

    app.add_url_rule("/api/v1/teapot", "teapot", teapot)
    response = client.get("/api/v1/teapot")
    assert response.status_code == 418
    assert response.get_json() == {"error": {"code": "teapot", "message": "I am a teapot",
                                             "details": [{"field": "TEA"}]}}


def test_pages_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_absurd_json_is_a_400_not_a_crash(client, admin_headers):
    headers = {**admin_headers, "Content-Type": "application/json"}
    for body in ("[" * 100_000 + "]" * 100_000, '{"fields": {"TITLE": NaN}}',
                 b"\xff\xfe{", '{"fields": {"TITLE": Infinity}}'):
        response = client.post("/api/v1/leads", data=body, headers=headers)
        assert response.status_code == 400, body[:20]
        assert response.get_json()["error"]["code"] == "bad_json"
