"""Conditions (SPEC 3.2): every operator, typed comparison by field type, nesting, errors."""

from __future__ import annotations

import pytest
from expression_scope import FakeScope, statics
from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter.conditions import BINARY_OPS, UNARY_OPS, compile_choice, compile_condition
from interpreter.expressions import CompileError, ExpressionError
from interpreter.fields import FieldDef, field_map

DEAL = {"TITLE": "Roof repair VIP", "OPPORTUNITY": 1500, "CURRENCY_ID": "EUR",
        "PROBABILITY": 40, "ASSIGNED_BY_ID": 5, "CLOSED": False, "STAGE_ID": "PREPARATION",
        "BEGINDATE": "2024-05-01", "CLOSEDATE": "2024-05-31", "CONTACT_ID": 12,
        "DATE_CREATE": "2024-05-01T10:00:00+02:00", "COMMENTS": None, "SOURCE_ID": "WEB",
        "CATEGORY_ID": "0"}
LEAD = {"EMAIL": [{"VALUE": "Anna@Example.com", "VALUE_TYPE": "WORK"},
                  {"VALUE": "anna@home.org", "VALUE_TYPE": "HOME"}],
        "PHONE": [{"VALUE": "+84 90 123", "VALUE_TYPE": "MOBILE"}], "OPPORTUNITY": "600",
        "TITLE": "", "CURRENCY_ID": "USD"}
TAGS = FieldDef(code="UF_TAGS", type="list", title="Tags", multiple=True,
                options=(("HOT", "Hot"), ("COLD", "Cold"), ("VIP", "VIP")))
DEAL_STATICS = statics("deal", fields=field_map("deal", [TAGS]))


def holds(cond: object, document: dict | None = None, document_type: str = "deal",
          **scope: object) -> bool:
    static = DEAL_STATICS if document_type == "deal" else statics(document_type)
    compiled = compile_condition(cond, static, "/c")
    return compiled(FakeScope(DEAL if document is None else document, **scope))


def clause(code: str, op: str, right: object = None) -> dict:
    made = {"left": "{=Document:" + code + "}", "op": op}
    if op not in UNARY_OPS:
        made["right"] = right
    return made


def errors_of(cond: object) -> list[dict]:
    with pytest.raises(CompileError) as caught:
        compile_condition(cond, DEAL_STATICS, "/nodes/1/properties/branches/0/when")
    return caught.value.errors


def test_the_seeds_flowchart_conditions() -> None:
    euro = {"left": "{=Document:CURRENCY_ID}", "op": "=", "right": "EUR"}
    big = {"left": "{=Document:OPPORTUNITY}", "op": ">", "right": 500}
    assert holds(euro) and holds(big)
    assert not holds(euro, {**DEAL, "CURRENCY_ID": "USD"})
    assert not holds(big, {**DEAL, "OPPORTUNITY": 500})


@pytest.mark.parametrize("code, op, right, expected", [
    # number: strings and numbers compare as numbers
    ("OPPORTUNITY", "=", "1500", True),
    ("OPPORTUNITY", "=", 1500.0, True),
    ("OPPORTUNITY", "!=", "1500.00", False),
    ("OPPORTUNITY", ">", "500", True),
    ("OPPORTUNITY", ">", "9000", False),
    ("OPPORTUNITY", ">=", 1500, True),
    ("OPPORTUNITY", "<", "1600", True),
    ("OPPORTUNITY", "<=", "1499.99", False),
    ("OPPORTUNITY", "between", ["1000", 2000], True),
    ("OPPORTUNITY", "between", [1500, 1500], True),
    ("OPPORTUNITY", "between", [1501, 2000], False),
    ("OPPORTUNITY", "in", [100, "1500"], True),
    ("OPPORTUNITY", "not_in", [100, 200], True),
    # integer
    ("PROBABILITY", ">", "39", True),
    ("PROBABILITY", "=", "40", True),
    # list and status
    ("CURRENCY_ID", "=", "eur", True),
    ("CURRENCY_ID", "in", ["USD", "EUR"], True),
    ("CURRENCY_ID", "in", "USD, EUR", True),
    ("CURRENCY_ID", "not_in", ["USD", "GBP"], True),
    ("STAGE_ID", "=", "PREPARATION", True),
    ("STAGE_ID", "!=", "WON", True),
    ("SOURCE_ID", "contains", "WE", True),
    # string
    ("TITLE", "contains", "VIP", True),
    ("TITLE", "contains", "vip", False),
    ("TITLE", "not_contains", "Urgent", True),
    ("TITLE", "=", "Roof repair VIP", True),
    ("TITLE", ">", "A", True),
    ("CATEGORY_ID", "=", 0, True),
    # user: by id, whatever the form
    ("ASSIGNED_BY_ID", "=", 5, True),
    ("ASSIGNED_BY_ID", "=", "5", True),
    ("ASSIGNED_BY_ID", "=", "user:5", True),
    ("ASSIGNED_BY_ID", "!=", "user:6", True),
    ("ASSIGNED_BY_ID", "in", ["user:1", "user:5"], True),
    ("CONTACT_ID", "=", "12", True),
    # boolean
    ("CLOSED", "=", "N", True),
    ("CLOSED", "=", False, True),
    ("CLOSED", "!=", "Y", True),
    # dates compare as dates
    ("BEGINDATE", "<", "2024-05-02", True),
    ("BEGINDATE", "=", "2024-05-01T00:00:00", True),
    ("BEGINDATE", "between", ["2024-05-01", "2024-05-31"], True),
    ("CLOSEDATE", ">", "2024-06-01", False),
    ("DATE_CREATE", "=", "2024-05-01T08:00:00Z", True),
    ("DATE_CREATE", ">", "2024-05-01T09:00:00+00:00", False),
    ("DATE_CREATE", "<", "2024-05-01T09:00:00+00:00", True),
    ("DATE_CREATE", ">", "2024-05-01", True),
    # null on the left
    ("COMMENTS", "=", "", True),
    ("COMMENTS", ">", "a", False),
    ("COMMENTS", "contains", "a", False),
    ("COMMENTS", "in", ["a"], False),
    ("COMMENTS", "not_in", ["a"], True),
    ("LEAD_ID", "between", [1, 9], False),
])
def test_typed_comparison(code: str, op: str, right: object, expected: bool) -> None:
    assert holds(clause(code, op, right)) is expected


