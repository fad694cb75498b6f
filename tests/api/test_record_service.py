"""The records service: listeners see exactly what changed, who changed it, and concurrent
changes of different fields both survive."""

from __future__ import annotations

import threading

import pytest

from app.db import transaction
from app.services import record_events
from app.services.record_events import Origin
from app.services.records import create_record, require_record, update_record

pytestmark = pytest.mark.both_databases


@pytest.fixture
def seen(monkeypatch):
    calls: list[tuple[str, dict, object]] = []

    def created(session, record, changes, actor, origin):
        calls.append(("created", dict(changes), origin))
        return [1000 + record.id]

    def updated(session, record, changes, actor, origin):
        calls.append(("updated", dict(changes), origin))
        return []

    monkeypatch.setattr(record_events, "_created", [created])
    monkeypatch.setattr(record_events, "_updated", [updated])
    return calls


def test_listeners_get_the_changes_and_the_origin(app, seen):
    with app.app_context(), transaction(app) as session:
        record = create_record(session, "contact", {"NAME": "Linh", "POST": None}, None,
                               Origin("import"))
        assert record.started_instances == [1000 + record.id]
        changes = update_record(session, record, {"NAME": "Linh", "POST": "CEO"}, None,
                                Origin.process(7))
        assert changes == {"POST": "CEO"}
        assert update_record(session, record, {"POST": "CEO"}, None, Origin.user(1)) == {}
        update_record(session, record, {"POST": None}, None, Origin.user(1))
        assert "POST" not in record.fields
    assert seen == [("created", {"NAME": "Linh"}, Origin("import")),
                    ("updated", {"POST": "CEO"}, Origin("process", 7)),
                    ("updated", {"POST": None}, Origin("user", 1))]


def test_a_failing_listener_rolls_the_record_back(app, monkeypatch):
    def refuse(session, record, changes, actor, origin):
        raise RuntimeError("listener failed")

    monkeypatch.setattr(record_events, "_created", [refuse])
    with pytest.raises(RuntimeError), app.app_context(), transaction(app) as session:
        create_record(session, "lead", {"TITLE": "gone"}, None, Origin("import"))
    client = app.test_client()
    from tests.conftest import ADMIN_TOKEN

    listing = client.get("/api/v1/leads", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert listing.get_json()["total"] == 0


def test_concurrent_changes_of_different_fields_both_take_effect(app):
    with app.app_context(), transaction(app) as session:
        record_id = create_record(session, "deal", {"TITLE": "t"}, None, Origin("import")).id
    rounds = 25
    errors: list[BaseException] = []

    def writer(field: str) -> None:
        try:
            with app.app_context():
                for value in range(1, rounds + 1):
                    with transaction(app) as session:
                        record = require_record(session, "deal", record_id, for_update=True)
                        update_record(session, record, {field: value}, None, Origin.user(None))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(field,))
               for field in ("OPPORTUNITY", "PROBABILITY")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context(), transaction(app) as session:
        record = require_record(session, "deal", record_id)
        assert (record.fields["OPPORTUNITY"], record.fields["PROBABILITY"]) == (rounds, rounds)
        assert record.version == 1 + 2 * rounds
