"""Compiling property values (literals, `{=...}` text, `=formulas`) into closures, once."""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable
from datetime import date, datetime
from operator import methodcaller
from typing import Any

from ..fields import FieldValueError, parse_user_id, render_float, render_text
from .errors import CompileError, ExpressionError, error_dict
from .functions import FUNCTION_NAMES, FUNCTIONS, LAZY
from .limits import MAX_STRING, MAX_VALUE_DEPTH, Work, check_string_size
from .operators import arithmetic, as_moment, compare_op, normalize_number, truthy
from .parser import Call, Chain, Literal, Negate, Ref, parse_formula
from .scope import Scope
from .statics import Statics
from .substitutions import Reference, split_text

Compiled = Callable[[Scope], Any]
Evaluator = Callable[[Scope, Work], Any]  # one formula node: (scope, work) -> value
_BIG_INT = 2**63

def pointer_join(path: str, key: Any) -> str:
    """`path` extended by one JSON pointer (RFC 6901) segment."""
    return f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"


def compile_value(value: Any, statics: Statics, path: str = "",
                  errors: list[dict[str, Any]] | None = None) -> Compiled:
    """A callable `scope -> plain JSON value` for a property value.

    With `errors=None` every problem is raised at once as CompileError; with a list, the
    problems are appended to it and the returned callable raises ExpressionError if run.
    """
    found: list[dict[str, Any]] = []
    compiled = _compile_any(value, statics, path, found)
    if not found:
        return compiled
    if errors is None:
        raise CompileError(found)
    errors.extend(found)
    return _failing(found[0]["message"])


def _failing(message: str) -> Compiled:
    def run(scope: Scope) -> Any:
        raise ExpressionError(f"the value did not compile: {message}")
    return run


def _constant(value: Any) -> Compiled:
    return lambda scope: value


def _compile_any(value: Any, statics: Statics, path: str, errors: list[dict[str, Any]],
                 depth: int = 0) -> Compiled:
    if isinstance(value, str):
        if value.startswith("="):
            return compile_formula(value, statics, path, errors)
        return _compile_text(value, statics, path, errors)
    if isinstance(value, list | dict) and depth >= MAX_VALUE_DEPTH:
        errors.append(error_dict("expression_too_deep", f"value nested deeper than "
                                 f"{MAX_VALUE_DEPTH} levels", path))
        return _constant(None)
    if isinstance(value, list):
        items = [_compile_any(item, statics, pointer_join(path, i), errors, depth + 1)
                 for i, item in enumerate(value)]
        return lambda scope: [item(scope) for item in items]
    if isinstance(value, dict):
        entries = [(key, _compile_any(item, statics, pointer_join(path, key), errors, depth + 1))
                   for key, item in value.items()]
        return lambda scope: {key: item(scope) for key, item in entries}
    return _constant(value)


def _report(errors: list[dict[str, Any]], exc: ExpressionError, path: str, prefix: str) -> None:
    where = f"column {exc.column}: " if exc.column else ""
    errors.append(error_dict(exc.code, f"{prefix}{where}{exc.message}", path))


# --- text with substitutions --------------------------------------------------------------

def _compile_text(text: str, statics: Statics, path: str,
                  errors: list[dict[str, Any]]) -> Compiled:
    if "{=" not in text:
        return _constant(text)
    parts, problems = split_text(text)
    for problem in problems:
        _report(errors, problem, path, "")
    pieces: list[str | Compiled] = []
    fields_only = True
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        reference, column = part
        fields_only = fields_only and reference.kind == "Document" and not reference.prop
        try:
            pieces.append(compile_reference(reference, statics, column))
        except ExpressionError as exc:
            _report(errors, exc, path, "")
    if problems or len(pieces) != len(parts):
        return _constant(None)
    if len(pieces) == 1 and not isinstance(pieces[0], str):
        return pieces[0]  # exactly one substitution: the value keeps its type
    if fields_only and len(pieces) > 3:
        return _join_fields(parts)
    if fields_only and sum(not isinstance(part, str) for part in parts) == 1:
        return _join_one_field(parts)
    return _join(pieces)


