"""Helpers of the durability suite: a JSON API client, templates, users with tokens, due work."""

from __future__ import annotations

import signal
import socket
from datetime import datetime, timedelta
from typing import Any

import httpx

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


class SmtpSink:
    """A real SMTP server (aiosmtpd, 127.0.0.1 port 0) counting every message it accepts."""

    def __init__(self, delay: float = 0.0) -> None:
        import asyncio
        import threading

        from aiosmtpd.smtp import SMTP

        self.subjects: list[str] = []
        self.delay = delay
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                from email import message_from_bytes

                if sink.delay:
                    await asyncio.sleep(sink.delay)
                with sink._lock:
                    sink.subjects.append(str(message_from_bytes(envelope.content)["Subject"]))
                return "250 accepted"

        async def serve() -> Any:
            return await self._loop.create_server(lambda: SMTP(Handler(), hostname="sink.example"),
                                                  "127.0.0.1", 0)

        self._server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]

    def count(self) -> int:
        with self._lock:
            return len(self.subjects)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def seed_instances(app: Any, body: dict[str, Any], count: int,
                   chunk: int = 500) -> list[int]:
    """Save `body` and start it on `count` new contacts (NAME "LEAD n", leadn@example.com).

    Contacts have no pipeline, so no stage robots slow the seeding down.
    """
    from app.db import transaction
    from app.services import instances, records, templates
    from app.services.record_events import Origin

    with app.app_context():
        with transaction(app) as session:
            tpl = templates.create_template(session, body, None, enabled=False)
        ids: list[int] = []
        for first in range(0, count, chunk):
            with transaction(app) as session:
                for number in range(first, min(count, first + chunk)):
                    record = records.create_record(
                        session, "contact", {"NAME": f"LEAD {number}",
                                          "EMAIL": f"lead{number}@example.com"},
                        None, Origin.user(None))
                    ids.append(instances.start_instance(session, tpl, record).id)
        return ids


def statuses(app: Any, ids: list[int]) -> dict[str, int]:
    """How many of these instances are in each status."""
    from sqlalchemy import func, select

    from app.db import read_transaction
    from app.models.processes import Instance

    with read_transaction(app) as session:
        rows = session.execute(select(Instance.status, func.count()).where(
            Instance.id.in_(ids)).group_by(Instance.status)).all()
    return {status: count for status, count in rows}


def wait_until(predicate: Any, timeout: float, every: float = 0.2) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds passed."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


