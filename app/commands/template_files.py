"""`bizflow validate` and `bizflow run`: template files checked and dry-run offline, no database."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

MAX_FILE_BYTES = 1024 * 1024 + 64 * 1024  # the 1 MiB template limit, plus formatting slack


class InputError(Exception):
    """A file or argument that cannot be read; the message names it."""


def _read_json(path: str, what: str) -> Any:
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{what} is {size} bytes; the limit is 1 MiB of JSON")
        text = file.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} "
                         f"column {exc.colno}") from None
    except RecursionError:
        raise InputError(f"{what} is nested too deeply") from None


def error_line(file: str, error: dict[str, Any]) -> str:
    """`FILE: node ID: message`; an error that belongs to no block prints `node -`."""
    message = error["message"]
    if error.get("path"):
        message = f"{message} (at {error['path']})"
    return f"{file}: node {error.get('node') or '-'}: {message}"


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate_command(files: tuple[str, ...]) -> None:
    """Check template files; print one line per error and exit 1 if any is invalid."""
    from interpreter import TemplateError, load_template

    failed = False
    for file in files:
        try:
            load_template(_read_json(file, "the file"))
        except InputError as exc:
            click.echo(f"{file}: node -: {exc}")
            failed = True
        except TemplateError as exc:
            for error in exc.errors:
                click.echo(error_line(file, error))
            failed = True
    raise SystemExit(1 if failed else 0)


def _document_arg(value: str) -> Any:
    text = value.strip()
    if text.startswith("{") or not os.path.exists(value):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if text.startswith("{"):
                raise InputError(f"--document is not valid JSON: {exc.msg} at column "
                                 f"{exc.colno}") from None
            raise InputError(f"--document: no such file {value!r} (and not JSON text)") from None
    return _read_json(value, f"document file {value}")


def _param_args(pairs: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param {pair!r}: expected KEY=VALUE")
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw
    return params


def _failure(message: str, node: str | None = None, fields: Any = None) -> dict[str, Any]:
    return {"status": "failed", "document": fields if isinstance(fields, dict) else {},
            "changes": {}, "emails": [], "notifications": [], "variables": {}, "log": [],
            "error": {"node": node, "message": message}}


@click.command("run")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--document", "document", required=True, metavar="JSON_OR_FILE",
              help="The document's fields: JSON text or a JSON file.")
@click.option("--param", "params", multiple=True, metavar="K=V",
              help="A start parameter (VALUE is read as JSON when it parses, else as text).")
@click.option("--type", "document_type", default=None,
              help="The document's type; must be the template's document_type.")
def run_command(file: str, document: str, params: tuple[str, ...],
                document_type: str | None) -> None:
    """Dry-run a template on a document: nothing is stored or sent; prints one JSON object."""
    from interpreter import TemplateError, load_template, run

    exit_code = 0
    fields: Any = None
    try:
        fields = _document_arg(document)
        if isinstance(fields, dict) and isinstance(fields.get("fields"), dict):
            document_type = document_type or fields.get("type")
            fields = fields["fields"]
        if not isinstance(fields, dict):
            raise InputError("--document must be a JSON object of fields")
        parameters = _param_args(params)
        tpl = load_template(_read_json(file, "the template file"))
        if document_type is not None and document_type != tpl.document_type:
            raise InputError(f"--type {document_type}: this template runs on a "
                             f"{tpl.document_type}")
        result = run(tpl, fields, parameters)
    except InputError as exc:
        result, exit_code = _failure(str(exc), fields=fields), 1
    except TemplateError as exc:
        for error in exc.errors:
            click.echo(error_line(file, error), err=True)
        first = exc.errors[0]
        result = _failure("invalid template: " + "; ".join(e["message"] for e in exc.errors),
                          first.get("node"), fields)
        exit_code = 1
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    raise SystemExit(exit_code)


commands = [validate_command, run_command]
