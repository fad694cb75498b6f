"""Configuration read on every record write, cached per process behind one token.

Creating a lead asks which templates auto-start, its default stage, the stage's robots and
the triggers of a few events: five queries that almost always return the same answer. The
answers are kept per database and stay valid while the `config_state` token is unchanged;
database triggers renew that token whenever a configuration table changes (migration 0002),
from any process or tool. The token is read straight through the driver once per
transaction (on PostgreSQL each read is a round trip), so a change committed anywhere is
seen by the next transaction. A transaction that changes configuration through its session
reads the token again: its own change has renewed it.

Cached values are shared by every caller: loaders return immutable data (tuples, strings).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from app.db import driver_connection, per_transaction

T = TypeVar("T")
# The tables whose changes renew the token (the triggers of migration 0002).
CONFIG_TABLES = frozenset({"templates", "pipeline_stages", "stage_robots",
                           "automation_triggers", "custom_fields"})
_TOKEN = "SELECT token FROM config_state WHERE id = 1"
_SESSION_TOKEN = "bizflow.config_token"   # per_transaction key; dropped after a config write


class _Answers:
    """The answers cached under one token."""

    __slots__ = ("token", "values")

    def __init__(self, token: int) -> None:
        self.token = token
        self.values: dict[Hashable, Any] = {}


# Keyed by the engine's connection pool (shared by its read and write engines).
_answers: weakref.WeakKeyDictionary[Any, _Answers] = weakref.WeakKeyDictionary()


def _read_token(session: Session) -> int | None:
    row = driver_connection(session).execute(_TOKEN).fetchone()
    return None if row is None else row[0]


def cached(session: Session, key: Hashable, load: Callable[[Session], T]) -> T:
    """`load(session)`, or its answer from an earlier call under the same token.

    Pending ORM changes are flushed first (as autoflush would before a query), so a
    configuration row added in this session counts.
    """
    if session.autoflush:
        session.flush()
    token = per_transaction(session, _SESSION_TOKEN, _read_token)
    if token is None:   # a schema without the token (never migrated): nothing can be cached
        return load(session)
    pool = session.get_bind().pool
    answers = _answers.get(pool)
    if answers is None or answers.token != token:
        answers = _answers[pool] = _Answers(token)
    try:
        return answers.values[key]
    except KeyError:
        value = answers.values[key] = load(session)
        return value


@event.listens_for(Session, "after_flush")
def _forget_token_after_config_flush(session: Session, _flush_context: Any) -> None:
    if _SESSION_TOKEN in session.info and any(
            getattr(obj, "__tablename__", None) in CONFIG_TABLES
            for obj in chain(session.new, session.dirty, session.deleted)):
        del session.info[_SESSION_TOKEN]


@event.listens_for(Session, "do_orm_execute")
def _forget_token_after_bulk_write(state: ORMExecuteState) -> None:
    # An UPDATE or DELETE statement through the session (e.g. deleting a stage's triggers).
    if not state.is_select:
        state.session.info.pop(_SESSION_TOKEN, None)
