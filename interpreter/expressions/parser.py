"""Recursive-descent parser of formulas into a small tree; never evaluates anything."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import ExpressionError
from .lexer import Token, tokenize
from .limits import MAX_DEPTH, MAX_FORMULA_LENGTH
from .substitutions import Reference, parse_reference

# Precedence, lowest first: comparison, "&", "+ -", "* / %" (as in spreadsheets).
COMPARISONS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=",
               ">": ">", ">=": ">="}
LEVELS = (tuple(COMPARISONS), ("&",), ("+", "-"), ("*", "/", "%"))
KEYWORDS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any
    column: int


@dataclass(frozen=True, slots=True)
class Ref:
    reference: Reference
    column: int


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Any
    column: int


@dataclass(frozen=True, slots=True)
class Chain:
    """`first op1 x1 op2 x2 ...` of one precedence level, evaluated left to right.

    Kept flat, so a long sum does not become a deep tree (evaluation stays iterative).
    """

    first: Any
    rest: tuple[tuple[str, int, Any], ...]  # (operator, column, operand)


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # lower-case
    args: tuple[Any, ...]
    column: int


Node = Literal | Ref | Negate | Chain | Call


def parse_formula(text: str) -> Node:
    """The tree of a formula `text` (with its leading "="); ExpressionError with a column."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise ExpressionError(f"formula longer than {MAX_FORMULA_LENGTH:,} characters", 1,
                              "expression_too_long")
    body = text[1:] if text.startswith("=") else text
    offset = len(text) - len(body)
    return _Parser(tokenize(body, offset)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ExpressionError("empty formula: write an expression after '='",
                                  self.peek().column, "expression_syntax")
        node = self.level(0)
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(f"unexpected {_describe(token)}", token.column,
                                  "expression_syntax")
        return node

    def peek(self) -> Token:
        return self.tokens[self.position]

    def take(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, text: str, context: str) -> Token:
        token = self.take()
        if token.kind != "op" or token.text != text:
            raise ExpressionError(f"expected '{text}' {context}, found {_describe(token)}",
                                  token.column, "expression_syntax")
        return token

    def enter(self, column: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"formula nested deeper than {MAX_DEPTH} levels", column,
                                  "expression_too_deep")

    def level(self, index: int) -> Node:
        if index == len(LEVELS):
            return self.unary()
        operators = LEVELS[index]
        first = self.level(index + 1)
        rest = []
        while self.peek().kind == "op" and self.peek().text in operators:
            token = self.take()
            op = COMPARISONS.get(token.text, token.text)
            rest.append((op, token.column, self.level(index + 1)))
        return Chain(first, tuple(rest)) if rest else first

    def unary(self) -> Node:
        token = self.peek()
        if token.kind == "op" and token.text in "+-":
            self.take()
            self.enter(token.column)
            operand = self.unary()
            self.depth -= 1
            return Negate(operand, token.column) if token.text == "-" else operand
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return Literal(_number_value(token), token.column)
        if token.kind == "string":
            return Literal(token.text, token.column)
        if token.kind == "ref":
            return Ref(parse_reference(token.text, token.column), token.column)
        if token.kind == "name":
            return self.name(token)
        if token.kind == "op" and token.text == "(":
            self.enter(token.column)
            node = self.level(0)
            self.expect(")", f"to close the '(' at column {token.column}")
            self.depth -= 1
            return node
        raise ExpressionError(f"expected a value, found {_describe(token)}", token.column,
                              "expression_syntax")

    def name(self, token: Token) -> Node:
        lower = token.text.lower()
        following = self.peek()
        if not (following.kind == "op" and following.text == "("):
            if lower in KEYWORDS:
                return Literal(KEYWORDS[lower], token.column)
            raise ExpressionError(f"unknown name {token.text!r}: write text in quotes, call a "
                                  "function with (...), or use a {=...} substitution",
                                  token.column, "expression_syntax")
        self.take()
        self.enter(token.column)
        args = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            args.append(self.level(0))
            while self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                args.append(self.level(0))
        self.expect(")", f"to close the call of {token.text} at column {token.column}")
        self.depth -= 1
        return Call(lower, tuple(args), token.column)


def _number_value(token: Token) -> int | float:
    text = token.text
    if text.isdecimal():
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise ExpressionError(f"number {text} is out of range", token.column,
                              "expression_syntax")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "the end of the formula"
    if token.kind == "string":
        return "a string"
    if token.kind == "ref":
        return f"{{={token.text}}}"
    return repr(token.text)
