"""load_template: validate a template dict and compile every block once into a runnable Template."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from interpreter.blocks import REGISTRY
from interpreter.blocks.definition import ConstantValue, is_static
from interpreter.coercers import document_checks, fast_coercer
from interpreter.conditions import compile_choice, compile_condition
from interpreter.errors import TemplateError, pointer, template_error
from interpreter.expressions import Statics, compile_value
from interpreter.fields import FieldDef, FieldValueError, coerce_value, field_map, render_text
from interpreter.model import CompiledNode, Definition, Edge, Node, Template
from interpreter.on_error import continue_on_error
from interpreter.validate import (
    DEFAULT_PORT,
    Structure,
    check_blocks,
    check_ids,
    check_schema,
    check_size,
    check_structure,
)

Compiled = Callable[[Any], Any]
_BLOCK_REF = re.compile(r"\{=Block:([A-Za-z][A-Za-z0-9_]{0,63}):([A-Za-z][A-Za-z0-9_]{0,63})")
_ONE_SUBSTITUTION = re.compile(r"^\{=[^{}]*\}$")
_CONSTANT_REF = re.compile(r"^\{=Constant:([A-Za-z][A-Za-z0-9_]{0,63})\}$")


def load_template(data: Any, custom_fields: Iterable[FieldDef] | None = None) -> Template:
    """Validate `data` (a bizflow.template/1 dict) and compile it; TemplateError lists every error.

    `custom_fields=None` is the offline mode of `bizflow validate`/`run`: any `UF_` field code
    passes. The app passes the document type's defined custom fields, which are then enforced.
    """
    errors = check_size(data)
    if errors:
        raise TemplateError(errors)
    errors = check_schema(data)
    if errors:
        raise TemplateError(errors)
    source = copy.deepcopy(data)
    return _Loader(source, custom_fields).load()


class _Loader:
    def __init__(self, source: dict[str, Any], custom_fields: Iterable[FieldDef] | None):
        self.source = source
        self.offline = custom_fields is None
        self.custom = tuple(custom_fields or ())
        self.errors: list[dict[str, Any]] = []

    def load(self) -> Template:
        src = self.source
        errors = self.errors
        try:
            self.fields = field_map(src["document_type"], self.custom)
        except FieldValueError as exc:
            errors.append(template_error("invalid_custom_field", exc.message))
            self.fields = field_map(src["document_type"])
        errors.extend(check_ids(src))
        structure = Structure()
        errors.extend(check_blocks(src, structure))
        errors.extend(check_structure(src, structure))
        parameters = self._definitions("parameters", "default")
        variables = self._definitions("variables", "default")
        constants = self._definitions("constants", "value")
        nodes = tuple(Node(n["id"], n["type"], n.get("title", ""), n.get("properties", {}), i,
                           n.get("on_error", "fail"))
                      for i, n in enumerate(src["nodes"]))
        outputs = {}
        for node in nodes:
            block = REGISTRY.get(node.type)
            if block is None:
                continue
            if node.id in structure.valid_properties or not callable(block.outputs):
                outputs[node.id] = tuple(block.outputs_of(node.properties))
        self.statics = Statics(
            fields=self.fields,
            variables={v.id: v.type for v in variables},
            parameters={p.id: p.type for p in parameters},
            constants={c.id: c.value for c in constants},
            outputs=outputs,
            allow_custom_fields=self.offline,
        )
        self.variable_defs = {v.id: v for v in variables}
        self.referenced_outputs = set(_BLOCK_REF.findall(json.dumps(src)))
        compiled: dict[str, CompiledNode] = {}
        for node in nodes:
            if node.id in compiled or node.id not in structure.valid_properties:
                continue
            compiled[node.id] = self._compile_node(node, structure)
        if errors:
            raise TemplateError(errors)
        for source_id, ports in structure.targets.items():
            for port, target in ports.items():
                compiled[source_id].targets[port] = compiled[target]
        for node in compiled.values():
            node.next = node.targets.get(DEFAULT_PORT)
        for join, parallel in structure.join_parallel.items():
            compiled[join].parallel = parallel
        edges = tuple(Edge(e["from"], e.get("port", DEFAULT_PORT), e["to"])
                      for e in src.get("edges", ()))
        return Template(
            name=src.get("name", ""), description=src.get("description", ""),
            document_type=src["document_type"], auto_start=tuple(src.get("auto_start", ())),
            parameters=parameters, variables=variables, constants=constants,
            nodes=nodes, edges=edges, fields=self.fields, custom_fields=self.custom,
            start=compiled[structure.start], nodes_by_id=compiled,
            variable_defaults={v.id: v.value for v in variables},
            document_checks=document_checks(self.fields),
            source=src,
        )

    def _definitions(self, key: str, value_key: str) -> tuple[Definition, ...]:
        result = []
        for index, item in enumerate(self.source.get(key, ())):
            options = tuple(
                (o, o) if isinstance(o, str) else (o["id"], o.get("title", o["id"]))
                for o in item.get("options", ()))
            title = item.get("title", item["id"])
            field = FieldDef(code=item["id"], type=item["type"], title=title,
                             multiple=item.get("multiple", False), options=options)
            try:
                value = coerce_value(field, item.get(value_key))
            except FieldValueError as exc:
                self.errors.append(template_error(
                    "invalid_value", f"{key[:-1]} {exc.message}", None,
                    pointer(key, index, value_key)))
                value = None
            result.append(Definition(item["id"], item.get("title", item["id"]), item["type"],
                                     field, bool(item.get("required", False)), value))
        return tuple(result)

    def _compile_node(self, node: Node, structure: Structure) -> CompiledNode:
        block = REGISTRY[node.type]
        env = CompileEnv(self, node, structure)
        try:
            behaviour = block.compile(node, env)
        except Exception as exc:  # noqa: BLE001 - a safety net: a block bug must not crash loading
            env.error("internal_error", f"{node.type} block could not be compiled: {exc!r}")
            return CompiledNode(node, None, None)
        if behaviour.fixed is not None:
            return CompiledNode(node, None, None, behaviour.fixed)   # cannot fail: no on_error
        if node.on_error == "continue":
            return CompiledNode(node, *continue_on_error(behaviour.execute, behaviour.resume))
        return CompiledNode(node, behaviour.execute, behaviour.resume)


class CompileEnv:
    """What a block's compile function may use: typed definitions, compilers, error reporting."""

    def __init__(self, loader: _Loader, node: Node, structure: Structure):
        self._loader = loader
        self.node = node
        self.structure = structure
        self.document_type: str = loader.source["document_type"]
        self.fields = loader.fields
        self.statics = loader.statics
        self.variables: dict[str, Definition] = loader.variable_defs
        self.offline = loader.offline

    def output_used(self, name: str) -> bool:
        """Whether some value of the template reads this node's output `name`."""
        return (self.node.id, name) in self._loader.referenced_outputs

    def path(self, *parts: Any) -> str:
        """JSON pointer of a place inside this node's properties."""
        return self.node.path + pointer(*parts)

    def error(self, code: str, message: str, *parts: Any) -> None:
        """Report a problem of this node at a place inside its properties."""
        self._loader.errors.append(template_error(code, message, self.node.id,
                                                  self.path(*parts) if parts else self.node.path))

    def _collect(self, found: list[dict[str, Any]]) -> None:
        for error in found:
            error["node"] = self.node.id
            self._loader.errors.append(error)

    def value(self, raw: Any, *parts: Any) -> Compiled:
        """Compile a property value: a literal, a text with substitutions, or a =formula."""
        found: list[dict[str, Any]] = []
        compiled = compile_value(raw, self.statics, path=self.path(*parts), errors=found)
        self._collect(found)
        return compiled

    def text(self, raw: Any, *parts: Any) -> Compiled:
        """Compile a value that is used as text (rendered with fields.render_text)."""
        if raw is None:
            return _empty_text
        compiled = self.value(raw, *parts)
        if isinstance(raw, str) and not raw.startswith("=") and not _ONE_SUBSTITUTION.match(raw):
            return compiled   # plain text, or text around substitutions: already a string

        def as_text(scope: Any) -> str:
            result = compiled(scope)
            return result if result.__class__ is str else render_text(result)

        return as_text

    def condition(self, raw: Any, *parts: Any) -> Callable[[Any], bool]:
        """Compile a SPEC 3.2 condition."""
        found: list[dict[str, Any]] = []
        compiled = compile_condition(raw, self.statics, path=self.path(*parts), errors=found)
        self._collect(found)
        return compiled

    def choice(self, raw: Any, yes: Any, no: Any, *parts: Any) -> Callable[..., Any]:
        """Compile a SPEC 3.2 condition to `(scope, token) -> yes or no` (a block's execute)."""
        found: list[dict[str, Any]] = []
        compiled = compile_choice(raw, self.statics, yes, no, path=self.path(*parts),
                                  errors=found)
        self._collect(found)
        return compiled

    def typed_value(self, field: FieldDef | None, raw: Any, *parts: Any) -> Compiled:
        """A value coerced to `field`'s type: checked now when static, else when the block runs.

        A bad value at run time raises FieldValueError, which fails the block with its message.
        """
        if field is None:
            return self.value(raw, *parts)
        constant_ref = _CONSTANT_REF.match(raw) if isinstance(raw, str) else None
        if constant_ref and constant_ref.group(1) in self.statics.constants:
            # A template constant is a literal: coerce it once, here.
            return self._coerced_now(field, self.statics.constants[constant_ref.group(1)], parts)
        if is_static(raw):
            return self._coerced_now(field, raw, parts)
        compiled = self.value(raw, *parts)
        coerce = fast_coercer(field)
        return lambda scope: coerce(compiled(scope))

    def _coerced_now(self, field: FieldDef, raw: Any, parts: tuple) -> Compiled:
        try:
            return ConstantValue(coerce_value(field, raw))
        except FieldValueError as exc:
            self.error("invalid_value", exc.message, *parts)
            return ConstantValue(None)

    def field(self, code: str, *parts: Any, writable: bool = False,
              fields: dict[str, FieldDef] | None = None) -> FieldDef | None:
        """The FieldDef of a document field code, reporting unknown (or read-only) codes.

        Offline, an undefined `UF_` code passes and yields None (its value is not coerced).
        """
        fields = self.fields if fields is None else fields
        found = fields.get(code)
        if found is None:
            if self.offline and code.startswith("UF_"):
                return None
            self.error("unknown_field", f"unknown field {code!r}", *parts)
            return None
        if writable and found.read_only:
            self.error("read_only_field", f"field {code} is read-only", *parts)
        return found

    def variable(self, variable_id: str, *parts: Any) -> Definition | None:
        """The definition of a template variable, reporting unknown ids."""
        found = self.variables.get(variable_id)
        if found is None:
            self.error("unknown_variable", f"unknown variable {variable_id!r}", *parts)
        return found


def _empty_text(scope: Any) -> str:
    return ""

