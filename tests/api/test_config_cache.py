"""Configuration the record service caches is seen at once after any change, from anywhere.

Two apps on one database stand for two `bizflow serve` processes; a plain engine stands for
an admin with psql.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text

from tests.api.conftest import Api
from tests.api.test_autostart_api import create_template, flow, modify

pytestmark = pytest.mark.both_databases


@pytest.fixture
def other(database_url, tmp_path, admin_headers):
    """A second app on the same database, as another server process."""
    from app import create_app
    from app.db import get_engine
    from tests.conftest import app_config

    other_app = create_app(app_config(database_url, tmp_path / "other"))
    yield Api(other_app.test_client(), admin_headers)
    get_engine(other_app).dispose()


def _lead(api, **fields):
    response = api.post("/leads", {"fields": fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_custom_fields_triggers_and_robots_added_elsewhere_apply_to_the_next_lead(api, other):
    _lead(other, TITLE="warms the other app's caches")
    field = api.post("/document-types/lead/fields", {"code": "UF_CRM_SOURCE", "type": "string",
                                                     "title": "Source"})
    assert field.status_code == 201, field.get_json()
    assert _lead(other, TITLE="x", UF_CRM_SOURCE="fair")["fields"]["UF_CRM_SOURCE"] == "fair"

    trigger = api.post("/automation/lead/triggers", {
        "event": "field.changed", "stage_id": "PROCESSED", "settings": {"field": "COMMENTS"}})
    assert trigger.status_code == 201, trigger.get_json()
    lead = _lead(other, TITLE="y")
    moved = other.patch(f"/leads/{lead['id']}", {"fields": {"COMMENTS": "called back"}})
    assert moved.get_json()["fields"]["STATUS_ID"] == "PROCESSED"

    current = api.get("/automation/lead/stages/NEW/robots").get_json()
    saved = api.call("PUT", "/automation/lead/stages/NEW/robots", json={
        "version": current["version"],
        "robots": [{"type": "modify_fields", "properties": {"fields": {"COMMENTS": "robot"}}}]})
    assert saved.status_code == 200, saved.get_json()
    assert _lead(other, TITLE="z")["fields"]["COMMENTS"] == "robot"


def test_a_change_made_with_plain_sql_is_seen_by_the_next_lead(api, database_url):
    template_id = create_template(api, flow("Note", ["create"], [modify("n", COMMENTS="on")]))
    assert _lead(api, TITLE="a")["fields"]["COMMENTS"] == "on"
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            token = connection.scalar(text("SELECT token FROM config_state"))
            connection.execute(text("UPDATE templates SET enabled = false WHERE id = :id"),
                               {"id": template_id})
            assert connection.scalar(text("SELECT token FROM config_state")) != token
    finally:
        engine.dispose()
    lead = _lead(api, TITLE="b")
    assert lead["started_instances"] == [] and lead["fields"].get("COMMENTS") is None


def test_a_transaction_sees_its_own_change_and_a_rollback_leaves_no_trace(app, api):
    from app.db import transaction
    from app.models.processes import Template
    from app.services.record_events import Origin
    from app.services.records import create_record

    template_id = create_template(api, flow("Note", ["create"], [modify("n", COMMENTS="on")]))
    _lead(api, TITLE="warms the cache")

    class Undo(Exception):
        pass

    with pytest.raises(Undo), app.app_context(), transaction(app) as session:
        assert len(create_record(session, "lead", {"TITLE": "before"}, None,
                                 Origin.user(None)).started_instances) == 1
        session.get(Template, template_id).enabled = False
        assert create_record(session, "lead", {"TITLE": "in"}, None,
                             Origin.user(None)).started_instances == []
        raise Undo
    assert len(_lead(api, TITLE="after the rollback")["started_instances"]) == 1


def test_a_bulk_update_in_the_transaction_is_seen_by_its_next_lookup(app, api):
    from sqlalchemy import update

    from app.db import transaction
    from app.models.processes import Template
    from app.services.record_events import Origin
    from app.services.records import create_record

    create_template(api, flow("Note", ["create"], [modify("n", COMMENTS="on")]))
    with app.app_context(), transaction(app) as session:
        assert len(create_record(session, "lead", {"TITLE": "on"}, None,
                                 Origin.user(None)).started_instances) == 1
        session.execute(update(Template).values(enabled=False))
        assert create_record(session, "lead", {"TITLE": "off"}, None,
                             Origin.user(None)).started_instances == []


def test_the_cached_tables_are_the_ones_the_migration_watches():
    import importlib.util

    from app.migrations import MIGRATIONS_DIR
    from app.services.config_cache import CONFIG_TABLES

    (path,) = (MIGRATIONS_DIR / "versions").glob("0002_*.py")
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert set(migration.CONFIG_TABLES) == CONFIG_TABLES


def test_without_the_token_row_nothing_is_cached(app, api):
    from app.db import transaction
    from app.models.config import ConfigState

    template_id = create_template(api, flow("Note", ["create"], [modify("n", COMMENTS="on")]))
    with app.app_context(), transaction(app) as session:
        session.execute(ConfigState.__table__.delete())
    assert len(_lead(api, TITLE="a")["started_instances"]) == 1
    api.patch(f"/templates/{template_id}", {"enabled": False})
    assert _lead(api, TITLE="b")["started_instances"] == []
    with app.app_context(), transaction(app) as session:
        assert session.scalar(select(ConfigState.token)) is None
