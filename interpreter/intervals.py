"""Interval strings ("30s", "15m", "2h", "3d", "1w", "1d 4h") as timedeltas."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_INTERVAL = timedelta(days=3660)  # ten years: anything longer is a typo, not a plan

_PART = re.compile(r"\s*(\d+)\s*([A-Za-z]+)")


class IntervalError(ValueError):
    """An interval that cannot be read; the message says what was expected."""


def parse_interval(value: Any, allow_negative: bool = False) -> timedelta:
    """A timedelta from "1d 4h"-style text (units s m h d w) or a number of seconds.

    A leading "-" makes the interval negative when `allow_negative` (dateadd does).
    """
    if isinstance(value, bool):
        raise IntervalError(f"expected an interval like \"1d 4h\", got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
        if seconds != seconds:  # NaN
            raise IntervalError("an interval cannot be NaN")
        return _bounded(seconds, allow_negative, value)
    if not isinstance(value, str):
        raise IntervalError(f"expected an interval like \"1d 4h\", got {type(value).__name__}")
    text = value.strip()
    sign = 1
    if text.startswith("-"):
        sign, text = -1, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    if not text:
        raise IntervalError(f"expected an interval like \"1d 4h\", got {value!r}")
    seconds = 0
    position = 0
    while position < len(text):
        match = _PART.match(text, position)
        if not match:
            raise IntervalError(f"cannot read interval {value!r} at {text[position:]!r}: "
                                "expected a number and a unit (s, m, h, d, w)")
        amount, unit = match.groups()
        factor = UNITS.get(unit.lower())
        if len(amount) > 12:
            raise IntervalError(f"interval {value!r} is longer than {MAX_INTERVAL.days} days")
        if factor is None:
            raise IntervalError(f"unknown unit {unit!r} in interval {value!r}: "
                                "use s (seconds), m (minutes), h (hours), d (days), w (weeks)")
        seconds += int(amount) * factor
        position = match.end()
        while position < len(text) and text[position] in " ,":
            position += 1
    return _bounded(sign * seconds, allow_negative, value)


def _bounded(seconds: float, allow_negative: bool, raw: Any) -> timedelta:
    if seconds < 0 and not allow_negative:
        raise IntervalError(f"interval {raw!r} must not be negative")
    if abs(seconds) > MAX_INTERVAL.total_seconds():
        raise IntervalError(f"interval {raw!r} is longer than {MAX_INTERVAL.days} days")
    return timedelta(seconds=seconds)


def format_interval(delta: timedelta) -> str:
    """The shortest "1d 4h"-style text for a timedelta (whole seconds)."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        amount, seconds = divmod(seconds, UNITS[unit])
        if amount:
            parts.append(f"{amount}{unit}")
    return sign + (" ".join(parts) or "0s")
