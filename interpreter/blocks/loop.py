"""The `loop` block: runs its body while a condition holds, at most `max_iterations` times."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, condition, properties

DEFAULT_MAX_ITERATIONS = 100


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    holds = env.condition(props.get("while"), "while")
    limit = props.get("max_iterations", DEFAULT_MAX_ITERATIONS)
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> str:
        loops = run.loops
        done = loops.get(node_id, 0)
        if done >= limit:
            run.msg = f"stopped after max_iterations ({limit})"
        elif holds(run):
            loops[node_id] = done + 1
            run.outputs[node_id] = {"Iteration": done + 1}
            run.msg = f"iteration {done + 1}"
            return "body"
        else:
            run.msg = f"condition no longer holds after {done} iteration(s)"
        # Reset so that an enclosing loop can run this one again from the start.
        loops.pop(node_id, None)
        return "done"

    return Behaviour(execute)


BLOCK = BlockType(
    type="loop", title="Loop", group="flow", ports=("body", "done"), outputs=("Iteration",),
    role="loop",
    description="Repeats the body while the condition holds (empty condition: always), "
                "then goes on through 'done'.",
    properties_schema=properties({
        "while": condition("While"),
        "max_iterations": {"title": "At most this many times", "type": "integer",
                           "minimum": 1, "maximum": 1_000_000,
                           "default": DEFAULT_MAX_ITERATIONS},
    }),
    compile=_compile,
)
