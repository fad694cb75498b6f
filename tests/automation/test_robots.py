"""Robots per stage: the list API, validation, compiled template, and running on stage entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from automation_api import (
    create,
    fire_timers,
    history_of,
    instances_of,
    open_timers,
    put_robots,
)

HISTORY = {"type": "history", "properties": {"text": "entered {=Document:TITLE}"}}


def _comment(text: str, **extra):
    return {"type": "modify_fields", "properties": {"fields": {"COMMENTS": text}}, **extra}


def test_robot_list_round_trip_and_stale_version(api):
    empty = api.get("/automation/lead/stages/IN_PROCESS/robots").get_json()
    assert empty["version"] == 0 and empty["robots"] == []
    saved = put_robots(api, "lead", "IN_PROCESS", [HISTORY, _comment("x")])
    assert saved["version"] == 1
    assert [r["id"] for r in saved["robots"]] == ["R1", "R2"]
    assert saved["robots"][0]["timing"]["mode"] == "immediately"
    again = api.get("/automation/lead/stages/IN_PROCESS/robots").get_json()
    assert again["robots"] == saved["robots"]
    stale = api.put("/automation/lead/stages/IN_PROCESS/robots",
                    {"version": 0, "robots": []})
    assert stale.status_code == 409
    assert api.get("/automation/lead/stages/NOWHERE/robots").status_code == 404


def test_invalid_robots_are_refused_naming_robot_and_field(api):
    cases = [
        ({"id": "a", "type": "fly"}, "type"),
        ({"id": "a", "type": "history", "properties": {"text": "x"},
          "timing": {"mode": "after", "interval": "soon"}}, "timing.interval"),
        ({"id": "a", "type": "history", "properties": {"text": "x"},
          "timing": {"mode": "before", "interval": "1d", "field": "TITLE"}}, "timing.field"),
        ({"id": "a", "type": "history", "properties": {"text": "x", "colour": 1}},
         "properties.colour"),
        ({"id": "a", "type": "notify", "properties": {}}, "properties.text"),
        ({"id": "a", "type": "history", "properties": {"text": "x"},
          "condition": {"left": "{=Document:NOPE}", "op": "=", "right": 1}}, "condition"),
        ({"id": "a", "type": "modify_fields", "properties": {"fields": {"NOPE": 1}}},
         "properties.fields.NOPE"),
    ]
    for robot, field in cases:
        response = api.put("/automation/lead/stages/NEW/robots",
                           {"version": 0, "robots": [robot]})
        assert response.status_code == 400, (robot, response.get_json())
        details = response.get_json()["error"]["details"]
        assert any(d["robot"] == "a" and d["field"] == field for d in details), (field, details)


def test_stage_template_is_a_valid_template(api):
    put_robots(api, "deal", "PREPARATION", [
        HISTORY, _comment("later", timing={"mode": "after", "interval": "2h"},
                          after_previous=True),
        {"type": "notify", "properties": {"text": "big"},
         "condition": {"left": "{=Document:OPPORTUNITY}", "op": ">", "right": 500}},
    ])
    template = api.get("/automation/deal/stages/PREPARATION/template").get_json()
    assert template["format"] == "bizflow.template/1"
    types = {node["type"] for node in template["nodes"]}
    assert {"start", "parallel", "delay", "condition", "log", "modify_document",
            "notify"} <= types
    assert api.post("/templates/validate", template).get_json()["valid"] is True


def test_entering_a_stage_runs_its_robots_and_history_shows_it(api, app):
    put_robots(api, "lead", "IN_PROCESS", [HISTORY, _comment("robot was here")])
    lead = create(api, "leads", TITLE="Acme")
    assert lead["started_instances"] == []
    response = api.patch(f"/leads/{lead['id']}", {"fields": {"STATUS_ID": "IN_PROCESS"}})
    assert len(response.get_json()["started_instances"]) == 1
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["COMMENTS"] == "robot was here"
    history = history_of(app, "lead", lead["id"])
    kinds = [item["kind"] for item in history]
    assert "stage_change" in kinds and "robot" in kinds
    change = next(i for i in history if i["kind"] == "stage_change" and
                  i["data"]["to"] == "IN_PROCESS")
    assert change["data"]["from"] == "NEW" and change["user_id"] == 1
    assert any("entered Acme" in item["message"] for item in history)


def test_a_new_record_runs_the_robots_of_its_first_stage(api):
    put_robots(api, "lead", "NEW", [_comment("welcome")])
    lead = create(api, "leads", TITLE="Newcomer")
    assert len(lead["started_instances"]) == 1
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"]["COMMENTS"] == "welcome"


@pytest.mark.both_databases
def test_leaving_a_stage_cancels_robots_not_yet_run(api, app):
    put_robots(api, "lead", "IN_PROCESS", [
        _comment("too late", timing={"mode": "after", "interval": "1d"})])
    lead = create(api, "leads", TITLE="Mover", STATUS_ID="IN_PROCESS")
    (instance,) = instances_of(api, "lead", lead["id"])
    assert instance["status"] == "waiting"
    api.patch(f"/leads/{lead['id']}", {"fields": {"STATUS_ID": "PROCESSED"}})
    (instance,) = instances_of(api, "lead", lead["id"])
    assert instance["status"] == "terminated"
    assert fire_timers(app, instance["id"], datetime.now(UTC) + timedelta(days=2)) == 0
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"].get("COMMENTS") is None


@pytest.mark.both_databases
def test_after_interval_and_after_previous_run_in_order(api, app):
    put_robots(api, "lead", "IN_PROCESS", [
        {"type": "wait", "properties": {"for": "1h"}},
        _comment("after the wait", after_previous=True),
        {"type": "modify_fields", "properties": {"fields": {"POST": "at once"}}},
    ])
    lead = create(api, "leads", TITLE="Chain", STATUS_ID="IN_PROCESS")
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["POST"] == "at once"            # not chained: runs immediately
    assert fields.get("COMMENTS") is None        # chained after the 1h wait
    (instance,) = instances_of(api, "lead", lead["id"])
    (due,) = open_timers(app, instance["id"])
    assert timedelta(minutes=59) < due - datetime.now(UTC) <= timedelta(hours=1)
    assert fire_timers(app, instance["id"], due + timedelta(seconds=1)) == 1
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["COMMENTS"] == "after the wait"


def test_before_a_date_field_waits_until_that_date_minus_the_interval(api, app):
    put_robots(api, "deal", "EXECUTING", [
        _comment("reminder", timing={"mode": "before", "interval": "1d", "field": "CLOSEDATE"})])
    deal = create(api, "deals", TITLE="Due soon", STAGE_ID="EXECUTING",
                  CLOSEDATE="2031-05-10")
    (instance,) = instances_of(api, "deal", deal["id"])
    (due,) = open_timers(app, instance["id"])
    assert due == datetime(2031, 5, 9, tzinfo=UTC)
    fire_timers(app, instance["id"], due)
    assert api.get(f"/deals/{deal['id']}").get_json()["fields"]["COMMENTS"] == "reminder"
    # Without the date the robot is skipped rather than run at once.
    undated = create(api, "deals", TITLE="No date", STAGE_ID="EXECUTING")
    assert api.get(f"/deals/{undated['id']}").get_json()["fields"].get("COMMENTS") is None
    assert instances_of(api, "deal", undated["id"])[0]["status"] == "completed"


def test_a_robot_runs_only_when_its_condition_holds(api):
    put_robots(api, "deal", "NEW", [_comment("big deal", condition={
        "left": "{=Document:OPPORTUNITY}", "op": ">", "right": "500"})])
    small = create(api, "deals", TITLE="Small", OPPORTUNITY=100)
    big = create(api, "deals", TITLE="Big", OPPORTUNITY=900)
    assert api.get(f"/deals/{small['id']}").get_json()["fields"].get("COMMENTS") is None
    assert api.get(f"/deals/{big['id']}").get_json()["fields"]["COMMENTS"] == "big deal"


@pytest.mark.both_databases
def test_a_change_stage_robot_hands_over_to_the_next_stage(api):
    put_robots(api, "lead", "NEW", [
        {"type": "change_stage", "properties": {"stage": "IN_PROCESS"}},
        _comment("never: the record left", after_previous=True)])
    put_robots(api, "lead", "IN_PROCESS", [
        {"type": "modify_fields", "properties": {"fields": {"POST": "next stage ran"}}}])
    lead = create(api, "leads", TITLE="Handover")
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["STATUS_ID"] == "IN_PROCESS"
    assert fields["POST"] == "next stage ran"
    assert fields.get("COMMENTS") is None
    statuses = [i["status"] for i in instances_of(api, "lead", lead["id"])]
    assert statuses == ["terminated", "completed"]


def test_sms_goes_through_the_provider_and_delete_removes_junk(api, app):
    put_robots(api, "lead", "IN_PROCESS", [
        {"type": "sms_client", "properties": {"text": "Hello {=Document:NAME}"}}])
    lead = create(api, "leads", TITLE="Texted", NAME="Ann", PHONE="+33 1 23 45 67 89",
                  STATUS_ID="IN_PROCESS")
    history = history_of(app, "lead", lead["id"])
    assert any(i["kind"] == "sms" and "+33 1 23 45 67 89: Hello Ann" in i["message"]
               for i in history)
    put_robots(api, "lead", "JUNK", [{"type": "delete_record"}])
    api.patch(f"/leads/{lead['id']}", {"fields": {"STATUS_ID": "JUNK"}})
    assert api.get(f"/leads/{lead['id']}").status_code == 404


def test_create_from_source_makes_a_deal_from_the_lead(api):
    put_robots(api, "lead", "CONVERTED", [
        {"type": "create_from_source", "properties": {"target": "deal"}}])
    lead = create(api, "leads", TITLE="Convert me", OPPORTUNITY=700, CURRENCY_ID="EUR",
                  STATUS_ID="CONVERTED")
    deals = api.get(f"/deals?LEAD_ID={lead['id']}").get_json()["items"]
    assert len(deals) == 1
    assert deals[0]["fields"]["OPPORTUNITY"] == 700
    assert deals[0]["fields"]["TITLE"] == "Convert me"


def test_control_robot_alerts_when_the_record_stays_too_long(api, app):
    put_robots(api, "lead", "NEW", [{"type": "control", "properties": {"interval": "3d"}}])
    lead = create(api, "leads", TITLE="Forgotten")
    (instance,) = instances_of(api, "lead", lead["id"])
    (due,) = open_timers(app, instance["id"])
    assert fire_timers(app, instance["id"], due) == 1
    outbox = api.get("/outbox").get_json()["items"]
    assert any(m["kind"] == "notify" and "Forgotten has been in stage NEW" in
               m["payload"]["text"] for m in outbox)


def test_work_time_timing_counts_business_hours(api):
    put_robots(api, "lead", "NEW", [_comment("x", timing={"mode": "after", "interval": "2h",
                                                          "work_time": True})])
    template = api.get("/automation/lead/stages/NEW/template").get_json()
    (delay,) = [n for n in template["nodes"] if n["type"] == "delay"]
    assert delay["properties"] == {"for": "2h", "business_hours": True}


def test_deleting_a_record_cancels_its_waiting_robots(api):
    put_robots(api, "lead", "NEW", [_comment("later", timing={"mode": "after",
                                                              "interval": "1h"})])
    lead = create(api, "leads", TITLE="Short-lived")
    assert api.delete(f"/leads/{lead['id']}").status_code in (200, 204)
    (instance,) = instances_of(api, "lead", lead["id"])
    assert instance["status"] == "terminated"


def test_a_robot_setting_the_stage_field_hands_over_like_change_stage(api):
    put_robots(api, "lead", "NEW", [
        {"type": "modify_fields", "properties": {"fields": {"STATUS_ID": "PROCESSED"}}},
        _comment("never", after_previous=True)])
    put_robots(api, "lead", "PROCESSED", [_comment("processed robots ran")])
    lead = create(api, "leads", TITLE="Self-moving")
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["STATUS_ID"] == "PROCESSED" and fields["COMMENTS"] == "processed robots ran"


def test_demo_data_brings_the_seeds_robots_and_triggers(app, api):
    from app.db import transaction
    from app.services.demo import load_demo

    with app.app_context(), transaction(app) as session:
        load_demo(session)
    assert len(api.get("/automation/lead/stages/IN_PROCESS/robots").get_json()["robots"]) == 2
    assert len(api.get("/automation/lead/triggers").get_json()["items"]) == 2
    leads = api.get("/leads").get_json()["items"]
    for lead in leads:
        statuses = {i["status"] for i in instances_of(api, "lead", lead["id"])}
        assert "failed" not in statuses, statuses
