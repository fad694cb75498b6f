"""Runs a compiled template over a plain-JSON state: tokens, waits, parallel/join, loops, budget."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from interpreter.blocks.definition import (
    END_COMPLETED,
    Branch,
    End,
    Fork,
    Join,
    Recovered,
    Wait,
)
from interpreter.errors import BlockError
from interpreter.fields import FieldValueError

STATE_FORMAT = 1
NEXT = "next"   # the port a block goes on through by default
DEFAULT_STEP_BUDGET = 10_000


class Context:
    """What the host knows about one run step: the document, the instance, the clock, the users."""

    __slots__ = ("document_type", "document", "parameters", "instance_id", "started_by",
                 "started_at", "changed_fields", "directory", "now", "custom_fields", "step_budget")

    def __init__(self, document: Mapping[str, Any] | None = None, *,
                 document_type: str | None = None,
                 parameters: Mapping[str, Any] | None = None,
                 instance_id: Any = None, started_by: Any = None,
                 started_at: datetime | str | None = None,
                 changed_fields: Iterable[str] = frozenset(), directory: Any = None,
                 now: datetime | None = None, custom_fields: Iterable[Any] = (),
                 step_budget: int = DEFAULT_STEP_BUDGET):
        self.document_type = document_type
        self.document = document if document is not None else {}
        self.parameters = parameters if parameters is not None else {}
        self.instance_id = instance_id
        self.started_by = started_by
        self.now = now if now is not None else datetime.now(UTC)
        self.started_at = started_at if started_at is not None else self.now
        self.changed_fields = changed_fields if changed_fields.__class__ is frozenset \
            else frozenset(changed_fields)
        self.directory = directory
        self.custom_fields = custom_fields
        self.step_budget = step_budget


@dataclass(slots=True)
class Step:
    """The outcome of one run step (see docs/ARCHITECTURE.md, interpreter runtime contract)."""

    status: str
    state: dict[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)
    effects: list[dict[str, Any]] = field(default_factory=list)
    waits: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    document: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The step as plain JSON."""
        return {"status": self.status, "state": self.state, "changes": self.changes,
                "effects": self.effects, "waits": self.waits, "log": self.log,
                "error": self.error, "variables": self.variables, "document": self.document,
                "errors": self.errors}


_last_timestamp: tuple[Any, str] = (None, "")


def _timestamp(now: datetime) -> str:
    """`now` as ISO text; runs that share a clock reading (dry runs) share the text too."""
    global _last_timestamp
    cached = _last_timestamp
    if cached[0] is now:
        return cached[1]
    text = now.isoformat()
    _last_timestamp = (now, text)
    return text


class StateError(ValueError):
    """A stored state or a resume event that does not fit the template."""


class _BudgetExhausted(Exception):
    pass


