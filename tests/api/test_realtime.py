"""Socket.IO: only logged-in users connect; record changes and user notifications reach them."""

from __future__ import annotations

from app.realtime import publish, socketio_of
from tests.conftest import ADMIN_TOKEN


def test_anonymous_socket_connections_are_refused(app):
    client = socketio_of(app).test_client(app)
    assert not client.is_connected()


def test_record_events_and_user_notifications_are_delivered(app, api):
    socket = socketio_of(app).test_client(app, auth={"token": ADMIN_TOKEN})
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
    socket = socketio_of(app).test_client(app, flask_test_client=client)
    assert socket.is_connected()
    socket.disconnect()


def test_each_app_keeps_its_own_socket_server_when_another_is_created(app, tmp_path):
    """A second app in the same process (another test's, a CLI's) takes nothing over: the first
    app's browsers still get their acknowledgements and only the first app's events."""
    from app import create_app
    from app.db import get_engine
    from app.services.bootstrap import prepare
    from tests.conftest import ADMIN_PASSWORD, app_config

    browser = app.test_client()
    browser.post("/login", data={"login": "admin", "password": ADMIN_PASSWORD})
    first = socketio_of(app).test_client(app, flask_test_client=browser)
    other = create_app(app_config(f"sqlite:///{tmp_path / 'other.sqlite3'}", tmp_path / "other"))
    try:
        prepare(other)
        assert socketio_of(other) is not socketio_of(app)
        second = socketio_of(other).test_client(other, auth={"token": ADMIN_TOKEN})
        assert first.emit("watch_instance", {"id": 7}, callback=True) == {"ok": True}
        assert second.emit("watch_instance", {"id": 7}, callback=True) == {
            "ok": False, "error": "authentication required"}  # no session in that app
        with app.app_context():
            publish("instance", {"id": 7, "status": "waiting"}, room="instance:7")
        publish("notification", {"text": "from the other app"}, room="user:1", app=other)
        assert [e["args"][0] for e in first.get_received() if e["name"] == "instance"] == [
            {"id": 7, "status": "waiting"}]
        assert [e["name"] for e in first.get_received()] == []
        assert [e["args"][0]["text"] for e in second.get_received()
                if e["name"] == "notification"] == ["from the other app"]
        first.disconnect()
        second.disconnect()
    finally:
        get_engine(other).dispose()
