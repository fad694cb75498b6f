"""The `bizflow` console script: a Flask CLI group that builds the app only when needed."""

from __future__ import annotations

import importlib

import click
from flask.cli import FlaskGroup

# Command name -> the module under app.commands that defines it. Modules are imported only
# for the command that runs, so `bizflow validate` does not pay for the server's imports.
COMMAND_MODULES = {
    "validate": "template_files",
    "run": "template_files",
    "serve": "server",
    "db": "server",
    "users": "server",
    "export": "transfer",
    "import": "transfer",
    "worker": "durable",
}


def _create_app():
    from app import create_app

    return create_app()


class BizflowGroup(FlaskGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(name)
        if module_name is None:
            return None
        module = importlib.import_module(f"app.commands.{module_name}")
        return next((c for c in module.commands if c.name == name), None)


cli = BizflowGroup(
    name="bizflow",
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    help="Bizflow: CRM business processes, robots and triggers.",
)


def main() -> None:
    cli.main(prog_name="bizflow")
