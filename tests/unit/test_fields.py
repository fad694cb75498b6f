"""Document types, standard and custom fields, and coercion of every field type."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter.fields import (
    DEFAULT_DEAL_STAGES,
    DEFAULT_LEAD_STATUSES,
    DOCUMENT_TYPES,
    FIELD_TYPES,
    FieldDef,
    FieldValueError,
    coerce_value,
    custom_field,
    field_map,
    parse_user_id,
    render_text,
    standard_fields,
)

COMMON = ("ID", "DATE_CREATE", "DATE_MODIFY", "CREATED_BY_ID", "MODIFY_BY_ID", "ASSIGNED_BY_ID",
          "COMMENTS")
SPEC_FIELDS = {
    "lead": "TITLE NAME SECOND_NAME LAST_NAME COMPANY_TITLE POST STATUS_ID SOURCE_ID "
            "SOURCE_DESCRIPTION OPPORTUNITY CURRENCY_ID EMAIL PHONE WEB ADDRESS CONTACT_ID "
            "COMPANY_ID",
    "contact": "NAME SECOND_NAME LAST_NAME POST TYPE_ID SOURCE_ID EMAIL PHONE WEB ADDRESS "
               "COMPANY_ID BIRTHDATE",
    "company": "TITLE COMPANY_TYPE INDUSTRY REVENUE CURRENCY_ID EMPLOYEES EMAIL PHONE WEB ADDRESS",
    "deal": "TITLE CATEGORY_ID STAGE_ID OPPORTUNITY CURRENCY_ID PROBABILITY TYPE_ID SOURCE_ID "
            "CONTACT_ID COMPANY_ID LEAD_ID BEGINDATE CLOSEDATE CLOSED",
    "document": "NAME LIBRARY FOLDER FILE_SIZE MIME_TYPE DESCRIPTION",
}
SPEC_TYPES = {
    "OPPORTUNITY": "number", "REVENUE": "number", "PROBABILITY": "integer",
    "EMPLOYEES": "integer", "ASSIGNED_BY_ID": "user", "CREATED_BY_ID": "user",
    "MODIFY_BY_ID": "user", "CONTACT_ID": "crm_ref", "COMPANY_ID": "crm_ref",
    "LEAD_ID": "crm_ref", "STATUS_ID": "crm_status", "STAGE_ID": "crm_status",
    "CURRENCY_ID": "list", "SOURCE_ID": "list", "TYPE_ID": "list", "COMPANY_TYPE": "list",
    "INDUSTRY": "list", "LIBRARY": "list", "BEGINDATE": "date", "CLOSEDATE": "date",
    "BIRTHDATE": "date", "DATE_CREATE": "datetime", "DATE_MODIFY": "datetime",
    "CLOSED": "boolean", "COMMENTS": "text", "DESCRIPTION": "text", "ADDRESS": "text",
    "SOURCE_DESCRIPTION": "text", "EMAIL": "email", "PHONE": "phone",
    "TITLE": "string", "NAME": "string", "LAST_NAME": "string", "WEB": "string",
}


def field(type_: str, **extra: object) -> FieldDef:
    return FieldDef(code="UF_TEST", type=type_, title="Test", **extra)


@pytest.mark.parametrize("document_type", DOCUMENT_TYPES)
def test_every_type_has_the_spec_fields_and_the_common_ones(document_type: str) -> None:
    fields = standard_fields(document_type)
    expected = set(SPEC_FIELDS[document_type].split()) | set(COMMON)
    assert set(fields) == expected
    for code, definition in fields.items():
        assert definition.code == code
        assert definition.type in FIELD_TYPES
        if code in SPEC_TYPES:
            assert definition.type == SPEC_TYPES[code], code


def test_read_only_fields_are_marked() -> None:
    doc = standard_fields("document")
    read_only = {code for code, f in doc.items() if f.read_only}
    assert read_only == {"ID", "DATE_CREATE", "DATE_MODIFY", "CREATED_BY_ID", "MODIFY_BY_ID",
                         "FILE_SIZE", "MIME_TYPE"}
    assert not standard_fields("lead")["ASSIGNED_BY_ID"].read_only


def test_list_fields_carry_their_options() -> None:
    lead = standard_fields("lead")
    currencies = [key for key, _ in lead["CURRENCY_ID"].options]
    assert {"EUR", "USD", "RUB", "VND", "GBP"} <= set(currencies)
    assert [key for key, _ in lead["SOURCE_ID"].options] == [
        "CALL", "EMAIL", "WEB", "ADVERTISING", "PARTNER", "RECOMMENDATION", "TRADE_SHOW",
        "WEBFORM", "CALLBACK", "STORE", "OTHER"]
    for document_type, code in (("contact", "TYPE_ID"), ("deal", "TYPE_ID"),
                                ("company", "COMPANY_TYPE"), ("company", "INDUSTRY"),
                                ("document", "LIBRARY")):
        assert standard_fields(document_type)[code].options, code


def test_default_pipelines_follow_the_spec() -> None:
    assert [s[0] for s in DEFAULT_LEAD_STATUSES] == ["NEW", "IN_PROCESS", "PROCESSED",
                                                     "CONVERTED", "JUNK"]
    assert dict((s[0], s[2]) for s in DEFAULT_LEAD_STATUSES)["CONVERTED"] == "success"
    assert dict((s[0], s[2]) for s in DEFAULT_LEAD_STATUSES)["JUNK"] == "failure"
    assert [s[0] for s in DEFAULT_DEAL_STAGES] == ["NEW", "PREPARATION", "PREPAYMENT_INVOICE",
                                                   "EXECUTING", "FINAL_INVOICE", "WON", "LOSE"]
    assert DEFAULT_DEAL_STAGES[-2][2] == "success" and DEFAULT_DEAL_STAGES[-1][2] == "failure"


def test_unknown_document_type_is_a_clear_error() -> None:
    with pytest.raises(FieldValueError, match="unknown document type 'invoice'"):
        standard_fields("invoice")


def test_field_map_adds_custom_fields_and_rejects_bad_codes() -> None:
    extra = FieldDef(code="UF_BUDGET", type="number", title="Budget")
    fields = field_map("deal", [extra])
    assert fields["UF_BUDGET"] is extra and "TITLE" in fields
    with pytest.raises(FieldValueError, match="must match"):
        field_map("deal", [FieldDef(code="BUDGET", type="number", title="Budget")])


def test_standard_fields_returns_a_copy() -> None:
    standard_fields("lead").pop("TITLE")
    assert "TITLE" in standard_fields("lead")


def test_custom_field_from_its_api_form() -> None:
    made = custom_field({"code": "UF_SIZE", "type": "list", "title": "Size",
                         "options": ["S", {"id": "M", "title": "Medium"}], "multiple": True})
    assert made.options == (("S", "S"), ("M", "Medium"))
    assert made.multiple
    assert made.to_dict()["options"] == [{"id": "S", "title": "S"}, {"id": "M", "title": "Medium"}]


@pytest.mark.parametrize("data, message", [
    ({"code": "SIZE", "type": "string"}, "must match"),
    ({"code": "UF_lower", "type": "string"}, "must match"),
    ({"code": "UF_X", "type": "money"}, "type 'money'"),
    ({"code": "UF_X", "type": "list"}, "needs options"),
    ({"code": "UF_X", "type": "list", "options": ["a", "a"]}, "unique"),
    ({"code": "UF_X", "type": "string", "multiple": "yes"}, "multiple must be"),
    ({"code": "UF_X", "type": "string", "title": ""}, "title"),
])
def test_custom_field_rejects_bad_definitions(data: dict, message: str) -> None:
    with pytest.raises(FieldValueError, match=message):
        custom_field(data)


# --- coercion, type by type ---------------------------------------------------------------

@pytest.mark.parametrize("type_, raw, expected", [
    ("string", "Hello", "Hello"),
    ("string", 500, "500"),
    ("string", 2.5, "2.5"),
    ("text", "line 1\nline 2", "line 1\nline 2"),
    ("integer", 5, 5),
    ("integer", "42", 42),
    ("integer", " -7 ", -7),
    ("integer", 3.0, 3),
    ("integer", "3.0", 3),
    ("integer", "", None),
    ("number", "500", 500),
    ("number", "500.00", 500),
    ("number", 500.0, 500),
    ("number", "12.5", 12.5),
    ("number", -0.25, -0.25),
    ("number", "1e3", 1000),
    ("boolean", True, True),
    ("boolean", "Y", True),
    ("boolean", "n", False),
    ("boolean", "1", True),
    ("boolean", 0, False),
    ("boolean", "false", False),
    ("date", "2024-05-03", "2024-05-03"),
    ("date", "2024-05-03T10:00:00", "2024-05-03"),
    ("datetime", "2024-05-03T10:00:00Z", "2024-05-03T10:00:00+00:00"),
    ("datetime", "2024-05-03T10:00:00+07:00", "2024-05-03T10:00:00+07:00"),
    ("datetime", "2024-05-03", "2024-05-03T00:00:00+00:00"),
    ("datetime", "2024-05-03 10:15", "2024-05-03T10:15:00+00:00"),
    ("user", 5, 5),
    ("user", "5", 5),
    ("user", "user:5", 5),
    ("user", {"ID": 5, "NAME": "Bob"}, 5),
    ("crm_ref", "12", 12),
    ("crm_status", "C1:NEW", "C1:NEW"),
    ("crm_status", " WON ", "WON"),
    ("email", "a@example.com", [{"VALUE": "a@example.com", "VALUE_TYPE": "WORK"}]),
    ("email", ["a@example.com", "b@example.org"],
     [{"VALUE": "a@example.com", "VALUE_TYPE": "WORK"},
      {"VALUE": "b@example.org", "VALUE_TYPE": "WORK"}]),
    ("email", [{"VALUE": "a@example.com", "VALUE_TYPE": "home"}],
     [{"VALUE": "a@example.com", "VALUE_TYPE": "HOME"}]),
    ("phone", "+84 90 123 4567", [{"VALUE": "+84 90 123 4567", "VALUE_TYPE": "WORK"}]),
    ("phone", [{"VALUE": "(555) 010-999", "VALUE_TYPE": "MOBILE"}],
     [{"VALUE": "(555) 010-999", "VALUE_TYPE": "MOBILE"}]),
    ("file", 17, 17),
    ("file", "contract.pdf", "contract.pdf"),
    ("file", {"id": 3, "name": "a.pdf"}, {"id": 3, "name": "a.pdf"}),
])
def test_coerce_value_returns_the_canonical_value(type_: str, raw: object,
                                                  expected: object) -> None:
    assert coerce_value(field(type_), raw) == expected


@pytest.mark.parametrize("type_, raw, message", [
    ("string", {"a": 1}, "expected a string"),
    ("string", "x" * 1025, "longer than 1024"),
    ("string", True, "expected a string"),
    ("integer", "abc", "expected an integer"),
    ("integer", 2.5, "expected an integer"),
    ("integer", True, "boolean"),
    ("integer", 2**70, "out of range"),
    ("number", "12,5", "expected a number"),
    ("number", float("nan"), "finite"),
    ("number", [1], "got a list"),
    ("boolean", "maybe", "expected a boolean"),
    ("boolean", 2, "expected a boolean"),
    ("date", "03/05/2024", "expected a date"),
    ("date", "2024-13-01", "month must be in 1..12"),
    ("datetime", "yesterday", "ISO 8601"),
    ("user", "bob", "expected a user id"),
    ("user", 0, "positive integer"),
    ("user", -3, "positive integer"),
    ("crm_ref", "x1", "expected a record id"),
    ("crm_status", "x" * 65, "at most 64"),
    ("email", "not-an-address", "not a valid e-mail"),
    ("email", "a@b", "not a valid e-mail"),
    ("email", [{"VALUE": "a@example.com", "VALUE_TYPE": "SECRET"}], "VALUE_TYPE"),
    ("email", 5, "expected a string"),
    ("phone", "call me", "not a valid phone"),
    ("phone", "12", "not a valid phone"),
    ("file", True, "expected a file"),
])
def test_coerce_value_rejects_wrong_values_naming_the_field(type_: str, raw: object,
                                                            message: str) -> None:
    with pytest.raises(FieldValueError, match=message) as caught:
        coerce_value(field(type_), raw)
    assert caught.value.field == "UF_TEST"
    assert caught.value.code == "invalid_value"
    assert str(caught.value).startswith("UF_TEST:")


def test_none_is_always_allowed() -> None:
    for type_ in FIELD_TYPES:
        assert coerce_value(field(type_), None) is None


def test_list_fields_accept_option_ids_case_insensitively() -> None:
    currency = standard_fields("lead")["CURRENCY_ID"]
    assert coerce_value(currency, "EUR") == "EUR"
    assert coerce_value(currency, "eur") == "EUR"
    with pytest.raises(FieldValueError, match="CURRENCY_ID: 'DOGE' is not one of the options"):
        coerce_value(currency, "DOGE")


def test_list_field_without_options_takes_any_text() -> None:
    assert coerce_value(field("list"), " anything ") == "anything"


def test_multiple_fields_coerce_each_value_and_wrap_single_ones() -> None:
    many = field("integer", multiple=True)
    assert coerce_value(many, ["1", 2, 3.0]) == [1, 2, 3]
    assert coerce_value(many, "7") == [7]
    assert coerce_value(many, ["", "8", " "]) == [8]
    with pytest.raises(FieldValueError, match="null items"):
        coerce_value(many, [1, None])
    with pytest.raises(FieldValueError, match="expected an integer"):
        coerce_value(many, [1, "x"])


def test_a_list_for_a_single_field_is_an_error() -> None:
    with pytest.raises(FieldValueError, match="not multiple"):
        coerce_value(field("string"), ["a", "b"])


def test_parse_user_id_accepts_the_recipient_forms() -> None:
    assert parse_user_id("user:12") == 12
    assert parse_user_id(" 3 ") == 3
    with pytest.raises(FieldValueError):
        parse_user_id("")


# --- rendering ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (None, ""),
    ("x", "x"),
    (500, "500"),
    (500.0, "500"),
    (12.5, "12.5"),
    (0.1 + 0.2, "0.3"),
    (1e20, "100000000000000000000"),
    (True, "Y"),
    (False, "N"),
    (["a", 1, 2.0], "a, 1, 2"),
    ([{"VALUE": "a@example.com", "VALUE_TYPE": "WORK"},
      {"VALUE": "b@example.com", "VALUE_TYPE": "HOME"}], "a@example.com, b@example.com"),
    ({"id": 3}, "id: 3"),
])
def test_render_text(value: object, text: str) -> None:
    assert render_text(value) == text


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["2024-05-03", "2024-05-03T10:00:00+07:00", "user:5", "Y", "a@b.co",
                       "+1 555 0100", "١٢٣", "²", "2024-02-30", "9" * 30, "1e400"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["VALUE", "VALUE_TYPE", "ID", "x"]), children, max_size=3),
    max_leaves=8)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(FIELD_TYPES), st.booleans(), JSON_VALUES)
def test_coercion_of_random_values_only_raises_field_value_errors(type_: str, multiple: bool,
                                                                   raw: object) -> None:
    definition = field(type_, multiple=multiple)
    try:
        value = coerce_value(definition, raw)
    except FieldValueError as exc:
        assert exc.field == "UF_TEST"
        return
    # A canonical value is stable: coercing it again changes nothing.
    assert coerce_value(definition, value) == value
    assert isinstance(render_text(value), str)
