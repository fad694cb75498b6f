"""Real SMTP delivery: the seeds' flow end to end, retries, no duplicates, crash recovery."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.db import transaction
from app.models.base import utcnow
from app.models.processes import OutboxMessage
from app.services import outbox
from app.worker import start_embedded, stop_embedded

SEED_TEMPLATE = Path(__file__).parents[2] / "templates_bp" / "assign_responsible.json"
HEADERS = {"Authorization": "Bearer test-admin-token"}


def post(client, path, body):
    response = client.post(f"/api/v1{path}", json=body, headers=HEADERS)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def get(client, path):
    response = client.get(f"/api/v1{path}", headers=HEADERS)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def managers(client) -> dict[str, dict]:
    """Three managers with e-mail addresses, and the seeds' template pointing at them."""
    people = {}
    for key, login in (("euro", "eva"), ("big", "boris"), ("small", "sam")):
        user = post(client, "/users", {
            "fields": {"LOGIN": login, "NAME": login.title(), "LAST_NAME": "Manager",
                       "EMAIL": f"{login}@example.com"}, "roles": [], "password": "a-password-1"})
        people[key] = {"id": user["id"], "email": f"{login}@example.com"}
    body = json.loads(SEED_TEMPLATE.read_text())
    values = {"EuroManager": people["euro"]["id"], "BigDealManager": people["big"]["id"],
              "SmallDealManager": people["small"]["id"]}
    for constant in body["constants"]:
        constant["value"] = values[constant["id"]]
    post(client, "/templates/import", body)
    return people


@pytest.mark.both_databases
def test_a_new_lead_is_assigned_and_its_manager_gets_a_real_email(app, client, managers,
                                                                  smtp_sink):
    cases = (("Paris order", "EUR", 100, "euro"), ("Big one", "USD", 900, "big"),
             ("Small one", "USD", 500, "small"))
    for title, currency, amount, manager in cases:
        lead = post(client, "/leads", {"fields": {
            "TITLE": title, "CURRENCY_ID": currency, "OPPORTUNITY": amount}})
        assert lead["fields"]["ASSIGNED_BY_ID"] == managers[manager]["id"]
        assert len(lead["started_instances"]) == 1

    pending = get(client, "/outbox?state=pending")
    assert pending["total"] == 3
    assert outbox.deliver_due_messages(app)["sent"] == 3

    received = {message["Subject"]: (rcpt, message) for rcpt, message in smtp_sink.messages}
    for title, _currency, amount, manager in cases:
        rcpt, message = received[f"New lead: {title}"]
        assert rcpt == [managers[manager]["email"]]
        assert message["To"] == managers[manager]["email"]
        assert message["From"] == "bizflow@example.com"
        assert f"Amount: {amount}" in message.get_payload()
    states = [item["state"] for item in get(client, "/outbox")["items"]]
    assert states == ["sent", "sent", "sent"]
    # Running the job again sends nothing more.
    assert outbox.deliver_due_messages(app)["sent"] == 0
    assert len(smtp_sink.messages) == 3


@pytest.mark.both_databases
def test_concurrent_delivery_jobs_never_send_a_message_twice(app, client, managers, smtp_sink,
                                                             monkeypatch):
    monkeypatch.setattr(outbox, "CLAIM_BATCH", 1)   # the jobs interleave message by message
    for number in range(12):
        post(client, "/leads", {"fields": {"TITLE": f"Lead {number}", "CURRENCY_ID": "EUR"}})
    errors: list[BaseException] = []

    def job() -> None:
        try:
            outbox.deliver_due_messages(app)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=job) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ids = smtp_sink.message_ids()
    assert len(ids) == 12 and len(set(ids)) == 12
    with transaction(app) as session:
        attempts = session.scalars(select(OutboxMessage.attempts)).all()
    assert attempts == [1] * 12
    assert get(client, "/outbox?state=sent")["total"] == 12