def _join_fields(parts: list) -> Compiled:
    # Text around several {=Document:CODE}: the fields are read straight from the document.
    template = [part if isinstance(part, str) else "" for part in parts]
    codes = tuple((index, part[0].name) for index, part in enumerate(parts)
                  if not isinstance(part, str))

    def run(scope: Scope) -> str:
        field = scope.document
        out = template.copy()
        for index, code in codes:
            value = field(code)
            cls = type(value)   # several classes here: type() beats .__class__ (3.11)
            out[index] = value if cls is str else str(value) if cls is int \
                else render_float(value) if cls is float else render_text(value)
        text = "".join(out)
        if len(text) > MAX_STRING:
            check_string_size(len(text))
        return text
    return run


def _join_one_field(parts: list) -> Compiled:
    # "New lead: {=Document:TITLE}": the field read straight from the document, as
    # _join_fields does (a methodcaller getter costs a generic attribute lookup per call).
    index = next(i for i, part in enumerate(parts) if not isinstance(part, str))
    before, after = "".join(parts[:index]), "".join(parts[index + 1:])
    code = parts[index][0].name

    def run(scope: Scope) -> str:
        document = scope.document
        value = document(code)
        cls = value.__class__
        text = before + (value if cls is str else str(value) if cls is int
                         else render_float(value) if cls is float
                         else render_text(value)) + after
        if len(text) > MAX_STRING:
            check_string_size(len(text))
        return text
    return run


def _join(pieces: list[str | Compiled]) -> Compiled:
    template = [piece if isinstance(piece, str) else "" for piece in pieces]
    getters = tuple((index, piece) for index, piece in enumerate(pieces)
                    if not isinstance(piece, str))
    if len(getters) == 1:
        return _join_one("".join(template[:getters[0][0]]), getters[0][1],
                         "".join(template[getters[0][0] + 1:]))

    def run(scope: Scope) -> str:
        out = template.copy()
        for index, getter in getters:
            value = getter(scope)
            cls = type(value)   # several classes here: type() beats .__class__ (3.11)
            out[index] = value if cls is str else str(value) if cls is int \
                else render_float(value) if cls is float else render_text(value)
        text = "".join(out)
        if len(text) > MAX_STRING:
            check_string_size(len(text))
        return text
    return run


def _join_one(before: str, getter: Compiled, after: str) -> Compiled:
    # "New lead: {=Document:TITLE}": one substitution inside text, the most common value.
    def run(scope: Scope) -> str:
        value = getter(scope)
        cls = value.__class__
        text = before + (value if cls is str else str(value) if cls is int
                         else render_float(value) if cls is float
                         else render_text(value)) + after
        if len(text) > MAX_STRING:
            check_string_size(len(text))
        return text
    return run


# --- references ---------------------------------------------------------------------------

def compile_reference(reference: Reference, statics: Statics, column: int | None) -> Compiled:
    """A getter `scope -> value` for one reference, after checking it against `statics`."""
    kind, name = reference.kind, reference.name
    if kind == "Document":
        if not statics.knows_field(name):
            raise ExpressionError(f"unknown document field {name}"
                                  + (f" of {statics.document_type}" if statics.document_type
                                     else ""), column, "unknown_field")
        field = statics.fields.get(name)
        if reference.prop and field is not None and field.type != "user":
            raise ExpressionError(f".{reference.prop} needs a user field; {name} is "
                                  f"{field.type}", column, "unknown_property")
        getter: Compiled = _field_getter(name)
    elif kind in ("Variable", "Parameter"):
        known = statics.variables if kind == "Variable" else statics.parameters
        if name not in known:
            raise ExpressionError(f"unknown {kind.lower()} {name}", column,
                                  f"unknown_{kind.lower()}")
        type_ = known[name]
        if reference.prop and type_ not in (None, "user"):
            raise ExpressionError(f".{reference.prop} needs a user {kind.lower()}; {name} is "
                                  f"{type_}", column, "unknown_property")
        getter = methodcaller(kind.lower(), name)
    elif kind == "Constant":
        if name not in statics.constants:
            raise ExpressionError(f"unknown constant {name}", column, "unknown_constant")
        getter = _constant_getter(statics.constants[name])
    elif kind == "Block":
        getter = _block_getter(reference, statics, column)
    else:
        if reference.prop and name != "STARTED_BY":
            raise ExpressionError(f".{reference.prop} is only available on "
                                  "{=Instance:STARTED_BY}", column, "unknown_property")
        getter = methodcaller("instance", name)
    if reference.prop:
        return _user_property(getter, reference.prop)
    return getter


