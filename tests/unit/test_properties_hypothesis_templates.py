"""Property tests: any input either loads or raises TemplateError with well-formed errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interpreter import TemplateError, load_template, run
from interpreter.blocks import REGISTRY

TEMPLATES = [json.loads(p.read_text()) for p in
             sorted((Path(__file__).parents[2] / "templates_bp").glob("*.json"))]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=20) | st.sampled_from(["{=Document:TITLE}", "=1+", "{=Block:x:Y}",
                                              "start", "next", "EUR", "1d"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "type", "properties", "from", "to", "port", "when", "left",
                         "op", "right", "fields", "branches", "text", "TITLE", "x"]),
        inner, max_size=4),
    max_leaves=20)


def check(data):
    try:
        tpl = load_template(data)
    except TemplateError as exc:
        assert exc.errors, "a TemplateError must list its errors"
        for error in exc.errors:
            assert set(error) == {"code", "message", "node", "path"}
            assert isinstance(error["code"], str) and error["code"] != "internal_error", error
            assert isinstance(error["message"], str) and error["message"]
            assert error["node"] is None or isinstance(error["node"], str)
            assert error["path"] is None or isinstance(error["path"], str)
        return None
    return tpl


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_random_json_never_crashes_the_loader(data):
    check(data)


def mutate(data, path_choice, value):
    """Replace one place of the template (chosen by index) with a random value."""
    places = []

    def walk(item, parents):
        if isinstance(item, dict):
            for key, inner in item.items():
                places.append((item, key))
                walk(inner, parents)
        elif isinstance(item, list):
            for index, inner in enumerate(item):
                places.append((item, index))
                walk(inner, parents)

    walk(data, [])
    if not places:
        return data
    container, key = places[path_choice % len(places)]
    container[key] = value
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(TEMPLATES) - 1), st.integers(0, 10_000), json_values)
def test_mutated_builtin_templates_load_or_fail_cleanly(which, where, value):
    data = mutate(copy.deepcopy(TEMPLATES[which]), where, value)
    tpl = check(data)
    if tpl is not None:
        result = run(tpl, {"TITLE": "x", "ASSIGNED_BY_ID": 1})
        assert result["status"] in {"completed", "waiting", "terminated", "failed"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(REGISTRY)), st.dictionaries(
    st.sampled_from(["to", "text", "fields", "branches", "for", "until", "url", "approvers",
                     "mode", "stage", "length", "users", "template_id", "values", "while",
                     "max_iterations", "document_type", "subject"]), json_values, max_size=4))
def test_any_block_with_random_properties_loads_or_fails_cleanly(block_type, props):
    data = {"format": "bizflow.template/1", "document_type": "deal",
            "variables": [{"id": "V", "type": "string"}],
            "nodes": [{"id": "start", "type": "start"},
                      {"id": "b", "type": block_type, "properties": props}],
            "edges": [{"from": "start", "to": "b"}] if block_type != "start" else []}
    tpl = check(data)
    if tpl is not None:
        result = run(tpl, {"TITLE": "x", "ID": 3})
        assert set(result) >= {"status", "error"}
