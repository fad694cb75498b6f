"""Hot INSERT and UPDATE statements run straight on the driver's cursor.

Creating a lead writes six rows; SQLAlchemy's statement machinery costs about twice as much
CPU as SQLite takes to run them. A DriverStatement is compiled by SQLAlchemy once per
dialect, and its values go through the same bind processors SQLAlchemy would apply (JSON
encoding, UTC datetimes, PostgreSQL casts), so the rows written are the same. Only for plain
statements with a fixed set of parameters; driver errors are raised as SQLAlchemy's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

from app.db import driver_connection


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    pairs: tuple[tuple[str, Callable[[Any], Any] | None], ...]   # (name, bind processor)
    positional: bool


class DriverStatement:
    """`statement` with values for exactly `keys` (bind parameter names included)."""

    def __init__(self, statement: UpdateBase, keys: Iterable[str]) -> None:
        self._statement = statement
        self._keys = list(keys)
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._statement.compile(dialect=dialect, column_keys=self._keys)
        names = tuple(compiled.positiontup or compiled.binds)
        # Column defaults are filled in by SQLAlchemy's execution, which is skipped here.
        missing = sorted(set(names) - set(self._keys))
        if missing:
            raise ValueError(f"{self._statement.table.name}: give values for "
                             f"{', '.join(missing)} too (their defaults are not applied here)")
        pairs = tuple((name, compiled.binds[name].type.dialect_impl(dialect)
                       .bind_processor(dialect)) for name in names)
        return _Compiled(compiled.string, names, pairs, compiled.positiontup is not None)

    def _params(self, compiled: _Compiled, values: Mapping[str, Any]) -> Any:
        processed = [values[name] if process is None else process(values[name])
                     for name, process in compiled.pairs]
        return processed if compiled.positional else dict(zip(compiled.names, processed,
                                                              strict=True))

    def execute(self, session: Session, values: Mapping[str, Any]) -> Any:
        """Run once in the session's transaction; returns the driver's cursor."""
        return self._run(session, [values], many=False)

    def execute_many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row (the driver's executemany)."""
        self._run(session, rows, many=True)

    def _run(self, session: Session, rows: Sequence[Mapping[str, Any]], many: bool) -> Any:
        driver = driver_connection(session)
        dialect = session.get_bind().dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        params = [self._params(compiled, row) for row in rows]
        cursor = driver.cursor()
        try:
            if many:
                cursor.executemany(compiled.sql, params)
            else:
                cursor.execute(compiled.sql, params[0])
        except dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(compiled.sql, params, error,
                                      dialect.loaded_dbapi.Error) from error
        return cursor
