"""Instances over the REST API: exact shape, filters, waits, terminate, versions kept."""

from __future__ import annotations

import pytest

INSTANCE_KEYS = {"id", "template_id", "template_version", "document_type", "document_id",
                 "status", "current_nodes", "variables", "error", "started_at", "finished_at",
                 "log"}


def waiting_template(name: str = "Wait a day", auto_start: list[str] | None = None) -> dict:
    return {
        "format": "bizflow.template/1", "name": name, "document_type": "lead",
        "auto_start": auto_start if auto_start is not None else ["create"],
        "variables": [{"id": "Stage", "title": "Stage", "type": "string", "default": None}],
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "mark", "type": "set_variable", "properties": {"values": {"Stage": "asleep"}}},
            {"id": "sleep", "type": "delay", "properties": {"for": "1d"}},
            {"id": "done", "type": "end"},
        ],
        "edges": [{"from": "start", "to": "mark"}, {"from": "mark", "to": "sleep"},
                  {"from": "sleep", "to": "done"}],
    }


def test_an_instance_has_exactly_the_spec_keys_and_waits_on_its_timer(api):
    template_id = api.post("/templates", waiting_template()).get_json()["id"]
    lead = api.post("/leads", {"fields": {"TITLE": "sleepy"}}).get_json()
    instance = api.get(f"/instances/{lead['started_instances'][0]}").get_json()
    assert set(instance) == INSTANCE_KEYS
    assert instance["status"] == "waiting"
    assert instance["current_nodes"] == ["sleep"]
    assert instance["variables"] == {"Stage": "asleep"}
    assert instance["error"] is None and instance["finished_at"] is None
    assert instance["template_id"] == template_id
    assert [entry["node"] for entry in instance["log"]] == ["start", "mark", "sleep"]
    assert all(set(entry) == {"at", "node", "type", "message"} for entry in instance["log"])


@pytest.mark.both_databases
def test_list_filters(api):
    waiting_id = api.post("/templates", waiting_template()).get_json()["id"]
    quick_id = api.post("/templates", {
        "format": "bizflow.template/1", "name": "Quick", "document_type": "lead",
        "auto_start": ["create"],
        "nodes": [{"id": "start", "type": "start"}, {"id": "done", "type": "end"}],
        "edges": [{"from": "start", "to": "done"}]}).get_json()["id"]
    first = api.post("/leads", {"fields": {"TITLE": "one"}}).get_json()
    api.post("/leads", {"fields": {"TITLE": "two"}})

    everything = api.get("/instances").get_json()
    assert everything["total"] == 4 and len(everything["items"]) == 4
    assert set(everything["items"][0]) == INSTANCE_KEYS - {"log"}
    by_template = api.get(f"/instances?template_id={quick_id}").get_json()
    assert by_template["total"] == 2
    assert {item["status"] for item in by_template["items"]} == {"completed"}
    by_document = api.get(f"/instances?document_id={first['id']}&document_type=lead").get_json()
    assert by_document["total"] == 2
    waiting = api.get("/instances?status=waiting").get_json()["items"]
    assert {item["template_id"] for item in waiting} == {waiting_id}
    assert api.get("/instances?limit=1").get_json()["total"] == 4
    assert len(api.get("/instances?limit=1").get_json()["items"]) == 1
    assert api.get("/instances?status=sleeping").status_code == 400
    assert api.get("/instances?template_id=abc").status_code == 400
    assert api.get("/instances/999999").status_code == 404


@pytest.mark.both_databases
def test_terminate_stops_a_waiting_instance(api):
    api.post("/templates", waiting_template())
    lead = api.post("/leads", {"fields": {"TITLE": "stop me"}}).get_json()
    instance_id = lead["started_instances"][0]
    stopped = api.post(f"/instances/{instance_id}/terminate")
    assert stopped.status_code == 200
    body = stopped.get_json()
    assert body["status"] == "terminated" and body["finished_at"] is not None
    assert body["current_nodes"] == []
    assert api.post(f"/instances/{instance_id}/terminate").status_code == 409


def test_an_instance_keeps_the_version_it_started_on(api):
    template_id = api.post("/templates", waiting_template("v1")).get_json()["id"]
    old = api.post("/leads", {"fields": {"TITLE": "old"}}).get_json()["started_instances"][0]
    saved = api.call("PUT", f"/templates/{template_id}",
                     json={"version": 1, "template": waiting_template("v2")})
    assert saved.status_code == 200
    new = api.post("/leads", {"fields": {"TITLE": "new"}}).get_json()["started_instances"][0]
    assert api.get(f"/instances/{old}").get_json()["template_version"] == 1
    assert api.get(f"/instances/{new}").get_json()["template_version"] == 2


def test_deleting_a_template_keeps_its_instances(api):
    template_id = api.post("/templates", waiting_template()).get_json()["id"]
    lead = api.post("/leads", {"fields": {"TITLE": "orphan"}}).get_json()
    assert api.delete(f"/templates/{template_id}").status_code == 204
    instance = api.get(f"/instances/{lead['started_instances'][0]}").get_json()
    assert instance["status"] == "waiting"
    assert api.post("/leads", {"fields": {"TITLE": "after"}}).get_json()["started_instances"] == []


def test_each_committed_step_is_published_to_the_instance_room(app, api, monkeypatch):
    import app.realtime as realtime
    from app.db import transaction
    from app.services.record_events import Origin
    from app.services.records import create_record

    published = []
    monkeypatch.setattr(realtime, "publish",
                        lambda event, payload, room=None: published.append((event, payload, room)))
    api.post("/templates", waiting_template())
    lead = api.post("/leads", {"fields": {"TITLE": "live"}}).get_json()
    instance_id = lead["started_instances"][0]
    events = [(payload["id"], payload["status"], room)
              for event, payload, room in published if event == "instance"]
    assert events == [(instance_id, "waiting", f"instance:{instance_id}")]

    published.clear()
    with pytest.raises(RuntimeError), transaction(app) as session:
        create_record(session, "lead", {"TITLE": "rolled back"}, None, Origin("system"))
        raise RuntimeError("the caller's transaction fails after the step")
    assert [event for event, _payload, _room in published if event == "instance"] == []
    assert api.get("/instances").get_json()["total"] == 1
