"""The database: one SQLAlchemy engine per app, sessions, and the one way to open a transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_EXTENSION = "bizflow.db"
T = TypeVar("T")
_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}


@dataclass(frozen=True)
class Database:
    """The engine and session factories of one app."""

    engine: Engine
    sessions: sessionmaker[Session]        # write transactions (SQLite: BEGIN IMMEDIATE)
    read_sessions: sessionmaker[Session]   # read-only work (SQLite: deferred BEGIN)


# Non-ASCII text stays as is, so JSON text looks the same on SQLite and PostgreSQL (the
# `?EMAIL=` filters compare JSON text). One encoder for every value: json.dumps with options
# builds a new encoder each call, and a lead's process stores a handful of JSON values.
_json_dumps = json.JSONEncoder(ensure_ascii=False).encode


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGINs."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                             json_serializer=_json_dumps)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           json_serializer=_json_dumps)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # pysqlite's own implicit transactions are switched off so that BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives an application crash; only a power loss may lose the
        # last commits. This is what makes one commit per lead fast.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # A write transaction takes the write lock at BEGIN, so two writers never read the
        # same row and then both write it (no lost updates, no SQLITE_BUSY on upgrade).
        # Straight to the driver: it runs once per transaction, and the SQLAlchemy statement
        # machinery would cost ten times more than the statement itself.
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.connection.driver_connection.execute(_BEGIN[mode])

    return engine


def init_app(app: Flask) -> Database:
    """Create the engine for app.config['DATABASE_URL'] and attach it to `app`."""
    engine = make_engine(app.config["DATABASE_URL"])
    reader = engine.execution_options(sqlite_begin="DEFERRED")
    database = Database(
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        read_sessions=sessionmaker(reader, expire_on_commit=False),
    )
    app.extensions[_EXTENSION] = database
    return database


def database(app: Flask | None = None) -> Database:
    """The Database of `app` (default: the current app)."""
    return (app or current_app).extensions[_EXTENSION]


def get_engine(app: Flask | None = None) -> Engine:
    """The engine of `app` (default: the current app)."""
    return database(app).engine


@contextmanager
def transaction(app: Flask | None = None) -> Iterator[Session]:
    """One explicit transaction: commits when the block ends, rolls back on an exception."""
    with database(app).sessions() as session, session.begin():
        yield session


@contextmanager
def read_transaction(app: Flask | None = None) -> Iterator[Session]:
    """A transaction for reads only (on SQLite it does not take the write lock)."""
    with database(app).read_sessions() as session, session.begin():
        yield session


def per_transaction(session: Session, key: str, compute: Callable[[Session], T]) -> T:
    """`compute(session)`, worked out once per transaction of the session: kept in
    session.info under `key` with the transaction it belongs to (drop the key to forget it)."""
    transaction = session.get_transaction()
    found = session.info.get(key)
    if found is not None and found[0] is transaction:
        return found[1]
    value = compute(session)
    session.info[key] = (session.get_transaction(), value)   # compute may have begun it
    return value


def driver_connection(session: Session) -> Any:
    """The DBAPI connection of the session's current transaction (sqlite3 or psycopg).

    Once per transaction: session.connection() walks SQLAlchemy's transaction state each
    time, which costs more than the hot statements run on it.
    """
    return per_transaction(session, "bizflow.driver_connection",
                           lambda s: s.connection().connection.driver_connection)


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    """True when the database behind a session or engine is SQLite."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) \
        else session_or_engine
    return bind.dialect.name == "sqlite"
