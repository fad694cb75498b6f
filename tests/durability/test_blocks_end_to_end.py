"""Waiting blocks end to end through the API: parallel/join, loop, start_process (wait), retry."""

from __future__ import annotations

from durable_helpers import fire, later, node, start_on_new_lead, template


def test_parallel_branches_with_pauses_join_once_both_fired(app, api):
    body = template(
        [node("split", "parallel", branches=[{"id": "a"}, {"id": "b"}]),
         node("short", "delay", **{"for": "1h"}), node("long", "delay", **{"for": "2h"}),
         node("join", "join"), node("after", "log", text="joined")],
        [("start", "split"), ("split", "a", "short"), ("split", "b", "long"),
         ("short", "join"), ("long", "join"), ("join", "after")])
    instance = start_on_new_lead(api, body)
    assert sorted(instance["current_nodes"]) == ["long", "short"]
    assert fire(app, later(3700)) == 1
    halfway = api.ok("GET", f"/instances/{instance['id']}")
    assert halfway["status"] == "waiting" and halfway["current_nodes"] == ["long"]
    assert fire(app, later(7300)) == 1
    done = api.ok("GET", f"/instances/{instance['id']}")
    assert done["status"] == "completed"
    assert [entry["node"] for entry in done["log"]].count("after") == 1


def test_a_loop_with_a_pause_runs_each_round_after_its_timer(app, api):
    body = template(
        [node("again", "loop", **{"while": {"left": "{=Variable:Round}", "op": "<", "right": 3}},
              max_iterations=10),
         node("pause", "delay", **{"for": "10m"}),
         node("count", "set_variable", values={"Round": "={=Variable:Round} + 1"}),
         node("end", "log", text="rounds: {=Variable:Round}")],
        [("start", "again"), ("again", "body", "pause"), ("pause", "count"),
         ("count", "again"), ("again", "done", "end")],
        variables=[{"id": "Round", "type": "integer", "default": 0}])
    instance = start_on_new_lead(api, body)
    for minutes in (11, 22, 33):
        assert fire(app, later(minutes * 60)) == 1
    done = api.ok("GET", f"/instances/{instance['id']}")
    assert done["status"] == "completed"
    assert done["variables"]["Round"] == 3


def test_start_process_with_wait_resumes_the_parent_when_the_child_ends(app, api):
    child = template([node("pause", "delay", **{"for": "1h"}),
                      node("mark", "modify_document", fields={"COMMENTS": "child done"})],
                     [("start", "pause"), ("pause", "mark")], name="Child")
    child_id = api.ok("POST", "/templates", child)["id"]
    parent = template(
        [node("run", "start_process", template_id=child_id, wait=True),
         node("after", "set_variable", values={"Seen": "{=Document:COMMENTS}"})],
        [("start", "run"), ("run", "after")], name="Parent",
        variables=[{"id": "Seen", "type": "text"}])
    instance = start_on_new_lead(api, parent)
    assert instance["status"] == "waiting" and instance["current_nodes"] == ["run"]
    # The child's timer; the child completes and wakes its parent, resumed in the same run.
    assert fire(app, later(3700)) == 2
    assert fire(app, later(3701)) == 0
    done = api.ok("GET", f"/instances/{instance['id']}")
    assert done["status"] == "completed"
    assert done["variables"]["Seen"] == "child done"


def test_a_child_that_ends_at_once_does_not_leave_its_parent_waiting(app, api):
    child_id = api.ok("POST", "/templates", template(
        [node("note", "log", text="quick")], [("start", "note")], name="Quick"))["id"]
    parent = template([node("run", "start_process", template_id=child_id, wait=True),
                       node("after", "log", text="after")],
                      [("start", "run"), ("run", "after")], name="Parent")
    instance = start_on_new_lead(api, parent)
    assert fire(app) == 1
    assert api.ok("GET", f"/instances/{instance['id']}")["status"] == "completed"


def test_a_failed_block_is_retried_after_the_fix(app, api):
    body = template([node("first", "delay", **{"for": "1h"}),
                     node("second", "delay", **{"for": "{=Document:COMMENTS}"}),
                     node("after", "log", text="after")],
                    [("start", "first"), ("first", "second"), ("second", "after")])
    instance = start_on_new_lead(api, body, {"COMMENTS": "soon"})
    assert fire(app, later(3700)) == 1
    failed = api.ok("GET", f"/instances/{instance['id']}")
    assert failed["status"] == "failed" and failed["error"]["node"] == "second"
    assert api.post(f"/instances/{instance['id']}/retry").status_code == 200
    assert api.ok("GET", f"/instances/{instance['id']}")["status"] == "failed"   # not fixed
    api.ok("PATCH", f"/leads/{instance['document_id']}", {"fields": {"COMMENTS": "2h"}})
    listed = api.ok("GET", "/instances?status=failed")["items"]
    assert [item["id"] for item in listed] == [instance["id"]]
    result = api.ok("POST", "/instances/retry", {"node": "second"})
    assert [item["id"] for item in result["retried"]] == [instance["id"]]
    waiting = api.ok("GET", f"/instances/{instance['id']}")
    assert waiting["status"] == "waiting" and waiting["current_nodes"] == ["second"]
    assert fire(app, later(3 * 3600)) == 1
    assert api.ok("GET", f"/instances/{instance['id']}")["status"] == "completed"


def test_retry_refuses_an_instance_that_did_not_fail(api):
    body = template([node("pause", "delay", **{"for": "1h"})], [("start", "pause")])
    instance = start_on_new_lead(api, body)
    response = api.post(f"/instances/{instance['id']}/retry")
    assert response.status_code == 409
    bad = api.post("/instances/retry", {"template_id": "x"})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["details"][0]["field"] == "template_id"
