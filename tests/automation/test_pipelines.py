"""Pipelines: default stages, editing rules, deal pipelines and stage checks on records."""

from __future__ import annotations

import pytest
from automation_api import create


def test_default_lead_statuses_and_deal_pipeline(api):
    lead = api.get("/pipelines/lead").get_json()
    assert [s["id"] for s in lead["stages"]] == ["NEW", "IN_PROCESS", "PROCESSED", "CONVERTED",
                                                "JUNK"]
    assert {s["semantics"] for s in lead["stages"]} == {"process", "success", "failure"}
    deal = api.get("/pipelines/deal").get_json()
    (general,) = deal["categories"]
    assert general["id"] == 0
    assert [s["id"] for s in general["stages"]][-2:] == ["WON", "LOSE"]
    assert set(general["stages"][0]) == {"id", "name", "sort", "semantics"}


def test_contacts_have_no_pipeline(api):
    assert api.get("/pipelines/contact").status_code == 404


def test_added_stage_goes_after_the_process_stages(api):
    response = api.post("/pipelines/lead/stages", {"id": "CALLED_BACK", "name": "Called back"})
    assert response.status_code == 201, response.get_json()
    ids = [s["id"] for s in api.get("/pipelines/lead").get_json()["stages"]]
    assert ids.index("CALLED_BACK") == ids.index("PROCESSED") + 1
    assert ids[-2:] == ["CONVERTED", "JUNK"]


def test_stage_edit_rename_and_one_success_stage(api):
    response = api.put("/pipelines/lead/stages/IN_PROCESS", {"name": "Working"})
    assert response.get_json()["name"] == "Working"
    response = api.put("/pipelines/lead/stages/IN_PROCESS", {"semantics": "success"})
    assert response.status_code == 400
    assert "exactly one success" in response.get_json()["error"]["message"]
    assert api.put("/pipelines/lead/stages/NOPE", {"name": "x"}).status_code == 404
    response = api.post("/pipelines/lead/stages", {"name": "x", "semantics": "weird"})
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "semantics"


@pytest.mark.both_databases
def test_a_stage_in_use_cannot_be_deleted(api):
    lead = create(api, "leads", TITLE="Busy", STATUS_ID="PROCESSED")
    response = api.delete("/pipelines/lead/stages/PROCESSED")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "stage_in_use"
    api.patch(f"/leads/{lead['id']}", {"fields": {"STATUS_ID": "IN_PROCESS"}})
    assert api.delete("/pipelines/lead/stages/PROCESSED").status_code == 204
    assert "PROCESSED" not in [s["id"] for s in api.get("/pipelines/lead").get_json()["stages"]]


@pytest.mark.both_databases
def test_new_deal_pipeline_has_prefixed_stage_ids(api):
    response = api.post("/pipelines/deal", {"name": "Partners"})
    assert response.status_code == 201
    category = response.get_json()
    assert category["id"] == 1
    assert category["stages"][0]["id"] == "C1:NEW"
    response = api.post("/pipelines/deal/1/stages", {"id": "DEMO", "name": "Demo"})
    assert response.get_json()["id"] == "C1:DEMO"
    deal = create(api, "deals", TITLE="Partner deal", STAGE_ID="C1:DEMO")
    assert deal["fields"]["CATEGORY_ID"] == "1"
    other = create(api, "deals", TITLE="Pipeline only", CATEGORY_ID="1")
    assert other["fields"]["STAGE_ID"] == "C1:NEW"
    assert api.delete("/pipelines/deal/1").status_code == 409
    assert api.delete("/pipelines/deal/0").status_code == 409


def test_records_get_the_first_stage_and_unknown_stages_are_refused(api):
    lead = create(api, "leads", TITLE="Fresh")
    assert lead["fields"]["STATUS_ID"] == "NEW"
    deal = create(api, "deals", TITLE="Fresh deal")
    assert deal["fields"]["STAGE_ID"] == "NEW"
    assert deal["fields"]["CATEGORY_ID"] == "0"
    response = api.patch(f"/leads/{lead['id']}", {"fields": {"STATUS_ID": "NOWHERE"}})
    assert response.status_code == 400
    assert "STATUS_ID" in response.get_json()["error"]["message"]
    response = api.post("/deals", {"fields": {"TITLE": "x", "STAGE_ID": "C7:NEW"}})
    assert response.status_code == 400
