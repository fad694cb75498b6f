"""Property values: literals, `{=...}` substitutions, their static checks and references."""

from __future__ import annotations

import pytest
from expression_scope import Directory, FakeScope, evaluate, statics

from interpreter.expressions import (
    CompileError,
    ExpressionError,
    Reference,
    compile_value,
    references,
)

DEAL = {"TITLE": "Big one", "OPPORTUNITY": 1500, "CURRENCY_ID": "EUR", "ASSIGNED_BY_ID": 5,
        "CLOSED": False, "BEGINDATE": "2024-05-01", "COMMENTS": None}


def errors_of(value: object, **extra: object) -> list[dict]:
    with pytest.raises(CompileError) as caught:
        compile_value(value, statics(**extra), path="/nodes/2/properties/x")
    return caught.value.errors


@pytest.mark.parametrize("literal", [None, True, 3, 2.5, "plain text", [1, "a"], {"k": [1]}])
def test_json_literals_are_returned_as_they_are(literal: object) -> None:
    assert evaluate(literal) == literal


def test_a_single_substitution_keeps_the_type() -> None:
    scope = FakeScope(DEAL)
    assert evaluate("{=Document:OPPORTUNITY}", scope) == 1500
    assert evaluate("{=Document:CLOSED}", scope) is False
    assert evaluate("{=Document:ASSIGNED_BY_ID}", scope) == 5
    assert evaluate("{=Document:COMMENTS}", scope) is None


def test_substitutions_inside_text_render_as_text() -> None:
    scope = FakeScope({**DEAL, "OPPORTUNITY": 1500.0})
    assert evaluate("Amount {=Document:OPPORTUNITY} {=Document:CURRENCY_ID}", scope) == \
        "Amount 1500 EUR"
    assert evaluate("Closed: {=Document:CLOSED}; note: [{=Document:COMMENTS}]", scope) == \
        "Closed: N; note: []"
    assert evaluate("Responsible {=Document:ASSIGNED_BY_ID}", scope) == "Responsible 5"


def test_one_field_inside_text_renders_as_text() -> None:
    # One document field with text around it is read straight from the document.
    scope = FakeScope({**DEAL, "OPPORTUNITY": 217.5})
    assert evaluate("Amount: {=Document:OPPORTUNITY}!", scope) == "Amount: 217.5!"
    assert evaluate("{=Document:OPPORTUNITY} EUR", scope) == "217.5 EUR"
    assert evaluate("[{=Document:COMMENTS}]", scope) == "[]"
    assert evaluate("Closed: {=Document:CLOSED}", scope) == "Closed: N"
    assert evaluate("{=Document:ASSIGNED_BY_ID}.", FakeScope({**DEAL, "OPPORTUNITY": 1e300})) \
        == "5."


def test_lists_in_text_are_joined_with_commas() -> None:
    scope = FakeScope({"EMAIL": [{"VALUE": "a@example.com", "VALUE_TYPE": "WORK"},
                                 {"VALUE": "b@example.com", "VALUE_TYPE": "HOME"}]})
    assert evaluate("Write to {=Document:EMAIL}", scope, "lead") == \
        "Write to a@example.com, b@example.com"
    assert evaluate("{=Constant:Codes} / {=Constant:Codes}") == "A, B / A, B"


def test_text_from_a_document_is_never_expanded_again() -> None:
    scope = FakeScope({"TITLE": "{=Document:OPPORTUNITY} and ={=Constant:Threshold}*2",
                       "OPPORTUNITY": 1})
    assert evaluate("{=Document:TITLE}", scope) == "{=Document:OPPORTUNITY} and " \
                                                  "={=Constant:Threshold}*2"
    assert evaluate("Title: {=Document:TITLE}", scope) == "Title: {=Document:OPPORTUNITY} and " \
                                                          "={=Constant:Threshold}*2"
    assert evaluate('=upper({=Document:TITLE})', scope) == "{=DOCUMENT:OPPORTUNITY} AND " \
                                                          "={=CONSTANT:THRESHOLD}*2"


def test_every_reference_kind() -> None:
    scope = FakeScope(DEAL, variables={"Manager": 7, "Note": "hi"}, parameters={"Reason": "why"},
                      outputs={"make": {"DocumentId": 31}})
    assert evaluate("{=Variable:Manager}", scope) == 7
    assert evaluate("{=Parameter:Reason}", scope) == "why"
    assert evaluate("{=Constant:EuroManager}", scope) == 7
    assert evaluate("{=Constant:Codes}", scope) == ["A", "B"]
    assert evaluate("{=Block:make:DocumentId}", scope) == 31
    assert evaluate("{=Instance:ID}", scope) == 42
    assert evaluate("{=Instance:STARTED_BY}", scope) == 1
    assert evaluate("{=Instance:STARTED_AT}", scope) == "2024-05-03T10:00:00+00:00"


