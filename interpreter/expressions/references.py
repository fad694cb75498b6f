"""Listing the references a value makes, for validation and the designer's pickers."""

from __future__ import annotations

from typing import Any

from .compile import pointer_join
from .errors import ExpressionError
from .lexer import tokenize
from .limits import MAX_VALUE_DEPTH
from .substitutions import Reference, parse_reference, split_text


def references(value: Any, path: str = "") -> list[Reference]:
    """Every well-formed reference in a value (text, formulas, nested lists and dicts), in order.

    Malformed pieces are skipped here; compile_value reports them.
    """
    found: list[Reference] = []
    _collect(value, path, found)
    return found


def _collect(value: Any, path: str, found: list[Reference], depth: int = 0) -> None:
    if depth > MAX_VALUE_DEPTH:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, pointer_join(path, key), found, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect(item, pointer_join(path, index), found, depth + 1)
    elif isinstance(value, str) and "{=" in value:
        if value.startswith("="):
            _from_formula(value, path, found)
        else:
            parts, _errors = split_text(value)
            found.extend(part[0]._replace(path=path) for part in parts
                         if not isinstance(part, str))


def _from_formula(text: str, path: str, found: list[Reference]) -> None:
    try:
        tokens = tokenize(text[1:], 1)
    except ExpressionError:
        return
    for token in tokens:
        if token.kind == "ref":
            try:
                found.append(parse_reference(token.text)._replace(path=path))
            except ExpressionError:
                continue
