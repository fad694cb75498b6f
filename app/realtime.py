"""Socket.IO for live updates (instance progress, record changes); Redis links processes."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_socketio import SocketIO, join_room

from app.auth import current_user

log = logging.getLogger(__name__)

socketio = SocketIO()


def init_app(app: Flask) -> None:
    """Attach Socket.IO to `app`: threading mode; a Redis message queue when REDIS_URL is set.

    Under waitress (`bizflow serve`) clients use HTTP long-polling; the transport upgrade to
    WebSocket needs a server with WebSocket support.
    """
    socketio.init_app(app, async_mode="threading", message_queue=app.config.get("REDIS_URL"),
                      logger=False, engineio_logger=False)


@socketio.on("connect")
def _on_connect(auth: Any = None) -> bool:
    """Only logged-in users connect (session cookie, Bearer header or `auth: {token}`);
    each joins the room `user:<id>` that notifications are sent to."""
    token = auth.get("token") if isinstance(auth, dict) else None
    user = current_user(token if isinstance(token, str) and token else None)
    if user is None:
        return False
    join_room(f"user:{user.id}")
    return True


def publish(event: str, payload: dict[str, Any], room: str | None = None) -> None:
    """Send an event to browsers; call it after the transaction that caused it has committed.

    Delivery is best effort: a failure is logged and never undoes the committed change.
    """
    try:
        socketio.emit(event, payload, to=room)
    except Exception:  # live updates must never break the caller
        log.warning("could not publish %s", event, exc_info=True)
