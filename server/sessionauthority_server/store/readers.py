"""Reads, one statement each, for SQLite and PostgreSQL. A database that
cannot answer becomes UNAVAILABLE `STORAGE_UNAVAILABLE` with RetryInfo (a
clear "retry", never INTERNAL); a PostgreSQL read that met a pooled
connection the server had dropped (a restart) runs once more on a fresh
one, so a restart costs callers nothing once the database is back."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import storage_unavailable
from .dialects import SQLITE_BUSY_TIMEOUT_MS
from .sql import Sql


class SqliteReader:
    """Reads inline on the event loop: no thread hop, no await inside."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, cached_statements=256)
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA query_only=1")

    def _execute(self, sql: Sql, params: dict[str, Any]) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql.sqlite, params)
        except sqlite3.OperationalError as exc:  # locked past the timeout, I/O error
            raise storage_unavailable(type(exc).__name__) from exc

    async def one(self, sql: Sql, **params: Any) -> Any:
        return self._execute(sql, params).fetchone()

    async def all(self, sql: Sql, **params: Any) -> list[Any]:
        return self._execute(sql, params).fetchall()

    async def scalar(self, sql: Sql, **params: Any) -> Any:
        row = self._execute(sql, params).fetchone()
        return None if row is None else row[0]

    def connections(self) -> tuple[int, int]:
        return 1, 0  # one connection, and a read never holds it across an await

    async def close(self) -> None:
        self._db.close()


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    import asyncpg

    return (
        OSError,  # refused, reset, unreachable
        TimeoutError,
        asyncpg.exceptions.PostgresConnectionError,
        asyncpg.exceptions.InterfaceError,  # the connection is closed
        asyncpg.exceptions.OperatorInterventionError,  # shutdown, statement timeout
        asyncpg.exceptions.InsufficientResourcesError,  # too many connections
    )


class PostgresReader:
    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._unavailable = _unavailable_errors()

    @classmethod
    async def open(
        cls, dsn: str, size: int, *, connect_timeout: float, statement_timeout_ms: int
    ) -> PostgresReader:
        import asyncpg

        pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=size,
            timeout=connect_timeout,
            # The server's limit, and a client one a little later for a
            # server that stopped answering altogether.
            command_timeout=statement_timeout_ms / 1000 + 1 if statement_timeout_ms else None,
            server_settings={"statement_timeout": str(statement_timeout_ms)},
        )
        return cls(pool)

    async def _call(
        self, read: Callable[..., Awaitable[Any]], sql: Sql, params: dict[str, Any]
    ) -> Any:
        text, args = sql.asyncpg(params)
        try:
            return await read(text, *args)
        except self._unavailable:
            pass  # perhaps a pooled connection from before a restart: once more
        try:
            return await read(text, *args)
        except self._unavailable as exc:
            raise storage_unavailable(type(exc).__name__) from exc

    async def one(self, sql: Sql, **params: Any) -> Any:
        return await self._call(self._pool.fetchrow, sql, params)

    async def all(self, sql: Sql, **params: Any) -> list[Any]:
        return list(await self._call(self._pool.fetch, sql, params))

    async def scalar(self, sql: Sql, **params: Any) -> Any:
        return await self._call(self._pool.fetchval, sql, params)

    def connections(self) -> tuple[int, int]:
        size = self._pool.get_size()
        return size, size - self._pool.get_idle_size()

    async def close(self) -> None:
        await self._pool.close()