def test_constants_are_inlined_and_not_shared_between_runs() -> None:
    compiled = compile_value("{=Constant:Codes}", statics())
    first = compiled(FakeScope())
    first.append("C")
    assert compiled(FakeScope()) == ["A", "B"]


def test_user_properties_come_from_the_directory() -> None:
    scope = FakeScope(DEAL, variables={"Manager": 7}, directory=Directory())
    assert evaluate("{=Document:ASSIGNED_BY_ID.EMAIL}", scope) == "bob@example.com"
    assert evaluate("{=Document:ASSIGNED_BY_ID.NAME}", scope) == "Bob"
    assert evaluate("{=Document:ASSIGNED_BY_ID.LOGIN}", scope) == "bob"
    assert evaluate("{=Document:ASSIGNED_BY_ID.LAST_NAME}", scope) == "Brown"
    assert evaluate("{=Variable:Manager.EMAIL}", scope) == "cy@example.com"
    assert evaluate("{=Instance:STARTED_BY.NAME}", scope) == "Ada"
    assert evaluate("Dear {=Document:ASSIGNED_BY_ID.NAME} {=Document:ASSIGNED_BY_ID.LAST_NAME}",
                    scope) == "Dear Bob Brown"


def test_user_properties_in_a_dry_run_render_as_user_id() -> None:
    scope = FakeScope(DEAL)
    assert evaluate("{=Document:ASSIGNED_BY_ID.EMAIL}", scope) == "user:5"
    assert evaluate("{=Document:MODIFY_BY_ID.EMAIL}", scope) is None


def test_user_property_of_a_list_and_of_a_non_user() -> None:
    scope = FakeScope(variables={"Items": [1, "user:5"], "Anything": "nobody"},
                      directory=Directory())
    assert evaluate("{=Variable:Items.EMAIL}", scope) == ["ada@example.com", "bob@example.com"]
    with pytest.raises(ExpressionError, match="'nobody' is not a user id"):
        evaluate("{=Variable:Anything.NAME}", scope)


def test_a_missing_block_output_is_a_run_error_with_the_column() -> None:
    with pytest.raises(ExpressionError, match="block make has not produced DocumentId yet") as e:
        evaluate("Made {=Block:make:DocumentId}", FakeScope())
    assert e.value.column == 6


def test_a_plain_document_substitution_compiles_to_a_trivial_callable() -> None:
    compiled = compile_value("{=Document:CURRENCY_ID}", statics())
    assert compiled.__code__.co_names == ("document",)   # reads scope.document, nothing else
    assert compiled(FakeScope(DEAL)) == "EUR"


def test_lists_and_objects_compile_element_wise() -> None:
    value = {"to": ["{=Document:ASSIGNED_BY_ID}", "x@example.com"],
             "headers": {"X-Amount": "{=Document:OPPORTUNITY} EUR"}}
    assert evaluate(value, FakeScope(DEAL)) == {
        "to": [5, "x@example.com"], "headers": {"X-Amount": "1500 EUR"}}


# --- static errors ------------------------------------------------------------------------

@pytest.mark.parametrize("value, code, message", [
    ("{=Document:NOPE}", "unknown_field", "unknown document field NOPE of deal"),
    ("{=Document:UF_CRM_BUDGET}", "unknown_field", "unknown document field UF_CRM_BUDGET"),
    ("{=Variable:Missing}", "unknown_variable", "unknown variable Missing"),
    ("{=Parameter:Missing}", "unknown_parameter", "unknown parameter Missing"),
    ("{=Constant:Missing}", "unknown_constant", "unknown constant Missing"),
    ("{=Block:ghost:Id}", "unknown_node", "unknown block ghost"),
    ("{=Block:make:Nope}", "unknown_output", "block make has no output Nope (it has: DocumentId)"),
    ("{=Block:cond:X}", "unknown_output", "block cond has no outputs"),
    ("{=Instance:OWNER}", "unknown_reference", "unknown instance value"),
    ("{=Robot:X}", "unknown_reference", "unknown substitution {=Robot:X}"),
    ("{=Document:}", "expression_syntax", "malformed substitution"),
    ("{=Document:TITLE.EMAIL}", "unknown_property", ".EMAIL needs a user field; TITLE is string"),
    ("{=Document:ASSIGNED_BY_ID.PHONE}", "unknown_property", "unknown property .PHONE"),
    ("{=Variable:Note.EMAIL}", "unknown_property", "needs a user variable"),
    ("{=Instance:ID.EMAIL}", "unknown_property", "only available on {=Instance:STARTED_BY}"),
    ("Hello {=Document:TITLE", "expression_syntax", "column 7: unclosed substitution"),
])
def test_static_reference_errors(value: str, code: str, message: str) -> None:
    errors = errors_of(value)
    assert errors[0]["code"] == code
    assert message in errors[0]["message"]
    assert errors[0]["path"] == "/nodes/2/properties/x"
    assert errors[0]["node"] is None


