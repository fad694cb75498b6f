"""The webhook block end to end: a real local HTTP server, retries, refusals, retry after a fix."""

from __future__ import annotations

import socket

import pytest
from durable_helpers import HookServer, deliver_webhooks, node, start_on_new_lead, template

from app.services import webhooks


@pytest.fixture
def hook_server():
    server = HookServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def no_back_off(monkeypatch):
    monkeypatch.setattr(webhooks, "RETRY_SECONDS", (0, 0, 0, 0))


def hook_template(url: str) -> dict:
    return template(
        [node("hook", "webhook", url=url, method="POST",
              headers={"X-Lead": "{=Document:TITLE}"}, body={"title": "{=Document:TITLE}"}),
         node("keep", "set_variable", values={"Status": "{=Block:hook:StatusCode}",
                                               "Answer": "{=Block:hook:Response}"})],
        [("start", "hook"), ("hook", "keep")],
        variables=[{"id": "Status", "type": "integer"}, {"id": "Answer", "type": "text"}])


def test_a_webhook_is_sent_once_and_its_answer_resumes_the_instance(app, api, hook_server):
    hook_server.answers = [(201, "created 7")]
    instance = start_on_new_lead(api, hook_template(hook_server.url()), {"TITLE": "Acme"})
    assert instance["status"] == "waiting"
    assert hook_server.requests == []   # nothing leaves before the step committed
    deliver_webhooks(app)
    deliver_webhooks(app)
    assert len(hook_server.requests) == 1
    sent = hook_server.requests[0]
    assert sent["method"] == "POST" and sent["path"] == "/hook"
    assert sent["headers"]["X-Lead"] == "Acme"
    assert sent["headers"]["Idempotency-Key"] == f"{instance['id']}:1:0"
    assert sent["body"] == '{"title": "Acme"}'
    done = api.ok("GET", f"/instances/{instance['id']}")
    assert done["status"] == "completed"
    assert done["variables"] == {"Status": 201, "Answer": "created 7"}
    outbox = api.ok("GET", f"/outbox?instance_id={instance['id']}")["items"]
    assert [(m["kind"], m["state"]) for m in outbox] == [("webhook", "sent")]


def test_a_server_error_is_retried_then_answered(app, api, hook_server):
    hook_server.answers = [(503, "busy"), (502, "bad gateway"), (200, "fine")]
    instance = start_on_new_lead(api, hook_template(hook_server.url()))
    deliver_webhooks(app)
    assert len(hook_server.requests) == 3
    assert api.ok("GET", f"/instances/{instance['id']}")["variables"]["Status"] == 200


def test_a_client_error_is_an_answer_not_a_retry(app, api, hook_server):
    hook_server.answers = [(404, "no such thing")]
    instance = start_on_new_lead(api, hook_template(hook_server.url()))
    deliver_webhooks(app)
    assert len(hook_server.requests) == 1
    assert api.ok("GET", f"/instances/{instance['id']}")["variables"] == {
        "Status": 404, "Answer": "no such thing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_webhook_fails_the_instance_and_a_retry_sends_it_again(app, api):
    port = _free_port()
    instance = start_on_new_lead(api, hook_template(f"http://127.0.0.1:{port}/late"))
    deliver_webhooks(app)
    failed = api.ok("GET", f"/instances/{instance['id']}")
    assert failed["status"] == "failed"
    assert failed["error"]["node"] == "hook"
    assert f"failed after {webhooks.MAX_ATTEMPTS} attempts" in failed["error"]["message"]
    server = HookServer(port)   # the fix: the endpoint is back
    try:
        retried = api.ok("POST", f"/instances/{instance['id']}/retry")
        assert retried["status"] == "waiting"
        deliver_webhooks(app)
        assert len(server.requests) == 1
        assert api.ok("GET", f"/instances/{instance['id']}")["status"] == "completed"
    finally:
        server.close()


def test_requests_to_bizflow_itself_are_refused(app, api, hook_server):
    instance = start_on_new_lead(api, hook_template(hook_server.url("/api/v1/users")))
    deliver_webhooks(app)
    assert hook_server.requests == []
    failed = api.ok("GET", f"/instances/{instance['id']}")
    assert failed["status"] == "failed"
    assert "refused" in failed["error"]["message"]


def test_what_is_refused(app, hook_server):
    app.config["SERVER_PORTS"] = [hook_server.port]
    assert "this Bizflow server itself" in webhooks.refusal(app, hook_server.url("/anything"))
    assert "this Bizflow server itself" in webhooks.refusal(
        app, f"http://localhost:{hook_server.port}/x")
    assert "link-local" in webhooks.refusal(app, "http://169.254.169.254/latest/meta-data")
    assert "own endpoint" in webhooks.refusal(app, "http://127.0.0.1:1/api/v1/templates")
    assert webhooks.refusal(app, "http://127.0.0.1:1/hook") is None
    assert webhooks.refusal(app, "https://example.com/api/v1/x") is None
    app.config["WEBHOOK_ALLOW_SELF"] = True
    assert webhooks.refusal(app, hook_server.url("/api/v1/users")) is None
