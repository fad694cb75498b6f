"""REST endpoint of the block registry: the designer's palette and property forms read it."""

from __future__ import annotations

from flask import Blueprint

from app.api.openapi import operation
from app.auth import login_required
from interpreter.blocks import GROUP_ORDER, REGISTRY

bp = Blueprint("block_types", __name__)


def _sort_key(block_type: str) -> tuple[int, str]:
    group = REGISTRY[block_type].group
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), block_type)


@bp.get("/block-types")
@operation("Every block type: type, title, group, ports, properties schema, outputs",
           tags=["templates"], responses={200: {"type": "object", "required": ["items"],
                                                "properties": {"items": {"type": "array"}}}})
@login_required
def list_block_types():
    return {"items": [REGISTRY[name].describe() for name in sorted(REGISTRY, key=_sort_key)]}
