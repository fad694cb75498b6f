"""Tokens of a formula: numbers, strings, names, substitutions and operators, with columns."""

from __future__ import annotations

from typing import NamedTuple

from .errors import ExpressionError
from .substitutions import find_closing

# Longest first, so that "<=" wins over "<".
OPERATORS = ("<=", ">=", "!=", "<>", "==", "+", "-", "*", "/", "%", "&", "=", "<", ">",
             "(", ")", ",")
MAX_NUMBER_LENGTH = 40
DIGITS = frozenset("0123456789")  # str.isdigit() also accepts "²", which int() refuses
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


class Token(NamedTuple):
    kind: str  # "number", "string", "name", "ref", "op", "end"
    text: str  # the source text; for strings the unescaped value, for refs the body
    column: int  # 1-based column in the whole value (the leading "=" is column 1)


def tokenize(source: str, offset: int = 0) -> list[Token]:
    """The tokens of `source`; `offset` is added to every column (1 skips the leading "=")."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        column = i + offset + 1
        if ch.isspace():
            i += 1
        elif ch in DIGITS or (ch == "." and i + 1 < n and source[i + 1] in DIGITS):
            i = _number(source, i, column, tokens)
        elif ch in "\"'":
            i = _string(source, i, column, tokens)
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            start = i
            while i < n and source[i].isascii() and (source[i].isalnum() or source[i] == "_"):
                i += 1
            tokens.append(Token("name", source[start:i], column))
        elif source.startswith("{=", i):
            end = find_closing(source, i)
            if end == -1:
                raise ExpressionError("unclosed substitution: '{=' without a matching '}'",
                                      column, "expression_syntax")
            tokens.append(Token("ref", source[i + 2:end], column))
            i = end + 1
        else:
            for op in OPERATORS:
                if source.startswith(op, i):
                    tokens.append(Token("op", op, column))
                    i += len(op)
                    break
            else:
                raise ExpressionError(f"unexpected character {ch!r}", column,
                                      "expression_syntax")
    tokens.append(Token("end", "", n + offset + 1))
    return tokens


def _number(source: str, i: int, column: int, tokens: list[Token]) -> int:
    start, n = i, len(source)
    while i < n and source[i] in DIGITS:
        i += 1
    if i < n and source[i] == ".":
        i += 1
        while i < n and source[i] in DIGITS:
            i += 1
    if i < n and source[i] in "eE":
        j = i + 1
        if j < n and source[j] in "+-":
            j += 1
        if j < n and source[j] in DIGITS:
            i = j
            while i < n and source[i] in DIGITS:
                i += 1
    if i - start > MAX_NUMBER_LENGTH:
        raise ExpressionError(f"number longer than {MAX_NUMBER_LENGTH} characters", column,
                              "expression_syntax")
    if i < n and (source[i].isalnum() or source[i] == "_"):
        raise ExpressionError(f"unexpected {source[i]!r} after the number", i + column - start,
                              "expression_syntax")
    tokens.append(Token("number", source[start:i], column))
    return i


def _string(source: str, i: int, column: int, tokens: list[Token]) -> int:
    quote, n = source[i], len(source)
    i += 1
    chars = []
    while i < n and source[i] != quote:
        if source[i] == "\\" and i + 1 < n:
            chars.append(_ESCAPES.get(source[i + 1], "\\" + source[i + 1]))
            i += 2
        else:
            chars.append(source[i])
            i += 1
    if i >= n:
        raise ExpressionError(f"unterminated string: add the closing {quote}", column,
                              "expression_syntax")
    tokens.append(Token("string", "".join(chars), column))
    return i + 1
