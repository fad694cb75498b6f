"""The runtime: JSON state and resume, parallel/join, loops, the step budget, failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from interpreter import Context, StateError, load_template, resume, run, start
from tests.unit.template_factory import chain, node, template

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def ctx(document=None, **kwargs):
    return Context(document or {}, now=NOW, **kwargs)


def roundtrip(state):
    return json.loads(json.dumps(state))


def test_a_waiting_state_is_plain_json_and_resumes_in_another_process():
    data = chain(node("before", "modify_document", fields={"TITLE": "before"}),
                 node("pause", "delay", **{"for": "1h"}),
                 node("after", "modify_document", fields={"COMMENTS": "after"}))
    tpl = load_template(data)
    first = start(tpl, ctx({"TITLE": "x"}))
    assert first.status == "waiting"
    assert first.changes == {"TITLE": "before"}
    assert first.waits == [{"token": first.waits[0]["token"], "node": "pause", "kind": "timer",
                            "request": {"due": "2026-03-02T11:00:00+00:00"}}]
    stored = json.dumps(first.state)
    other = load_template(json.loads(json.dumps(data)))   # "another process": a fresh load
    second = resume(other, json.loads(stored), ctx({"TITLE": "before"}),
                    {"token": first.waits[0]["token"], "data": {}})
    assert second.status == "completed"
    assert second.changes == {"COMMENTS": "after"}
    assert [e["node"] for e in second.log] == ["pause", "after", "finish"]
    assert json.loads(stored) == first.state, "resume must not change the caller's state"


def test_resume_refuses_a_state_or_event_that_does_not_fit():
    tpl = load_template(chain(node("pause", "delay", **{"for": "1h"})))
    step = start(tpl, ctx())
    for bad in ({}, {"format": 1}, "x"):
        try:
            resume(tpl, bad, ctx(), None)
        except StateError:
            pass
        else:
            raise AssertionError(f"accepted {bad!r}")
    try:
        resume(tpl, step.state, ctx(), {"token": 999, "data": {}})
    except StateError as exc:
        assert "999" in str(exc)
    else:
        raise AssertionError("accepted an unknown token")


def parallel_template(second_branch_waits=False):
    b_block = node("b", "delay", **{"for": "1h"}) if second_branch_waits else \
        node("b", "modify_document", fields={"COMMENTS": "b"})
    return template(
        [{"id": "start", "type": "start"},
         node("split", "parallel", branches=[{"id": "left"}, {"id": "right"}]),
         node("a", "modify_document", fields={"TITLE": "a"}), b_block,
         {"id": "meet", "type": "join"}, node("after", "log", text="joined"),
         {"id": "finish", "type": "end"}],
        edges=[{"from": "start", "to": "split"},
               {"from": "split", "port": "left", "to": "a"},
               {"from": "split", "port": "right", "to": "b"},
               {"from": "a", "to": "meet"}, {"from": "b", "to": "meet"},
               {"from": "meet", "to": "after"}, {"from": "after", "to": "finish"}])


def test_parallel_branches_all_run_and_the_join_goes_on_once():
    result = run(load_template(parallel_template()), {}, now=NOW)
    assert result["status"] == "completed"
    nodes = [e["node"] for e in result["log"]]
    assert nodes.count("after") == 1 and nodes.count("meet") == 2
    assert result["changes"] == {"TITLE": "a", "COMMENTS": "b"}


def test_a_join_waits_for_a_branch_that_waits_even_across_a_stored_state():
    tpl = load_template(parallel_template(second_branch_waits=True))
    first = start(tpl, ctx())
    assert first.status == "waiting"
    assert [w["node"] for w in first.waits] == ["b"]
    assert "after" not in [e["node"] for e in first.log]
    second = resume(tpl, roundtrip(first.state), ctx(first.document),
                    {"token": first.waits[0]["token"], "data": {}})
    assert second.status == "completed"
    assert [e["node"] for e in second.log] == ["b", "meet", "after", "finish"]


def loop_template(limit, while_condition=None):
    props = {"max_iterations": limit}
    if while_condition is not None:
        props["while"] = while_condition
    return template(
        [{"id": "start", "type": "start"}, node("again", "loop", **props),
         node("count", "set_variable", values={"N": "={=Variable:N} + 1"}),
         {"id": "finish", "type": "end"}],
        edges=[{"from": "start", "to": "again"},
               {"from": "again", "port": "body", "to": "count"},
               {"from": "count", "to": "again"},
               {"from": "again", "port": "done", "to": "finish"}],
        variables=[{"id": "N", "type": "integer", "default": 0}])


def test_loop_runs_while_its_condition_holds():
    data = loop_template(100, {"left": "{=Variable:N}", "op": "<", "right": 5})
    result = run(load_template(data), {}, now=NOW)
    assert result["status"] == "completed"
    assert result["variables"] == {"N": 5}


def test_loop_stops_at_max_iterations():
    result = run(load_template(loop_template(7)), {}, now=NOW)
    assert result["variables"] == {"N": 7}
    assert "max_iterations" in [e for e in result["log"] if e["node"] == "again"][-1]["message"]


def test_step_budget_fails_a_runaway_loop_with_a_clear_message():
    result = run(load_template(loop_template(1_000_000)), {}, now=NOW)
    assert result["status"] == "failed"
    assert "step budget" in result["error"]["message"]
    assert result["variables"] == {"N": 0}
    small = run(load_template(loop_template(1_000_000)), {}, now=NOW, step_budget=50)
    assert small["status"] == "failed" and "50" in small["error"]["message"]


def test_a_failing_block_leaves_no_changes_and_no_effects_from_its_step():
    data = chain(node("ok", "modify_document", fields={"TITLE": "changed"}),
                 node("mail", "email", to=["a@b.co"], subject="s"),
                 node("boom", "log", text="={=Document:OPPORTUNITY} / 0"))
    tpl = load_template(data)
    step = start(tpl, ctx({"OPPORTUNITY": 5, "TITLE": "t"}))
    assert step.status == "failed"
    assert step.error["node"] == "boom"
    assert step.changes == {} and step.effects == [] and step.waits == []
    assert step.document == {"OPPORTUNITY": 5, "TITLE": "t"}
    result = run(tpl, {"OPPORTUNITY": 5, "TITLE": "t"}, now=NOW)
    assert result["status"] == "failed" and result["emails"] == [] and result["changes"] == {}
    assert result["document"]["TITLE"] == "t"
    assert result["error"]["node"] == "boom"


def test_a_failed_step_can_be_retried_from_its_state():
    data = chain(node("ok", "modify_document", fields={"TITLE": "changed"}),
                 node("risky", "modify_document", fields={"OPPORTUNITY": "{=Document:COMMENTS}"}))
    tpl = load_template(data)
    failed = start(tpl, ctx({"COMMENTS": "oops"}))
    assert failed.status == "failed"
    retried = resume(tpl, roundtrip(failed.state), ctx({"COMMENTS": "12"}))
    assert retried.status == "completed"
    assert retried.changes == {"TITLE": "changed", "OPPORTUNITY": 12}


def test_terminate_ends_every_branch():
    data = parallel_template(second_branch_waits=True)
    data["nodes"][2] = node("a", "end", status="terminated")
    data["edges"] = [e for e in data["edges"] if e["from"] != "a"]
    step = start(load_template(data), ctx())
    assert step.status == "terminated" and step.waits == [] and step.state["tokens"] == []


def test_every_executed_block_is_logged_and_the_run_object_has_the_spec_keys():
    result = run(load_template(chain(node("l", "log", text="hello"))), {"TITLE": "x"})
    assert set(result) == {"status", "document", "changes", "emails", "notifications",
                           "variables", "log", "error"}
    assert [e["node"] for e in result["log"]] == ["start", "l", "finish"]
    assert result["error"] is None


def test_bad_parameters_fail_the_dry_run_without_a_node():
    data = chain(parameters=[{"id": "Reason", "type": "integer", "required": True}])
    result = run(load_template(data), {}, {"Reason": "not a number"})
    assert result["status"] == "failed" and result["error"]["node"] is None
    missing = run(load_template(data), {}, {})
    assert "required" in missing["error"]["message"]
    assert run(load_template(data), {}, {"Reason": "3"})["status"] == "completed"


def test_a_dry_run_without_now_logs_the_current_second_even_after_the_clock_is_set_back(
        monkeypatch):
    import time

    tpl = load_template(chain(node("note", "log", text="hi")))
    later, earlier = 1_900_000_000.5, 1_800_000_000.5
    monkeypatch.setattr(time, "time", lambda: later)
    assert run(tpl, {})["log"][0]["at"] == \
        datetime.fromtimestamp(int(later), UTC).isoformat()
    monkeypatch.setattr(time, "time", lambda: earlier)   # e.g. an NTP step backwards
    assert run(tpl, {})["log"][0]["at"] == \
        datetime.fromtimestamp(int(earlier), UTC).isoformat()
