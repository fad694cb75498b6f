"""Semantics shared by formulas and conditions: numbers, truth, typed comparison, arithmetic."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from ..fields import parse_date, parse_datetime, render_text
from .errors import ExpressionError

_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_INT = re.compile(r"^\s*[+-]?\d+\s*$")
_BIG = 2**63


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def looks_numeric(value: Any) -> bool:
    """True for numbers and for strings that read as one ("500", " 1.5 ")."""
    return is_number(value) or (isinstance(value, str) and bool(_NUMBER.match(value)))


def normalize_number(value: int | float) -> int | float:
    """500.0 -> 500; huge ints become floats; NaN and infinity are errors."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExpressionError("number out of range")
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if abs(value) >= _BIG:
        return normalize_number(float(value))
    return value


def to_number(value: Any) -> int | float:
    """A number from a number, a numeric string, a boolean or null (0); else ExpressionError."""
    if isinstance(value, bool):
        return int(value)
    if is_number(value):
        return value
    if value is None:
        return 0
    if isinstance(value, str):
        if not value.strip():
            return 0
        if _INT.match(value):
            return normalize_number(int(value))
        if _NUMBER.match(value):
            return normalize_number(float(value))
        raise ExpressionError(f"{_short(value)} is not a number (use & to join text)")
    if isinstance(value, list) and len(value) == 1:
        return to_number(value[0])
    raise ExpressionError(f"{_kind(value)} is not a number")


def truthy(value: Any) -> bool:
    """Truth as in the CRM's formulas: null, false, 0, "", "0" and [] are false."""
    if isinstance(value, str):
        return value not in ("", "0")
    if isinstance(value, datetime | date):
        return True
    return bool(value)


def as_moment(value: Any) -> date | datetime:
    """A date (for YYYY-MM-DD) or an aware datetime from a date-like value; else ExpressionError."""
    if isinstance(value, datetime):
        return value if value.tzinfo else parse_datetime(value)
    if isinstance(value, date):
        return value
    try:
        if isinstance(value, str) and len(value.strip()) == 10:
            return parse_date(value)
        return parse_datetime(value)
    except ValueError:
        raise ExpressionError(f"{_short(value)} is not a date") from None


def _as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else parse_datetime(value)


def _is_moment(value: Any) -> bool:
    return isinstance(value, date | datetime)


def compare(left: Any, right: Any) -> int | None:
    """-1, 0 or 1 comparing two values by their kind; None when they cannot be ordered.

    Dates compare as dates, numbers (and numeric strings next to a number) as numbers,
    booleans by truth, anything else as text; null is 0 next to a number and "" otherwise.
    """
    if _is_moment(left) or _is_moment(right):
        if left is None or right is None or left == "" or right == "":
            return None
        try:
            a, b = _as_datetime(as_moment(left)), _as_datetime(as_moment(right))
        except ExpressionError:
            return None
        return (a > b) - (a < b)
    if isinstance(left, bool) or isinstance(right, bool):
        a, b = truthy(left), truthy(right)
        return (a > b) - (a < b)
    if (is_number(left) or is_number(right)) and _numeric_or_null(left) \
            and _numeric_or_null(right):
        a, b = to_number(left), to_number(right)
        return (a > b) - (a < b)
    if isinstance(left, list) and isinstance(right, list):
        return 0 if left == right else None
    a, b = render_text(left), render_text(right)
    return (a > b) - (a < b)


def _numeric_or_null(value: Any) -> bool:
    return value is None or looks_numeric(value)


def compare_op(op: str, left: Any, right: Any) -> bool:
    """The result of a comparison operator (= != < <= > >=) between two values."""
    order = compare(left, right)
    if op == "=":
        return order == 0
    if op == "!=":
        return order != 0
    if order is None:
        return False
    if op == "<":
        return order < 0
    if op == "<=":
        return order <= 0
    if op == ">":
        return order > 0
    return order >= 0


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """+ - * / % on numbers; a date plus or minus days; the days between two dates."""
    if _is_moment(left) or _is_moment(right):
        return _date_arithmetic(op, left, right)
    a, b = to_number(left), to_number(right)
    if op == "+":
        return normalize_number(a + b)
    if op == "-":
        return normalize_number(a - b)
    if op == "*":
        return normalize_number(a * b)
    if b == 0:
        raise ExpressionError("division by zero")
    if op == "/":
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return normalize_number(a // b)
        return normalize_number(a / b)
    # % keeps the sign of the dividend, as in the CRM's (PHP) formulas.
    return normalize_number(math.fmod(a, b) if isinstance(a, float) or isinstance(b, float)
                            else int(math.copysign(abs(a) % abs(b), a)))


def _date_arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "-" and _is_moment(left) and (_is_moment(right) or (isinstance(right, str)
                                                                  and not looks_numeric(right))):
        a, b = left, as_moment(right)
        if type(a) is date and type(b) is date:
            return (a - b).days
        seconds = (_as_datetime(a) - _as_datetime(b)).total_seconds()
        return normalize_number(seconds / 86400)
    if op in "+-" and _is_moment(left) and looks_numeric(right):
        days = to_number(right) * (1 if op == "+" else -1)
        try:
            if type(left) is date and float(days).is_integer():
                return left + timedelta(days=int(days))
            return _as_datetime(left) + timedelta(days=days)
        except OverflowError:
            raise ExpressionError("date out of range") from None
    if op == "+" and _is_moment(right) and looks_numeric(left):
        return _date_arithmetic("+", right, left)
    raise ExpressionError(f"cannot apply {op} to {_kind(left)} and {_kind(right)}; "
                          "use dateadd or datediff")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if is_number(value):
        return "a number"
    return _short(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
