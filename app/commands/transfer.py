"""`bizflow export ID [-o FILE]` and `bizflow import FILE...`: templates as JSON files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("export")
@click.argument("template_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@with_appcontext
def export_command(template_id: int, output: str | None) -> None:
    """Write the current version of template ID as JSON."""
    from app.api.errors import ApiError
    from app.db import read_transaction
    from app.services.templates import get_template, template_body

    try:
        with read_transaction(current_app) as session:
            body = template_body(session, get_template(session, template_id))
    except ApiError as error:
        raise click.ClickException(error.message) from None
    text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"template {template_id} written to {output}", err=True)
    else:
        sys.stdout.write(text)


@click.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True))
@with_appcontext
def import_command(files: tuple[str, ...]) -> None:
    """Import template files (each becomes a new, enabled template); exit 1 if any fails."""
    from app.api.errors import ApiError
    from app.db import transaction
    from app.services import autostart  # noqa: F401  (auto-start listeners, as in serve)
    from app.services.templates import create_template

    failed = False
    for name in files:
        try:
            body = json.loads(Path(name).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            click.echo(f"{name}: not a JSON document ({error})", err=True)
            failed = True
            continue
        try:
            with transaction(current_app) as session:
                template = create_template(session, body, None)
        except ApiError as error:
            failed = True
            for detail in error.details or [{"node": None, "message": error.message}]:
                node = detail.get("node") if isinstance(detail, dict) else None
                message = detail.get("message") if isinstance(detail, dict) else str(detail)
                where = f"node {node}: " if node else ""
                click.echo(f"{name}: {where}{message}", err=True)
            continue
        click.echo(f"{name}: imported as template {template.id} (version {template.version})")
    if failed:
        sys.exit(1)


commands = [export_command, import_command]