def _field_getter(code: str) -> Compiled:
    # scope.document read into a local first: CPython 3.11 specializes that slot read, while
    # methodcaller("document", code) looks the attribute up the generic way on every call.
    def field(scope: Scope) -> Any:
        document = scope.document
        return document(code)
    field.field_code = code   # hot blocks may read the field themselves (blocks/email.py)
    return field


def _constant_getter(value: Any) -> Compiled:
    if isinstance(value, list | dict):
        return lambda scope: copy.deepcopy(value)
    return lambda scope: value


def _block_getter(reference: Reference, statics: Statics, column: int | None) -> Compiled:
    node, output = reference.name, reference.output
    if node not in statics.outputs:
        code, what = (("unknown_output", f"block {node} has no outputs")
                      if node in statics.nodes else ("unknown_node", f"unknown block {node}"))
        raise ExpressionError(what, column, code)
    names = statics.outputs[node]
    if output not in names:
        raise ExpressionError(f"block {node} has no output {output} (it has: "
                              f"{', '.join(names) or 'none'})", column, "unknown_output")

    def run(scope: Scope) -> Any:
        try:
            return scope.block_output(node, output)
        except KeyError:
            raise ExpressionError(f"block {node} has not produced {output} yet (it has not "
                                  "run on this path)", column) from None
    return run


def _user_property(getter: Compiled, prop: str) -> Compiled:
    def run(scope: Scope) -> Any:
        return user_property(scope, getter(scope), prop)
    return run


def user_property(scope: Scope, value: Any, prop: str) -> Any:
    """EMAIL, NAME, LOGIN or LAST_NAME of the user `value` names (a list maps item by item).

    Without a directory entry (a dry run) the user is written `user:ID`.
    """
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return [user_property(scope, item, prop) for item in value]
    if prop == "EMAIL" and isinstance(value, str) and "@" in value:
        return value
    try:
        user_id = parse_user_id(value)
    except FieldValueError:
        raise ExpressionError(f"{render_text(value)!r} is not a user id, so it has no "
                              f".{prop}") from None
    found = scope.user(user_id)
    if found is None:
        return f"user:{user_id}"
    return found.get(prop)


# --- formulas -----------------------------------------------------------------------------

def compile_formula(text: str, statics: Statics, path: str,
                    errors: list[dict[str, Any]]) -> Compiled:
    """A formula `=...` as a callable; its problems are appended to `errors`."""
    try:
        tree = parse_formula(text)
    except ExpressionError as exc:
        _report(errors, exc, path, "formula ")
        return _constant(None)
    before = len(errors)
    evaluate = _FormulaCompiler(statics, path, errors).node(tree)
    if len(errors) > before:
        return _constant(None)

    def run(scope: Scope) -> Any:
        return plain(evaluate(scope, Work()))
    return run


