"""Formula syntax and operators: literals, precedence, arithmetic, comparison, `&`, errors."""

from __future__ import annotations

import re

import pytest
from expression_scope import FakeScope, evaluate, statics

from interpreter.expressions import CompileError, ExpressionError, compile_value

DEAL = {"OPPORTUNITY": 1500, "TITLE": "Roof", "BEGINDATE": "2024-05-01",
        "CLOSEDATE": "2024-05-31", "DATE_CREATE": "2024-05-01T08:00:00+00:00",
        "CLOSED": True, "PROBABILITY": None}


def formula(text: str, document: dict | None = None, **scope: object) -> object:
    return evaluate(text, FakeScope(document if document is not None else DEAL, **scope))


def compile_errors(text: str) -> list[dict]:
    with pytest.raises(CompileError) as caught:
        compile_value(text, statics())
    return caught.value.errors


@pytest.mark.parametrize("text, expected", [
    ("=1", 1),
    ("=2.5", 2.5),
    ("=.5", 0.5),
    ("=1e3", 1000),
    ('="text"', "text"),
    ("='single'", "single"),
    ('="say \\"hi\\"\\n"', 'say "hi"\n'),
    ("=true", True),
    ("=FALSE", False),
    ("=null", None),
    ("=  7  ", 7),
])
def test_literals(text: str, expected: object) -> None:
    assert formula(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("=1 + 2", 3),
    ("=5 - 8", -3),
    ("=3 * 4", 12),
    ("=10 / 4", 2.5),
    ("=10 / 2", 5),
    ("=7 % 3", 1),
    ("=-7 % 3", -1),
    ("=7.5 % 2", 1.5),
    ("=0.1 + 0.2", 0.30000000000000004),
    ("=1.5 * 2", 3),
    ("=-3", -3),
    ("=--3", 3),
    ("=+3", 3),
    ("=-(2 + 3)", -5),
    ("=1 + 2 * 3", 7),
    ("=(1 + 2) * 3", 9),
    ("=2 * 3 % 4", 2),
    ("=10 - 4 - 3", 3),
    ("=100 / 10 / 5", 2),
    ('="500" + 1', 501),
    ('="2.5" * 2', 5),
    ("=null + 1", 1),
    ("=true + 1", 2),
    ("={=Document:OPPORTUNITY} * 2", 3000),
    ("={=Document:PROBABILITY} + 10", 10),
    ("=99999999999 * 99999999999", 9999999999800000000001.0),
])
def test_arithmetic(text: str, expected: object) -> None:
    assert formula(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("=1 = 1", True),
    ("=1 == 1", True),
    ("=1 != 2", True),
    ("=1 <> 1", False),
    ("=2 < 10", True),
    ("=2 <= 2", True),
    ("=3 > 2", True),
    ("=3 >= 4", False),
    ('="500" = 500', True),
    ('="abc" < "abd"', True),
    ('="10" > 9', True),
    ('="a" = "A"', False),
    ("=1 + 1 = 2", True),
    ('="x" & "y" = "xy"', True),
    ("={=Document:OPPORTUNITY} > 500", True),
    ('={=Document:BEGINDATE} < {=Document:CLOSEDATE}', True),
    ('={=Document:BEGINDATE} = "2024-05-01"', True),
    ('={=Document:DATE_CREATE} > "2024-05-01"', True),
    ('={=Document:CLOSEDATE} > today()', True),
    ("=null = \"\"", True),
    ("=null < 1", True),
    ("=true = 1", True),
    ('={=Document:CLOSED} = true', True),
    ('="abc" > 5', True),
])
def test_comparisons(text: str, expected: bool) -> None:
    assert formula(text) is expected


@pytest.mark.parametrize("text, expected", [
    ('="a" & "b"', "ab"),
    ('="n=" & 5', "n=5"),
    ('="x" & 2.0 & true & null', "x2Y"),
    ('=1 + 2 & "!"', "3!"),
    ('="Deal " & {=Document:TITLE} & " for " & {=Document:OPPORTUNITY}', "Deal Roof for 1500"),
    ('=merge("a", "b") & ""', "a, b"),
])
def test_concatenation(text: str, expected: str) -> None:
    assert formula(text) == expected


