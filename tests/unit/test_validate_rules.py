"""Every validation rule of SPEC 3 reports its own error code, node and JSON pointer."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from interpreter import TemplateError, load_template
from tests.unit.template_factory import chain, node, template

SEEDS_FLOW = Path(__file__).parents[2] / "templates_bp" / "assign_responsible.json"


def errors_of(data):
    with pytest.raises(TemplateError) as caught:
        load_template(data)
    for error in caught.value.errors:
        assert set(error) == {"code", "message", "node", "path"}
        assert isinstance(error["message"], str) and error["message"]
    return caught.value.errors


def codes(data):
    return [e["code"] for e in errors_of(data)]


def test_the_seeds_flowchart_loads():
    tpl = load_template(json.loads(SEEDS_FLOW.read_text()))
    assert tpl.document_type == "lead"
    assert tpl.start.id == "start"


@pytest.mark.parametrize("data,code", [
    ([], "not_an_object"),
    ("text", "not_an_object"),
    (None, "not_an_object"),
    ({"format": "bizflow.template/1", "document_type": "lead", "nodes": [], "x": {1, 2}},
     "not_json"),
])
def test_input_that_is_not_a_json_object_is_refused(data, code):
    assert codes(data) == [code]


def test_wrong_format_and_document_type_are_schema_errors():
    data = chain()
    data["format"] = "bizflow.template/2"
    data["document_type"] = "invoice"
    errors = errors_of(data)
    assert {e["code"] for e in errors} == {"schema"}
    assert {e["path"] for e in errors} == {"/format", "/document_type"}


def test_wrong_json_types_anywhere_are_schema_errors_not_crashes():
    data = chain()
    data["nodes"][0]["id"] = 5
    data["edges"] = {"from": "a"}
    data["auto_start"] = ["create", "delete"]
    errors = errors_of(data)
    assert {e["code"] for e in errors} == {"schema"}
    assert "/nodes/0/id" in {e["path"] for e in errors}


def test_invalid_id_pattern():
    data = chain(node("9bad", "log", text="x"))
    assert "schema" in codes(data)


def test_too_many_nodes_is_refused():
    nodes = [{"id": "start", "type": "start"}] + [
        {"id": f"n{i}", "type": "log", "properties": {"text": "x"}} for i in range(2001)]
    errors = errors_of(template(nodes))
    assert errors[0]["code"] == "too_many_nodes"
    assert "2000" in errors[0]["message"]


def test_more_than_a_mebibyte_is_refused():
    data = chain(node("big", "log", text="x" * (1024 * 1024)))
    errors = errors_of(data)
    assert errors[0]["code"] == "too_large"


def test_duplicate_ids():
    data = chain(node("a", "log", text="1"), node("a", "log", text="2"))
    data["variables"] = [{"id": "V", "type": "string"}, {"id": "V", "type": "string"}]
    assert codes(data).count("duplicate_id") == 2


def test_unknown_block_type_is_an_error_not_a_crash():
    errors = errors_of(chain(node("x", "teleport")))
    assert errors[0]["code"] == "unknown_block_type"
    assert errors[0]["node"] == "x"
    assert errors[0]["path"] == "/nodes/1/type"


def test_block_properties_are_checked_against_the_block_schema():
    errors = errors_of(chain(node("m", "email", to=["a@b.co"], colour="red")))
    assert errors[0]["code"] == "invalid_properties"
    assert errors[0]["node"] == "m"


def test_no_start_and_several_starts():
    assert codes(template([{"id": "e", "type": "end"}])) == ["no_start"]
    data = template([{"id": "s1", "type": "start"}, {"id": "s2", "type": "start"}], edges=[])
    assert "multiple_starts" in codes(data)


def test_unreachable_blocks_are_each_reported():
    data = template([{"id": "start", "type": "start"}, node("a", "log", text="x"),
                     node("b", "log", text="y")], edges=[])
    errors = [e for e in errors_of(data) if e["code"] == "unreachable"]
    assert [e["node"] for e in errors] == ["a", "b"]


def test_edge_to_a_missing_node_and_unknown_port():
    data = chain(node("a", "log", text="x"))
    data["edges"].append({"from": "a", "to": "ghost"})
    data["edges"].append({"from": "start", "port": "sideways", "to": "a"})
    found = codes(data)
    assert "unknown_node" in found and "unknown_port" in found


def test_end_has_no_ports():
    data = chain()
    data["nodes"].append(node("after", "log", text="x"))
    data["edges"].append({"from": "finish", "to": "after"})
    assert "unknown_port" in codes(data)


def test_at_most_one_edge_per_port():
    data = chain(node("a", "log", text="x"), node("b", "log", text="y"))
    data["edges"].append({"from": "start", "to": "b"})
    assert "duplicate_edge" in codes(data)


def test_a_cycle_must_pass_through_a_loop():
    data = chain(node("a", "log", text="x"), node("b", "log", text="y"))
    data["edges"] = [{"from": "start", "to": "a"}, {"from": "a", "to": "b"},
                     {"from": "b", "to": "a"}]
    errors = [e for e in errors_of(data) if e["code"] == "cycle_without_loop"]
    assert len(errors) == 1 and errors[0]["node"] == "a"


def test_a_cycle_through_a_loop_is_fine():
    data = template([{"id": "start", "type": "start"},
                     node("again", "loop", max_iterations=3), node("say", "log", text="x"),
                     {"id": "finish", "type": "end"}],
                    edges=[{"from": "start", "to": "again"},
                           {"from": "again", "port": "body", "to": "say"},
                           {"from": "say", "to": "again"},
                           {"from": "again", "port": "done", "to": "finish"}])
    load_template(data)


def test_else_branch_must_be_last():
    data = chain(node("c", "condition", branches=[
        {"id": "other", "when": None},
        {"id": "euro", "when": {"left": "{=Document:CURRENCY_ID}", "op": "=", "right": "EUR"}}]))
    data["edges"] = [{"from": "start", "to": "c"}, {"from": "c", "port": "euro", "to": "finish"}]
    errors = errors_of(data)
    assert errors[0]["code"] == "else_not_last"
    assert errors[0]["path"] == "/nodes/1/properties/branches/0/when"


def test_join_needs_a_parallel_before_it():
    assert "join_without_parallel" in codes(chain(node("j", "join")))


@pytest.mark.parametrize("value,code", [
    ("{=Document:NOPE}", "unknown_field"),
    ("{=Variable:Nope}", "unknown_variable"),
    ("{=Parameter:Nope}", "unknown_parameter"),
    ("{=Constant:Nope}", "unknown_constant"),
    ("{=Block:ghost:Out}", "unknown_node"),
    ("{=Block:m:Nope}", "unknown_output"),
    ("=1 +", "expression_syntax"),
])
def test_references_are_checked_statically_with_node_and_path(value, code):
    data = chain(node("m", "email", to=["a@b.co"], subject="s"), node("l", "log", text=value))
    errors = errors_of(data)
    assert errors[0]["code"] == code
    assert errors[0]["node"] == "l"
    assert errors[0]["path"] == "/nodes/2/properties/text"


def test_read_only_fields_are_refused_and_bad_literals_too():
    data = chain(node("m", "modify_document", fields={"DATE_CREATE": "2024-01-01",
                                                        "OPPORTUNITY": "lots"}))
    found = codes(data)
    assert "read_only_field" in found and "invalid_value" in found


def test_set_variable_needs_a_declared_variable():
    assert codes(chain(node("v", "set_variable", values={"Nope": 1}))) == ["unknown_variable"]


def test_bad_defaults_and_constant_values():
    data = chain(constants=[{"id": "C", "type": "integer", "value": "many"}])
    errors = errors_of(data)
    assert errors[0]["code"] == "invalid_value" and errors[0]["path"] == "/constants/0/value"


def test_change_stage_only_on_leads_and_deals():
    assert "no_stage" in codes(chain(node("s", "change_stage", stage="X"),
                                     document_type="contact"))


def test_delay_needs_one_of_for_or_until_and_a_readable_interval():
    assert "invalid_properties" in codes(chain(node("d", "delay")))
    assert "invalid_interval" in codes(chain(node("d", "delay", **{"for": "3 fortnights"})))


def test_every_error_is_reported_at_once():
    data = chain(node("a", "teleport"), node("l", "log", text="{=Document:NOPE}"))
    data["nodes"].append(node("lonely", "log", text="x"))
    data["edges"].append({"from": "a", "to": "ghost"})
    found = set(codes(data))
    assert {"unknown_block_type", "unknown_field", "unreachable", "unknown_node"} <= found


def test_uf_fields_pass_offline_but_not_when_custom_fields_are_given():
    data = chain(node("m", "modify_document", fields={"UF_COLOUR": "red"}))
    load_template(data)
    with pytest.raises(TemplateError) as caught:
        load_template(data, custom_fields=())
    assert caught.value.errors[0]["code"] == "unknown_field"


def test_loading_does_not_keep_a_reference_to_the_callers_dict():
    data = json.loads(SEEDS_FLOW.read_text())
    original = copy.deepcopy(data)
    tpl = load_template(data)
    data["nodes"].clear()
    assert tpl.to_dict() == original
