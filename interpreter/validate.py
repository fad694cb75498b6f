"""Template validation: size limits, the JSON Schema, block types and structure (networkx)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import networkx as nx

from interpreter.blocks import REGISTRY
from interpreter.errors import pointer, template_error

MAX_NODES = 2000
MAX_BYTES = 1024 * 1024
DEFAULT_PORT = "next"


@cache
def template_schema() -> dict[str, Any]:
    """The JSON Schema of bizflow.template/1 shipped in interpreter/schema/."""
    text = resources.files("interpreter.schema").joinpath("template.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _template_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(template_schema())


@cache
def _properties_validator(block_type: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(REGISTRY[block_type].properties_schema)


def check_size(data: Any) -> list[dict[str, Any]]:
    """Refuse input that is not a JSON object, is over 1 MiB, or has over 2,000 nodes."""
    if not isinstance(data, dict):
        return [template_error("not_an_object",
                               f"a template must be a JSON object, not {_json_type(data)}")]
    try:
        size = len(json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        return [template_error("not_json", f"the template is not plain JSON: {exc}")]
    except RecursionError:
        return [template_error("too_deep", "the template is nested too deeply")]
    errors = []
    if size > MAX_BYTES:
        errors.append(template_error(
            "too_large", f"the template is {size} bytes of JSON; the limit is {MAX_BYTES} (1 MiB)"))
    nodes = data.get("nodes")
    if isinstance(nodes, list) and len(nodes) > MAX_NODES:
        errors.append(template_error(
            "too_many_nodes", f"the template has {len(nodes)} blocks; the limit is {MAX_NODES}",
            path="/nodes"))
    return errors


def check_schema(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every violation of the template JSON Schema, in document order."""
    errors = []
    found = sorted(_template_validator().iter_errors(data),
                   key=lambda e: [str(p) for p in e.absolute_path])
    for error in found:
        path = list(error.absolute_path)
        errors.append(template_error(
            "schema", _schema_message(error), _node_of(data, path), pointer(*path) if path else ""))
    return errors


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "the template"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{where}: unknown key(s) {', '.join(map(repr, extra))}"
    if error.validator == "required":
        return f"{where}: {error.message}"
    if error.validator == "pattern":
        return f"{where}: {error.instance!r} is not a valid id (letters, digits and _, " \
               "starting with a letter, at most 64)"
    message = error.message
    if len(message) > 300:
        message = message[:300] + "..."
    return f"{where}: {message}"


