"""`bizflow serve` from nothing: migrates, creates the admin, prints how to log in, serves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.Popen, str, list[str]]:
    environment = {**os.environ, "PYTHONPATH": str(REPO), "BIZFLOW_SECRET_KEY": "s", **env}
    for name in ("BIZFLOW_DATABASE_URL", "BIZFLOW_ADMIN_PASSWORD", "BIZFLOW_API_TOKEN",
                 "BIZFLOW_SMTP_HOST", "BIZFLOW_REDIS_URL"):
        if name not in env:
            environment.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", "0",
         *args], cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Ctrl+C" in line:
            match = re.search(r"http://127\.0\.0\.1:(\d+)/", lines[0])
            return process, f"http://127.0.0.1:{match.group(1)}", lines
    process.kill()
    pytest.fail("bizflow serve did not start: " + "".join(lines))


def test_serve_creates_the_database_and_the_admin_and_prints_the_password(tmp_path):
    process, base, lines = _start(tmp_path, "--demo")
    try:
        output = "".join(lines)
        password = re.search(r"as 'admin' with the password (\S+)", output).group(1)
        assert f"{base}/login" in output
        assert (tmp_path / "instance" / "bizflow.sqlite3").exists()
        with httpx.Client(base_url=base, follow_redirects=False) as http:
            assert http.get("/api/v1/health").json() == {"status": "ok"}
            assert http.get("/api/v1/leads").status_code == 401
            login = http.post("/login", data={"login": "admin", "password": password})
            assert login.status_code == 302
            leads = http.get("/api/v1/leads").json()
            assert leads["total"] >= 3          # demo records
            users = http.get("/api/v1/users").json()
            assert {"anna", "minh", "claire"} <= {u["fields"]["LOGIN"] for u in users["items"]}
            # Socket.IO answers over long-polling under waitress
            handshake = http.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
            assert handshake.status_code == 200 and handshake.text.startswith("0{")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_uses_the_configured_password_and_token(tmp_path):
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = {"BIZFLOW_DATABASE_URL": database, "BIZFLOW_ADMIN_PASSWORD": "chosen-password",
           "BIZFLOW_API_TOKEN": "chosen-token"}
    process, base, lines = _start(tmp_path, **env)
    try:
        assert "chosen-password" not in "".join(lines)
        headers = {"Authorization": "Bearer chosen-token"}
        with httpx.Client(base_url=base) as http:
            created = http.post("/api/v1/leads", json={"fields": {"TITLE": "x"}},
                                headers=headers)
            assert created.status_code == 201
            login = http.post("/login", data={"login": "admin",
                                              "password": "chosen-password"},
                              follow_redirects=False)
            assert login.status_code == 302
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_db_upgrade_creates_the_schema(tmp_path):
    import sqlite3

    from app import create_app
    from app.commands.server import db_group
    from app.db import get_engine
    from tests.conftest import app_config

    database = tmp_path / "upgraded.sqlite3"
    fresh = create_app(app_config(f"sqlite:///{database}", tmp_path))
    result = fresh.test_cli_runner().invoke(db_group, ["upgrade"])
    get_engine(fresh).dispose()
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"records", "users", "roles", "api_tokens", "custom_fields",
            "alembic_version"} <= tables


def test_users_commands_reset_a_password_and_issue_a_token(app):
    from app.commands.server import users_group
    from app.db import read_transaction
    from app.services.users import authenticate

    runner = app.test_cli_runner()
    result = runner.invoke(users_group, ["set-password", "admin"])
    assert result.exit_code == 0, result.output
    password = result.output.strip().rsplit(": ", 1)[1]
    token = runner.invoke(users_group, ["token", "admin"]).output.strip()
    with app.app_context(), read_transaction(app) as session:
        assert authenticate(session, "admin", password) is not None
    response = app.test_client().get("/api/v1/leads",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    missing = runner.invoke(users_group, ["token", "nobody"])
    assert missing.exit_code != 0 and "nobody" in missing.output
