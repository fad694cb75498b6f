"""Socket.IO for live updates (instance progress, record changes); Redis links processes.

Each app has its own Socket.IO server (in app.extensions, see `socketio_of`): several apps in
one process (tests, a CLI next to a server) never take over each other's connections or
acknowledgements. Event handlers are registered per server: the connect check here, others by
the blueprint that owns them (`on_event` when the blueprint is registered on the app).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_socketio import SocketIO, join_room

from app.auth import current_user

log = logging.getLogger(__name__)

_EXTENSION = "socketio"  # where Flask-SocketIO's init_app puts the server


def init_app(app: Flask) -> SocketIO:
    """Give `app` its Socket.IO server: threading mode; a Redis message queue when REDIS_URL is
    set (events published by any process reach the browsers of every web process).

    Under waitress (`bizflow serve`) clients use HTTP long-polling; the transport upgrade to
    WebSocket needs a server with WebSocket support.
    """
    server = SocketIO(app, async_mode="threading", message_queue=app.config.get("REDIS_URL"),
                      logger=False, engineio_logger=False)
    server.on_event("connect", _on_connect)
    return server


def socketio_of(app: Flask | None = None) -> SocketIO:
    """The Socket.IO server of `app` (default: the current app)."""
    if app is None:
        if not has_app_context():
            raise RuntimeError("no app: pass one or call inside its app context")
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    server = app.extensions.get(_EXTENSION)
    if server is None:
        raise RuntimeError("this app has no Socket.IO server (app.realtime.init_app)")
    return server


def on_event(app: Flask, event: str, handler: Any) -> None:
    """Handle the Socket.IO event `event` from `app`'s browsers with `handler`."""
    socketio_of(app).on_event(event, handler)


def _on_connect(auth: Any = None) -> bool:
    """Only logged-in users connect (session cookie, Bearer header or `auth: {token}`);
    each joins the room `user:<id>` that notifications are sent to."""
    token = auth.get("token") if isinstance(auth, dict) else None
    user = current_user(token if isinstance(token, str) and token else None)
    if user is None:
        return False
    join_room(f"user:{user.id}")
    return True


def publish(event: str, payload: dict[str, Any], room: str | None = None,
            app: Flask | None = None) -> None:
    """Send an event to browsers through `app`'s server (default: the current app's); call it
    after the transaction that caused it has committed.

    Delivery is best effort: a failure is logged and never undoes the committed change.
    """
    try:
        socketio_of(app).emit(event, payload, to=room)
    except Exception:  # live updates must never break the caller
        log.warning("could not publish %s", event, exc_info=True)
