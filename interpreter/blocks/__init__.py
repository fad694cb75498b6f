"""The block registry: every module of this package that defines `BLOCK` is one block type."""

from __future__ import annotations

import importlib
import pkgutil

from interpreter.blocks.definition import BlockType


def _discover() -> dict[str, BlockType]:
    registry: dict[str, BlockType] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        block = getattr(module, "BLOCK", None)
        if isinstance(block, BlockType):
            registry[block.type] = block
    return registry


REGISTRY: dict[str, BlockType] = _discover()
GROUP_ORDER = ("flow", "document", "communication", "people", "data", "integration")

__all__ = ["REGISTRY", "GROUP_ORDER", "BlockType"]
