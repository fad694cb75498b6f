"""Every formula function, with its edge cases and errors."""

from __future__ import annotations

import re

import pytest
from expression_scope import FakeScope, evaluate, statics

from interpreter.expressions import FUNCTION_NAMES, CompileError, ExpressionError, compile_value

SPEC_FUNCTIONS = ("abs round ceil floor min max intval floatval strlen substr upper lower trim "
                  "concat if and or not date now today dateadd workdateadd datediff randstring "
                  "number_format implode explode merge").split()
DEAL = {"TITLE": "  Roof repair  ", "OPPORTUNITY": 1234.5, "BEGINDATE": "2024-05-03",
        "DATE_CREATE": "2024-05-03T17:45:00+00:00", "CLOSEDATE": None}


def formula(text: str, **scope: object) -> object:
    return evaluate(text, FakeScope(DEAL, **scope))


def test_exactly_the_spec_functions_exist() -> None:
    assert sorted(FUNCTION_NAMES) == sorted(SPEC_FUNCTIONS)


@pytest.mark.parametrize("text, expected", [
    ("=abs(-3)", 3), ("=abs(2.5)", 2.5), ('=abs("-4")', 4),
    ("=round(2.5)", 3), ("=round(-2.5)", -3), ("=round(2.675, 2)", 2.68),
    ("=round(1234.5678, 1)", 1234.6), ("=round(1250, -2)", 1300), ("=round(7)", 7),
    ("=ceil(1.2)", 2), ("=ceil(-1.2)", -1), ("=floor(1.8)", 1), ("=floor(-1.2)", -2),
    ("=min(3, 1, 2)", 1), ("=max(3, 1, 2)", 3), ('=max("10", 9)', "10"),
    ("=min(merge(5, 4), 6)", 4), ('=max("b", "a")', "b"), ("=min(null, 3)", 3),
    ('=max("2024-01-02", today())', "2024-05-03"),
    ('=intval("12.7abc")', 12), ("=intval(-3.9)", -3), ('=intval("abc")', 0),
    ("=intval(null)", 0), ("=intval(true)", 1),
    ('=floatval("3.25 kg")', 3.25), ('=floatval("x")', 0), ('=floatval("1e2")', 100),
    ("=floatval(2)", 2),
    ('=strlen("héllo")', 5), ("=strlen(12345)", 5), ("=strlen(null)", 0),
    ('=substr("abcdef", 1)', "bcdef"), ('=substr("abcdef", 1, 3)', "bcd"),
    ('=substr("abcdef", -2)', "ef"), ('=substr("abcdef", 0, -2)', "abcd"),
    ('=substr("abcdef", 10)', ""), ('=substr("abc", -10, 2)', "ab"),
    ('=substr("abcdef", 2, -10)', ""),
    ('=upper("straße")', "STRASSE"), ('=lower("ÉCOLE")', "école"),
    ("=trim({=Document:TITLE})", "Roof repair"),
    ('=concat("a", 1, true, null, merge("x", "y"))', "a1Yx, y"),
    ('=if(1 > 0, "yes", "no")', "yes"), ('=if(0, "yes", "no")', "no"),
    ('=if("", "yes")', None), ('=if("0", 1, 2)', 2), ('=if("N", 1, 2)', 1),
    ("=and(1, true, \"x\")", True), ("=and(1, 0)", False),
    ("=or(0, null, \"\")", False), ("=or(0, 2)", True),
    ("=not(0)", True), ('=not("x")', False), ("=not(merge())", True),
    ('=number_format(1234567.891)', "1,234,568"),
    ('=number_format(1234567.891, 2)', "1,234,567.89"),
    ('=number_format(1234567.891, 2, ",", " ")', "1 234 567,89"),
    ('=number_format(-0.5)', "-1"), ('=number_format(999.995, 2)', "1,000.00"),
    ('=number_format("12", 1, ".", "")', "12.0"),
    ('=implode(", ", merge("a", "b", 3))', "a, b, 3"), ('=implode("-", "solo")', "solo"),
    ('=implode(merge("a", "b"), "+")', "a+b"),
    ('=explode(",", "a,b,,c")', ["a", "b", "", "c"]), ('=explode(";", "")', [""]),
    ('=merge("a", merge("b", "c"), null, 1)', ["a", "b", "c", 1]), ("=merge()", []),
])
def test_function_results(text: str, expected: object) -> None:
    assert formula(text) == expected


def test_if_and_or_evaluate_lazily() -> None:
    # The branch not taken would fail (division by zero) if it were evaluated.
    assert formula('=if(true, 1, 1 / 0)') == 1
    assert formula("=and(false, 1 / 0)") is False
    assert formula("=or(true, 1 / 0)") is True