@pytest.mark.both_databases
def test_a_message_left_sending_by_a_crash_is_sent_once_with_the_same_message_id(
        app, client, managers, smtp_sink):
    post(client, "/leads", {"fields": {"TITLE": "Crash", "CURRENCY_ID": "EUR"}})
    # A worker claims the message and dies before sending it.
    with transaction(app) as session:
        _token, claimed = outbox.claim_messages(session, ("email",))
    assert len(claimed) == 1
    message_id = claimed[0].payload["message_id"]

    assert outbox.deliver_due_messages(app)["sent"] == 0   # its lease still holds
    assert smtp_sink.messages == []
    with transaction(app) as session:
        session.execute(update(OutboxMessage).values(
            claimed_at=utcnow() - outbox.SENDING_LEASE - timedelta(seconds=1)))
    assert outbox.deliver_due_messages(app)["sent"] == 1
    assert outbox.deliver_due_messages(app)["sent"] == 0
    assert smtp_sink.message_ids() == [message_id]
    (item,) = get(client, "/outbox")["items"]
    assert item["state"] == "sent" and item["attempts"] == 2


def test_a_temporary_refusal_is_retried_with_back_off(app, client, managers, smtp_sink):
    post(client, "/leads", {"fields": {"TITLE": "Later", "CURRENCY_ID": "EUR"}})
    smtp_sink.refuse.append("451 4.3.0 try again later")
    assert outbox.deliver_due_messages(app)["retry"] == 1
    (item,) = get(client, "/outbox")["items"]
    assert item["state"] == "pending" and item["attempts"] == 1
    assert "451" in item["last_error"]
    assert outbox.deliver_due_messages(app)["sent"] == 0     # not due yet (back-off)
    with transaction(app) as session:
        session.execute(update(OutboxMessage).values(
            next_attempt_at=utcnow() - timedelta(seconds=1)))
    assert outbox.deliver_due_messages(app)["sent"] == 1
    assert len(smtp_sink.messages) == 1


def test_a_permanent_refusal_fails_the_message(app, client, managers, smtp_sink):
    post(client, "/leads", {"fields": {"TITLE": "Never", "CURRENCY_ID": "EUR"}})
    smtp_sink.refuse.append("550 5.1.1 no such mailbox")
    assert outbox.deliver_due_messages(app)["failed"] == 1
    (item,) = get(client, "/outbox")["items"]
    assert item["state"] == "failed" and "550" in item["last_error"]


def test_the_embedded_worker_delivers_right_after_the_step_commits(app, client, managers,
                                                                   smtp_sink):
    worker = start_embedded(app, poll_seconds=30.0)
    try:
        time.sleep(0.2)   # the worker's first round runs on an empty outbox
        post(client, "/leads", {"fields": {"TITLE": "Fast", "CURRENCY_ID": "EUR"}})
        deadline = time.monotonic() + 10
        while not smtp_sink.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop_embedded(app)
    assert not worker.alive
    assert [message["Subject"] for _rcpt, message in smtp_sink.messages] == ["New lead: Fast"]
    with transaction(app) as session:
        assert session.scalar(select(OutboxMessage.state)) == "sent"


def test_undeliverable_mail_goes_out_once_smtp_is_configured(app, client, managers, smtp_sink):
    configured = {key: app.config[key] for key in ("SMTP_HOST", "SMTP_PORT")}
    app.config["SMTP_HOST"] = None
    post(client, "/leads", {"fields": {"TITLE": "Patience", "CURRENCY_ID": "EUR"}})
    assert outbox.deliver_due_messages(app)["undeliverable"] == 1
    assert get(client, "/outbox")["items"][0]["state"] == "undeliverable"

    app.config.update(configured)
    assert outbox.deliver_due_messages(app)["sent"] == 1
    assert [message["Subject"] for _rcpt, message in smtp_sink.messages] == ["New lead: Patience"]
    assert get(client, "/outbox")["items"][0]["state"] == "sent"