class Run:
    """The mutable working set of one run step; blocks read and write it through these slots.

    It is also the expressions' `Scope` (interpreter.expressions): compiled values and
    conditions are called with the run itself, so a step builds no separate scope object.
    """

    __slots__ = ("tpl", "ctx", "fields", "changes", "effects", "variables", "_outputs", "_loops",
                 "tokens", "seq", "at", "msg", "log", "budget", "node", "status", "error",
                 "errors", "document", "variable", "changed_fields")

    def __init__(self, tpl: Any, ctx: Context, state: dict[str, Any] | None,
                 document: Mapping[str, Any] | None = None):
        """A run over `state`, or over a fresh instance (one token on the start block).

        `document` replaces `ctx.document` (dry runs share one Context between documents); the
        run takes it over and changes it, where `ctx.document` is copied first.
        """
        self.tpl = tpl
        self.ctx = ctx
        self.fields = fields = dict(ctx.document) if document is None else document
        self.changes: dict[str, Any] = {}
        self.effects: list[dict[str, Any]] = []
        if state is None:
            self.variables = variables = tpl.variable_defaults.copy()
            if variables:   # without variables the template compiled no variable read
                self.variable = variables.get
            self._outputs: dict[str, dict[str, Any]] | None = None   # made when first used
            self._loops: dict[str, int] | None = None
            token = _TOKEN.copy()   # a copy is cheaper than building the dict
            token["node"] = tpl.start.id
            token["forks"] = []
            self.tokens: list[dict[str, Any]] = [token]
            self.seq: int = 1
        else:
            self.variables = variables = state["variables"]
            self.variable = variables.get
            self._outputs = state["outputs"]
            self._loops = state["loops"]
            self.tokens = state["tokens"]
            self.seq = state["seq"]
        cached = _last_timestamp
        self.at = cached[1] if cached[0] is ctx.now else _timestamp(ctx.now)
        self.msg = ""
        self.log: list[dict[str, Any]] = []
        self.budget = ctx.step_budget
        self.node: Any = None
        self.status = "running"
        self.error: dict[str, Any] | None = None
        self.errors: list[dict[str, Any]] | tuple = ()   # a list once an on_error block fails
        # The Scope protocol: bound lookups (run.variable above), so a read is one call (parameters
        # and users, read far less often, are methods below: no bound lookup made per run).
        self.document = fields.get
        self.changed_fields = ctx.changed_fields

    # Most runs never produce an output or enter a loop: those dicts are made on first use.
    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        """Results of the blocks that ran, by node id."""
        if self._outputs is None:
            self._outputs = {}
        return self._outputs

    @property
    def loops(self) -> dict[str, int]:
        """Iterations done, by loop node id."""
        if self._loops is None:
            self._loops = {}
        return self._loops

    def parameter(self, key: str) -> Any:
        """A start parameter's value."""
        return self.ctx.parameters.get(key)

    def user(self, user_id: Any) -> dict[str, Any] | None:
        """A user of the host's directory; None without one (dry runs)."""
        directory = self.ctx.directory
        return directory.user(user_id) if directory is not None else None

    def next_seq(self) -> int:
        """A number unique within the instance (token ids, fork ids, message ids)."""
        self.seq += 1
        return self.seq

    def set_field(self, code: str, value: Any) -> None:
        """Change one document field; only real changes are reported in `changes`."""
        if self.fields.get(code, None) != value or code in self.changes:
            self.changes[code] = value
        self.fields[code] = value

    def state(self) -> dict[str, Any]:
        """The plain-JSON state after this step."""
        return {"format": STATE_FORMAT, "status": self.status, "seq": self.seq,
                "tokens": self.tokens, "variables": self.variables, "outputs": self.outputs,
                "loops": self.loops}

    def block_output(self, node: str, output: str) -> Any:
        """A result of an earlier block; KeyError when that block has not produced it."""
        return self.outputs[node][output]

    def instance(self, key: str) -> Any:
        """{=Instance:ID}, {=Instance:STARTED_BY}, {=Instance:STARTED_AT}."""
        ctx = self.ctx
        if key == "ID":
            return ctx.instance_id
        if key == "STARTED_BY":
            return ctx.started_by
        if key == "STARTED_AT":
            started = ctx.started_at
            return started.isoformat() if isinstance(started, datetime) else started
        raise KeyError(key)

    def now(self) -> datetime:
        """The step's clock."""
        return self.ctx.now


# A fresh run's first token, copied (cheaper than building it): node and forks are set per run.
_TOKEN = {"id": 1, "node": None, "forks": None, "wait": None, "join": None}


def initial_state(tpl: Any) -> dict[str, Any]:
    """A fresh state: one token on the start block, variables at their defaults."""
    return {"format": STATE_FORMAT, "status": "running", "seq": 1,
            "tokens": [{"id": 1, "node": tpl.start.id, "forks": [], "wait": None, "join": None}],
            "variables": dict(tpl.variable_defaults), "outputs": {}, "loops": {}}


def start(tpl: Any, ctx: Context) -> Step:
    """Run a new instance from its start block until it ends or every token waits."""
    run = start_run(tpl, ctx)
    if run.error is not None:
        return _failed_step(run, initial_state(tpl))
    return step_of(run)


