"""The `{=Kind:...}` substitution syntax: parsing one reference and splitting text around them."""

from __future__ import annotations

import re
from typing import NamedTuple

from .errors import ExpressionError

KINDS = ("Document", "Variable", "Parameter", "Constant", "Block", "Instance")
USER_PROPERTIES = ("EMAIL", "NAME", "LOGIN", "LAST_NAME")
INSTANCE_KEYS = ("ID", "STARTED_BY", "STARTED_AT")

_KIND_BY_LOWER = {kind.lower(): kind for kind in KINDS}
_NAME = r"[A-Za-z][A-Za-z0-9_]{0,63}"
_BLOCK = re.compile(rf"^(?P<name>{_NAME}):(?P<output>{_NAME})(?:\.(?P<prop>[A-Z_]+))?$")
_SIMPLE = re.compile(rf"^(?P<name>{_NAME})(?:\.(?P<prop>[A-Z_]+))?$")
_USAGE = ("{=Document:CODE}, {=Variable:ID}, {=Parameter:ID}, {=Constant:ID}, "
          "{=Block:NODE:OUTPUT} or {=Instance:ID|STARTED_BY|STARTED_AT}")


class Reference(NamedTuple):
    """What one substitution points at; `path` is the JSON pointer of the value holding it."""

    kind: str
    name: str
    output: str | None = None
    prop: str | None = None
    path: str = ""

    def text(self) -> str:
        """The substitution as written canonically, e.g. {=Block:mail:MessageId}."""
        middle = f"{self.name}:{self.output}" if self.output else self.name
        suffix = f".{self.prop}" if self.prop else ""
        return f"{{={self.kind}:{middle}{suffix}}}"


def parse_reference(body: str, column: int | None = None) -> Reference:
    """The Reference written as `{=body}`; ExpressionError when it is malformed."""
    kind_text, sep, rest = body.partition(":")
    kind = _KIND_BY_LOWER.get(kind_text.strip().lower()) if sep else None
    if kind is None:
        raise ExpressionError(f"unknown substitution {{={body}}}: use {_USAGE}", column,
                              "unknown_reference")
    match = (_BLOCK if kind == "Block" else _SIMPLE).match(rest.strip())
    if not match:
        raise ExpressionError(f"malformed substitution {{={body}}}: use {_USAGE}", column,
                              "expression_syntax")
    parts = match.groupdict()
    prop = parts.get("prop")
    if prop is not None and prop not in USER_PROPERTIES:
        raise ExpressionError(f"unknown property .{prop} in {{={body}}}: use one of "
                              f"{', '.join('.' + p for p in USER_PROPERTIES)}", column,
                              "unknown_property")
    name = parts["name"]
    if kind == "Instance" and name not in INSTANCE_KEYS:
        raise ExpressionError(f"unknown instance value {{={body}}}: use "
                              f"{', '.join(INSTANCE_KEYS)}", column, "unknown_reference")
    return Reference(kind, name, parts.get("output"), prop)


def find_closing(text: str, start: int) -> int:
    """The index of the `}` closing the substitution that opens at `start`, or -1."""
    end = text.find("}", start + 2)
    nested = text.find("{", start + 2)
    if nested != -1 and (end == -1 or nested < end):
        return -1
    return end


def split_text(text: str) -> tuple[list[str | tuple[Reference, int]], list[ExpressionError]]:
    """Literal pieces and (Reference, column) pairs of a text, in order, plus every error.

    Columns are 1-based. An unclosed `{=` is an error, not literal text, so that a typo
    does not silently send a half-rendered message.
    """
    parts: list[str | tuple[Reference, int]] = []
    errors: list[ExpressionError] = []
    position = 0
    while True:
        start = text.find("{=", position)
        if start == -1:
            break
        end = find_closing(text, start)
        if end == -1:
            errors.append(ExpressionError("unclosed substitution: '{=' without a matching '}'",
                                          start + 1, "expression_syntax"))
            break
        if start > position:
            parts.append(text[position:start])
        try:
            parts.append((parse_reference(text[start + 2:end], start + 1), start + 1))
        except ExpressionError as exc:
            errors.append(exc)
        position = end + 1
    if position < len(text):
        parts.append(text[position:])
    return parts, errors
