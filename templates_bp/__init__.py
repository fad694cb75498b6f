"""Built-in business-process templates, one bizflow.template/1 JSON file each."""

import json
from importlib import resources
from typing import Any


def list_builtin_templates() -> list[dict[str, Any]]:
    """Every built-in template as `{"key": file stem, "template": dict}`, sorted by key."""
    templates = []
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".json"):
            continue
        template = json.loads(entry.read_text(encoding="utf-8"))
        templates.append({"key": entry.name.removesuffix(".json"), "template": template})
    return templates
