"""The `delay` block: waits for an interval or until a date and time (a timer wait)."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import (
    Behaviour,
    BlockType,
    Wait,
    interval,
    is_static,
    properties,
    value,
)
from interpreter.business_hours import add_working_time, next_working_moment
from interpreter.errors import BlockError
from interpreter.fields import parse_datetime
from interpreter.intervals import IntervalError, parse_interval


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    has_for, has_until = "for" in props, "until" in props
    if has_for == has_until:
        env.error("invalid_properties", "delay needs exactly one of 'for' (an interval) or "
                  "'until' (a date and time)")
    business = bool(props.get("business_hours", False))
    if has_for:
        raw = props["for"]
        if is_static(raw):
            try:
                parse_interval(raw)
            except IntervalError as exc:
                env.error("invalid_interval", str(exc), "for")
        amount = env.value(raw, "for")
    else:
        raw = props.get("until")
        if is_static(raw):
            try:
                parse_datetime(raw)
            except ValueError as exc:
                env.error("invalid_value", f"until: {exc}", "until")
        amount = env.value(raw, "until")

    def due_of(run: Any) -> Any:
        now = run.ctx.now
        computed = amount(run)
        try:
            if has_for:
                delta = parse_interval(computed)
                return add_working_time(now, delta) if business else now + delta
            moment = parse_datetime(computed).astimezone(now.tzinfo)
        except ValueError as exc:
            raise BlockError(f"delay: {exc}") from None
        return next_working_moment(moment) if business else moment

    def execute(run: Any, token: dict[str, Any]) -> Any:
        due = due_of(run)
        if due <= run.ctx.now:
            run.msg = "no wait: the time has already come"
            return "next"
        due_text = due.isoformat()
        run.msg = f"waiting until {due_text}"
        return Wait("timer", {"due": due_text})

    def resume(run: Any, token: dict[str, Any], data: Any) -> str:
        run.msg = "timer fired"
        return "next"

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="delay", title="Pause", group="flow",
    description="Waits for an interval (\"1d 4h\") or until a date and time.",
    properties_schema=properties({
        "for": interval("For"),
        "until": value("Until (date and time)"),
        "business_hours": {"title": "Count working time only (Mon-Fri 9:00-18:00)",
                           "type": "boolean", "default": False},
    }),
    compile=_compile,
)
