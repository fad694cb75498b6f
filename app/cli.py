"""The `bizflow` console script: a Flask CLI group that builds the app only when needed."""

from flask.cli import FlaskGroup

from app.commands import durable, server, template_files, transfer


def _create_app():
    from app import create_app

    return create_app()


cli = FlaskGroup(
    name="bizflow",
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    help="Bizflow: CRM business processes, robots and triggers.",
)
for module in (template_files, server, transfer, durable):
    for command in module.commands:
        cli.add_command(command)


def main() -> None:
    cli.main(prog_name="bizflow")
