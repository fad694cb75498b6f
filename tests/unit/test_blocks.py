"""Each block of SPEC 3.3 through the dry run and the runtime's waits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interpreter import Context, TemplateError, load_template, resume, run, start
from interpreter.blocks import REGISTRY
from interpreter.blocks.approve import decide
from tests.unit.template_factory import chain, node

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


def dry(data, fields=None, **kwargs):
    return run(load_template(data), fields or {}, now=NOW, **kwargs)


def test_registry_has_every_spec_block_with_palette_data():
    spec_blocks = {"start", "end", "condition", "modify_document", "email", "set_variable",
                   "log", "delay", "notify", "create_task", "webhook", "approve",
                   "request_info", "parallel", "join", "loop", "create_document",
                   "start_process", "change_stage", "generate_code"}
    assert spec_blocks <= set(REGISTRY)
    for block in REGISTRY.values():
        entry = block.describe()
        assert entry["title"] and entry["group"]
        for name, prop in entry["properties_schema"]["properties"].items():
            assert prop.get("title"), f"{block.type}.{name} needs a title"


def test_ports_of_blocks():
    assert REGISTRY["approve"].ports_of({}) == ["approved", "rejected"]
    assert REGISTRY["loop"].ports_of({}) == ["body", "done"]
    assert REGISTRY["end"].ports_of({}) == []
    assert REGISTRY["condition"].ports_of({"branches": [{"id": "a"}, {"id": "b"}]}) == ["a", "b"]


def test_end_terminated():
    data = chain()
    data["nodes"][-1]["properties"] = {"status": "terminated"}
    assert dry(data)["status"] == "terminated"


def seeds_like(amount, currency):
    data = chain(
        node("route", "condition", branches=[
            {"id": "euro", "when": {"left": "{=Document:CURRENCY_ID}", "op": "=", "right": "EUR"}},
            {"id": "big", "when": {"left": "{=Document:OPPORTUNITY}", "op": ">", "right": "500"}},
            {"id": "other", "when": None}]),
        node("assign", "modify_document", fields={"ASSIGNED_BY_ID": 7}))
    data["edges"] = [{"from": "start", "to": "route"},
                     {"from": "route", "port": "euro", "to": "assign"},
                     {"from": "route", "port": "big", "to": "assign"},
                     {"from": "assign", "to": "finish"}]
    return dry(data, {"CURRENCY_ID": currency, "OPPORTUNITY": amount, "ASSIGNED_BY_ID": 1})


def test_condition_takes_the_first_branch_that_holds():
    result = seeds_like(100, "EUR")
    assert result["log"][1]["message"] == "branch euro"
    assert result["changes"] == {"ASSIGNED_BY_ID": 7}
    assert seeds_like("600", "USD")["log"][1]["message"] == "branch big"
    other = seeds_like(10, "USD")
    assert other["log"][1]["message"] == "branch other (else)"
    assert other["changes"] == {} and other["status"] == "completed"


def test_modify_document_coerces_and_a_bad_value_fails_the_block_without_changes():
    data = chain(node("first", "modify_document", fields={"TITLE": "set"}),
                 node("amount", "modify_document", fields={"OPPORTUNITY": "{=Document:COMMENTS}"}))
    good = dry(data, {"COMMENTS": "12.50"})
    assert good["document"]["OPPORTUNITY"] == 12.5
    bad = dry(data, {"COMMENTS": "a lot", "TITLE": "old"})
    assert bad["status"] == "failed"
    assert bad["error"]["node"] == "amount"
    assert "OPPORTUNITY" in bad["error"]["message"]
    assert bad["changes"] == {} and bad["emails"] == []
    assert bad["document"]["TITLE"] == "old"


def test_email_is_returned_not_sent():
    data = chain(node("mail", "email", to=["{=Document:ASSIGNED_BY_ID}", "boss@example.com"],
                      cc=["role:sales"], subject="Lead {=Document:TITLE}",
                      body="Amount {=Document:OPPORTUNITY}"))
    result = dry(data, {"ASSIGNED_BY_ID": 4, "TITLE": "T", "OPPORTUNITY": 500.0})
    assert result["emails"] == [{"to": ["user:4", "boss@example.com"], "cc": ["role:sales"],
                                 "subject": "Lead T", "body": "Amount 500"}]


def test_set_variable_and_log():
    data = chain(node("v", "set_variable", values={"Count": "=2 * 21"}),
                 node("l", "log", text="count is {=Variable:Count}"))
    data["variables"] = [{"id": "Count", "type": "integer", "default": 0}]
    result = dry(data)
    assert result["variables"] == {"Count": 42}
    assert result["log"][2]["message"] == "count is 42"
    assert [set(e) for e in result["log"]] == [{"at", "node", "type", "message"}] * 4


def test_notify_and_change_stage():
    data = chain(node("n", "notify", to=[3], text="hi {=Document:TITLE}"),
                 node("s", "change_stage", stage="IN_PROCESS"))
    result = dry(data, {"TITLE": "x", "STATUS_ID": "NEW"})
    assert result["notifications"] == [{"to": [3], "text": "hi x"}]
    assert result["changes"] == {"STATUS_ID": "IN_PROCESS"}


def test_generate_code_sets_output_and_variable():
    data = chain(node("g", "generate_code", length=6, alphabet="AB", variable="Code"),
                 node("l", "log", text="{=Block:g:Code}"))
    data["variables"] = [{"id": "Code", "type": "string"}]
    result = dry(data)
    code = result["variables"]["Code"]
    assert len(code) == 6 and set(code) <= {"A", "B"}
    assert result["log"][2]["message"] == code


def test_call_blocks_get_simulated_ids_in_a_dry_run():
    data = chain(node("t", "create_task", title="Call {=Document:TITLE}", responsible=[5]),
                 node("d", "create_document", document_type="deal", fields={"TITLE": "x"}),
                 node("p", "start_process", template_id=3),
                 node("l", "log", text="{=Block:t:TaskId} {=Block:d:DocumentId} "
                                       "{=Block:p:InstanceId}"))
    result = dry(data, {"TITLE": "x", "ID": 1})
    assert result["status"] == "completed"
    assert result["log"][-2]["message"] == "dry-run:1 dry-run:2 dry-run:3"


def test_create_document_of_the_templates_own_type_knows_its_fields():
    data = chain(node("d", "create_document", document_type="lead",
                      fields={"TITLE": "Follow-up of {=Document:TITLE}"}))
    result = dry(data, {"TITLE": "x", "ID": 1})
    assert result["status"] == "completed", result["error"]


def test_create_document_refuses_a_field_the_type_does_not_have():
    data = chain(node("d", "create_document", document_type="lead", fields={"NOPE": 1}))
    with pytest.raises(TemplateError) as caught:
        load_template(data)
    assert [e["node"] for e in caught.value.errors] == ["d"]


@pytest.mark.parametrize("block", [
    node("d", "delay", **{"for": "1d 4h"}),
    node("d", "delay", until="2030-01-01T00:00:00Z"),
    node("d", "webhook", url="https://example.com/hook"),
    node("d", "approve", approvers=[1]),
    node("d", "request_info", users=[1], fields=[{"id": "Reason", "type": "string"}]),
    node("d", "start_process", template_id=1, wait=True),
])
def test_waiting_blocks_end_the_dry_run_waiting(block):
    data = chain(block)
    if block["type"] == "approve":
        data["edges"][1]["port"] = "approved"
    assert dry(data)["status"] == "waiting"


def test_delay_already_due_goes_on():
    assert dry(chain(node("d", "delay", until="2001-01-01")))["status"] == "completed"


def test_delay_timer_due_and_business_hours():
    tpl = load_template(chain(node("d", "delay", **{"for": "2h"}, business_hours=True)))
    friday_evening = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    step = start(tpl, Context({}, now=friday_evening))
    assert step.waits[0]["kind"] == "timer"
    assert step.waits[0]["request"]["due"] == "2026-03-09T10:00:00+00:00"
    plain = start(load_template(chain(node("d", "delay", **{"for": "30m"}))), Context({}, now=NOW))
    assert plain.waits[0]["request"]["due"] == "2026-03-02T10:30:00+00:00"


def approval():
    data = chain(node("ok", "approve", approvers=[1, 2], mode="all", timeout="1d"),
                 node("l", "log", text="by {=Block:ok:LastApprover}: {=Block:ok:Comments}"))
    data["nodes"].insert(2, node("no", "log", text="rejected"))
    data["edges"] = [{"from": "start", "to": "ok"},
                     {"from": "ok", "port": "approved", "to": "l"},
                     {"from": "ok", "port": "rejected", "to": "no"},
                     {"from": "l", "to": "finish"}]
    return load_template(data)


def test_approve_waits_for_a_task_and_takes_the_decided_port():
    tpl = approval()
    step = start(tpl, Context({}, now=NOW))
    wait = step.waits[0]
    assert wait["kind"] == "task"
    assert wait["request"]["users"] == [1, 2] and wait["request"]["mode"] == "all"
    assert wait["request"]["timeout_due"] == "2026-03-03T10:00:00+00:00"
    done = resume(tpl, step.state, Context({}, now=NOW), {
        "token": wait["token"],
        "data": {"decision": "approved", "comments": "fine", "last_approver": 2}})
    assert done.status == "completed"
    assert done.log[-2]["message"] == "by 2: fine"
    rejected = resume(tpl, step.state, Context({}, now=NOW),
                      {"token": wait["token"], "data": {"decision": "timeout"}})
    assert [e["node"] for e in rejected.log] == ["ok", "no"]


def test_approval_modes():
    request = {"users": [1, 2, 3, 4], "mode": "any"}
    assert decide(request, [(1, "rejected")]) == "rejected"
    assert decide(request, [(2, "approved")]) == "approved"
    request["mode"] = "all"
    assert decide(request, [(1, "approved"), (2, "approved")]) is None
    assert decide(request, [(1, "approved"), (2, "rejected")]) == "rejected"
    assert decide(request, [(u, "approved") for u in (1, 2, 3, 4)]) == "approved"
    request.update(mode="percent", percent=50)
    assert decide(request, [(1, "approved")]) is None
    assert decide(request, [(1, "approved"), (3, "approved")]) == "approved"
    assert decide(request, [(1, "rejected"), (2, "rejected"), (3, "rejected")]) == "rejected"


def test_request_info_fields_become_outputs_coerced_to_their_type():
    tpl = load_template(chain(
        node("ask", "request_info", users=[1], fields=[
            {"id": "Budget", "type": "number", "required": True},
            {"id": "When", "type": "date"}]),
        node("l", "log", text="{=Block:ask:Budget} on {=Block:ask:When}")))
    step = start(tpl, Context({}, now=NOW))
    assert [f["id"] for f in step.waits[0]["request"]["fields"]] == ["Budget", "When"]
    values = {"Budget": "1500", "When": "2026-04-01"}
    done = resume(tpl, step.state, Context({}, now=NOW),
                  {"token": step.waits[0]["token"], "data": {"values": values}})
    assert done.log[-2]["message"] == "1500 on 2026-04-01"
    missing = resume(tpl, step.state, Context({}, now=NOW),
                     {"token": step.waits[0]["token"], "data": {"values": {}}})
    assert missing.status == "failed" and missing.error["node"] == "ask"


def test_webhook_wait_and_outputs():
    tpl = load_template(chain(node("w", "webhook", url="https://x.example/{=Document:ID}",
                                   method="POST", body={"id": "{=Document:ID}"}),
                              node("l", "log", text="{=Block:w:StatusCode}")))
    step = start(tpl, Context({"ID": 9}, now=NOW))
    request = step.waits[0]["request"]
    assert step.waits[0]["kind"] == "webhook"
    assert request["url"] == "https://x.example/9" and request["body"] == '{"id": 9}'
    done = resume(tpl, step.state, Context({"ID": 9}, now=NOW),
                  {"token": step.waits[0]["token"], "data": {"StatusCode": 200, "Response": "ok"}})
    assert done.log[-2]["message"] == "200"


def test_start_process_with_wait_becomes_a_child_wait():
    tpl = load_template(chain(node("p", "start_process", template_id=2, wait=True)))
    step = start(tpl, Context({"ID": 1}, now=NOW))
    assert step.waits[0]["kind"] == "call"
    child = resume(tpl, step.state, Context({"ID": 1}, now=NOW),
                   {"token": step.waits[0]["token"], "data": {"InstanceId": 77}})
    assert child.waits[0]["kind"] == "child"
    assert child.waits[0]["request"] == {"instance_id": 77}
    done = resume(tpl, child.state, Context({"ID": 1}, now=NOW),
                  {"token": child.waits[0]["token"], "data": {"status": "completed"}})
    assert done.status == "completed"
