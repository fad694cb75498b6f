"""Conditions (SPEC 3.2): all/any/not over clauses, compared by the left field's type."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .expressions import CompileError, ExpressionError, Scope, Statics, compile_value, pointer_join
from .expressions.errors import error_dict
from .expressions.operators import compare
from .expressions.substitutions import Reference, parse_reference
from .fields import FieldDef, FieldValueError, coerce_value, parse_datetime, render_text

Condition = Callable[[Scope], bool]

BINARY_OPS = ("=", "!=", ">", ">=", "<", "<=", "contains", "not_contains", "in", "not_in",
              "between")
UNARY_OPS = ("empty", "not_empty", "modified")
MAX_CONDITION_DEPTH = 32
_GROUPS = ("all", "any", "not")


def compile_condition(cond: Any, statics: Statics, path: str = "",
                      errors: list[dict[str, Any]] | None = None) -> Condition:
    """A callable `scope -> bool` for a SPEC 3.2 condition (None is always true).

    Errors are handled as in compile_value: raised as CompileError when `errors` is None,
    else appended to `errors` (the callable then raises ExpressionError if run).
    """
    found: list[dict[str, Any]] = []
    compiled = _Compiler(statics, found).condition(cond, path, 0)
    return _checked(compiled, found, errors)


def compile_choice(cond: Any, statics: Statics, yes: Any, no: Any, path: str = "",
                   errors: list[dict[str, Any]] | None = None) -> Callable[..., Any]:
    """A callable `(scope, token) -> yes if cond holds else no`, errors as in compile_condition.

    It can be a block's execute: a clause comparing a document field with a constant picks
    `yes` or `no` itself, one call fewer per run than calling compile_condition's result.
    """
    found: list[dict[str, Any]] = []
    compiler = _Compiler(statics, found, (yes, no))
    compiled = _checked(compiler.condition(cond, path, 0), found, errors)
    if compiler.picked and not found:
        return compiled
    return lambda scope, _token=None: yes if compiled(scope) else no


def _checked(compiled: Condition, found: list[dict[str, Any]],
             errors: list[dict[str, Any]] | None) -> Condition:
    if not found:
        return compiled
    if errors is None:
        raise CompileError(found)
    errors.extend(found)
    message = found[0]["message"]

    def failing(scope: Scope) -> bool:
        raise ExpressionError(f"the condition did not compile: {message}")
    return failing


def _always(scope: Scope) -> bool:
    return True


class _Compiler:
    def __init__(self, statics: Statics, errors: list[dict[str, Any]],
                 picks: tuple[Any, Any] | None = None) -> None:
        self.statics = statics
        self.errors = errors
        self.picks = picks   # compile_choice's (yes, no), for a top-level hot clause only
        self.picked = False   # the compiled condition returns the picks itself

    def error(self, code: str, message: str, path: str) -> Condition:
        self.errors.append(error_dict(code, message, path))
        return _always

    def condition(self, cond: Any, path: str, depth: int) -> Condition:
        if cond is None:
            return _always
        if depth > MAX_CONDITION_DEPTH:
            return self.error("invalid_condition",
                              f"conditions nested deeper than {MAX_CONDITION_DEPTH} levels", path)
        if not isinstance(cond, dict):
            return self.error("invalid_condition", "a condition must be an object with all, "
                              "any, not, or left/op/right", path)
        groups = [key for key in _GROUPS if key in cond]
        if groups:
            if len(cond) != 1:
                return self.error("invalid_condition", f"{groups[0]!r} must be the only key "
                                  "of its condition object", path)
            return self.group(groups[0], cond[groups[0]], pointer_join(path, groups[0]), depth)
        return self.clause(cond, path)

    def group(self, key: str, body: Any, path: str, depth: int) -> Condition:
        self.picks = None   # the clauses of a group answer True or False
        if key == "not":
            if body is None:
                return self.error("invalid_condition", "'not' needs a condition", path)
            inner = self.condition(body, path, depth + 1)
            return lambda scope: not inner(scope)
        if not isinstance(body, list):
            return self.error("invalid_condition", f"{key!r} needs a list of conditions", path)
        parts = tuple(self.condition(item, pointer_join(path, i), depth + 1)
                      for i, item in enumerate(body))
        if key == "all":
            return lambda scope: all(part(scope) for part in parts)
        return lambda scope: any(part(scope) for part in parts)

    def clause(self, cond: dict[str, Any], path: str) -> Condition:
        op = cond.get("op")
        if "left" not in cond or "op" not in cond:
            return self.error("invalid_condition", "a clause needs left and op "
                              "(or use all, any, not)", path)
        if op not in BINARY_OPS and op not in UNARY_OPS:
            return self.error("unknown_operator", f"unknown operator {op!r}; use one of "
                              f"{', '.join(BINARY_OPS + UNARY_OPS)}", pointer_join(path, "op"))
        left_raw = cond["left"]
        left_path = pointer_join(path, "left")
        if op == "modified":
            return self.modified(left_raw, left_path)
        left = compile_value(left_raw, self.statics, left_path, self.errors)
        if op in ("empty", "not_empty"):
            if op == "empty":
                return lambda scope: _is_empty(left(scope))
            return lambda scope: not _is_empty(left(scope))
        if "right" not in cond:
            return self.error("invalid_condition", f"operator {op!r} needs a right value", path)
        reference = _exact_reference(left_raw)
        field = self.statics.typed_field(reference) if reference else None
        right_path = pointer_join(path, "right")
        if field is not None and field.type == "file":
            field = None
        if field is None:
            right = compile_value(cond["right"], self.statics, right_path, self.errors)
            return _untyped(op, left, right)
        code = reference.name if reference.kind == "Document" else None
        return self.typed(op, field, left, cond["right"], right_path, code)

    def modified(self, left_raw: Any, path: str) -> Condition:
        reference = _exact_reference(left_raw)
        if reference is not None and reference.kind == "Document" and not reference.prop:
            code = reference.name
        elif isinstance(left_raw, str) and left_raw in self.statics.fields:
            code = left_raw
        else:
            return self.error("invalid_condition", "'modified' needs a document field as "
                              "left, e.g. \"{=Document:STAGE_ID}\"", path)
        if not self.statics.knows_field(code):
            return self.error("unknown_field", f"unknown document field {code}", path)
        return lambda scope: code in scope.changed_fields

    def typed(self, op: str, field: FieldDef, getter: Callable, right_raw: Any,
              path: str, code: str | None) -> Condition:
        """A typed clause; `code` is the document field `getter` reads, if it reads one."""
        left = _typed_left(field, getter)
        prepare = _right_preparer(op, field)
        if not _is_static(right_raw):
            dynamic = compile_value(right_raw, self.statics, path, self.errors)

            def right(scope: Scope) -> Any:
                try:
                    return prepare(dynamic(scope))
                except FieldValueError as exc:
                    raise ExpressionError(f"condition right value: {exc.message}") from None
            return _typed_clause(op, left, right, _is_many(field))
        try:
            value = prepare(right_raw)
        except (FieldValueError, ExpressionError) as exc:
            return self.error("invalid_value", _message(exc), path)
        canonical = None if field.multiple else _CANONICAL.get(field.type)
        if code is not None and canonical is not None and (
                (op in _ORDER and value is not None)
                or (op in ("=", "!=") and not _is_empty(value))):
            if self.picks is None:
                return _with_constant(op, code, _normalizer(field), canonical, value)
            self.picked = True
            return _with_constant(op, code, _normalizer(field), canonical, value, *self.picks)
        if op in _ORDER and value is not None:
            return _ordered_with_constant(_ORDER[op], left, value)
        if op == "=" and not _is_empty(value):
            return lambda scope: left(scope) == value
        if op == "!=" and not _is_empty(value):
            return lambda scope: left(scope) != value
        return _typed_clause(op, left, lambda scope: value, _is_many(field))


def _ordered_with_constant(order: Callable[[Any, Any], bool], left: Callable,
                           value: Any) -> Condition:
    def ordered(scope: Scope) -> bool:
        a = left(scope)
        if a is None:
            return False
        try:
            return order(a, value)
        except TypeError:
            return False
    return ordered


def _with_constant(op: str, code: str, normalize: Callable, canonical: tuple, value: Any,
                   yes: Any = True, no: Any = False) -> Callable[..., Any]:
    """The hot clauses ("amount > 500", "currency = EUR") with _typed_left inlined: the field
    is read straight from the scope (no getter call) and, when it is not already canonical,
    normalized, then compared once. Variables and parameters take the general clauses.
    They answer `yes` or `no` and take the token when they are a block's execute.
    They read `document = scope.document` first: CPython 3.11 specializes that slot read, not
    the method-style call scope.document(code)."""
    if op in _ORDER:
        order = _ORDER[op]

        def ordered(scope: Scope, _token: Any = None) -> Any:
            document = scope.document
            a = document(code)
            if a is None:
                return no
            if type(a) not in canonical:   # ints and floats: type() beats .__class__
                a = normalize(a)
                if a is None:
                    return no
            try:
                return yes if order(a, value) else no
            except TypeError:
                return no
        return ordered
    if op == "=":
        def equal(scope: Scope, _token: Any = None) -> Any:
            document = scope.document
            a = document(code)
            if a is not None and a.__class__ not in canonical:
                a = normalize(a)
            return yes if a == value else no
        return equal

    def different(scope: Scope, _token: Any = None) -> Any:
        document = scope.document
        a = document(code)
        if a is not None and a.__class__ not in canonical:
            a = normalize(a)
        return yes if a != value else no
    return different


def _message(exc: Exception) -> str:
    return exc.message if isinstance(exc, FieldValueError | ExpressionError) else str(exc)


def _right_preparer(op: str, field: FieldDef) -> Callable[[Any], Any]:
    """raw right value -> the comparable value(s) the typed clause of `op` expects."""
    single = replace(field, multiple=False)
    normalize, normalize_one = _normalizer(field), _normalizer(single)

    def one(value: Any) -> Any:
        return normalize_one(coerce_value(single, value))

    if op in ("=", "!="):
        return lambda value: normalize(coerce_value(field, value))
    if op in (">", ">=", "<", "<="):
        return one
    if op in ("contains", "not_contains"):
        if not _is_many(field):
            return _as_text
        return lambda value: _flat([one(item) for item in
                                    (value if isinstance(value, list) else [value])])

    def options(value: Any) -> list[Any]:
        items = _as_items(value)
        if op == "between" and len(items) != 2:
            raise ExpressionError("between needs right = [low, high]")
        prepared = [one(item) for item in items]
        return prepared if op == "between" else _flat(prepared)
    return options


def _flat(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, list):
            out.extend(item)
        else:
            out.append(item)
    return out


def _as_items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        # "EUR, USD" is accepted as a list, as the CRM's condition editor writes it.
        return [piece.strip() for piece in value.split(",") if piece.strip()]
    if value is None:
        return []
    return [value]


def _exact_reference(raw: Any) -> Reference | None:
    """The reference when `raw` is exactly one substitution, e.g. "{=Document:OPPORTUNITY}"."""
    if not isinstance(raw, str) or not raw.startswith("{=") or not raw.endswith("}"):
        return None
    body = raw[2:-1]
    if "{" in body or "}" in body:
        return None
    try:
        return parse_reference(body)
    except ExpressionError:
        return None


def _is_static(raw: Any) -> bool:
    if isinstance(raw, str):
        return not raw.startswith("=") and "{=" not in raw
    if isinstance(raw, list):
        return all(_is_static(item) for item in raw)
    if isinstance(raw, dict):
        return all(_is_static(item) for item in raw.values())
    return True


def _is_many(field: FieldDef) -> bool:
    return field.multiple or field.type in ("email", "phone")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else render_text(value)


# --- normalizing canonical values into comparable Python values ---------------------------

_NUMBER_TYPES = (int, float)


_CANONICAL = {"integer": (int,), "number": _NUMBER_TYPES, "user": (int,), "crm_ref": (int,),
              "boolean": (bool,), "string": (str,), "text": (str,), "list": (str,),
              "crm_status": (str,)}


def _typed_left(field: FieldDef, getter: Callable[[Scope], Any]) -> Callable[[Scope], Any]:
    """scope -> the left value normalized for `field`; canonical values pass straight through."""
    normalize = _normalizer(field)
    canonical = None if field.multiple else _CANONICAL.get(field.type)
    if canonical is None:
        return lambda scope: normalize(getter(scope))

    def left(scope: Scope) -> Any:
        value = getter(scope)
        if value is None or type(value) in canonical:
            return value
        return normalize(value)
    return left


def _normalizer(field: FieldDef) -> Callable[[Any], Any]:
    """value -> a comparable value for this field (numbers, aware datetimes, ids, texts)."""
    if field.type in ("email", "phone"):
        lower = field.type == "email"

        def contact_values(value: Any) -> Any:
            entries = _coerce(field, value)
            if entries is None:
                return None
            return [entry["VALUE"].lower() if lower else entry["VALUE"] for entry in entries]
        return contact_values
    if field.multiple:
        one = _normalizer(replace(field, multiple=False))

        def many(value: Any) -> Any:
            items = _coerce(field, value)
            return None if items is None else [one(item) for item in items]
        return many
    canonical = {**_CANONICAL, "date": (str,)}.get(field.type)
    if field.type == "datetime":
        def moment(value: Any) -> Any:
            text = _coerce(field, value)
            return None if text is None else parse_datetime(text)
        return moment
    if canonical is None:
        return lambda value: value

    def scalar(value: Any) -> Any:
        if value is None or (type(value) in canonical and not
                             (field.type == "date" and len(value) != 10)):
            return value
        return _coerce(field, value)
    return scalar


def _coerce(field: FieldDef, value: Any) -> Any:
    try:
        return coerce_value(field, value)
    except FieldValueError as exc:
        raise ExpressionError(f"condition: {exc.message}") from None


def _typed_clause(op: str, left: Callable, right: Callable, many: bool) -> Condition:
    if op in ("=", "!="):
        negate = op == "!="

        def equal(scope: Scope) -> bool:
            a, b = left(scope), right(scope)
            return (a == b or (_is_empty(a) and _is_empty(b))) != negate
        return equal
    if op in (">", ">=", "<", "<="):
        def ordered(scope: Scope) -> bool:
            a, b = left(scope), right(scope)
            if a is None or b is None:
                return False
            try:
                return _ORDER[op](a, b)
            except TypeError:
                return False
        return ordered
    if op in ("contains", "not_contains"):
        def contains(scope: Scope) -> bool:
            a, b = left(scope), right(scope)
            if a is None or b is None:
                return False
            if many:
                return bool(b) and all(item in a for item in b)
            return _as_text(b) in _as_text(a)
        return contains if op == "contains" else (lambda scope: not contains(scope))
    if op == "between":
        def between(scope: Scope) -> bool:
            a, (low, high) = left(scope), right(scope)
            if a is None or low is None or high is None:
                return False
            try:
                return low <= a <= high
            except TypeError:
                return False
        return between

    def inside(scope: Scope) -> bool:
        a, options = left(scope), right(scope)
        if isinstance(a, list):
            return any(item in options for item in a)
        return a is not None and a in options
    return inside if op == "in" else (lambda scope: not inside(scope))


_ORDER = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


# --- untyped clauses: the formula comparison rules ----------------------------------------

def _equal(a: Any, b: Any) -> bool:
    return (_is_empty(a) and _is_empty(b)) or compare(a, b) == 0


def _untyped(op: str, left: Callable, right: Callable) -> Condition:
    if op in ("=", "!="):
        negate = op == "!="
        return lambda scope: _equal(left(scope), right(scope)) != negate
    if op in (">", ">=", "<", "<="):
        def ordered(scope: Scope) -> bool:
            order = compare(left(scope), right(scope))
            if order is None:
                return False
            return {">": order > 0, ">=": order >= 0, "<": order < 0, "<=": order <= 0}[op]
        return ordered
    if op in ("contains", "not_contains"):
        def contains(scope: Scope) -> bool:
            a, b = left(scope), right(scope)
            if a is None or b is None:
                return False
            if isinstance(a, list):
                wanted = b if isinstance(b, list) else [b]
                return bool(wanted) and all(any(_equal(x, w) for x in a) for w in wanted)
            return _as_text(b) in _as_text(a)
        return contains if op == "contains" else (lambda scope: not contains(scope))
    if op == "between":
        def between(scope: Scope) -> bool:
            bounds = _as_items(right(scope))
            if len(bounds) != 2:
                raise ExpressionError("between needs right = [low, high]")
            a = left(scope)
            low, high = compare(a, bounds[0]), compare(a, bounds[1])
            return (not _is_empty(a) and low is not None and high is not None
                    and low >= 0 and high <= 0)
        return between

    def inside(scope: Scope) -> bool:
        a = left(scope)
        options = _as_items(right(scope))
        items = a if isinstance(a, list) else [a]
        return any(_equal(item, option) for item in items for option in options
                   if not _is_empty(item))
    return inside if op == "in" else (lambda scope: not inside(scope))
