"""Triggers: the seeds' rules (forward only, first match, act_as), every event, webhooks."""

from __future__ import annotations

import pytest
from automation_api import create, history_of, put_robots


def add_trigger(api, document_type="lead", **body):
    response = api.post(f"/automation/{document_type}/triggers", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def send(api, event, record_id, document_type="lead", **data):
    response = api.post("/events", {"event": event,
                                     "document": {"type": document_type, "id": record_id},
                                     "data": data})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def stage(api, lead_id):
    return api.get(f"/leads/{lead_id}").get_json()["fields"]["STATUS_ID"]


def test_trigger_crud_and_validation(api):
    trigger = add_trigger(api, event="call.missed", stage_id="IN_PROCESS",
                          settings={"line": "+100"})
    assert trigger["title"] == "Missed call" and trigger["allow_backwards"] is False
    listed = api.get("/automation/lead/triggers").get_json()["items"]
    assert [t["id"] for t in listed] == [trigger["id"]]
    response = api.put(f"/automation/lead/triggers/{trigger['id']}",
                       {"title": "Missed on the main line", "allow_backwards": True})
    assert response.get_json()["title"] == "Missed on the main line"
    assert response.get_json()["settings"] == {"line": "+100"}
    for body, field in [({"event": "call.mised", "stage_id": "NEW"}, "event"),
                        ({"event": "call.missed", "stage_id": "NOWHERE"}, "stage_id"),
                        ({"event": "call.missed", "stage_id": "NEW",
                          "settings": {"form_id": 1}}, "settings.form_id"),
                        ({"event": "chat.response_time", "stage_id": "NEW",
                          "settings": {"seconds": "soon"}}, "settings.seconds"),
                        ({"event": "field.changed", "stage_id": "NEW",
                          "settings": {"field": "NOPE"}}, "settings.field"),
                        ({"event": "visit", "stage_id": "NEW", "act_as": 999}, "act_as"),
                        ({"event": "visit", "stage_id": "NEW", "condition": {
                            "left": "{=Document:NOPE}", "op": "empty"}}, "condition")]:
        response = api.post("/automation/lead/triggers", body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["details"][0]["field"] == field
    assert api.delete(f"/automation/lead/triggers/{trigger['id']}").status_code == 204
    assert api.get("/automation/lead/triggers").get_json()["items"] == []


@pytest.mark.both_databases
def test_a_trigger_moves_forward_and_never_backwards(api):
    trigger = add_trigger(api, event="email.received", stage_id="IN_PROCESS")
    lead = create(api, "leads", TITLE="Forward")
    assert send(api, "email.received", lead["id"]) == {
        "moved": True, "from": "NEW", "to": "IN_PROCESS", "trigger_id": trigger["id"]}
    # The record's current stage never fires.
    assert send(api, "email.received", lead["id"])["moved"] is False
    ahead = create(api, "leads", TITLE="Ahead", STATUS_ID="PROCESSED")
    result = send(api, "email.received", ahead["id"])
    assert result["moved"] is False and stage(api, ahead["id"]) == "PROCESSED"


def test_allow_backwards_lets_a_trigger_move_a_record_back(api):
    add_trigger(api, event="call.incoming", stage_id="IN_PROCESS", allow_backwards=True)
    lead = create(api, "leads", TITLE="Back", STATUS_ID="PROCESSED")
    assert send(api, "call.incoming", lead["id"])["to"] == "IN_PROCESS"


def test_moving_forward_skips_the_robots_of_stages_passed_over(api):
    for skipped in ("IN_PROCESS", "PROCESSED"):
        put_robots(api, "lead", skipped, [
            {"type": "modify_fields", "properties": {"fields": {"POST": skipped}}}])
    put_robots(api, "lead", "CONVERTED", [
        {"type": "modify_fields", "properties": {"fields": {"COMMENTS": "converted"}}}])
    add_trigger(api, event="webform.filled", stage_id="CONVERTED", settings={"form_id": 7})
    lead = create(api, "leads", TITLE="Jump")
    assert send(api, "webform.filled", lead["id"], form_id=8)["moved"] is False
    assert send(api, "webform.filled", lead["id"], form_id=7)["moved"] is True
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["COMMENTS"] == "converted" and fields.get("POST") is None


def test_a_higher_stage_reached_does_not_fire_lower_triggers(api):
    add_trigger(api, event="visit", stage_id="IN_PROCESS")
    add_trigger(api, event="visit", stage_id="CONVERTED")
    lead = create(api, "leads", TITLE="Visitor", STATUS_ID="PROCESSED")
    assert send(api, "visit", lead["id"])["to"] == "CONVERTED"


def test_the_first_matching_trigger_wins(api):
    first = add_trigger(api, event="chat.message", stage_id="PROCESSED")
    add_trigger(api, event="chat.message", stage_id="IN_PROCESS")
    lead = create(api, "leads", TITLE="First")
    assert send(api, "chat.message", lead["id"])["trigger_id"] == first["id"]


def test_act_as_is_recorded_as_the_user_of_the_change(api, app):
    user = api.post("/users", {"fields": {"LOGIN": "robot", "NAME": "Bot"},
                               "password": "secret-password"}).get_json()
    trigger = add_trigger(api, event="invoice.paid", stage_id="IN_PROCESS",
                          act_as=user["id"])
    lead = create(api, "leads", TITLE="Paid")
    send(api, "invoice.paid", lead["id"])
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"]["MODIFY_BY_ID"] == user["id"]
    change = [i for i in history_of(app, "lead", lead["id"]) if i["kind"] == "stage_change"][-1]
    assert change["trigger_id"] == trigger["id"] and change["user_id"] == user["id"]
    # Without act_as the responsible person is recorded.
    add_trigger(api, event="visit", stage_id="PROCESSED")
    send(api, "visit", lead["id"])
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"]["MODIFY_BY_ID"] == 1


def test_a_trigger_condition_must_hold(api):
    add_trigger(api, event="email.opened", stage_id="IN_PROCESS", condition={
        "left": "{=Document:OPPORTUNITY}", "op": ">=", "right": 1000})
    small = create(api, "leads", TITLE="Small", OPPORTUNITY=10)
    big = create(api, "leads", TITLE="Big", OPPORTUNITY=5000)
    assert send(api, "email.opened", small["id"])["moved"] is False
    assert send(api, "email.opened", big["id"])["moved"] is True


EVENT_CASES = [
    ("email.received", {}, {}, None), ("email.sent", {}, {}, None),
    ("email.opened", {}, {}, None),
    ("email.link_clicked", {"url": "https://shop.example/offer"},
     {"url": "https://shop.example/offer"}, {"url": "https://shop.example/other"}),
    ("call.incoming", {"line": "+1"}, {"line": "+1"}, {"line": "+2"}),
    ("call.outgoing", {"line": "+1"}, {"line": "+1"}, {"line": "+2"}),
    ("call.missed", {"line": "+1"}, {"line": "+1"}, {"line": "+2"}),
    ("webform.filled", {"form_id": "event"}, {"form_id": "event"}, {"form_id": "other"}),
    ("callback.filled", {"form_id": 3}, {"form_id": 3}, {"form_id": 4}),
    ("webhook", {}, {}, None), ("visit", {}, {}, None), ("visit.returning", {}, {}, None),
    ("chat.first_message", {"channel": "tg"}, {"channel": "tg"}, {"channel": "wa"}),
    ("chat.message", {"channel": "tg"}, {"channel": "tg"}, {"channel": "wa"}),
    ("chat.accepted", {}, {}, None),
    ("chat.response_time", {"seconds": 600}, {"seconds": 900}, {"seconds": 30}),
    ("chat.keyword", {"text": "price"}, {"text": "What is the PRICE?"}, {"text": "hello"}),
    ("chat.keyword", {"text": "discount, cost"}, {"message": "any COST?"}, {"text": "hi"}),
    ("resource.booked", {}, {}, None), ("invoice.paid", {}, {}, None),
    ("field.changed", {"field": "OPPORTUNITY"}, {"field": "OPPORTUNITY"}, {"field": "TITLE"}),
]


def test_every_event_kind_moves_the_record_when_its_settings_match(api):
    for event, settings, matching, other in EVENT_CASES:
        add_trigger(api, event=event, stage_id="IN_PROCESS", settings=settings)
        lead = create(api, "leads", TITLE=event)
        if other is not None:
            assert send(api, event, lead["id"], **other)["moved"] is False, event
        assert send(api, event, lead["id"], **matching)["moved"] is True, event
        assert stage(api, lead["id"]) == "IN_PROCESS"


def test_app_triggers_are_registered_through_the_api(api):
    body = {"event": "app.quiz_done", "stage_id": "IN_PROCESS"}
    assert api.post("/automation/lead/triggers", body).status_code == 400
    response = api.post("/automation/app-triggers", {"code": "quiz_done", "name": "Quiz"})
    assert response.get_json()["event"] == "app.quiz_done"
    add_trigger(api, **body)
    lead = create(api, "leads", TITLE="Quiz")
    assert send(api, "app.quiz_done", lead["id"])["moved"] is True
    bad = api.post("/events", {"event": "app.unknown", "document": {"type": "lead", "id": 1}})
    assert bad.status_code == 400


def test_events_name_bad_input(api):
    lead = create(api, "leads", TITLE="x")
    cases = [({"event": "nope", "document": {"type": "lead", "id": lead["id"]}}, 400),
             ({"event": "visit", "document": {"type": "contact", "id": 1}}, 400),
             ({"event": "visit", "document": {"type": "lead", "id": "x"}}, 400),
             ({"event": "visit", "document": {"type": "lead", "id": 99999}}, 404),
             ({"event": "visit"}, 400)]
    for body, status in cases:
        assert api.post("/events", body).status_code == status, body


@pytest.mark.both_databases
def test_webhook_trigger_url_token_and_rotation(api, anonymous_api):
    trigger = add_trigger(api, event="webhook", stage_id="PROCESSED")
    path = trigger["path"]
    assert trigger["url"].endswith(path) and path.startswith("/api/v1/hooks/triggers/")
    lead = create(api, "leads", TITLE="Hooked")
    hook = path.removeprefix("/api/v1")
    wrong = anonymous_api.post("/hooks/triggers/not-the-right-token-at-all",
                               {"document_type": "lead", "document_id": lead["id"]})
    assert wrong.status_code == 404
    rotated = api.post(f"/automation/lead/triggers/{trigger['id']}/rotate-token").get_json()
    assert rotated["path"] != path
    old = anonymous_api.post(hook, {"document_type": "lead", "document_id": lead["id"]})
    assert old.status_code == 404
    response = anonymous_api.post(rotated["path"].removeprefix("/api/v1"),
                                  {"document_type": "lead", "document_id": lead["id"]})
    assert response.status_code == 200
    assert response.get_json()["moved"] is True and stage(api, lead["id"]) == "PROCESSED"
    mismatch = anonymous_api.post(rotated["path"].removeprefix("/api/v1"),
                                  {"document_type": "deal", "document_id": lead["id"]})
    assert mismatch.status_code == 400


def test_a_field_change_fires_field_changed_by_itself(api):
    add_trigger(api, event="field.changed", stage_id="PROCESSED",
                settings={"field": "OPPORTUNITY"})
    lead = create(api, "leads", TITLE="Grows")
    api.patch(f"/leads/{lead['id']}", {"fields": {"TITLE": "Grows more"}})
    assert stage(api, lead["id"]) == "NEW"
    api.patch(f"/leads/{lead['id']}", {"fields": {"OPPORTUNITY": 100}})
    assert stage(api, lead["id"]) == "PROCESSED"


@pytest.mark.both_databases
def test_mail_a_process_sends_to_the_client_fires_email_sent(api):
    add_trigger(api, event="email.sent", stage_id="PROCESSED")
    put_robots(api, "lead", "IN_PROCESS", [
        {"type": "email_client", "properties": {"subject": "Our offer", "body": "Hi"}}])
    lead = create(api, "leads", TITLE="Mailed", EMAIL="client@example.com")
    assert stage(api, lead["id"]) == "NEW"
    api.patch(f"/leads/{lead['id']}", {"fields": {"STATUS_ID": "IN_PROCESS"}})
    assert stage(api, lead["id"]) == "PROCESSED"


@pytest.mark.both_databases
def test_deal_triggers_stay_in_their_pipeline_and_history_is_served(api):
    api.post("/pipelines/deal", {"name": "Second"})
    add_trigger(api, "deal", event="call.missed", stage_id="C1:PREPARATION")
    in_one = create(api, "deals", TITLE="Pipeline 1", STAGE_ID="C1:NEW")
    in_zero = create(api, "deals", TITLE="Pipeline 0")
    assert send(api, "call.missed", in_zero["id"], "deal")["moved"] is False
    result = send(api, "call.missed", in_one["id"], "deal")
    assert result == {"moved": True, "from": "C1:NEW", "to": "C1:PREPARATION",
                      "trigger_id": result["trigger_id"]}
    put = api.put("/automation/deal/stages/C1:WON/robots", {"version": 0, "robots": [
        {"type": "log", "properties": {"text": "won"}}]})
    assert put.status_code == 200
    items = api.get(f"/automation/deal/records/{in_one['id']}/history").get_json()["items"]
    moves = [i for i in items if i["kind"] == "stage_change"]
    assert moves[-1]["data"]["to"] == "C1:PREPARATION" and moves[-1]["trigger_id"]


def test_webhooks_accept_a_form_or_the_query_string(api, client):
    trigger = add_trigger(api, event="webhook", stage_id="IN_PROCESS")
    first, second = create(api, "leads", TITLE="Form"), create(api, "leads", TITLE="Query")
    response = client.post(trigger["path"], data={"document_id": str(first["id"])})
    assert response.get_json()["moved"] is True
    response = client.post(f"{trigger['path']}?document_type=lead&document_id={second['id']}")
    assert response.get_json()["moved"] is True
    assert client.post(trigger["path"], data="[1]",
                       content_type="application/json").status_code == 400
