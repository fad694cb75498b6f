"""Statements run straight on the driver write what SQLAlchemy's own execution writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app.driver_statements import DriverStatement
from app.models.processes import OutboxMessage

pytestmark = pytest.mark.both_databases

_OUTBOX = OutboxMessage.__table__
_KEYS = ("kind", "payload", "idempotency_key", "instance_id", "state", "attempts",
         "next_attempt_at", "created_at")
_INSERT = DriverStatement(insert(_OUTBOX).returning(_OUTBOX.c.id), _KEYS)


def _values(key: str) -> dict:
    # A zone other than UTC, non-ASCII text and nested JSON: what the processors must handle.
    at = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=timezone(timedelta(hours=7)))
    return {"kind": "email", "payload": {"to": ["ân@example.com"], "n": [1, 2.5, None]},
            "idempotency_key": key, "instance_id": None, "state": "pending", "attempts": 0,
            "next_attempt_at": at, "created_at": at}


def _row(session, message_id: int) -> dict:
    message = session.get(OutboxMessage, message_id)
    return {key: getattr(message, key) for key in _KEYS}


def test_a_driver_insert_reads_back_like_a_core_insert(app):
    from app.db import transaction

    with app.app_context(), transaction(app) as session:
        by_core = session.connection().execute(
            insert(_OUTBOX).returning(_OUTBOX.c.id), _values("core")).scalar_one()
        by_driver = _INSERT.execute(session, _values("driver")).fetchone()[0]
    with app.app_context(), transaction(app) as session:
        core, driver = _row(session, by_core), _row(session, by_driver)
    assert core.pop("idempotency_key") == "core" and driver.pop("idempotency_key") == "driver"
    assert driver == core
    assert driver["created_at"] == datetime(2026, 3, 1, 5, 30, 5, 123456, tzinfo=UTC)
    assert driver["payload"] == {"to": ["ân@example.com"], "n": [1, 2.5, None]}


def test_execute_many_writes_every_row(app):
    from app.db import transaction

    with app.app_context(), transaction(app) as session:
        DriverStatement(insert(_OUTBOX), _KEYS).execute_many(
            session, [_values(f"many-{n}") for n in range(3)])
        keys = session.scalars(select(OutboxMessage.idempotency_key).order_by(OutboxMessage.id))
        assert list(keys) == ["many-0", "many-1", "many-2"]


def test_a_driver_error_is_raised_as_sqlalchemys_and_the_caller_can_roll_back(app):
    from app.db import transaction

    with app.app_context(), transaction(app) as session:
        _INSERT.execute(session, _values("once"))
    with pytest.raises(IntegrityError), app.app_context(), transaction(app) as session:
        _INSERT.execute(session, _values("once"))
    with app.app_context(), transaction(app) as session:
        assert session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.idempotency_key == "once")) is not None


def test_a_column_left_to_its_default_is_named(app):
    from app.db import transaction

    statement = DriverStatement(insert(_OUTBOX), ("kind", "payload", "idempotency_key"))
    with pytest.raises(ValueError, match="outbox: give values for attempts, created_at, "
                                           "next_attempt_at, state too"), \
            app.app_context(), transaction(app) as session:
        statement.execute(session, _values("x"))


def test_the_driver_connection_follows_the_sessions_transaction(app):
    from app.db import database, driver_connection, get_engine

    session = database(app).sessions()
    with session.begin():
        first = driver_connection(session)
        assert first is session.connection().connection.driver_connection
    # While another user holds the first connection, the next transaction gets another one.
    with get_engine(app).connect() as other:
        held = other.connection.driver_connection
        with session.begin():
            current = session.connection().connection.driver_connection
            assert current is not held
            assert driver_connection(session) is current
    session.close()
