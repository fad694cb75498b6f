"""Configuration read on every record write, cached per process and checked per lookup.

Creating a lead asks which templates auto-start, its default stage, the stage's robots and
the triggers of a few events: five queries that almost always return the same answer. The
answers are kept per database and stay valid while the `config_state` token is unchanged;
database triggers renew that token whenever a configuration table changes (migration 0002),
from any process. Reading the token is one primary-key read straight through the driver,
so a change committed anywhere is seen by the next lookup, and a transaction that changed
the configuration itself sees its own change (its token is already new).

Cached values are shared by every caller: loaders return immutable data (tuples, strings).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.db import driver_connection

T = TypeVar("T")
_TOKEN = "SELECT token FROM config_state WHERE id = 1"


class _Answers:
    """The answers cached under one token."""

    __slots__ = ("token", "values")

    def __init__(self, token: int) -> None:
        self.token = token
        self.values: dict[Hashable, Any] = {}


# Keyed by the engine's connection pool (shared by its read and write engines).
_answers: weakref.WeakKeyDictionary[Any, _Answers] = weakref.WeakKeyDictionary()


def cached(session: Session, key: Hashable, load: Callable[[Session], T]) -> T:
    """`load(session)`, or its answer from an earlier call under the same token.

    Pending ORM changes are flushed first (as autoflush would before a query), so a
    configuration row added in this session counts.
    """
    if session.autoflush:
        session.flush()
    row = driver_connection(session).execute(_TOKEN).fetchone()
    if row is None:   # a schema without the token (never migrated): nothing can be cached
        return load(session)
    pool = session.get_bind().pool
    answers = _answers.get(pool)
    if answers is None or answers.token != row[0]:
        answers = _answers[pool] = _Answers(row[0])
    try:
        return answers.values[key]
    except KeyError:
        value = answers.values[key] = load(session)
        return value