def bizflow_process(args: list[str], env: dict[str, str], cwd: Any) -> Any:
    """Start `bizflow ARGS` as a subprocess of this test (output to a log file in cwd)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    executable = Path(sys.executable).with_name("bizflow")
    log = open(Path(cwd) / f"bizflow-{args[0]}-{os.getpid()}-{id(args)}.log", "ab")  # noqa: SIM115
    return subprocess.Popen([str(executable), *args], cwd=str(cwd), stdout=log,
                            stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **env})


def mail_env(database_url: str, sink: SmtpSink) -> dict[str, str]:
    """Environment of a bizflow subprocess: this database, mail to the sink."""
    return {"BIZFLOW_DATABASE_URL": database_url, "BIZFLOW_SMTP_HOST": "127.0.0.1",
            "BIZFLOW_SMTP_PORT": str(sink.port), "BIZFLOW_SMTP_TLS": "none",
            "BIZFLOW_MAIL_FROM": "bizflow@example.com", "BIZFLOW_EXECUTOR": "embedded",
            "BIZFLOW_SECRET_KEY": "test", "BIZFLOW_ADMIN_PASSWORD": "test-admin-password",
            "BIZFLOW_API_TOKEN": "test-admin-token"}


def timer_then_mail(delay: dict[str, str]) -> dict[str, Any]:
    """delay -> an e-mail to the lead -> end: each instance sends exactly one message."""
    return template(
        [node("pause", "delay", **delay),
         node("mail", "email", to=["{=Document:EMAIL}"], subject="{=Document:NAME}",
              body="hello"), {"id": "done", "type": "end"}],
        [("start", "pause"), ("pause", "mail"), ("mail", "done")], name="Timer then mail",
        document_type="contact")


def clone_waiting_instances(app: Any, body: dict[str, Any], count: int,
                            fields_of: Any = None, due: Any = None) -> list[int]:
    """`count` instances of `body` waiting on its first timer, made fast: one instance is
    started through the services, then its rows (record, instance state, timer wait) are
    copied with bulk inserts. `fields_of(n)` gives the n-th record's fields (default
    NAME "LEAD n", EMAIL leadn@example.com); `due(n)` its timer's moment (default: the
    model's). Every resume afterwards goes through the real path."""
    from sqlalchemy import insert, select

    from app.db import transaction
    from app.models.processes import Instance, InstanceLogEntry, Wait
    from app.models.records import Record
    from app.services import instances, records, templates
    from app.services.record_events import Origin

    fields_of = fields_of or (lambda n: {"NAME": f"LEAD {n}", "EMAIL": [
        {"VALUE": f"lead{n}@example.com", "VALUE_TYPE": "WORK"}]})
    document_type = body["document_type"]
    with app.app_context(), transaction(app) as session:
        tpl = templates.create_template(session, body, None, enabled=False)
        model = instances.start_instance(session, tpl, records.create_record(
            session, document_type, fields_of(0), None, Origin.user(None)))
        wait = session.scalar(select(Wait).where(Wait.instance_id == model.id))
        assert wait is not None and wait.kind == "timer", "the template must start on a timer"
        pattern = {"state": model.state, "current_nodes": model.current_nodes,
                   "token": wait.token, "node": wait.node, "request": wait.request,
                   "due_at": wait.due_at}
        for table in (Wait, InstanceLogEntry):
            session.execute(table.__table__.delete().where(table.instance_id == model.id))
        session.execute(Instance.__table__.delete().where(Instance.id == model.id))
    ids: list[int] = []
    now = utcnow()
    for first in range(0, count, 2000):
        numbers = range(first, min(count, first + 2000))
        with transaction(app) as session:
            record_ids = session.scalars(insert(Record).returning(
                Record.id, sort_by_parameter_order=True), [
                {"document_type": document_type, "fields": fields_of(n), "created_at": now,
                 "modified_at": now, "version": 1} for n in numbers]).all()
            instance_ids = session.scalars(insert(Instance).returning(
                Instance.id, sort_by_parameter_order=True), [
                {"template_id": tpl.id, "template_version": tpl.version,
                 "document_type": document_type, "document_id": record_id,
                 "status": "waiting", "state": pattern["state"],
                 "current_nodes": pattern["current_nodes"], "variables": {},
                 "parameters": {}, "steps": 1, "started_at": now, "updated_at": now,
                 "lock_version": 1} for record_id in record_ids]).all()
            rows = []
            for n, instance_id in zip(numbers, instance_ids, strict=True):
                moment = due(n) if due is not None else pattern["due_at"]
                rows.append({"instance_id": instance_id, "token": pattern["token"],
                             "node": pattern["node"], "kind": "timer",
                             "request": {**pattern["request"], "due": moment.isoformat()},
                             "due_at": moment, "state": "open", "created_at": now})
            session.execute(insert(Wait), rows)
            ids.extend(instance_ids)
    return ids


BOOT_SECONDS = 120
TOKEN = {"Authorization": "Bearer test-admin-token"}
# One client for the whole module: each new one would load the CA bundle again.
HTTP = httpx.Client(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`bizflow serve` on a free port, started and killed by the test."""

    def __init__(self, env: dict[str, str], cwd) -> None:
        self.env, self.cwd = env, cwd
        self.port = free_port()
        self.process = None

    def start(self) -> Server:
        self.process = bizflow_process(["serve", "--port", str(self.port)], self.env, self.cwd)
        assert wait_until(self.healthy, BOOT_SECONDS, every=0.3), "bizflow serve did not start"
        return self

    def healthy(self) -> bool:
        assert self.process.poll() is None, "bizflow serve exited"
        try:
            return HTTP.get(self.url("/api/v1/health"), timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