@pytest.mark.parametrize("cond", [
    clause("CURRENCY_ID", "=", "EUR"), clause("CURRENCY_ID", "!=", "EUR"),
    clause("OPPORTUNITY", ">", 500), clause("OPPORTUNITY", "<=", "1499.5"),
    clause("COMMENTS", ">", "a"), clause("TITLE", "contains", "VIP"),
    {"all": [clause("OPPORTUNITY", ">", 500), clause("CURRENCY_ID", "=", "USD")]},
    {"not": clause("CURRENCY_ID", "=", "EUR")}, None,
])
def test_a_choice_picks_what_the_condition_answers(cond: object) -> None:
    # compile_choice's result is a block's execute: (scope, token) -> yes or no.
    yes, no = object(), object()
    choose = compile_choice(cond, DEAL_STATICS, yes, no, "/c")
    assert choose(FakeScope(DEAL), {"id": 1}) is (yes if holds(cond) else no)


@pytest.mark.parametrize("code, op, right, expected", [
    ("EMAIL", "contains", "anna@example.com", True),
    ("EMAIL", "contains", ["anna@home.org", "ANNA@example.com"], True),
    ("EMAIL", "contains", "bob@example.com", False),
    ("EMAIL", "not_contains", "bob@example.com", True),
    ("EMAIL", "=", ["anna@example.com", "anna@home.org"], True),
    ("EMAIL", "in", ["anna@home.org"], True),
    ("PHONE", "contains", "+84 90 123", True),
    ("OPPORTUNITY", "=", 600, True),
    ("OPPORTUNITY", ">", "599.5", True),
    ("TITLE", "empty", None, True),
    ("EMAIL", "not_empty", None, True),
])
def test_typed_comparison_of_contacts_and_non_canonical_documents(code: str, op: str,
                                                                   right: object,
                                                                   expected: bool) -> None:
    assert holds(clause(code, op, right), LEAD, "lead") is expected


def test_multiple_fields_compare_item_by_item() -> None:
    document = {**DEAL, "UF_TAGS": ["HOT", "VIP"]}
    assert holds(clause("UF_TAGS", "contains", "vip"), document)
    assert holds(clause("UF_TAGS", "contains", ["HOT", "VIP"]), document)
    assert not holds(clause("UF_TAGS", "contains", ["HOT", "COLD"]), document)
    assert holds(clause("UF_TAGS", "=", ["HOT", "VIP"]), document)
    assert holds(clause("UF_TAGS", "in", ["COLD", "VIP"]), document)
    assert holds(clause("UF_TAGS", "not_in", ["COLD"]), document)
    assert holds(clause("UF_TAGS", "empty"), {**DEAL, "UF_TAGS": []})


