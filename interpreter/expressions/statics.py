"""What is known about a template before it runs: fields, variables, constants, block outputs."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..fields import CUSTOM_CODE, FIELD_TYPES, FieldDef
from .substitutions import Reference


def _as_type_map(value: Mapping[str, str | None] | Iterable[str]) -> dict[str, str | None]:
    if isinstance(value, Mapping):
        return dict(value)
    return dict.fromkeys(value)


@dataclass(frozen=True)
class Statics:
    """The names a value may reference, checked when a template is compiled.

    `variables` and `parameters` map an id to its field type (or None); a plain list of ids
    is accepted too. `constants` map an id to its value, which compiled values inline.
    `outputs` map a node id to the output names it produces; `nodes` lists every node id
    (so "no such output" and "no such node" are told apart).
    """

    fields: Mapping[str, FieldDef] = field(default_factory=dict)
    variables: Mapping[str, str | None] = field(default_factory=dict)
    parameters: Mapping[str, str | None] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Collection[str]] = field(default_factory=dict)
    nodes: Collection[str] = ()
    allow_custom_fields: bool = False
    document_type: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "variables", _as_type_map(self.variables))
        object.__setattr__(self, "parameters", _as_type_map(self.parameters))

    def knows_field(self, code: str) -> bool:
        """True for a known field, or any `UF_` code when custom fields are not listed."""
        return code in self.fields or bool(self.allow_custom_fields and CUSTOM_CODE.match(code))

    def typed_field(self, reference: Reference) -> FieldDef | None:
        """The field type a plain reference (no `.PROP`) has, for typed comparison."""
        if reference.prop is not None:
            return None
        if reference.kind == "Document":
            return self.fields.get(reference.name)
        types = {"Variable": self.variables, "Parameter": self.parameters}.get(reference.kind)
        type_ = types.get(reference.name) if types is not None else None
        if type_ in FIELD_TYPES:
            return FieldDef(code=reference.name, type=type_, title=reference.name)
        return None
