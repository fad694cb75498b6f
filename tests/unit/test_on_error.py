"""Per-node `on_error`: "continue" drops a failing block's work and goes on; "fail" is SPEC 4."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interpreter import Context, TemplateError, load_template, resume, run, start
from tests.unit.template_factory import chain, node, template

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DOCUMENT = {"TITLE": "t", "COMMENTS": "not a number", "OPPORTUNITY": 5}


def robots(on_error: str | None) -> dict:
    """Two robots side by side: the left one fails twice, the right one works."""
    def risky(item: dict) -> dict:
        return {**item, "on_error": on_error} if on_error else item

    return template(
        [{"id": "start", "type": "start"},
         node("split", "parallel", branches=[{"id": "left"}, {"id": "right"}]),
         # Fails after taking a message id (an output and a sequence number) for itself.
         risky(node("bad_mail", "email", to=["boss@example.com"], subject="=1 / 0")),
         # Fails coercing text to a number, after another field was computed.
         risky(node("bad_set", "modify_document",
                    fields={"TITLE": "by bad_set", "OPPORTUNITY": "{=Document:COMMENTS}"})),
         node("went_on", "log", text="left went on"),
         node("good_set", "modify_document", fields={"TITLE": "by good_set"}),
         node("good_mail", "email", to=["team@example.com"], subject="{=Document:TITLE}"),
         {"id": "meet", "type": "join"},
         {"id": "finish", "type": "end"}],
        edges=[{"from": "start", "to": "split"},
               {"from": "split", "port": "left", "to": "bad_mail"},
               {"from": "bad_mail", "to": "bad_set"}, {"from": "bad_set", "to": "went_on"},
               {"from": "went_on", "to": "meet"},
               {"from": "split", "port": "right", "to": "good_set"},
               {"from": "good_set", "to": "good_mail"}, {"from": "good_mail", "to": "meet"},
               {"from": "meet", "to": "finish"}])


def test_continue_drops_the_failed_blocks_work_and_keeps_the_siblings():
    tpl = load_template(robots("continue"))
    step = start(tpl, Context(dict(DOCUMENT), instance_id=7, now=NOW))
    assert step.status == "completed" and step.error is None
    assert step.changes == {"TITLE": "by good_set"}
    assert step.document == {**DOCUMENT, "TITLE": "by good_set"}
    assert [(e["kind"], e["node"], e["to"], e["subject"]) for e in step.effects] == \
        [("email", "good_mail", ["team@example.com"], "by good_set")]
    assert "bad_mail" not in step.state["outputs"]
    assert step.state["outputs"]["good_mail"]["MessageId"].startswith("7.good_mail.")
    assert step.errors == [
        {"node": "bad_mail", "message": "column 4: division by zero"},
        {"node": "bad_set", "message": step.errors[1]["message"]}]
    assert step.errors[1]["message"].startswith("OPPORTUNITY")
    by_node = {e["node"]: e for e in step.log}
    for failed in step.errors:
        entry = by_node[failed["node"]]
        assert entry["error"] == failed["message"]
        assert failed["message"] in entry["message"] and "continu" in entry["message"]
    assert "error" not in by_node["good_set"] and "went_on" in by_node
    assert [e["node"] for e in step.log].count("meet") == 2
    assert step.to_dict()["errors"] == step.errors


def test_continue_in_a_dry_run_completes_and_logs_the_error():
    result = run(load_template(robots("continue")), DOCUMENT, now=NOW)
    assert result["status"] == "completed" and result["error"] is None
    assert result["changes"] == {"TITLE": "by good_set"}
    assert [m["to"] for m in result["emails"]] == [["team@example.com"]]
    assert [e["node"] for e in result["log"] if "error" in e] == ["bad_mail", "bad_set"]


@pytest.mark.parametrize("on_error", [None, "fail"])
def test_fail_is_the_default_and_undoes_the_whole_step(on_error):
    step = start(load_template(robots(on_error)), Context(dict(DOCUMENT), now=NOW))
    assert step.status == "failed"
    assert step.error == {"node": "bad_mail", "message": "column 4: division by zero"}
    assert step.changes == {} and step.effects == [] and step.errors == []
    assert step.document == DOCUMENT


def test_a_step_without_failures_reports_no_errors():
    step = start(load_template(chain(node("l", "log", text="x", ))), Context({}, now=NOW))
    assert step.status == "completed" and step.errors == []
    assert all("error" not in entry for entry in step.log)


def test_continue_without_a_next_port_ends_that_path_only():
    data = template(
        [{"id": "start", "type": "start"},
         node("split", "parallel", branches=[{"id": "left"}, {"id": "right"}]),
         {**node("check", "condition", branches=[
             {"id": "big", "when": {"left": "={=Document:OPPORTUNITY} / 0", "op": ">",
                                    "right": 1}},
             {"id": "other", "when": None}]), "on_error": "continue"},
         node("never", "log", text="not reached"),
         node("sibling", "modify_document", fields={"TITLE": "sibling"}),
         {"id": "meet", "type": "join"}, node("after", "log", text="joined")],
        edges=[{"from": "start", "to": "split"},
               {"from": "split", "port": "left", "to": "check"},
               {"from": "check", "port": "big", "to": "never"},
               {"from": "check", "port": "other", "to": "never"},
               {"from": "split", "port": "right", "to": "sibling"},
               {"from": "never", "to": "meet"}, {"from": "sibling", "to": "meet"},
               {"from": "meet", "to": "after"}])
    step = start(load_template(data), Context({"OPPORTUNITY": 3}, now=NOW))
    assert step.status == "completed"
    assert [e["node"] for e in step.errors] == ["check"]
    nodes = [e["node"] for e in step.log]
    assert "never" not in nodes and nodes[-1] == "after"
    assert step.changes == {"TITLE": "sibling"}


def test_continue_on_a_resumed_block_drops_its_answer_and_goes_on():
    form = node("ask", "request_info", users=[1], name="Budget",
                fields=[{"id": "Budget", "title": "Budget", "type": "integer"}])
    data = chain({**form, "on_error": "continue"},
                 node("use", "modify_document", fields={"OPPORTUNITY": "{=Block:ask:Budget}"}),
                 node("after", "log", text="after"))
    tpl = load_template(data)
    waiting = start(tpl, Context({}, now=NOW))
    assert waiting.status == "waiting"
    token = waiting.waits[0]["token"]
    answered = resume(tpl, waiting.state, Context({}, now=NOW),
                      {"token": token, "data": {"values": {"Budget": "many"}}})
    # The bad answer fails `ask`; `use` then reads an output `ask` never produced and, without
    # on_error, fails the step.
    assert answered.status == "failed" and answered.error["node"] == "use"
    assert [e["node"] for e in answered.log if "error" in e] == ["ask"]
    good = resume(tpl, waiting.state, Context({}, now=NOW),
                  {"token": token, "data": {"values": {"Budget": "12"}}})
    assert good.status == "completed" and good.changes == {"OPPORTUNITY": 12}
    assert good.errors == []


@pytest.mark.parametrize("bad", ["skip", "", None, True, ["continue"]])
def test_the_schema_rejects_an_unknown_on_error(bad):
    data = chain({**node("l", "log", text="x"), "on_error": bad})
    with pytest.raises(TemplateError) as caught:
        load_template(data)
    [error] = caught.value.errors
    assert error["code"] == "schema" and error["node"] == "l"
    assert error["path"] == "/nodes/1/on_error"
    assert "on_error" in error["message"] and "continue" in error["message"]


def test_on_error_is_kept_in_the_template_source():
    data = chain({**node("l", "log", text="x"), "on_error": "continue"})
    assert load_template(data).to_dict()["nodes"][1]["on_error"] == "continue"


def test_the_guard_undoes_every_kind_of_write_a_block_makes():
    from interpreter.blocks.definition import Recovered
    from interpreter.on_error import continue_on_error
    from interpreter.runtime import Run

    tpl = load_template(chain(variables=[{"id": "N", "type": "integer", "default": 1}]))
    step_run = Run(tpl, Context({"TITLE": "t"}, now=NOW), None)
    step_run.set_field("COMMENTS", "kept")
    step_run.effects.append({"kind": "notify", "node": "earlier", "to": [1], "text": "kept"})
    before = (dict(step_run.fields), dict(step_run.changes), list(step_run.effects),
              dict(step_run.variables), step_run.seq)

    def writes_then_fails(block_run, token):
        block_run.set_field("TITLE", "lost")
        block_run.set_field("COMMENTS", "lost")
        block_run.effects.append({"kind": "email", "node": "x"})
        block_run.variables["N"] = 2
        block_run.outputs["x"] = {"MessageId": "lost"}
        block_run.loops["x"] = 1
        block_run.next_seq()
        raise ValueError("boom")

    guarded, no_resume = continue_on_error(writes_then_fails, None)
    out = guarded(step_run, step_run.tokens[0])
    assert out.__class__ is Recovered and out.message == "boom" and no_resume is None
    assert (dict(step_run.fields), dict(step_run.changes), list(step_run.effects),
            dict(step_run.variables), step_run.seq) == before
    assert step_run.outputs == {} and step_run.loops == {}
    assert step_run.document("TITLE") == "t" and step_run.variable("N") == 1