@pytest.mark.parametrize("value, empty", [
    (None, True), ("", True), ([], True), ("x", False), (0, False), (False, False), ([0], False),
])
def test_empty_and_not_empty(value: object, empty: bool) -> None:
    scope = {"variables": {"Anything": value}}
    assert holds({"left": "{=Variable:Anything}", "op": "empty"}, **scope) is empty
    assert holds({"left": "{=Variable:Anything}", "op": "not_empty"}, **scope) is not empty


def test_modified_uses_the_fields_changed_by_the_starting_update() -> None:
    changed = frozenset({"STAGE_ID"})
    assert holds(clause("STAGE_ID", "modified"), changed=changed)
    assert not holds(clause("TITLE", "modified"), changed=changed)
    assert holds({"left": "STAGE_ID", "op": "modified"}, changed=changed)
    assert not holds(clause("STAGE_ID", "modified"))


def test_right_side_references_are_coerced_at_run_time() -> None:
    scope = {"variables": {"Total": "1500", "Anything": "user:5", "Items": ["USD", "EUR"]},
             "parameters": {"Limit": "1000"}}
    assert holds(clause("OPPORTUNITY", "=", "{=Variable:Total}"), **scope)
    assert holds(clause("OPPORTUNITY", ">", "{=Parameter:Limit}"), **scope)
    assert holds(clause("OPPORTUNITY", ">", "={=Parameter:Limit} * 1.2"), **scope)
    assert holds(clause("ASSIGNED_BY_ID", "=", "{=Variable:Anything}"), **scope)
    assert holds(clause("CURRENCY_ID", "in", "{=Variable:Items}"), **scope)
    with pytest.raises(ExpressionError, match="OPPORTUNITY: expected a number, got 'lots'"):
        holds(clause("OPPORTUNITY", "=", "{=Variable:Note}"), variables={"Note": "lots"})


def test_typed_variables_compare_by_their_type() -> None:
    scope = {"variables": {"Total": 1500, "Manager": 5, "Due": "2024-05-01"}}
    assert holds({"left": "{=Variable:Total}", "op": "=", "right": "1500.0"}, **scope)
    assert holds({"left": "{=Variable:Manager}", "op": "=", "right": "user:5"}, **scope)
    assert holds({"left": "{=Variable:Due}", "op": "<", "right": "2024-05-02"}, **scope)


@pytest.mark.parametrize("left, op, right, expected", [
    ("={=Document:OPPORTUNITY} * 2", "=", "3000", True),
    ("={=Document:OPPORTUNITY} * 2", ">", 2999, True),
    ("Hello world", "contains", "world", True),
    ("Hello world", "not_contains", "World", True),
    ("{=Variable:Anything}", "=", "", True),
    ("{=Variable:Items}", "contains", "b", True),
    ("{=Variable:Items}", "contains", ["a", "b"], True),
    ("{=Variable:Items}", "contains", "z", False),
    ("{=Variable:Items}", "in", ["b", "z"], True),
    ("b", "in", "{=Variable:Items}", True),
    ("7", "between", [1, 10], True),
    ("70", "between", ["1", "10"], False),
    ("2024-05-03", "<", "={=Document:CLOSEDATE}", True),
    ("abc", "<", "abd", True),
    ("=today()", ">", "{=Document:BEGINDATE}", True),
    ("=today()", "=", "2024-05-03", True),
    ("2024-05-04", ">", "=today()", True),
    ("=1", "!=", "=2", True),
])
def test_untyped_clauses_use_the_formula_rules(left: object, op: str, right: object,
                                               expected: bool) -> None:
    scope = {"variables": {"Anything": None, "Items": ["a", "b"]}}
    assert holds({"left": left, "op": op, "right": right}, **scope) is expected


def test_all_any_not_nest_freely() -> None:
    euro = clause("CURRENCY_ID", "=", "EUR")
    usd = clause("CURRENCY_ID", "=", "USD")
    big = clause("OPPORTUNITY", ">", 1000)
    assert holds({"all": [euro, big]})
    assert not holds({"all": [usd, big]})
    assert holds({"any": [usd, big]})
    assert not holds({"any": [usd, {"not": big}]})
    assert holds({"not": {"all": [usd, big]}})
    assert holds({"all": [{"any": [usd, {"all": [euro, {"not": usd}]}]}, {"not": {"any": []}}]})
    assert holds({"all": []}) and not holds({"any": []})
    assert holds(None)


def test_any_stops_at_the_first_true_clause() -> None:
    # The second clause would fail at run time (its right side is not a number).
    failing = clause("OPPORTUNITY", "=", "{=Variable:Note}")
    assert holds({"any": [clause("CURRENCY_ID", "=", "EUR"), failing]}, variables={"Note": "x"})