def _node_of(data: dict[str, Any], path: list[Any]) -> str | None:
    if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
        node = data["nodes"][path[1]]
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            return node["id"]
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def check_ids(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Ids of nodes, parameters, variables and constants are unique in their list."""
    errors = []
    for key, what in (("nodes", "block"), ("parameters", "parameter"),
                      ("variables", "variable"), ("constants", "constant")):
        seen: set[str] = set()
        for index, item in enumerate(data.get(key, ())):
            if item["id"] in seen:
                errors.append(template_error(
                    "duplicate_id", f"{what} id {item['id']!r} is used more than once",
                    item["id"] if key == "nodes" else None, pointer(key, index, "id")))
            seen.add(item["id"])
    return errors


@dataclass
class Structure:
    """What the structural check learned about the graph, used by the compiler."""

    start: str | None = None
    ports: dict[str, list[str] | None] = field(default_factory=dict)   # None: properties invalid
    targets: dict[str, dict[str, str]] = field(default_factory=dict)    # node -> port -> node
    join_parallel: dict[str, str] = field(default_factory=dict)         # join -> its parallel
    predecessors: dict[str, set[str]] = field(default_factory=dict)     # node -> nodes before it
    valid_properties: set[str] = field(default_factory=set)


def check_blocks(data: dict[str, Any], structure: Structure) -> list[dict[str, Any]]:
    """Every node's type is registered and its properties match that block's schema."""
    errors = []
    for index, node in enumerate(data["nodes"]):
        node_id, block_type = node["id"], node["type"]
        block = REGISTRY.get(block_type)
        if block is None:
            errors.append(template_error(
                "unknown_block_type", f"unknown block type {block_type!r}", node_id,
                pointer("nodes", index, "type")))
            structure.ports.setdefault(node_id, None)
            continue
        props = node.get("properties", {})
        found = list(_properties_validator(block_type).iter_errors(props))
        for error in sorted(found, key=lambda e: [str(p) for p in e.absolute_path]):
            path = ["nodes", index, "properties", *error.absolute_path]
            where = "/".join(str(p) for p in error.absolute_path) or "properties"
            message = _schema_message(error).split(": ", 1)[-1] if error.absolute_path \
                else _schema_message(error).split(": ", 1)[-1]
            errors.append(template_error(
                "invalid_properties", f"{block_type} block: {where}: {message}", node_id,
                pointer(*path)))
        if found:
            structure.ports.setdefault(node_id, None)
        else:
            structure.valid_properties.add(node_id)
            structure.ports.setdefault(node_id, block.ports_of(props))
    return errors


def check_structure(data: dict[str, Any], structure: Structure) -> list[dict[str, Any]]:
    """One start, edges and ports, reachability, cycles only through loops, joins and parallels."""
    errors: list[dict[str, Any]] = []
    nodes = data["nodes"]
    index_of = {}
    role = {}
    for index, node in enumerate(nodes):
        index_of.setdefault(node["id"], index)
        block = REGISTRY.get(node["type"])
        role[node["id"]] = block.role if block else None

    starts = [n["id"] for n in nodes if role[n["id"]] == "start"]
    if not starts:
        errors.append(template_error("no_start", "the template has no start block", None, "/nodes"))
    for extra in starts[1:]:
        errors.append(template_error(
            "multiple_starts", f"a template has exactly one start block; {extra!r} is another",
            extra, pointer("nodes", index_of[extra])))
    structure.start = starts[0] if starts else None

    graph = nx.DiGraph()
    graph.add_nodes_from(index_of)
    for index, edge in enumerate(data.get("edges", ())):
        source, target = edge["from"], edge["to"]
        port = edge.get("port", DEFAULT_PORT)
        bad = False
        for end, key in ((source, "from"), (target, "to")):
            if end not in index_of:
                errors.append(template_error(
                    "unknown_node", f"edge {index}: there is no block {end!r}", None,
                    pointer("edges", index, key)))
                bad = True
        if bad:
            continue
        ports = structure.ports.get(source)
        if ports is not None and port not in ports:
            have = ", ".join(ports) if ports else "none"
            errors.append(template_error(
                "unknown_port", f"block {source!r} has no port {port!r} (its ports: {have})",
                source, pointer("edges", index, "port" if "port" in edge else "from")))
            continue
        out = structure.targets.setdefault(source, {})
        if port in out:
            errors.append(template_error(
                "duplicate_edge", f"port {port!r} of block {source!r} has more than one edge",
                source, pointer("edges", index)))
            continue
        out[port] = target
        graph.add_edge(source, target)

    structure.predecessors = {n: set(graph.predecessors(n)) for n in graph}
    if structure.start is not None:
        reachable = nx.descendants(graph, structure.start) | {structure.start}
        for index, node in enumerate(nodes):
            if node["id"] not in reachable and index_of[node["id"]] == index:
                errors.append(template_error(
                    "unreachable", f"block {node['id']!r} cannot be reached from the start",
                    node["id"], pointer("nodes", index)))

    without_loops = graph.subgraph(n for n in graph if role[n] != "loop")
    for component in nx.strongly_connected_components(without_loops):
        members = sorted(component, key=index_of.__getitem__)
        if len(members) > 1 or without_loops.has_edge(members[0], members[0]):
            errors.append(template_error(
                "cycle_without_loop",
                "a cycle must pass through a loop block: " + " -> ".join(members),
                members[0], pointer("nodes", index_of[members[0]])))

    joins = [n for n in index_of if role[n] == "join"]
    if joins and structure.start is not None:
        dominators = nx.immediate_dominators(graph, structure.start)
        for join in joins:
            parallel = _dominating_parallel(join, dominators, role)
            if parallel is None:
                errors.append(template_error(
                    "join_without_parallel",
                    f"join {join!r} must come after a parallel block whose branches it joins",
                    join, pointer("nodes", index_of[join])))
            else:
                structure.join_parallel[join] = parallel
    return errors


def _dominating_parallel(join: str, dominators: dict[str, str], role: dict[str, Any]) -> str | None:
    node = dominators.get(join)
    while node is not None:
        if role.get(node) == "parallel":
            return node
        parent = dominators.get(node)
        if parent == node:
            return None
        node = parent
    return None