def plain(value: Any) -> Any:
    """A formula result as plain JSON: dates and datetimes become ISO strings."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class _FormulaCompiler:
    def __init__(self, statics: Statics, path: str, errors: list[dict[str, Any]]) -> None:
        self.statics = statics
        self.path = path
        self.errors = errors

    def fail(self, exc: ExpressionError) -> Evaluator:
        _report(self.errors, exc, self.path, "formula ")
        return lambda scope, work: None

    def node(self, tree: Any) -> Evaluator:
        if isinstance(tree, Literal):
            value = tree.value
            return lambda scope, work: value
        if isinstance(tree, Ref):
            return self.ref(tree)
        if isinstance(tree, Negate):
            return self.negate(tree)
        if isinstance(tree, Chain):
            return self.chain(tree)
        return self.call(tree)

    def ref(self, tree: Ref) -> Evaluator:
        try:
            getter = compile_reference(tree.reference, self.statics, tree.column)
        except ExpressionError as exc:
            return self.fail(exc)
        typed = self.statics.typed_field(tree.reference)
        if typed is not None and typed.type in ("date", "datetime"):
            return lambda scope, work: _moment_or_raw(getter(scope))
        return lambda scope, work: getter(scope)

    def negate(self, tree: Negate) -> Evaluator:
        operand, column = self.node(tree.operand), tree.column

        def run(scope: Scope, work: Work) -> Any:
            value = operand(scope, work)
            try:
                return arithmetic("-", 0, value)
            except ExpressionError as exc:
                raise exc.at(column) from None
        return run

    def chain(self, tree: Chain) -> Evaluator:
        first = self.node(tree.first)
        rest = tuple((op, column, self.node(node)) for op, column, node in tree.rest)
        op = rest[0][0]
        if op == "&":
            return _concatenation(first, rest)
        if op in ("+", "-", "*", "/", "%"):
            return _arithmetic_chain(first, rest)
        return _fold(first, rest, compare_op)

    def call(self, tree: Call) -> Evaluator:
        name, column = tree.name, tree.column
        args = [self.node(arg) for arg in tree.args]
        arity = LAZY.get(name) or (FUNCTIONS[name][:2] if name in FUNCTIONS else None)
        if arity is None:
            return self.fail(ExpressionError(
                f"unknown function {name}(); available: {', '.join(FUNCTION_NAMES)}",
                column, "unknown_function"))
        low, high = arity
        if len(args) < low or (high is not None and len(args) > high):
            expected = f"{low}" if low == high else (f"{low} to {high}" if high is not None
                                                     else f"at least {low}")
            return self.fail(ExpressionError(
                f"{name}() takes {expected} argument{'' if (high or low) == 1 else 's'}, "
                f"got {len(args)}", column, "wrong_arguments"))
        if name == "if":
            return _if(args)
        if name in ("and", "or"):
            return _all(args) if name == "and" else _any(args)
        return _call(name, FUNCTIONS[name].run, args, column)


def _moment_or_raw(value: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return as_moment(value)
        except ExpressionError:
            return value
    return value


def _concatenation(first: Evaluator, rest: tuple) -> Evaluator:
    def run(scope: Scope, work: Work) -> str:
        pieces = [render_text(first(scope, work))]
        size = len(pieces[0])
        for _op, column, operand in rest:
            text = render_text(operand(scope, work))
            size += len(text)
            try:
                check_string_size(size)
                work.charge(size)
            except ExpressionError as exc:
                raise exc.at(column) from None
            pieces.append(text)
        return "".join(pieces)
    return run


_FAST_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_PLAIN_NUMBERS = (int, float)


def _arithmetic_chain(first: Evaluator, rest: tuple) -> Evaluator:
    steps = tuple((op, column, operand, _FAST_ARITHMETIC.get(op)) for op, column, operand in rest)

    def run(scope: Scope, work: Work) -> Any:
        value = first(scope, work)
        for op, column, operand, fast in steps:
            right = operand(scope, work)
            # Plain ints and floats take the short way; everything else the full rules.
            if fast is not None and type(value) in _PLAIN_NUMBERS \
                    and type(right) in _PLAIN_NUMBERS:
                value = fast(value, right)
                if type(value) is float or abs(value) >= _BIG_INT:
                    value = _checked(value, column)
                continue
            try:
                value = arithmetic(op, value, right)
            except ExpressionError as exc:
                raise exc.at(column) from None
        return value
    return run


def _checked(value: int | float, column: int) -> int | float:
    try:
        return normalize_number(value)
    except ExpressionError as exc:
        raise exc.at(column) from None


def _fold(first: Evaluator, rest: tuple, apply: Callable[[str, Any, Any], Any]) -> Evaluator:
    def run(scope: Scope, work: Work) -> Any:
        value = first(scope, work)
        for op, column, operand in rest:
            right = operand(scope, work)
            try:
                value = apply(op, value, right)
            except ExpressionError as exc:
                raise exc.at(column) from None
        return value
    return run


def _if(args: list[Evaluator]) -> Evaluator:
    condition, then = args[0], args[1]
    otherwise = args[2] if len(args) > 2 else (lambda scope, work: None)
    return lambda scope, work: (then(scope, work) if truthy(condition(scope, work))
                                else otherwise(scope, work))


def _all(args: list[Evaluator]) -> Evaluator:
    return lambda scope, work: all(truthy(arg(scope, work)) for arg in args)


def _any(args: list[Evaluator]) -> Evaluator:
    return lambda scope, work: any(truthy(arg(scope, work)) for arg in args)


def _call(name: str, function: Callable, args: list[Evaluator], column: int) -> Evaluator:
    def run(scope: Scope, work: Work) -> Any:
        values = [arg(scope, work) for arg in args]
        try:
            work.charge(1)
            return function(scope, work, values)
        except ExpressionError as exc:
            raise exc.at(column) from None
        except (ArithmeticError, ValueError, TypeError) as exc:
            # A bug-proof net: a function meeting a value it did not plan for fails clearly.
            raise ExpressionError(f"{name}(): {exc}", column) from None
    return run

