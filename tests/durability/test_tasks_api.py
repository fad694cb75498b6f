"""Approve and request_info through the API: tasks per person, any/all/percent, forms, timeouts."""

from __future__ import annotations

import pytest
from durable_helpers import Api, fire, later, make_user, node, start_on_new_lead, template


def approval(mode: str = "any", percent: int | None = None, timeout: str | None = None,
             approvers: list = ("role:approvers",)) -> dict:
    props = {"approvers": list(approvers), "mode": mode, "name": "Discount for {=Document:TITLE}"}
    if percent is not None:
        props["percent"] = percent
    if timeout is not None:
        props["timeout"] = timeout
    return template(
        [node("ask", "approve", **props),
         node("yes", "set_variable", values={"Outcome": "approved"}),
         node("no", "set_variable", values={"Outcome": "rejected"}),
         node("who", "set_variable", values={"Comments": "{=Block:ask:Comments}"})],
        [("start", "ask"), ("ask", "approved", "yes"), ("ask", "rejected", "no"),
         ("yes", "who"), ("no", "who")],
        variables=[{"id": "Outcome", "type": "string"}, {"id": "Comments", "type": "text"}])


@pytest.fixture
def approvers(app, client) -> list[tuple[int, Api]]:
    people = [make_user(app, login, ("approvers",)) for login in ("ann", "bao", "chloe")]
    return [(user_id, Api(client, token)) for user_id, token in people]


def open_task(person: Api, instance_id: int) -> dict:
    tasks = person.ok("GET", f"/tasks?status=open&instance_id={instance_id}")["items"]
    assert len(tasks) == 1, tasks
    return tasks[0]


def test_approve_any_the_first_answer_decides_and_closes_the_others(api, approvers):
    instance = start_on_new_lead(api, approval("any"), {"TITLE": "ACME"})
    assert instance["status"] == "waiting"
    (_, ann), (_, bao), _ = approvers
    task = open_task(ann, instance["id"])
    assert task["kind"] == "approve" and task["name"] == "Discount for ACME"
    ann.ok("POST", f"/tasks/{task['id']}/complete", {"decision": "approved", "comment": "ok"})
    done = api.ok("GET", f"/instances/{instance['id']}")
    assert done["status"] == "completed"
    assert done["variables"]["Outcome"] == "approved"
    assert done["variables"]["Comments"] == "ann: ok"
    closed = bao.ok("GET", f"/tasks?instance_id={instance['id']}")["items"][0]
    assert closed["status"] == "closed"
    late = bao.post(f"/tasks/{closed['id']}/complete", {"decision": "rejected"})
    assert late.status_code == 409


def test_approve_all_needs_everyone_and_one_rejection_decides(api, approvers):
    first = start_on_new_lead(api, approval("all"))
    for _, person in approvers:
        assert api.ok("GET", f"/instances/{first['id']}")["status"] == "waiting"
        person.ok("POST", f"/tasks/{open_task(person, first['id'])['id']}/complete",
                  {"decision": "approved"})
    assert api.ok("GET", f"/instances/{first['id']}")["variables"]["Outcome"] == "approved"

    second = start_on_new_lead(api, approval("all"))
    (_, ann), (_, bao), _ = approvers
    ann.ok("POST", f"/tasks/{open_task(ann, second['id'])['id']}/complete",
           {"decision": "approved"})
    bao.ok("POST", f"/tasks/{open_task(bao, second['id'])['id']}/complete",
           {"decision": "rejected", "comment": "too cheap"})
    done = api.ok("GET", f"/instances/{second['id']}")
    assert done["variables"]["Outcome"] == "rejected"
    assert done["variables"]["Comments"] == "bao: too cheap"


def test_approve_percent_decides_once_the_share_is_reached(api, approvers):
    instance = start_on_new_lead(api, approval("percent", percent=60))
    (_, ann), (_, bao), _ = approvers
    ann.ok("POST", f"/tasks/{open_task(ann, instance['id'])['id']}/complete",
           {"decision": "approved"})
    assert api.ok("GET", f"/instances/{instance['id']}")["status"] == "waiting"
    bao.ok("POST", f"/tasks/{open_task(bao, instance['id'])['id']}/complete",
           {"decision": "approved"})
    assert api.ok("GET", f"/instances/{instance['id']}")["variables"]["Outcome"] == "approved"


def test_an_approval_times_out_as_rejected(app, api, approvers):
    instance = start_on_new_lead(api, approval("all", timeout="2h"))
    task = open_task(approvers[0][1], instance["id"])
    assert task["deadline"]
    assert fire(app, later(3600)) == 0
    assert fire(app, later(7300)) == 1
    done = api.ok("GET", f"/instances/{instance['id']}")
    assert done["variables"]["Outcome"] == "rejected"
    statuses = {t["status"] for t in api.ok(
        "GET", f"/tasks?all=1&instance_id={instance['id']}")["items"]}
    assert statuses == {"closed"}


