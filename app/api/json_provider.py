"""Strict JSON for requests: standard JSON only, and absurd nesting is bad input, not a crash."""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class StrictJSONProvider(DefaultJSONProvider):
    """Parses like json.loads but refuses NaN/Infinity and turns deep nesting into ValueError,
    so `request.get_json()` answers 400 for both everywhere."""

    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return json.loads(s, parse_constant=_reject_constant, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None
