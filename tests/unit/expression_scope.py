"""A small in-memory Scope and Statics for the expression, condition and recipient tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from interpreter.expressions import Statics, compile_value
from interpreter.fields import field_map

NOW = datetime(2024, 5, 3, 10, 30, 15, tzinfo=UTC)  # a Friday

USERS = {
    1: {"ID": 1, "LOGIN": "admin", "NAME": "Ada", "LAST_NAME": "Admin", "EMAIL": "ada@example.com"},
    5: {"ID": 5, "LOGIN": "bob", "NAME": "Bob", "LAST_NAME": "Brown", "EMAIL": "bob@example.com"},
    7: {"ID": 7, "LOGIN": "cy", "NAME": "Cy", "LAST_NAME": "Cole", "EMAIL": "cy@example.com"},
    9: {"ID": 9, "LOGIN": "old", "NAME": "Old", "LAST_NAME": "Timer", "EMAIL": "old@example.com",
        "ACTIVE": False},
    11: {"ID": 11, "LOGIN": "nomail", "NAME": "No", "LAST_NAME": "Mail", "EMAIL": ""},
}
ROLES = {"Sales": [5, 7], "Admins": [1], "Everyone": [1, 5, 7, 9, 11]}


class Directory:
    """Users and roles, as the host's directory answers them."""

    def user(self, id: int) -> dict[str, Any] | None:
        return USERS.get(id)

    def role_members(self, name: str) -> list[int]:
        if name not in ROLES:
            raise KeyError(name)
        return ROLES[name]


class FakeScope:
    """Scope over plain dicts; `directory=None` behaves like a dry run."""

    def __init__(self, document: dict[str, Any] | None = None,
                 variables: dict[str, Any] | None = None,
                 parameters: dict[str, Any] | None = None,
                 outputs: dict[str, dict[str, Any]] | None = None,
                 changed: frozenset[str] = frozenset(),
                 directory: Directory | None = None) -> None:
        self.fields = dict(document or {})
        self.document = self.fields.get
        self.variables = dict(variables or {})
        self.parameters = dict(parameters or {})
        self.outputs = outputs or {}
        self.changed_fields = changed
        self.directory = directory

    def variable(self, id: str) -> Any:
        return self.variables.get(id)

    def parameter(self, id: str) -> Any:
        return self.parameters.get(id)

    def constant(self, id: str) -> Any:
        raise AssertionError("constants are inlined at compile time")

    def block_output(self, node: str, output: str) -> Any:
        return self.outputs[node][output]

    def instance(self, key: str) -> Any:
        return {"ID": 42, "STARTED_BY": 1, "STARTED_AT": "2024-05-03T10:00:00+00:00"}[key]

    def user(self, id: int) -> dict[str, Any] | None:
        return self.directory.user(id) if self.directory else None

    def now(self) -> datetime:
        return NOW


def statics(document_type: str = "deal", **extra: Any) -> Statics:
    """Statics for a document type with a few variables, parameters, constants and outputs."""
    defaults: dict[str, Any] = {
        "fields": field_map(document_type),
        "variables": {"Manager": "user", "Note": "string", "Total": "number", "Due": "date",
                      "Anything": None, "Items": None},
        "parameters": {"Reason": "string", "Limit": "number"},
        "constants": {"EuroManager": 7, "Codes": ["A", "B"], "Threshold": 500},
        "outputs": {"make": ("DocumentId",), "hook": ("StatusCode", "Response")},
        "nodes": ("start", "make", "hook", "cond"),
        "document_type": document_type,
    }
    defaults.update(extra)
    return Statics(**defaults)


def evaluate(value: Any, scope: FakeScope | None = None, document_type: str = "deal",
             **extra: Any) -> Any:
    """Compile `value` against the test statics and run it once."""
    return compile_value(value, statics(document_type, **extra))(scope or FakeScope())
