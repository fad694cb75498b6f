"""`bizflow serve` (the whole product on waitress), `bizflow db upgrade`, `bizflow users ...`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from app.db import get_engine, transaction
from app.migrations import upgrade_database


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="TCP port.")
@click.option("--demo", is_flag=True, help="Load sample users, records and templates.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
@with_appcontext
def serve(host: str, port: int, demo: bool, threads: int) -> None:
    """Run Bizflow: web UI, API, Socket.IO (long-polling) and the embedded worker."""
    from flask import current_app
    from waitress import create_server

    from app.services.bootstrap import prepare
    from app.services.demo import DEMO_PASSWORD, load_demo
    from app.worker import start_embedded

    app = current_app._get_current_object()
    first = prepare(app)
    demo_logins: list[str] = []
    if demo:
        with transaction(app) as session:
            demo_logins = load_demo(session)
    start_embedded(app)  # outbox delivery and due timers, in threads of this process
    server = create_server(app, host=host, port=port, threads=threads)
    # Webhooks refuse this port on local addresses (app.services.webhooks.refusal).
    app.config.setdefault("SERVER_PORTS", []).append(server.effective_port)
    url = f"http://{host}:{server.effective_port}"
    click.echo(f"Bizflow is running on {url}/  (database: {_safe_url(app)})")
    click.echo(f"Log in at {url}/login as '{first.login}'", nl=False)
    if first.generated_password:
        click.echo(f" with the password {first.generated_password}")
        click.echo("  (generated now and shown only once; set BIZFLOW_ADMIN_PASSWORD to choose)")
    else:
        click.echo(" with the password from BIZFLOW_ADMIN_PASSWORD or the one shown at first"
                   " start (`bizflow users set-password admin` sets a new one)")
    if demo_logins:
        click.echo(f"Demo users: {', '.join(demo_logins)} (password: {DEMO_PASSWORD})")
    click.echo(f"API: {url}/api/v1/ (OpenAPI at {url}/api/v1/openapi.json). Ctrl+C stops.")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Stopped.")


def _safe_url(app: Flask) -> str:
    return get_engine(app).url.render_as_string(hide_password=True)


@click.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or migrate the database to the current schema."""
    from flask import current_app

    upgrade_database(get_engine(current_app))
    click.echo(f"Database is up to date: {_safe_url(current_app)}")


@click.group("users")
def users_group() -> None:
    """User administration from the server's shell."""


def _user_by_login(session, login: str):
    from sqlalchemy import func, select

    from app.models.users import User

    user = session.scalar(select(User).where(func.lower(User.login) == login.lower()))
    if user is None:
        raise click.ClickException(f"no user with the login {login!r}")
    return user


@users_group.command("set-password")
@click.argument("login")
@click.option("--password", help="The new password (default: a generated one, printed).")
@with_appcontext
def users_set_password(login: str, password: str | None) -> None:
    """Set a user's password (e.g. when the admin's first password is lost)."""
    import secrets

    from flask import current_app

    from app.api.errors import ApiError
    from app.services.users import update_user

    new_password = password or secrets.token_urlsafe(12)
    with transaction(current_app) as session:
        try:
            update_user(session, _user_by_login(session, login), password=new_password)
        except ApiError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"Password of {login} set" + ("." if password else f": {new_password}"))


@users_group.command("token")
@click.argument("login")
@click.option("--name", default="cli", show_default=True, help="A label for the token.")
@with_appcontext
def users_token(login: str, name: str) -> None:
    """Issue a new API token for a user and print it (it is stored only as a hash)."""
    from flask import current_app

    from app.services.users import issue_token

    with transaction(current_app) as session:
        token = issue_token(session, _user_by_login(session, login), name)
    click.echo(token)


commands = [serve, db_group, users_group]
