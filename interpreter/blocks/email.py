"""The `email` block: composes a message for the outbox; the engine never sends it itself."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import (
    Behaviour,
    BlockType,
    choice,
    properties,
    recipients,
    text,
    value,
)
from interpreter.recipients import resolve_recipients

_DRY_RUN_CACHE: dict[tuple, list[str]] = {}
_DRY_RUN_CACHE_SIZE = 1024


def recipients_of(values: Any, directory: Any) -> list[str]:
    """Resolved e-mail recipients; without a directory (dry runs) the answer only depends on
    the values, so it is cached: the benchmark runs this for every instance."""
    if directory is not None:
        return resolve_recipients(values, directory)
    for item in values:
        if item.__class__ is not int and item.__class__ is not str:
            return resolve_recipients(values, None)   # e-mail entries, lists: not cached
    key = tuple(values)
    cached = _DRY_RUN_CACHE.get(key)
    if cached is None:
        if len(_DRY_RUN_CACHE) >= _DRY_RUN_CACHE_SIZE:
            _DRY_RUN_CACHE.clear()
        cached = _DRY_RUN_CACHE[key] = resolve_recipients(values, None)
    return list(cached)


def dry_run_recipient(value: Any) -> tuple[list[str], str]:
    """recipients_of([value], None) and the block's log message for them, cached by the value
    itself (the usual single recipient); the list is shared, so the caller copies it."""
    if value.__class__ is not int and value.__class__ is not str:
        resolved = resolve_recipients([value], None)
        return resolved, sent_message(resolved)
    cached = _DRY_RUN_SINGLE.get(value)
    if cached is None:
        if len(_DRY_RUN_SINGLE) >= _DRY_RUN_CACHE_SIZE:
            _DRY_RUN_SINGLE.clear()
        resolved = resolve_recipients([value], None)
        cached = _DRY_RUN_SINGLE[value] = (resolved, sent_message(resolved))
    return cached


def sent_message(shown: list[str]) -> str:
    """The log message of a sent e-mail, naming its recipients."""
    return f"e-mail to {shown[0]}" if len(shown) == 1 else \
        "e-mail to " + ", ".join(map(str, shown))


_DRY_RUN_SINGLE: dict[Any, tuple[list[str], str]] = {}


def compile_recipients(raw: Any, env: Any, *parts: Any) -> Any:
    """Compile a recipients property (a list of values, or one value) to scope -> raw list."""
    if isinstance(raw, list) and len(raw) != 1:
        return env.value(raw, *parts)
    single = env.value(raw[0] if isinstance(raw, list) else raw,
                       *parts, *((0,) if isinstance(raw, list) else ()))
    return lambda scope: [single(scope)]


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    raw_to = props.get("to", [])
    if isinstance(raw_to, list) and len(raw_to) != 1:
        to, one_to, to_code = env.value(raw_to, "to"), None, None
    else:
        # One recipient (the usual "tell the responsible person"): a dry run caches it by value.
        one_to = env.value(raw_to[0], "to", 0) if isinstance(raw_to, list) \
            else env.value(raw_to, "to")
        to = lambda scope: [one_to(scope)]  # noqa: E731
        # "{=Document:ASSIGNED_BY_ID}", the usual recipient: execute reads the field itself,
        # one call fewer per e-mail (the compiled getter has checked the field).
        to_code = getattr(one_to, "field_code", None)
    cc = compile_recipients(props["cc"], env, "cc") if props.get("cc") else None
    sender = env.text(props["from"], "from") if props.get("from") is not None else None
    subject = env.text(props.get("subject", ""), "subject")
    body = env.text(props.get("body", ""), "body")
    body_format = props.get("format", "text")
    node_id = node.id
    id_infix = f".{node_id}."
    id_read = env.output_used("MessageId")

    # The effect's keys in order with the values fixed at load time; each e-mail copies it
    # (a copy is about twice as fast as building the nine-key dict).
    effect_proto = {"kind": "email", "node": node_id, "to": None, "cc": None, "from": None,
                    "subject": None, "body": None, "format": body_format, "message_id": None}

    def execute(run: Any, token: dict[str, Any]) -> str:
        ctx = run.ctx
        directory = ctx.directory
        if one_to is not None and directory is None and cc is None:
            if to_code is not None:
                document = run.document   # a slot read, then the call (specialized in 3.11)
                value = document(to_code)
            else:
                value = one_to(run)
            cls = value.__class__
            cached = _DRY_RUN_SINGLE.get(value) if cls is int or cls is str else None
            to_list, message = cached if cached is not None else dry_run_recipient(value)
            to_list = [*to_list]   # a fresh list (no call, unlike list(to_list))
            cc_list = []
        else:
            to_list = recipients_of(to(run), directory)
            cc_list = recipients_of(cc(run), directory) if cc is not None else []
            message = sent_message(to_list or cc_list)
        if not to_list and not cc_list:
            run.msg = "no recipients: nothing to send"
            return "next"
        effect = effect_proto.copy()
        if ctx.instance_id is not None or id_read:
            run.seq = seq = run.seq + 1
            message_id = f"{ctx.instance_id or 'dry-run'}{id_infix}{seq}"
            run.outputs[node_id] = {"MessageId": message_id}
            effect["message_id"] = message_id
        # else a dry run that never reads the id needs none
        effect["to"] = to_list
        effect["cc"] = cc_list
        if sender is not None:
            effect["from"] = sender(run)
        effect["subject"] = subject(run)
        effect["body"] = body(run)
        run.effects.append(effect)
        run.msg = message
        return "next"

    return Behaviour(execute)


BLOCK = BlockType(
    type="email", title="Send e-mail", group="communication", outputs=("MessageId",),
    description="Writes an e-mail to the outbox; a worker delivers it.",
    properties_schema=properties({
        "to": recipients("To"),
        "cc": recipients("Cc"),
        "from": value("From"),
        "subject": text("Subject", maxLength=10_000),
        "body": text("Body"),
        "format": choice("Format", ["text", "html"], "text"),
    }, required=("to",)),
    compile=_compile,
)
