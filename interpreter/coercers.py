"""Per-field coercers that let already-canonical values through untouched (the run hot path).

They give exactly what `fields.coerce_value` gives; they only skip its work when the value is
already in canonical form, which is what a running process almost always sees.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from interpreter.fields import MAX_STRING_LENGTH, MAX_TEXT_LENGTH, FieldDef, coerce_value

_MAX_INT = 2**63 - 1
Coercer = Callable[[Any], Any]


def fast_coercer(field: FieldDef) -> Coercer:
    """A function equal to `coerce_value(field, value)` that is cheap for canonical values."""
    kind = field.type
    if field.multiple:
        kind = None

    def slow(value: Any) -> Any:
        return coerce_value(field, value)

    if kind in ("string", "text"):
        limit = MAX_STRING_LENGTH if kind == "string" else MAX_TEXT_LENGTH

        def text(value: Any) -> Any:
            if value.__class__ is str and len(value) <= limit:
                return value
            return slow(value)
        return text
    if kind == "number":
        def number(value: Any) -> Any:
            cls = value.__class__
            if (cls is int and -_MAX_INT <= value <= _MAX_INT) or (
                    cls is float and math.isfinite(value) and not value.is_integer()):
                return value
            return slow(value)
        return number
    if kind in ("integer", "user", "crm_ref"):
        low = -_MAX_INT if kind == "integer" else 1

        def integer(value: Any) -> Any:
            if value.__class__ is int and low <= value <= _MAX_INT:
                return value
            return slow(value)
        return integer
    if kind == "list" and field.options:
        options = frozenset(key for key, _ in field.options)

        def option(value: Any) -> Any:
            if value.__class__ is str and value in options:
                return value
            return slow(value)
        return option
    if kind == "crm_status":
        def status(value: Any) -> Any:
            if value.__class__ is str and 0 < len(value) <= 64 and not value[0].isspace() \
                    and not value[-1].isspace():
                return value
            return slow(value)
        return status
    if kind == "boolean":
        return lambda value: value if value.__class__ is bool else slow(value)
    return slow


class DocumentChecks:
    """What coerce_document needs of a document type's fields (slots: coerce_document's
    checks.tests read is specialized, a NamedTuple field read is not)."""

    __slots__ = ("tests", "fields")

    def __init__(self, tests: dict[str, Callable[[Any], bool]], fields: dict[str, FieldDef]):
        self.tests = tests   # code -> the value needs no coercion
        self.fields = fields


def document_checks(fields: dict[str, FieldDef]) -> DocumentChecks:
    """Per field code, a test that a value is already canonical (or None, no value), and the
    fields to coerce by when it is not. One small test per field type: cheaper than one test
    branching on it."""
    return DocumentChecks({code: _canonical_test(field) for code, field in fields.items()},
                          dict(fields))


def _canonical_test(field: FieldDef) -> Callable[[Any], bool]:
    # The tests compare inside an `if`: CPython 3.11 specializes a comparison followed by a
    # jump, not one whose result is returned or or-ed (that one takes the generic way).
    kind = field.type
    if field.multiple:
        return _is_none
    if kind in ("string", "text"):
        limit = MAX_STRING_LENGTH if kind == "string" else MAX_TEXT_LENGTH

        def text(value: Any) -> bool:
            if value.__class__ is str and len(value) <= limit:
                return True
            return value is None
        return text
    if kind == "integer":
        return _canonical_integer
    if kind in ("user", "crm_ref"):
        return _canonical_id
    if kind == "list" and field.options:
        options = frozenset(key for key, _ in field.options)
        return lambda value: (value.__class__ is str and value in options) or value is None
    if kind == "number":
        return _canonical_number
    if kind == "boolean":
        return lambda value: value.__class__ is bool or value is None
    if kind == "crm_status":
        return _canonical_status
    return _is_none


# value.bit_length() < 64 is -_MAX_INT <= value <= _MAX_INT without comparing with those big
# ints (3.11 specializes comparisons of small ints only).
def _canonical_integer(value: Any) -> bool:
    if value.__class__ is int and value.bit_length() < 64:
        return True
    return value is None


def _canonical_id(value: Any) -> bool:
    if value.__class__ is int and value > 0 and value.bit_length() < 64:
        return True
    return value is None


def _canonical_status(value: Any) -> bool:
    if value.__class__ is str and 0 < len(value) <= 64 and value == value.strip():
        return True
    return value is None


def _canonical_number(value: Any) -> bool:
    # value % 1.0 is 0.0 for an integral float and nan for inf and nan: it is above 0.0
    # exactly for a finite fraction (-1e-300 % 1.0 rounds to 1.0, still above).
    cls = type(value)   # floats and ints: type() beats a polymorphic .__class__ read
    if cls is float:
        if value % 1.0 > 0.0:
            return True
    elif cls is int and value.bit_length() < 64:   # -_MAX_INT <= value <= _MAX_INT
        return True
    return value is None


def _is_none(value: Any) -> bool:
    return value is None


def _unknown_field(value: Any) -> bool:
    return True   # kept as given


def coerce_document(checks: DocumentChecks, values: dict[str, Any]) -> dict[str, Any]:
    """A copy of the dict `values` with every known field coerced (FieldValueError on a bad
    one); unknown codes are kept as given, and so are None values (no value)."""
    tests = checks.tests
    try:
        # The usual document: known codes, canonical values. tests[code] is a specialized
        # subscript, cheaper than tests.get(code, default); an unknown code raises KeyError.
        for code, value in values.items():
            if not tests[code](value):
                break
        else:
            return values.copy()   # a plain dict: its copy() is cheaper than calling dict()
    except KeyError:
        pass
    return _coerced(checks, values)


def _coerced(checks: DocumentChecks, values: dict[str, Any]) -> dict[str, Any]:
    tests, fields = checks.tests, checks.fields
    fixes = None
    for code, value in values.items():
        if not tests.get(code, _unknown_field)(value):
            if fixes is None:
                fixes = {}
            fixes[code] = coerce_value(fields[code], value)
    result = values.copy()
    if fixes:
        result.update(fixes)
    return result