def start_run(tpl: Any, ctx: Context, document: Mapping[str, Any] | None = None) -> Run:
    """start() without building a Step: the finished Run itself (the dry run's fast path).

    On failure `run.error` is set and `run.changes`/`run.effects` are emptied; a `document`
    passed here may have been changed by the failed run (the caller holds the original).
    """
    run = Run(tpl, ctx, None, document)
    try:
        _drive(run, [(run.tokens[0], tpl.start)])
    except Exception as exc:  # noqa: BLE001 - every block failure becomes a failed step
        _fail(run, exc)
        run.variables = dict(tpl.variable_defaults)
        if document is None:
            run.fields = dict(ctx.document)
        return run
    if run.status != "terminated":
        run.status = "waiting" if run.tokens else "completed"
    return run


def resume(tpl: Any, state: Mapping[str, Any], ctx: Context,
           event: Mapping[str, Any] | None = None) -> Step:
    """Continue a stored state: answer one token's wait with `event`, then run every ready token.

    `event` is `{"token": id, "data": {...}}`; without it, tokens that do not wait (a state saved
    by a failed step) simply run again, which is how a failed instance is retried.
    """
    before = _checked_state(tpl, state)
    working = copy_state(before)
    run = Run(tpl, ctx, working)
    try:
        queue = []
        answered = None
        if event is not None:
            answered = _answer(run, event)
        for token in run.tokens:
            if token is answered or token["wait"] is not None or token["join"] is not None:
                continue
            queue.append((token, tpl.nodes_by_id[token["node"]]))
        queue.reverse()
        if answered is not None:
            queue.append(answered_item(run, answered, event))
        _drive(run, queue)
    except StateError:
        raise
    except Exception as exc:  # noqa: BLE001 - every block failure becomes a failed step
        _fail(run, exc)
        run.fields = dict(ctx.document)
        return _failed_step(run, copy_state(before))
    if run.status != "terminated":
        run.status = "waiting" if run.tokens else "completed"
    return step_of(run)


def answered_item(run: Run, token: dict[str, Any], event: Mapping[str, Any]) -> tuple:
    """The queue item that continues a token from the block that just got its answer."""
    node = run.tpl.nodes_by_id[token["node"]]
    if node.resume is None:
        raise StateError(f"block {node.id!r} ({node.type}) does not wait for an answer")
    data = event.get("data") or {}
    if not isinstance(data, Mapping):
        raise StateError("event data must be an object")
    return (token, node, data)


def _answer(run: Run, event: Mapping[str, Any]) -> dict[str, Any]:
    token_id = event.get("token") if isinstance(event, Mapping) else None
    for token in run.tokens:
        if token["id"] == token_id:
            if token["wait"] is None:
                raise StateError(f"token {token_id} is not waiting")
            return token
    raise StateError(f"no waiting token {token_id!r} in this state")


def copy_state(value: Any) -> Any:
    """A copy of a JSON state: its dicts and lists are new, everything else is immutable.

    About six times faster than copy.deepcopy, which keeps a memo for shared and cyclic
    objects that JSON cannot have; every resume copies the stored state once.
    """
    kind = type(value)
    if kind is dict:
        return {key: copy_state(item) for key, item in value.items()}
    if kind is list:
        return [copy_state(item) for item in value]
    return value


def _checked_state(tpl: Any, state: Any) -> dict[str, Any]:
    if not isinstance(state, Mapping) or state.get("format") != STATE_FORMAT:
        raise StateError("not a bizflow interpreter state (format 1)")
    for key, kind in (("tokens", list), ("variables", dict), ("outputs", dict), ("loops", dict)):
        if not isinstance(state.get(key), kind):
            raise StateError(f"state: {key} must be a {kind.__name__}")
    if not isinstance(state.get("seq"), int):
        raise StateError("state: seq must be an integer")
    for token in state["tokens"]:
        if not isinstance(token, Mapping) or token.get("node") not in tpl.nodes_by_id:
            raise StateError(f"state: token {token!r} is on a block this template does not have")
    return dict(state)