@pytest.mark.parametrize("cond, code, path, message", [
    (clause("OPPORTUNITY", ">", "lots"), "invalid_value", "/right",
     "OPPORTUNITY: expected a number, got 'lots'"),
    (clause("CURRENCY_ID", "=", "DOGE"), "invalid_value", "/right",
     "CURRENCY_ID: 'DOGE' is not one of the options"),
    (clause("BEGINDATE", "<", "tomorrow"), "invalid_value", "/right", "expected a date"),
    (clause("ASSIGNED_BY_ID", "=", "bob"), "invalid_value", "/right", "expected a user id"),
    (clause("CLOSED", "=", "maybe"), "invalid_value", "/right", "expected a boolean"),
    (clause("OPPORTUNITY", "in", [1, "x"]), "invalid_value", "/right", "expected a number"),
    (clause("OPPORTUNITY", "between", [1]), "invalid_value", "/right",
     "between needs right = [low, high]"),
    (clause("NOPE", "=", 1), "unknown_field", "/left", "unknown document field NOPE"),
    (clause("TITLE", "~", 1), "unknown_operator", "/op", "unknown operator '~'"),
    ({"left": "{=Document:TITLE}", "op": "="}, "invalid_condition", "",
     "operator '=' needs a right value"),
    ({"left": "{=Document:TITLE}"}, "invalid_condition", "", "a clause needs left and op"),
    ({"all": {"left": 1}}, "invalid_condition", "/all", "'all' needs a list of conditions"),
    ({"all": [], "any": []}, "invalid_condition", "", "'all' must be the only key"),
    ({"not": None}, "invalid_condition", "/not", "'not' needs a condition"),
    ("TITLE = 1", "invalid_condition", "", "a condition must be an object"),
    ({"left": "x", "op": "modified"}, "invalid_condition", "/left",
     "'modified' needs a document field"),
    ({"left": "{=Document:NOPE}", "op": "modified"}, "unknown_field", "/left",
     "unknown document field NOPE"),
    ({"left": "{=Variable:Gone}", "op": "empty"}, "unknown_variable", "/left",
     "unknown variable Gone"),
])
def test_condition_errors_name_the_path(cond: object, code: str, path: str,
                                        message: str) -> None:
    errors = errors_of(cond)
    assert errors[0]["code"] == code
    assert errors[0]["path"] == "/nodes/1/properties/branches/0/when" + path
    assert message in errors[0]["message"]


def test_every_error_in_a_condition_is_reported() -> None:
    errors = errors_of({"any": [clause("NOPE", "=", 1), {"not": clause("OPPORTUNITY", ">", "x")},
                                {"left": "{=Document:TITLE}", "op": "like", "right": "a"}]})
    prefix = "/nodes/1/properties/branches/0/when"
    assert [(e["code"], e["path"]) for e in errors] == [
        ("unknown_field", prefix + "/any/0/left"), ("invalid_value", prefix + "/any/1/not/right"),
        ("unknown_operator", prefix + "/any/2/op")]


def test_errors_can_be_collected_into_a_list() -> None:
    found: list[dict] = []
    compiled = compile_condition(clause("NOPE", "=", 1), DEAL_STATICS, "/w", found)
    assert found[0]["path"] == "/w/left"
    with pytest.raises(ExpressionError, match="did not compile"):
        compiled(FakeScope(DEAL))


def test_deep_nesting_is_refused() -> None:
    cond: object = clause("TITLE", "empty")
    for _ in range(40):
        cond = {"not": cond}
    assert "nested deeper than 32" in errors_of(cond)[0]["message"]


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=12)
    | st.sampled_from(["{=Document:OPPORTUNITY}", "{=Document:TITLE}", "{=Document:EMAIL}",
                       "{=Variable:Items}", "=1/0", "{=Document:BEGINDATE}", "user:5"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["all", "any", "not", "left", "op", "right", "x"]), children,
        max_size=3),
    max_leaves=12)
CLAUSES = st.fixed_dictionaries({"left": JSONISH, "op": st.sampled_from(BINARY_OPS + UNARY_OPS
                                                                        + ("like",)),
                                 "right": JSONISH})


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(st.one_of(JSONISH, CLAUSES, st.lists(CLAUSES, max_size=3).map(lambda c: {"any": c})))
def test_random_conditions_compile_or_report_errors_and_never_crash(cond: object) -> None:
    try:
        compiled = compile_condition(cond, DEAL_STATICS, "/c")
    except CompileError as exc:
        assert all(error["path"].startswith("/c") for error in exc.errors)
        return
    try:
        assert compiled(FakeScope(DEAL, variables={"Items": ["a"]})) in (True, False)
    except ExpressionError:
        pass
