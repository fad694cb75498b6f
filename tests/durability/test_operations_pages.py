"""The /tasks page (a person approves) and the /operations page (failed and waiting instances)."""

from __future__ import annotations

from durable_helpers import Api, make_user, node, start_on_new_lead, template

APPROVAL = template(
    [node("ask", "approve", approvers=["role:approvers"], name="Discount for {=Document:TITLE}"),
     node("yes", "log", text="approved")],
    [("start", "ask"), ("ask", "approved", "yes")])


def test_a_person_approves_on_the_tasks_page(app, client, api):
    _, token = make_user(app, "ann", ("approvers",))
    headers = {"Authorization": f"Bearer {token}"}
    instance = start_on_new_lead(api, APPROVAL, {"TITLE": "Acme"})
    page = client.get("/tasks", headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Discount for Acme" in html and 'data-action="approve"' in html
    task_id = Api(client, token).ok("GET", "/tasks?status=open")["items"][0]["id"]
    done = client.post(f"/tasks/{task_id}/complete", headers=headers,
                       data={"decision": "approved", "comment": "fine"})
    assert done.status_code == 302
    assert api.ok("GET", f"/instances/{instance['id']}")["status"] == "completed"
    assert "No open task" in client.get("/tasks", headers=headers).get_data(as_text=True)


def test_the_operations_page_lists_waiting_and_failed_instances(app, client, api, admin_headers):
    waiting = start_on_new_lead(api, template([node("pause", "delay", **{"for": "1d"})],
                                              [("start", "pause")]))
    failed = start_on_new_lead(api, template(
        [node("pause", "delay", **{"for": "{=Document:COMMENTS}"})], [("start", "pause")]),
        {"COMMENTS": "later"})
    assert failed["status"] == "failed"
    html = client.get("/operations", headers=admin_headers).get_data(as_text=True)
    assert f'data-instance-id="{waiting["id"]}"' in html and "pause until" in html
    assert f'data-instance-id="{failed["id"]}"' in html and "later" in html
    retried = client.post(f"/operations/retry/{failed['id']}", headers=admin_headers)
    assert retried.status_code == 302
