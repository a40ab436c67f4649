"""A statement, built with SQLAlchemy (a Core expression over the SQLModel
tables in models.py, or `text()` where Core has no word for it, such as
PostgreSQL's array unnest), compiled once per driver and kept: sqlite3
takes `:name`, psycopg `%(name)s`. Row locks are Core's
`with_for_update()`, which SQLite (one writer for the whole file) has no
syntax for and does not need: its compiler leaves them out.

Statements run on the raw driver connections, so SQLAlchemy costs nothing
per call: compiling happens once, at first use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg
from sqlalchemy.engine import Dialect

_SQLITE = sqlite.dialect(paramstyle="named")
_PSYCOPG = pg_psycopg.dialect()

Compiled = tuple[str, dict[str, Any]]


def _compile(statement: Any, dialect: Dialect) -> Compiled:
    compiled = statement.compile(dialect=dialect)
    # Values the statement carries itself (a LIMIT 1, SQLite's OFFSET -1):
    # merged under the caller's parameters.
    fixed = {k: v for k, v in compiled.params.items() if v is not None}
    return str(compiled), fixed


class Sql:
    __slots__ = ("_psycopg", "_sqlite", "statement")

    def __init__(self, statement: str | Executable) -> None:
        self.statement = (
            text(" ".join(statement.split())) if isinstance(statement, str) else statement
        )
        self._sqlite: Compiled | None = None
        self._psycopg: Compiled | None = None

    @property
    def text(self) -> str:
        """As SQLite runs it (for EXPLAIN, logs)."""
        return self.sqlite(None)[0]

    def sqlite(self, params: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        if self._sqlite is None:
            self._sqlite = _compile(self.statement, _SQLITE)
        sql, fixed = self._sqlite
        return sql, {**fixed, **(params or {})} if fixed else (params or {})

    def psycopg(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self._psycopg is None:
            self._psycopg = _compile(self.statement, _PSYCOPG)
        sql, fixed = self._psycopg
        return sql, {**fixed, **params} if fixed else params