def _drive(run: Run, queue: list[tuple]) -> None:
    """Run queued tokens one after the other until each ends, waits or joins."""
    log = run.log   # log.append(...) is specialized inline by CPython; a bound append is not
    at = run.at
    budget = run.budget
    node = None
    try:
        while queue:
            item = queue.pop()
            token, node = item[0], item[1]
            if len(item) == 3:
                # The token's block got the host's answer: its resume decides where to go.
                run.budget = budget
                out = _execute(run, node, token, item[2])
                budget = run.budget
                token["wait"] = None
                node = _following(run, node, token, out, queue)
                if node is None:
                    continue   # (a terminated instance has emptied the queue)
            while True:   # node is never None here: each way on tests it, or breaks
                if budget <= 0:
                    raise _BudgetExhausted()
                budget -= 1
                # Copying a prototype entry is about twice as fast as building the dict (dry
                # runs share one clock text); it holds the message of a fixed outcome.
                # (clock text, entry) is replaced as one: threads sharing a template see
                # either pair whole.
                cached = node.log_entry
                if cached[0] is not at:
                    cached = node.log_entry = (at, {"at": at, "node": node.id,
                                                    "type": node.type, "message": node.message})
                entry = cached[1].copy()
                execute = node.execute   # a slot read specializes, a method-style call does not
                if execute is not None:
                    out = execute(run, token)
                    entry["message"] = run.msg   # every block sets run.msg each time it runs
                else:
                    out = node.outcome   # start, end: nothing to call
                log.append(entry)
                if out is NEXT:
                    # The usual outcome, by identity (the literal is interned); any other
                    # equal string takes the general way below with the same result.
                    following = node.next
                    if following is not None:
                        node = following
                        continue
                elif type(out) is Branch:   # type(): outcomes of several classes reach here
                    entry["message"] = out.message   # an if/else condition's branch
                    following = node.targets.get(out.port)
                    if following is not None:
                        node = following
                        continue
                elif out.__class__ is str:
                    following = node.targets.get(out)   # another block's port
                    if following is not None:
                        node = following
                        continue
                if out is END_COMPLETED and not token["forks"] and run.tokens[-1] is token:
                    run.tokens.pop()   # the common end of a path: no join to tell
                    break
                node = _following(run, node, token, out, queue)
                if node is None:
                    break
            if run.status == "terminated":
                return
    except BaseException:
        run.node = node   # the failing block, for the step's error
        raise
    finally:
        run.budget = budget


def _following(run: Run, node: Any, token: dict[str, Any], out: Any, queue: list) -> Any:
    """The block a token goes on to after `node` gave `out`; None when the token stops here."""
    if out.__class__ is Branch:
        out = out.port
    if out.__class__ is str:
        following = node.targets.get(out)
        if following is None:
            if not token["forks"] and run.tokens[-1] is token:
                run.tokens.pop()   # the common end of a path: no join to tell
            else:
                _end_token(run, token, queue)
        return following
    if out is END_COMPLETED and not token["forks"] and run.tokens[-1] is token:
        run.tokens.pop()
        return None
    if _special(run, node, token, out, queue):
        return None
    following = node.next
    if following is None:
        _end_token(run, token, queue)
    return following


def _execute(run: Run, node: Any, token: dict[str, Any], data: Mapping[str, Any]) -> Any:
    if run.budget <= 0:
        raise _BudgetExhausted()
    run.budget -= 1
    out = node.resume(run, token, data)
    run.log.append({"at": run.at, "node": node.id, "type": node.type,
                    "message": run.msg or "continued"})
    run.msg = ""
    return out


def _special(run: Run, node: Any, token: dict[str, Any], out: Any, queue: list) -> bool:
    """Handle a non-port outcome; True when the token stops here (waits, ends, splits, joins)."""
    kind = out.__class__
    if kind is Wait:
        token["node"] = node.id
        token["wait"] = {"kind": out.kind, "request": out.request}
        return True
    if kind is End:
        if out.status == "terminated":
            run.tokens.clear()
            queue.clear()
            run.status = "terminated"
        else:
            _end_token(run, token, queue)
        return True
    if kind is Fork:
        _remove(run, token)
        fork = [run.next_seq(), node.id]
        started = []
        for port in out.ports:
            target = node.targets.get(port)
            if target is None:
                continue
            child = {"id": run.next_seq(), "node": target.id,
                     "forks": [*token["forks"], fork], "wait": None, "join": None}
            run.tokens.append(child)
            started.append((child, target))
        queue.extend(reversed(started))
        return True
    if kind is Join:
        return _arrive(run, node, token, queue)
    if kind is Recovered:
        # on_error "continue": the failure is logged and reported, then the token goes on
        # through `next` (a block without a connected `next` ends that path).
        run.log[-1]["error"] = out.message
        if not run.errors:
            run.errors = []
        run.errors.append({"node": node.id, "message": out.message})
        return False
    raise BlockError(f"block returned an unknown outcome {out!r}")


