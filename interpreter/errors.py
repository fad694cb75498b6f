"""Error values of the interpreter: load-time template errors and run-time block failures."""

from __future__ import annotations

from typing import Any


def template_error(code: str, message: str, node: str | None = None,
                   path: str | None = None) -> dict[str, Any]:
    """One validation error object, as SPEC 3 defines it."""
    return {"code": code, "message": message, "node": node, "path": path}


def pointer(*parts: Any) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    out = []
    for part in parts:
        text = str(part)
        out.append("/" + text.replace("~", "~0").replace("/", "~1"))
    return "".join(out)


class TemplateError(ValueError):
    """A template that cannot be loaded; `errors` lists every problem found."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = list(errors)
        first = self.errors[0]["message"] if self.errors else "invalid template"
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(first + more)


class BlockError(Exception):
    """A block failed while running; the runtime turns it into a `failed` step for that node."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