def test_approvers_from_a_document_field(app, api, approvers):
    bao_id, bao = approvers[1]
    body = approval("any", approvers=["{=Document:ASSIGNED_BY_ID}"])
    instance = start_on_new_lead(api, body, {"ASSIGNED_BY_ID": bao_id})
    task = open_task(bao, instance["id"])
    assert task["user_id"] == bao_id
    assert approvers[0][1].ok("GET", f"/tasks?instance_id={instance['id']}")["total"] == 0


def test_complete_checks_the_decision_and_who_answers(api, approvers):
    instance = start_on_new_lead(api, approval("any"))
    (_, ann), (_, bao), _ = approvers
    task = open_task(ann, instance["id"])
    missing = ann.post(f"/tasks/{task['id']}/complete", {"comment": "hm"})
    assert missing.status_code == 400
    assert missing.get_json()["error"]["details"][0]["field"] == "decision"
    assert ann.post(f"/tasks/{task['id']}/complete", {"decision": "maybe"}).status_code == 400
    assert bao.post(f"/tasks/{task['id']}/complete",
                    {"decision": "approved"}).status_code == 403
    assert ann.post("/tasks/999999/complete", {"decision": "approved"}).status_code == 404


REQUEST_INFO = template(
    [node("ask", "request_info", users=["role:approvers"], name="Visit details",
          fields=[{"id": "Visits", "title": "Visits", "type": "integer", "required": True},
                  {"id": "When", "title": "Date", "type": "date"}]),
     node("keep", "modify_document", fields={"COMMENTS": "visits: {=Block:ask:Visits}"})],
    [("start", "ask"), ("ask", "keep")])


def test_request_info_checks_the_form_and_exposes_the_values(api, approvers):
    instance = start_on_new_lead(api, REQUEST_INFO)
    _, ann = approvers[0]
    task = open_task(ann, instance["id"])
    assert [field["id"] for field in task["fields"]] == ["Visits", "When"]
    wrong = ann.post(f"/tasks/{task['id']}/complete", {"values": {"Visits": "many"}})
    assert wrong.status_code == 400
    assert wrong.get_json()["error"]["details"][0]["field"] == "values.Visits"
    missing = ann.post(f"/tasks/{task['id']}/complete", {"values": {"When": "2026-01-02"}})
    assert missing.get_json()["error"]["details"][0]["field"] == "values.Visits"
    unknown = ann.post(f"/tasks/{task['id']}/complete", {"values": {"Nope": 1}})
    assert unknown.get_json()["error"]["details"][0]["field"] == "values.Nope"
    ann.ok("POST", f"/tasks/{task['id']}/complete", {"values": {"Visits": "3"}})
    done = api.ok("GET", f"/instances/{instance['id']}")
    assert done["status"] == "completed"
    lead = api.ok("GET", f"/leads/{done['document_id']}")
    assert lead["fields"]["COMMENTS"] == "visits: 3"


def test_terminating_cancels_open_tasks(api, approvers):
    instance = start_on_new_lead(api, approval("all"))
    api.ok("POST", f"/instances/{instance['id']}/terminate")
    tasks = api.ok("GET", f"/tasks?all=1&instance_id={instance['id']}")["items"]
    assert {task["status"] for task in tasks} == {"cancelled"}


def test_create_task_makes_a_to_do_for_the_responsible_person(api, approvers):
    chloe_id, chloe = approvers[2]
    body = template([node("todo", "create_task", title="Call {=Document:TITLE}",
                          responsible=[f"user:{chloe_id}"]),
                     node("keep", "set_variable", values={"Task": "{=Block:todo:TaskId}"})],
                    [("start", "todo"), ("todo", "keep")],
                    variables=[{"id": "Task", "type": "integer"}])
    instance = start_on_new_lead(api, body, {"TITLE": "Zed"})
    assert instance["status"] == "completed"
    tasks = chloe.ok("GET", "/tasks?kind=todo")["items"]
    assert [task["name"] for task in tasks] == ["Call Zed"]
    assert instance["variables"]["Task"] == tasks[0]["id"]
    chloe.ok("POST", f"/tasks/{tasks[0]['id']}/complete", {"comment": "done"})
    assert chloe.ok("GET", f"/tasks/{tasks[0]['id']}")["status"] == "completed"


def test_only_admins_list_other_peoples_tasks(api, approvers):
    _, ann = approvers[0]
    assert ann.get("/tasks?all=1").status_code == 403
    assert api.get("/tasks?status=bogus").status_code == 400
