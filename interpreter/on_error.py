"""`on_error: "continue"`: a failing block's work is undone and its token goes on (DECISIONS).

Only nodes that ask for it are wrapped (at load time), so the normal path snapshots nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from interpreter.blocks.definition import Recovered
from interpreter.runtime import StateError, failure_message

# How the log message of a recovered failure starts; hosts that keep only the message (the
# app's instance log) tell a failed block from a successful one by it.
RECOVERED_PREFIX = "failed, continuing (on_error: continue): "


def continue_on_error(execute: Callable, resume: Callable | None) -> tuple[Callable, Any]:
    """`execute` and `resume` wrapped so that an exception becomes a Recovered outcome."""

    def guarded_execute(run: Any, token: dict[str, Any]) -> Any:
        saved = _snapshot(run)
        try:
            return execute(run, token)
        except Exception as exc:  # noqa: BLE001 - every block failure is recovered here
            return _recover(run, saved, exc)

    if resume is None:
        return guarded_execute, None

    def guarded_resume(run: Any, token: dict[str, Any], data: Any) -> Any:
        saved = _snapshot(run)
        try:
            return resume(run, token, data)
        except StateError:
            raise   # the host's answer does not fit: not a failure of the block
        except Exception as exc:  # noqa: BLE001 - every block failure is recovered here
            return _recover(run, saved, exc)

    return guarded_execute, guarded_resume


def _snapshot(run: Any) -> tuple:
    # Blocks assign fields, variables, outputs and loop counters and append effects; they do not
    # change stored values in place, so shallow copies are enough to undo them.
    return (dict(run.fields), dict(run.changes), len(run.effects), dict(run.variables),
            dict(run.outputs), dict(run.loops), run.seq)


def _recover(run: Any, saved: tuple, exc: Exception) -> Recovered:
    fields, changes, effects, variables, outputs, loops, seq = saved
    # Restored in place: the run's bound lookups (run.document, run.variable) keep their dicts.
    for current, before in ((run.fields, fields), (run.changes, changes),
                            (run.variables, variables), (run.outputs, outputs),
                            (run.loops, loops)):
        current.clear()
        current.update(before)
    del run.effects[effects:]
    run.seq = seq
    message = failure_message(exc, run)
    run.msg = RECOVERED_PREFIX + message
    return Recovered(message)
