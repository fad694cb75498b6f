"""Small template builders shared by the interpreter's unit tests."""

from __future__ import annotations

from typing import Any


def template(nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None,
             document_type: str = "lead", **extra: Any) -> dict[str, Any]:
    """A bizflow.template/1 dict; without `edges`, the nodes are chained in order."""
    if edges is None:
        edges = [{"from": a["id"], "to": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return {"format": "bizflow.template/1", "name": "test", "document_type": document_type,
            "nodes": nodes, "edges": edges, **extra}


def chain(*blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """start -> blocks... -> end."""
    nodes = [{"id": "start", "type": "start"}, *blocks, {"id": "finish", "type": "end"}]
    return template(nodes, **extra)


def node(node_id: str, block_type: str, **properties: Any) -> dict[str, Any]:
    """A node with properties."""
    return {"id": node_id, "type": block_type, "properties": properties}