def test_every_error_in_a_value_is_reported() -> None:
    errors = errors_of(["{=Document:A} {=Variable:B}", {"k": "{=Constant:C}", "f": "=nope(1)"}])
    assert [(e["code"], e["path"]) for e in errors] == [
        ("unknown_field", "/nodes/2/properties/x/0"),
        ("unknown_variable", "/nodes/2/properties/x/0"),
        ("unknown_constant", "/nodes/2/properties/x/1/k"),
        ("unknown_function", "/nodes/2/properties/x/1/f"),
    ]
    assert "column 15" in errors[1]["message"]


def test_errors_can_be_collected_into_a_list_instead_of_raised() -> None:
    found: list[dict] = []
    compiled = compile_value("{=Document:NOPE}", statics(), "/p", found)
    assert found[0]["code"] == "unknown_field"
    with pytest.raises(ExpressionError, match="did not compile"):
        compiled(FakeScope())


def test_custom_fields_pass_offline_validation_when_allowed() -> None:
    compiled = compile_value("{=Document:UF_CRM_BUDGET}", statics(allow_custom_fields=True))
    assert compiled(FakeScope({"UF_CRM_BUDGET": 10})) == 10
    with pytest.raises(CompileError):
        compile_value("{=Document:NOT_CUSTOM}", statics(allow_custom_fields=True))


def test_variables_and_parameters_may_be_given_as_plain_lists() -> None:
    plain = statics(variables=["A"], parameters=("B",))
    assert compile_value("{=Variable:A}-{=Parameter:B}", plain)(
        FakeScope(variables={"A": 1}, parameters={"B": 2})) == "1-2"


def test_kind_names_are_case_insensitive() -> None:
    assert evaluate("{=document:OPPORTUNITY}", FakeScope(DEAL)) == 1500


# --- references ---------------------------------------------------------------------------

def test_references_lists_substitutions_in_text_formulas_and_nested_values() -> None:
    value = {"subject": "Deal {=Document:TITLE} for {=Document:ASSIGNED_BY_ID.EMAIL}",
             "body": ['=if({=Variable:Total} > {=Constant:Threshold}, "big", "small")',
                      "{=Block:make:DocumentId}"],
             "plain": 5}
    assert references(value, "/p") == [
        Reference("Document", "TITLE", None, None, "/p/subject"),
        Reference("Document", "ASSIGNED_BY_ID", None, "EMAIL", "/p/subject"),
        Reference("Variable", "Total", None, None, "/p/body/0"),
        Reference("Constant", "Threshold", None, None, "/p/body/0"),
        Reference("Block", "make", "DocumentId", None, "/p/body/1"),
    ]


def test_references_skip_malformed_pieces() -> None:
    assert references(["{=Nope:X} {=Document:TITLE}", "=((", "{=Document:A"]) == [
        Reference("Document", "TITLE", None, None, "/0")]


def test_reference_text_is_canonical() -> None:
    assert Reference("Block", "make", "DocumentId", None).text() == "{=Block:make:DocumentId}"
    assert Reference("Document", "ASSIGNED_BY_ID", None, "EMAIL").text() == \
        "{=Document:ASSIGNED_BY_ID.EMAIL}"


def test_deeply_nested_values_are_refused_not_crashed() -> None:
    value: object = "{=Document:TITLE}"
    for _ in range(5000):
        value = [value]
    errors = errors_of(value)
    assert errors[0]["code"] == "expression_too_deep"
    assert "nested deeper than 64 levels" in errors[0]["message"]
    assert references(value) == []
