"""Errors of values and formulas: compile-time error lists and run-time ExpressionError."""

from __future__ import annotations

from typing import Any


class ExpressionError(ValueError):
    """A value or formula that cannot be compiled or evaluated; `column` is 1-based or None."""

    def __init__(self, message: str, column: int | None = None,
                 code: str = "expression_error") -> None:
        self.message = message
        self.column = column
        self.code = code
        super().__init__(f"column {column}: {message}" if column else message)

    def at(self, column: int) -> ExpressionError:
        """This error with `column` filled in when it has none yet."""
        if self.column is None:
            return ExpressionError(self.message, column, self.code)
        return self


class CompileError(ValueError):
    """Every problem found while compiling one value; `errors` are SPEC 3 error dicts."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = list(errors)
        first = self.errors[0]["message"] if self.errors else "invalid value"
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(first + more)


def error_dict(code: str, message: str, path: str) -> dict[str, Any]:
    """One error object as SPEC 3 defines it; the template compiler fills in `node`."""
    return {"code": code, "message": message, "node": None, "path": path}
