"""Each robot stands alone: a failing robot is in the history and its siblings' work is kept."""

from __future__ import annotations

import pytest
from automation_api import create, history_of, instances_of, put_robots

BAD_NUMBER = {"id": "Bad", "type": "modify_fields", "title": "Amount from title",
              "properties": {"fields": {"OPPORTUNITY": "{=Document:TITLE}"}}}


class BrokenSms:
    """An SMS provider that is down (named in SMS_PROVIDER below)."""

    def send(self, to: str, text: str) -> str:
        raise ConnectionError("provider unreachable")


@pytest.fixture
def app_extra_config():
    return {"SMS_PROVIDER": "test_robot_failures:BrokenSms"}


def _set(field: str, value: str, **extra):
    return {"type": "modify_fields", "properties": {"fields": {field: value}}, **extra}


def test_a_failing_robot_keeps_its_siblings_work_and_is_in_the_history(api, app):
    put_robots(api, "lead", "IN_PROCESS", [
        _set("COMMENTS", "first"), BAD_NUMBER, _set("POST", "third")])
    lead = create(api, "leads", TITLE="not a number", OPPORTUNITY=5, STATUS_ID="IN_PROCESS")
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["COMMENTS"] == "first" and fields["POST"] == "third"
    assert fields["OPPORTUNITY"] == 5
    (instance,) = instances_of(api, "lead", lead["id"])
    assert instance["status"] == "completed"
    failures = [i for i in history_of(app, "lead", lead["id"]) if i["kind"] == "robot_failed"]
    assert len(failures) == 1
    assert failures[0]["message"].startswith("robot Amount from title failed: ")
    assert "OPPORTUNITY" in failures[0]["message"]
    assert failures[0]["data"]["node"] == "Bad"


def test_an_after_previous_chain_goes_on_after_a_failed_robot(api, app):
    put_robots(api, "lead", "IN_PROCESS", [
        _set("COMMENTS", "first"), {**BAD_NUMBER, "after_previous": True},
        _set("POST", "after the failure", after_previous=True)])
    lead = create(api, "leads", TITLE="still not a number", STATUS_ID="IN_PROCESS")
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["COMMENTS"] == "first" and fields["POST"] == "after the failure"
    assert any(i["kind"] == "robot_failed" for i in history_of(app, "lead", lead["id"]))


def test_a_condition_that_cannot_be_evaluated_skips_only_its_robot(api, app):
    put_robots(api, "lead", "IN_PROCESS", [
        _set("COMMENTS", "kept"),
        _set("POST", "never", condition={"left": "=1/0", "op": "=", "right": 1})])
    lead = create(api, "leads", TITLE="Division", STATUS_ID="IN_PROCESS")
    fields = api.get(f"/leads/{lead['id']}").get_json()["fields"]
    assert fields["COMMENTS"] == "kept" and fields.get("POST") in (None, "")
    (instance,) = instances_of(api, "lead", lead["id"])
    assert instance["status"] == "completed"
    failures = [i for i in history_of(app, "lead", lead["id"]) if i["kind"] == "robot_failed"]
    assert failures and failures[0]["data"]["node"].endswith("_if")


def test_an_sms_provider_that_is_down_does_not_undo_the_other_robots(api, app):
    put_robots(api, "lead", "IN_PROCESS", [
        {"type": "sms_client", "properties": {"text": "Hello"}}, _set("COMMENTS", "kept")])
    lead = create(api, "leads", TITLE="Texted", PHONE="+33 1 23 45 67 89",
                  STATUS_ID="IN_PROCESS")
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"]["COMMENTS"] == "kept"
    history = history_of(app, "lead", lead["id"])
    assert any(i["kind"] == "sms_failed" and "provider unreachable" in i["message"]
               for i in history)


def test_a_deal_pipeline_that_does_not_exist_is_refused_when_saving(api):
    response = api.put("/automation/lead/stages/IN_PROCESS/robots", {"version": 0, "robots": [
        {"id": "Conv", "type": "create_from_source",
         "properties": {"target": "deal", "category_id": "99"}}]})
    assert response.status_code == 400
    (detail,) = response.get_json()["error"]["details"]
    assert (detail["robot"], detail["field"]) == ("Conv", "properties.category_id")
    ok = api.put("/automation/lead/stages/IN_PROCESS/robots", {"version": 0, "robots": [
        {"type": "create_from_source", "properties": {"target": "deal", "category_id": 0}}]})
    assert ok.status_code == 200, ok.get_json()
