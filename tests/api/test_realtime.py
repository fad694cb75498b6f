"""Socket.IO: only logged-in users connect; record changes and user notifications reach them."""

from __future__ import annotations

from app.realtime import publish, socketio
from tests.conftest import ADMIN_TOKEN


def test_anonymous_socket_connections_are_refused(app):
    client = socketio.test_client(app)
    assert not client.is_connected()


def test_record_events_and_user_notifications_are_delivered(app, api):
    socket = socketio.test_client(app, auth={"token": ADMIN_TOKEN})
    assert socket.is_connected()
    lead = api.post("/leads", {"fields": {"TITLE": "live"}}).get_json()
    admin_id = lead["fields"]["CREATED_BY_ID"]
    with app.app_context():
        publish("notification", {"text": "hello"}, room=f"user:{admin_id}")
        publish("notification", {"text": "not for you"}, room="user:999999")
    received = socket.get_received()
    assert {"name": "record.created", "args": [{"type": "lead", "id": lead["id"]}],
            "namespace": "/"} in received
    notes = [event["args"][0]["text"] for event in received if event["name"] == "notification"]
    assert notes == ["hello"]
    socket.disconnect()


def test_a_session_login_also_connects(app, client):
    from tests.conftest import ADMIN_PASSWORD

    client.post("/login", data={"login": "admin", "password": ADMIN_PASSWORD})
    socket = socketio.test_client(app, flask_test_client=client)
    assert socket.is_connected()
    socket.disconnect()
