"""Bounds that keep a hostile formula cheap: sizes, depth and a work counter per evaluation."""

from __future__ import annotations

from .errors import ExpressionError

MAX_FORMULA_LENGTH = 4000
MAX_DEPTH = 50
MAX_STRING = 1_000_000
MAX_LIST = 10_000
MAX_WORK = 2_000_000
MAX_VALUE_DEPTH = 64  # lists and objects nested inside one property value


class Work:
    """Units of work left for one evaluation: one per operation plus what it produces."""

    __slots__ = ("left",)

    def __init__(self, limit: int = MAX_WORK) -> None:
        self.left = limit

    def charge(self, units: int) -> None:
        self.left -= units
        if self.left < 0:
            raise ExpressionError(f"the formula does too much work (limit {MAX_WORK:,} units)",
                                  code="expression_too_costly")


def check_string_size(size: int) -> None:
    """An ExpressionError when a text of `size` characters would be longer than MAX_STRING."""
    if size > MAX_STRING:
        raise ExpressionError(f"text longer than {MAX_STRING:,} characters",
                              code="expression_too_large")


def check_string(text: str) -> str:
    """`text`, or an ExpressionError when it is longer than MAX_STRING."""
    check_string_size(len(text))
    return text


def check_list_size(size: int) -> None:
    """An ExpressionError when a list of `size` items would be longer than MAX_LIST."""
    if size > MAX_LIST:
        raise ExpressionError(f"list longer than {MAX_LIST:,} items", code="expression_too_large")
