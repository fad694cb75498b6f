"""Helpers of the durability suite: a JSON API client, templates, users with tokens, due work."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.models.base import utcnow


class Api:
    """A JSON client over the Flask test client with a Bearer token."""

    def __init__(self, client: Any, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, json: Any = None) -> Any:
        return self.client.open(f"/api/v1{path}", method=method, json=json,
                                headers=self.headers)

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, json: Any = None) -> Any:
        return self.call("POST", path, json)

    def ok(self, method: str, path: str, json: Any = None) -> Any:
        """The JSON of a 2xx answer (fails the test with the body otherwise)."""
        response = self.call(method, path, json)
        assert response.status_code < 300, (response.status_code, response.get_json())
        return response.get_json()


def template(nodes: list[dict[str, Any]], edges: list[Any], name: str = "Durable",
             document_type: str = "lead", **extra: Any) -> dict[str, Any]:
    """A bizflow.template/1 body; edges may be (from, to) or (from, port, to) tuples."""
    return {"format": "bizflow.template/1", "name": name, "document_type": document_type,
            "auto_start": [], "nodes": [{"id": "start", "type": "start"}, *nodes],
            "edges": [{"from": e[0], "to": e[-1], **({"port": e[1]} if len(e) == 3 else {})}
                      if isinstance(e, tuple) else e for e in edges], **extra}


def node(node_id: str, block: str, **properties: Any) -> dict[str, Any]:
    """One node of a template."""
    return {"id": node_id, "type": block, "properties": properties}


def start_on_new_lead(api: Api, body: dict[str, Any], fields: dict[str, Any] | None = None,
                      parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save `body`, create a lead and start the template on it; returns the instance."""
    template_id = api.ok("POST", "/templates", body)["id"]
    lead = api.ok("POST", "/leads", {"fields": {"TITLE": "Lead", **(fields or {})}})
    return api.ok("POST", f"/templates/{template_id}/start",
                  {"document_id": lead["id"], "parameters": parameters or {}})


def make_user(app: Any, login: str, roles: tuple[str, ...] = (),
              email: str | None = None) -> tuple[int, str]:
    """A user with an API token: (id, token)."""
    from app.db import transaction
    from app.services.users import create_user, issue_token

    with app.app_context(), transaction(app) as session:
        user = create_user(session, {"LOGIN": login, "NAME": login.title(), "LAST_NAME": "Test",
                                     "EMAIL": email or f"{login}@example.com"}, list(roles),
                           password="secret-password-1")
        session.flush()
        token = issue_token(session, user, "test")
        return user.id, token


def later(seconds: float) -> datetime:
    """A moment `seconds` from now (a controllable clock for due work)."""
    return utcnow() + timedelta(seconds=seconds)


def fire(app: Any, at: datetime | None = None) -> int:
    """Run the due-work job once, as if the clock showed `at`."""
    from app.services.timers import fire_due_waits

    return fire_due_waits(app, now=at)


class HookServer:
    """A real local HTTP server (port 0) that records requests and answers from a script."""

    def __init__(self, port: int = 0) -> None:
        import http.server
        import threading

        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, str]] = []   # consumed one per request, then 200 "ok"
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                server.requests.append({"method": self.command, "path": self.path,
                                        "headers": dict(self.headers), "body": body})
                status, text = server.answers.pop(0) if server.answers else (200, "ok")
                payload = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def deliver_webhooks(app: Any, rounds: int = 50) -> None:
    """Run the webhook job until nothing is in flight (deliveries run on a thread pool)."""
    import time

    from app.services import webhooks

    for _ in range(rounds):
        with app.app_context():
            started = webhooks.deliver_due_webhooks(app)
        webhooks.wait_idle()
        if not started:
            return
        time.sleep(0.01)
