"""The fast coercers of the run hot path give exactly what fields.coerce_value gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter.coercers import coerce_document, document_checks, fast_coercer
from interpreter.fields import FieldValueError, coerce_value, field_map

FIELDS = field_map("deal") | field_map("lead")
values = (st.none() | st.booleans() | st.integers(-2**64, 2**64)
          | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=70)
          | st.sampled_from(["EUR", "eur", " NEW", "NEW", "", "5", "user:5", "2024-01-02",
                             "x" * 1025, 700.0, 700.5, -0.0])
          | st.lists(st.integers(1, 5), max_size=2))


def outcome(function, *args):
    try:
        return ("ok", function(*args))
    except FieldValueError as exc:
        return ("error", exc.message)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(FIELDS)), values)
def test_fast_coercer_equals_coerce_value(code, value):
    field = FIELDS[code]
    expected = outcome(coerce_value, field, value)
    got = outcome(fast_coercer(field), value)
    assert got == expected
    if expected[0] == "ok":
        assert type(got[1]) is type(expected[1])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(FIELDS) + ["UF_X", "lower"]), values, max_size=6))
def test_coerce_document_equals_coercing_each_field(document):
    checks = document_checks(FIELDS)
    expected = {}
    failed = False
    for code, value in document.items():
        field = FIELDS.get(code)
        if field is None:
            expected[code] = value
            continue
        result = outcome(coerce_value, field, value)
        if result[0] == "error":
            failed = True
            break
        expected[code] = result[1]
    got = outcome(coerce_document, checks, document)
    if failed:
        assert got[0] == "error"
    else:
        assert got == ("ok", expected)
        assert document is not got[1]
