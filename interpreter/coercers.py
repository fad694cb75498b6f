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
_MIN_INT = -_MAX_INT
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


def document_checks(fields: dict[str, FieldDef]) -> dict[str, tuple[int, Any, FieldDef]]:
    """Per field code, how `coerce_document` recognises a canonical value cheaply."""
    checks = {}
    for code, field in fields.items():
        kind = field.type
        if field.multiple:
            spec: tuple[int, Any] = (_SLOW, None)
        elif kind in ("string", "text"):
            spec = (_TEXT, MAX_STRING_LENGTH if kind == "string" else MAX_TEXT_LENGTH)
        elif kind in ("integer", "user", "crm_ref"):
            spec = (_INTEGER, -_MAX_INT if kind == "integer" else 1)
        elif kind == "list" and field.options:
            spec = (_OPTION, frozenset(key for key, _ in field.options))
        elif kind == "number":
            spec = (_NUMBER, None)
        elif kind == "boolean":
            spec = (_BOOLEAN, None)
        elif kind == "crm_status":
            spec = (_STATUS, None)
        else:
            spec = (_SLOW, None)
        checks[code] = (*spec, field)
    return checks


_SLOW, _TEXT, _INTEGER, _OPTION, _NUMBER, _BOOLEAN, _STATUS = range(7)


def coerce_document(checks: dict[str, tuple[int, Any, FieldDef]],
                    values: dict[str, Any]) -> dict[str, Any]:
    """`values` with every known field coerced (FieldValueError on a bad one); unknown codes
    are kept as given. The checks are inlined: this runs once per dry run."""
    fixes = None
    for code, value in values.items():
        check = checks.get(code)
        if check is None:
            continue
        kind, arg, field = check
        cls = value.__class__
        if kind == _TEXT:
            ok = cls is str and len(value) <= arg
        elif kind == _INTEGER:
            ok = cls is int and arg <= value <= _MAX_INT
        elif kind == _OPTION:
            ok = cls is str and value in arg
        elif kind == _NUMBER:
            # value - value is 0.0 exactly for a finite float (nan for inf and nan), and a
            # finite float is integral exactly when value % 1.0 is 0.0.
            ok = (cls is int and _MIN_INT <= value <= _MAX_INT) or (
                cls is float and value - value == 0.0 and value % 1.0 != 0.0)
        elif kind == _BOOLEAN:
            ok = cls is bool
        elif kind == _STATUS:
            ok = cls is str and 0 < len(value) <= 64 and value == value.strip()
        else:
            ok = False
        if not ok and value is not None:   # None (no value) passes, and is rare: tested last
            if fixes is None:
                fixes = {}
            fixes[code] = coerce_value(field, value)
    result = dict(values)
    if fixes:
        result.update(fixes)
    return result