def _arrive(run: Run, node: Any, token: dict[str, Any], queue: list) -> bool:
    forks = token["forks"]
    position = None
    for index in range(len(forks) - 1, -1, -1):
        if forks[index][1] == node.parallel:
            position = index
            break
    if position is None:
        # Reached without passing through its parallel (e.g. a loop re-entry): nothing to wait for.
        return False
    token["node"] = node.id
    token["join"] = forks[position][0]
    _maybe_fire(run, forks[position][0], queue)
    return True


def _maybe_fire(run: Run, fork_id: int, queue: list) -> None:
    parked = []
    for other in run.tokens:
        if any(entry[0] == fork_id for entry in other["forks"]):
            if other["join"] != fork_id:
                return
            parked.append(other)
    if not parked:
        return
    join_node = run.tpl.nodes_by_id[parked[0]["node"]]
    for other in parked:
        _remove(run, other)
    forks = parked[0]["forks"]
    position = next(i for i, entry in enumerate(forks) if entry[0] == fork_id)
    merged = {"id": run.next_seq(), "node": join_node.id, "forks": forks[:position],
              "wait": None, "join": None}
    run.tokens.append(merged)
    target = join_node.targets.get("next")
    if target is None:
        _end_token(run, merged, queue)
    else:
        merged["node"] = target.id
        queue.append((merged, target))


def _end_token(run: Run, token: dict[str, Any], queue: list) -> None:
    _remove(run, token)
    if token["forks"]:
        for fork_id, _parallel in reversed(token["forks"]):
            _maybe_fire(run, fork_id, queue)


def _remove(run: Run, token: dict[str, Any]) -> None:
    tokens = run.tokens
    if tokens and tokens[-1] is token:
        tokens.pop()
        return
    for index, other in enumerate(tokens):
        if other is token:
            del tokens[index]
            return


def step_of(run: Run) -> Step:
    """The Step of a finished (not failed) run."""
    waits = [{"token": t["id"], "node": t["node"], "kind": t["wait"]["kind"],
              "request": t["wait"]["request"]} for t in run.tokens if t["wait"] is not None]
    return Step(run.status, run.state(), run.changes, run.effects, waits, run.log, None,
                run.variables, run.fields, list(run.errors))


def _fail(run: Run, exc: Exception) -> None:
    node_id = run.node.id if run.node is not None else None
    message = failure_message(exc, run)
    run.log.append({"at": run.at, "node": node_id,
                    "type": run.node.type if run.node is not None else None, "message": message})
    run.status = "failed"
    run.error = {"node": node_id, "message": message}
    # Nothing of a failed step takes effect: the host commits no change and sends nothing.
    run.changes = {}
    run.effects = []


def _failed_step(run: Run, before: dict[str, Any]) -> Step:
    """The failed step: the state as it was before the step, so a retry can run it again."""
    before["status"] = "failed"
    return Step("failed", before, {}, [], [], run.log, run.error, before["variables"],
                run.fields)


def failure_message(exc: Exception, run: Run) -> str:
    """A clear one-line message for a block failure."""
    if isinstance(exc, _BudgetExhausted):
        return (f"step budget exhausted: more than {run.ctx.step_budget} blocks ran in one step "
                "(a loop that never ends?)")
    if isinstance(exc, BlockError | FieldValueError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "the process nests too deeply"
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, ValueError | TypeError | ArithmeticError | KeyError | LookupError):
        return text
    return f"{exc.__class__.__name__}: {text}"
