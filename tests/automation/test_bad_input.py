"""Bad input to the automation API gets a 4xx naming the problem, never a server error."""

from __future__ import annotations

from automation_api import create


def test_bad_robot_lists_and_bodies(api, client, admin_headers):
    put = "/automation/lead/stages/NEW/robots"
    bodies = [
        None, [], {"version": "0", "robots": []}, {"version": 0, "robots": {}},
        {"version": 0, "robots": [1]}, {"version": 0, "robots": [{"id": 5, "type": "log"}]},
        {"version": 0, "robots": [{"id": "A", "type": "log", "properties": {"text": "x"}}] * 2},
        {"version": 0, "robots": [{"type": "email", "properties": {"to": 5, "subject": []}}]},
        {"version": 0, "robots": [{"type": "log", "properties": {"text": "=1/"}}]},
        {"version": 0, "robots": [{"type": "log", "properties": {"text": "x"},
                                   "condition": {"left": 1, "op": "~"}}]},
        {"version": 0, "robots": [{"type": "log", "properties": {"text": "x"},
                                   "timing": {"mode": "after", "interval": 5.5,
                                              "work_time": "yes"}}]},
        {"version": 0, "robots": [{"type": "create_from_source",
                                   "properties": {"target": "invoice"}}]},
        {"version": 0, "robots": [{"type": "change_stage", "properties": {"stage": 5}},
                                  {"type": "log", "properties": {"text": "x"},
                                   "after_previous": "no"}]},
    ]
    for body in bodies:
        response = api.put(put, body)
        assert response.status_code in (400, 409, 415), (body, response.get_json())
        assert response.get_json()["error"]["message"], body
    response = client.put(f"/api/v1{put}", data="not json", headers=admin_headers,
                          content_type="application/json")
    assert response.status_code == 400


def test_bad_triggers_events_and_hooks(api, anonymous_api):
    lead = create(api, "leads", TITLE="x")
    for body in [None, {"event": 5}, {"event": "visit", "stage_id": "NEW", "settings": []},
                 {"event": "visit", "stage_id": "NEW", "allow_backwards": "yes"},
                 {"event": "visit", "stage_id": "NEW", "title": 5},
                 {"event": "visit", "stage_id": "NEW", "colour": "red"},
                 {"event": "visit", "stage_id": "NEW", "condition": "always"}]:
        response = api.post("/automation/lead/triggers", body)
        assert response.status_code in (400, 415), (body, response.get_json())
    for body in [{"event": "visit", "document": [], "data": {}},
                 {"event": "visit", "document": {"type": "lead", "id": lead["id"]}, "data": []},
                 {"event": "visit", "document": {"type": "lead", "id": True}}]:
        assert api.post("/events", body).status_code == 400, body
    assert api.post("/automation/lead/triggers/99/rotate-token").status_code == 404
    visit = api.post("/automation/lead/triggers", {"event": "visit", "stage_id": "NEW"})
    rotate = api.post(f"/automation/lead/triggers/{visit.get_json()['id']}/rotate-token")
    assert rotate.status_code == 409
    assert anonymous_api.post("/hooks/triggers/x" * 40, {}).status_code in (404, 400)
    assert api.get("/automation/lead/triggers/abc").status_code == 404
    assert api.get("/automation/widget/triggers").status_code == 404