@pytest.mark.parametrize("text, expected", [
    ('=date("Y-m-d H:i:s", "2024-05-03T07:08:09+00:00")', "2024-05-03 07:08:09"),
    ('=date("d.m.Y", {=Document:BEGINDATE})', "03.05.2024"),
    ('=date("j/n/y")', "3/5/24"),
    ('=date("D, d M Y", "2024-05-03")', "Fri, 03 May 2024"),
    ('=date("l F jS", "2024-05-03")', "Friday May 3S"),
    ('=date("g:i A", "2024-05-03T15:04:00+00:00")', "3:04 PM"),
    ('=date("h a G", "2024-05-03T00:04:00+00:00")', "12 am 0"),
    ('=date("N w z t", "2024-05-05")', "7 0 125 31"),
    ('=date("U", "1970-01-02T00:00:00+00:00")', "86400"),
    ('=date("c", "2024-05-03T10:00:00+07:00")', "2024-05-03T10:00:00+07:00"),
    ('=date("P O", "2024-05-03T10:00:00+07:00")', "+07:00 +0700"),
    ('=date("\\\\Y Y", "2024-05-03")', "Y 2024"),
    ('=date("Y", {=Document:CLOSEDATE})', ""),
    ("=now()", "2024-05-03T10:30:15+00:00"),
    ("=today()", "2024-05-03"),
    ('=dateadd("2024-05-03", "1d")', "2024-05-04"),
    ('=dateadd("2024-05-03", "-1w")', "2024-04-26"),
    ('=dateadd("2024-05-03", "2h")', "2024-05-03T02:00:00+00:00"),
    ('=dateadd({=Document:DATE_CREATE}, "1d 2h 30m 15s")', "2024-05-04T20:15:15+00:00"),
    ('=dateadd(now(), "15m")', "2024-05-03T10:45:15+00:00"),
    ('=dateadd({=Document:CLOSEDATE}, "1d")', None),
    ('=workdateadd("2024-05-03", "1d")', "2024-05-06"),
    ('=workdateadd("2024-05-03", "5d")', "2024-05-10"),
    ('=workdateadd("2024-05-04", "1d")', "2024-05-06"),
    ('=workdateadd("2024-05-06", "-1d")', "2024-05-03"),
    ('=workdateadd("2024-05-03", "0d")', "2024-05-03"),
    ('=workdateadd("2024-05-04", "0d")', "2024-05-06"),
    ('=workdateadd({=Document:DATE_CREATE}, "8h")', "2024-05-06T01:45:00+00:00"),
    ('=workdateadd("2024-05-03", "1w")', "2024-05-14"),
    ('=datediff("2024-01-01", "2024-03-01")', 60),
    ('=datediff("2024-03-01", "2024-01-01")', -60),
    ('=datediff("2024-05-01", "2024-05-03T12:00:00+00:00", "h")', 60),
    ('=datediff("2024-05-03T10:00:00+00:00", "2024-05-03T10:59:59+00:00", "m")', 59),
    ('=datediff("2024-05-03", "2024-05-20", "w")', 2),
    ('=datediff("2024-05-03", "2024-05-03T00:00:30+00:00", "s")', 30),
    ('=datediff("2024-05-03T10:00:00+02:00", "2024-05-03T10:00:00+00:00", "hours")', 2),
    ('=datediff({=Document:CLOSEDATE}, today())', None),
    ("=datediff({=Document:BEGINDATE}, today())", 0),
])
def test_date_functions(text: str, expected: object) -> None:
    assert formula(text) == expected


def test_randstring_length_and_alphabet() -> None:
    default = formula("=randstring()")
    assert isinstance(default, str) and len(default) == 10 and default.isalnum()
    assert re.fullmatch(r"[01]{32}", formula('=randstring(32, "01")'))
    assert formula('=randstring(1, "x")') == "x"
    assert len({formula("=randstring(12)") for _ in range(20)}) == 20


@pytest.mark.parametrize("text, message", [
    ("=round(1, 99)", "round: digits must be between -15 and 15"),
    ('=abs("x")', "'x' is not a number"),
    ('=dateadd("someday", "1d")', "dateadd: 'someday' is not a date"),
    ('=dateadd("2024-05-03", "1 fortnight")', "dateadd: unknown unit 'fortnight'"),
    ('=dateadd("2024-05-03", 3)', 'dateadd: the interval must be text like "1d 2h"'),
    ('=dateadd("9999-12-31", "1d")', "date out of range"),
    ('=workdateadd("2024-05-03", "soon")', "workdateadd: cannot read interval"),
    ('=datediff("2024-05-03", "2024-05-04", "years")', "datediff: unknown unit 'years'"),
    ('=datediff("x", "2024-05-04")', "datediff: 'x' is not a date"),
    ('=date("Y", "not a date")', "date: 'not a date' is not a date"),
    ("=randstring(0)", "randstring: length must be between 1 and 10,000"),
    ("=randstring(1000000000)", "randstring: length must be between 1 and 10,000"),
    ('=randstring(5, "")', "randstring: give between 1 and 10,000 characters"),
    ("=number_format(1, 30)", "number_format: decimals must be between 0 and 20"),
    ('=explode("", "abc")', "explode: the separator must not be empty"),
])
def test_function_errors_are_clear_and_carry_the_column(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)) as caught:
        formula(text)
    assert caught.value.column == 2


@pytest.mark.parametrize("text, message", [
    ("=now(1)", "now() takes 0 arguments, got 1"),
    ("=abs()", "abs() takes 1 argument, got 0"),
    ("=if(1)", "if() takes 2 to 3 arguments, got 1"),
    ("=and()", "and() takes at least 1 argument"),
    ("=number_format(1, 2, 3, 4, 5)", "number_format() takes 1 to 4 arguments, got 5"),
    ("=eval(1)", "unknown function eval()"),
    ("=__import__(1)", "unknown function __import__()"),
])
def test_arity_and_unknown_functions_are_compile_errors(text: str, message: str) -> None:
    with pytest.raises(CompileError) as caught:
        compile_value(text, statics())
    assert message in caught.value.errors[0]["message"]
    assert "column 2:" in caught.value.errors[0]["message"]
