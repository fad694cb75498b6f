"""A stage's robots edited in the designer: the edit runs, is shown, and is only replaced on
purpose (PUT .../robots with discard_designer_edits)."""

from __future__ import annotations

from automation_api import create, put_robots

ROBOTS = "/automation/lead/stages/IN_PROCESS/robots"
SET_POST = {"id": "Post", "type": "modify_fields",
            "properties": {"fields": {"POST": "from the robot list"}}}


def _edit_in_designer(api, template_id: int, text: str) -> int:
    """Save the stage template from the designer with the robot's value changed."""
    detail = api.get(f"/templates/{template_id}").get_json()
    body = api.get("/automation/lead/stages/IN_PROCESS/template").get_json()
    for node in body["nodes"]:
        if node["id"] == "Post":
            node["properties"]["fields"]["POST"] = text
    saved = api.put(f"/templates/{template_id}", {"version": detail["version"], "template": body})
    assert saved.status_code == 200, saved.get_json()
    return saved.get_json()["version"]


def test_a_designer_edit_runs_and_a_robot_save_over_it_needs_confirmation(api):
    saved = put_robots(api, "lead", "IN_PROCESS", [SET_POST])
    assert saved["designer_edited"] is False
    template_id = saved["template_id"]
    _edit_in_designer(api, template_id, "from the designer")

    listing = api.get(ROBOTS).get_json()
    assert listing["designer_edited"] is True and listing["version"] == saved["version"]
    template = api.get("/automation/lead/stages/IN_PROCESS/template").get_json()
    assert any(n["id"] == "Post" and n["properties"]["fields"]["POST"] == "from the designer"
               for n in template["nodes"])
    lead = create(api, "leads", TITLE="Edited", STATUS_ID="IN_PROCESS")
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"]["POST"] == "from the designer"

    refused = api.put(ROBOTS, {"version": listing["version"], "robots": [SET_POST]})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "designer_edits"
    assert "IN_PROCESS" in error["message"] and "discard_designer_edits" in error["message"]
    assert api.put(ROBOTS, {"version": listing["version"], "robots": [SET_POST],
                            "discard_designer_edits": "yes"}).status_code == 400
    # Nothing was replaced by the refused saves.
    assert api.get(ROBOTS).get_json()["designer_edited"] is True

    replaced = api.put(ROBOTS, {"version": listing["version"], "robots": [SET_POST],
                                "discard_designer_edits": True})
    assert replaced.status_code == 200, replaced.get_json()
    assert replaced.get_json()["designer_edited"] is False
    assert replaced.get_json()["template_id"] == template_id
    lead = create(api, "leads", TITLE="Replaced", STATUS_ID="IN_PROCESS")
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"]["POST"] == "from the robot list"
    # Not edited any more: a plain save goes through again.
    assert api.put(ROBOTS, {"version": replaced.get_json()["version"],
                            "robots": []}).status_code == 200


def test_the_pipeline_page_marks_a_stage_edited_in_the_designer(api, client, admin_headers):
    saved = put_robots(api, "lead", "IN_PROCESS", [SET_POST])
    html = client.get("/automation/lead/0", headers=admin_headers).get_data(as_text=True)
    assert 'data-designer-edited="true"' not in html
    _edit_in_designer(api, saved["template_id"], "designer")
    html = client.get("/automation/lead/0", headers=admin_headers).get_data(as_text=True)
    assert 'data-designer-edited="true"' in html
    assert '"designer_edited": true' in html    # the page's data for the save confirmation


def test_a_designer_edit_of_an_empty_robot_list_runs_too(api):
    saved = put_robots(api, "lead", "IN_PROCESS", [])
    detail = api.get(f"/templates/{saved['template_id']}").get_json()
    body = api.get("/automation/lead/stages/IN_PROCESS/template").get_json()
    body["nodes"].append({"id": "mark", "type": "modify_document",
                          "properties": {"fields": {"POST": "designer only"}}})
    body["edges"].append({"from": "start", "to": "mark"})
    assert api.put(f"/templates/{saved['template_id']}",
                   {"version": detail["version"], "template": body}).status_code == 200
    lead = create(api, "leads", TITLE="Empty list", STATUS_ID="IN_PROCESS")
    assert api.get(f"/leads/{lead['id']}").get_json()["fields"]["POST"] == "designer only"