def test_date_arithmetic() -> None:
    assert formula("={=Document:BEGINDATE} + 3") == "2024-05-04"
    assert formula("=3 + {=Document:BEGINDATE}") == "2024-05-04"
    assert formula("={=Document:BEGINDATE} - 1") == "2024-04-30"
    assert formula('={=Document:BEGINDATE} - "2"') == "2024-04-29"
    assert formula('={=Document:CLOSEDATE} - "2024-05-01"') == 30
    assert formula("={=Document:CLOSEDATE} - {=Document:BEGINDATE}") == 30
    assert formula("={=Document:DATE_CREATE} + 0.5") == "2024-05-01T20:00:00+00:00"
    assert formula("=today() - {=Document:BEGINDATE}") == 2
    with pytest.raises(ExpressionError, match="cannot apply \\* to a date"):
        formula("={=Document:BEGINDATE} * 2")


def test_formula_results_are_plain_json() -> None:
    assert formula("=today()") == "2024-05-03"
    assert formula("=now()") == "2024-05-03T10:30:15+00:00"
    assert formula('=merge(today(), "x")') == ["2024-05-03", "x"]


@pytest.mark.parametrize("text, message, column", [
    ("=1 / 0", "division by zero", 4),
    ("=5 % 0", "division by zero", 4),
    ('=1 + "abc"', "'abc' is not a number (use & to join text)", 4),
    ("=2 * merge(1, 2)", "a list is not a number", 4),
    ('=1 + 2 + "x"', "'x' is not a number", 8),
])
def test_run_errors_carry_the_column(text: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)) as caught:
        formula(text)
    assert caught.value.column == column
    assert str(caught.value).startswith(f"column {column}:")


@pytest.mark.parametrize("text, message, column", [
    ("=", "empty formula", 2),
    ("=1 +", "expected a value, found the end of the formula", 5),
    ("=(1", "expected ')' to close the '(' at column 2", 4),
    ("=1)", "unexpected ')'", 3),
    ("=1 2", "unexpected '2'", 4),
    ('="open', "unterminated string", 2),
    ("=1 $ 2", "unexpected character '$'", 4),
    ("=abc", "unknown name 'abc'", 2),
    ("=12abc", "unexpected 'a' after the number", 4),
    ("=max(1,", "expected a value", 8),
    ("=max(1 2)", "expected ')' to close the call of max", 8),
    ("={=Document:TITLE", "unclosed substitution", 2),
    ("=1 + {=Bogus:X}", "unknown substitution", 6),
    ("=" + "9" * 41, "number longer than 40", 2),
    ("=1e999", "out of range", 2),
])
def test_syntax_errors_name_the_column(text: str, message: str, column: int) -> None:
    errors = compile_errors(text)
    assert len(errors) == 1
    assert message in errors[0]["message"]
    assert f"column {column}:" in errors[0]["message"]
    assert errors[0]["message"].startswith("formula ")


def test_static_errors_inside_a_formula_are_all_reported() -> None:
    errors = compile_errors('={=Document:NOPE} + {=Variable:Gone} & nope(1) & substr("a")')
    assert [e["code"] for e in errors] == ["unknown_field", "unknown_variable",
                                           "unknown_function", "wrong_arguments"]
    assert "column 2:" in errors[0]["message"]
    assert "column 21:" in errors[1]["message"]
    assert "substr() takes 2 to 3 arguments, got 1" in errors[3]["message"]


def test_function_names_are_case_insensitive() -> None:
    assert formula('=UPPER("a") & Lower("B")') == "Ab"


def test_a_long_flat_sum_does_not_nest() -> None:
    assert formula("=" + "+".join(["1"] * 1500)) == 1500


def test_a_literal_that_starts_with_equals_is_a_formula() -> None:
    errors = compile_errors("=== Report ===")
    assert errors[0]["code"] == "expression_syntax"
