"""The outbox over the REST API: messages written by run steps, visible with their state."""

from __future__ import annotations

import pytest

from app.services.outbox import deliver_due_messages


def mail_template() -> dict:
    return {
        "format": "bizflow.template/1", "name": "Tell the owner", "document_type": "lead",
        "auto_start": ["create"],
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "mail", "type": "email", "properties": {
                "to": ["{=Document:ASSIGNED_BY_ID}", "boss@example.com"],
                "subject": "Lead {=Document:TITLE}", "body": "Hello"}},
            {"id": "ping", "type": "notify", "properties": {
                "to": ["{=Document:ASSIGNED_BY_ID}"], "text": "new lead"}},
            {"id": "done", "type": "end"},
        ],
        "edges": [{"from": "start", "to": "mail"}, {"from": "mail", "to": "ping"},
                  {"from": "ping", "to": "done"}],
    }


@pytest.mark.both_databases
def test_mail_waits_visibly_in_the_outbox_without_smtp(app, api):
    owner = api.post("/users", {"fields": {"LOGIN": "owner", "NAME": "O", "LAST_NAME": "W",
                                           "EMAIL": "owner@example.com"},
                                "roles": [], "password": "owner-password"}).get_json()
    api.post("/templates", mail_template())
    lead = api.post("/leads", {"fields": {"TITLE": "Hi", "ASSIGNED_BY_ID": owner["id"]}})
    instance_id = lead.get_json()["started_instances"][0]

    listed = api.get("/outbox").get_json()
    assert listed["total"] == 2
    by_kind = {item["kind"]: item for item in listed["items"]}
    email = by_kind["email"]
    assert email["instance_id"] == instance_id and email["state"] == "pending"
    assert email["payload"]["to"] == ["owner@example.com", "boss@example.com"]
    assert email["payload"]["subject"] == "Lead Hi"
    assert email["idempotency_key"].startswith(f"{instance_id}:")
    assert by_kind["notify"]["payload"]["to"] == [owner["id"]]

    counts = deliver_due_messages(app)
    assert counts["undeliverable"] == 1 and counts["sent"] == 1   # the notification went out
    email = api.get("/outbox?kind=email").get_json()["items"][0]
    assert email["state"] == "undeliverable"
    assert "BIZFLOW_SMTP_HOST" in email["last_error"]
    assert api.get("/outbox?state=undeliverable").get_json()["total"] == 1
    assert api.get("/outbox?state=lost").status_code == 400


def test_the_outbox_needs_authentication(anonymous_api):
    assert anonymous_api.get("/outbox").status_code == 401


def test_role_recipients_resolve_to_their_members_emails(api):
    for login in ("ann", "bob"):
        created = api.post("/users", {"fields": {"LOGIN": login, "NAME": login, "LAST_NAME": "S",
                                                 "EMAIL": f"{login}@example.com"},
                                      "roles": ["sales"], "password": "sales-password"})
        assert created.status_code == 201, created.get_json()
    body = mail_template()
    body["nodes"][1]["properties"]["to"] = ["role:sales"]
    api.post("/templates", body)
    api.post("/leads", {"fields": {"TITLE": "Team"}})
    email = api.get("/outbox?kind=email").get_json()["items"][0]
    assert sorted(email["payload"]["to"]) == ["ann@example.com", "bob@example.com"]
