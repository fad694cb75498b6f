"""Query parameters shared by list endpoints: `limit` and `offset` (checked, 400 when wrong)."""

from __future__ import annotations

from typing import Any

from flask import request

from app.api.errors import ApiError
from app.api.openapi import query_param

MAX_LIMIT = 500
MAX_OFFSET = 2**62
PAGING_PARAMS = ("limit", "offset")


def int_param(name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high], or a 400 naming it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name}: expected an integer, got {raw!r}",
                       [{"parameter": name}]) from None
    if not low <= value <= high:
        raise ApiError(400, "invalid_parameter", f"{name}: must be between {low} and {high}",
                       [{"parameter": name}])
    return value


def page(default_limit: int = 50) -> tuple[int, int]:
    """(limit, offset) of this request."""
    return (int_param("limit", default_limit, 1, MAX_LIMIT),
            int_param("offset", 0, 0, MAX_OFFSET))


def paging_parameters() -> list[dict[str, Any]]:
    """The OpenAPI declaration of `limit` and `offset`."""
    return [query_param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
            query_param("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET})]
