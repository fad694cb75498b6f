"""The immutable, compiled form of a template: definitions, nodes with their behaviour, edges."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from interpreter.errors import TemplateError, pointer, template_error
from interpreter.fields import FieldDef, FieldValueError, coerce_value


@dataclass(frozen=True)
class Definition:
    """A parameter, variable or constant of a template, with the field it is typed like."""

    id: str
    title: str
    type: str
    field: FieldDef
    required: bool = False
    value: Any = None   # default of a parameter or variable; value of a constant


@dataclass(frozen=True)
class Node:
    """One block of the graph as written in the template."""

    id: str
    type: str
    title: str
    properties: Mapping[str, Any]
    index: int
    on_error: str = "fail"   # "continue": a failure is logged and the token goes on

    @property
    def path(self) -> str:
        """JSON pointer of this node's properties in the template."""
        return pointer("nodes", self.index, "properties")


@dataclass(frozen=True)
class Edge:
    """A connection from one port of a block to another block."""

    source: str
    port: str
    target: str


class CompiledNode:
    """A node ready to run: its behaviour and the compiled node behind each port."""

    __slots__ = ("id", "type", "title", "execute", "resume", "outcome", "message", "targets",
                 "next", "parallel", "log_entry")

    def __init__(self, node: Node, execute: Any, resume: Any,
                 fixed: tuple[str, Any] | None = None):
        self.id = node.id
        self.type = node.type
        self.title = node.title
        self.execute = execute   # None for a block with a fixed outcome (Behaviour.fixed)
        self.resume = resume
        self.message, self.outcome = fixed if fixed is not None else ("", None)
        self.targets: dict[str, CompiledNode] = {}
        self.next: CompiledNode | None = None   # targets["next"], set with them (hot path)
        self.parallel: str | None = None   # for a join: the parallel whose branches it joins
        # The runtime's prototype of this block's log entries at one clock text (runtime.py):
        # (clock text, entry).
        self.log_entry: tuple[str | None, dict[str, Any]] = (None, {})

    def __repr__(self) -> str:
        return f"<CompiledNode {self.id} ({self.type})>"


@dataclass(frozen=True, eq=False)
class Template:
    """A validated, compiled template; safe to share between threads and runs."""

    name: str
    description: str
    document_type: str
    auto_start: tuple[str, ...]
    parameters: tuple[Definition, ...]
    variables: tuple[Definition, ...]
    constants: tuple[Definition, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    fields: Mapping[str, FieldDef]
    custom_fields: tuple[FieldDef, ...]
    start: CompiledNode
    nodes_by_id: Mapping[str, CompiledNode]
    variable_defaults: dict[str, Any]
    document_checks: Any = field(repr=False)  # coercers.DocumentChecks, for coerce_document
    source: Mapping[str, Any] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The template JSON it was loaded from (a copy)."""
        return copy.deepcopy(dict(self.source))

    def check_parameters(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """Start parameters coerced to their types, defaults filled; TemplateError otherwise."""
        if not given and not self.parameters:
            return {}
        given = given or {}
        errors = []
        if not isinstance(given, Mapping):
            raise TemplateError([template_error("invalid_parameters",
                                                "parameters must be an object")])
        known = {p.id: p for p in self.parameters}
        for key in given:
            if key not in known:
                errors.append(template_error("unknown_parameter",
                                             f"the template has no parameter {key!r}",
                                             None, pointer("parameters", key)))
        result: dict[str, Any] = {}
        for param in self.parameters:
            raw = given.get(param.id, param.value)
            try:
                value = coerce_value(param.field, raw)
            except FieldValueError as exc:
                errors.append(template_error("invalid_parameter", f"parameter {exc.message}",
                                             None, pointer("parameters", param.id)))
                continue
            if param.required and value in (None, "", []):
                errors.append(template_error("missing_parameter",
                                             f"parameter {param.id!r} is required",
                                             None, pointer("parameters", param.id)))
            result[param.id] = value
        if errors:
            raise TemplateError(errors)
        return result

