"""What a block type is: palette entry, ports, property schema, outputs and compiled behaviour."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Property schema fragments. "format" is the designer's hint for which editor to show; JSON Schema
# treats it as an annotation, the checks themselves are done when values are compiled.
VALUE: dict[str, Any] = {"format": "value"}


def value(title: str, **extra: Any) -> dict[str, Any]:
    """Any JSON literal, a text with {=...} substitutions or an =formula."""
    return {"title": title, "format": "value", **extra}


def text(title: str, **extra: Any) -> dict[str, Any]:
    """A string that may contain substitutions."""
    return {"title": title, "type": "string", "format": "text", "maxLength": 100_000, **extra}


def recipients(title: str) -> dict[str, Any]:
    """A list of recipients (user ids, user:ID, e-mails, role:NAME, references)."""
    return {"title": title, "format": "recipients",
            "type": ["array", "string", "integer"], "items": VALUE, "maxItems": 500}


def condition(title: str) -> dict[str, Any]:
    """A condition of SPEC 3.2 (checked when compiled)."""
    return {"title": title, "format": "condition", "type": ["object", "null"]}


def interval(title: str) -> dict[str, Any]:
    """An interval such as "1d 4h", or a value computing one."""
    return {"title": title, "format": "interval", "type": ["string", "integer", "number"]}


def fields_map(title: str) -> dict[str, Any]:
    """An object mapping document field codes to values."""
    return {"title": title, "format": "fields-map", "type": "object",
            "propertyNames": {"pattern": "^[A-Z][A-Z0-9_]{0,63}$"},
            "additionalProperties": VALUE, "maxProperties": 500}


def choice(title: str, options: list[str], default: str) -> dict[str, Any]:
    """One of a fixed list of strings."""
    return {"title": title, "enum": options, "default": default}


def properties(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON Schema of a block's `properties` object."""
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": list(required)}


def is_static(raw: Any) -> bool:
    """True when a value holds no substitution or formula anywhere."""
    if isinstance(raw, str):
        return "{=" not in raw and not raw.startswith("=")
    if isinstance(raw, list):
        return all(is_static(item) for item in raw)
    if isinstance(raw, dict):
        return all(is_static(item) for item in raw.values())
    return True


class ConstantValue:
    """A compiled value known at load time; blocks may read `.value` instead of calling it."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __call__(self, scope: Any) -> Any:
        return self.value


class Branch:
    """Outcome: the token goes on through `port`, and `message` is the block's log message
    (a condition block's prebuilt choice, picked without setting run.msg)."""

    __slots__ = ("port", "message")

    def __init__(self, port: str, message: str):
        self.port = port
        self.message = message


class Wait:
    """Outcome: the token stops here until the host answers (see ARCHITECTURE wait kinds)."""

    __slots__ = ("kind", "request", "message")

    def __init__(self, kind: str, request: dict[str, Any], message: str = ""):
        self.kind = kind
        self.request = request
        self.message = message


class Fork:
    """Outcome: the token splits into one token per port (a `parallel` block)."""

    __slots__ = ("ports",)

    def __init__(self, ports: list[str]):
        self.ports = ports


class End:
    """Outcome: the token's path ends; `terminated` ends the whole instance."""

    __slots__ = ("status",)

    def __init__(self, status: str):
        self.status = status


class Join:
    """Outcome: the token arrives at a join and waits for the other branches of its parallel."""

    __slots__ = ()


class Recovered:
    """Outcome: the block failed but has `on_error: continue`; its work was undone (on_error.py)."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


JOIN = Join()
END_COMPLETED = End("completed")
END_TERMINATED = End("terminated")

# execute(run, token) returns a port name or one of the outcome objects above.
Execute = Callable[[Any, dict[str, Any]], Any]
# resume(run, token, data) is called when the host answers a wait; it returns the same outcomes.
Resume = Callable[[Any, dict[str, Any], Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Behaviour:
    """A compiled node: how it runs and, for waiting blocks, how it continues."""

    execute: Execute | None
    resume: Resume | None = None
    # (log message, outcome) of a block that always does just that (start, end): the driver
    # logs it without calling anything, and execute is None.
    fixed: tuple[str, Any] | None = None


@dataclass(frozen=True)
class BlockType:
    """One entry of the block registry, read by validation, the runtime and the designer."""

    type: str
    title: str
    group: str
    properties_schema: dict[str, Any]
    compile: Callable[[Any, Any], Behaviour]
    ports: tuple[str, ...] | Callable[[Mapping[str, Any]], list[str]] = ("next",)
    outputs: tuple[str, ...] | Callable[[Mapping[str, Any]], list[str]] = ()
    description: str = ""
    # Optional structural role the validator must know about ("start", "loop", "parallel", "join").
    role: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    # The document types whose templates may use the block; empty: every type.
    document_types: tuple[str, ...] = ()

    def ports_of(self, props: Mapping[str, Any]) -> list[str]:
        """The output ports of a node of this type with these properties."""
        if callable(self.ports):
            return list(self.ports(props))
        return list(self.ports)

    def outputs_of(self, props: Mapping[str, Any]) -> list[str]:
        """The names a node of this type offers to {=Block:NODE:NAME}."""
        if callable(self.outputs):
            return list(self.outputs(props))
        return list(self.outputs)

    def describe(self) -> dict[str, Any]:
        """The palette entry served to the designer (GET /api/v1/block-types)."""
        return {
            "type": self.type,
            "title": self.title,
            "group": self.group,
            "description": self.description,
            "ports": list(self.ports) if not callable(self.ports) else None,
            "dynamic_ports": callable(self.ports),
            "outputs": list(self.outputs) if not callable(self.outputs) else None,
            "dynamic_outputs": callable(self.outputs),
            "properties_schema": self.properties_schema,
            "document_types": list(self.document_types) or None,
        }
