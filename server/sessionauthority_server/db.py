"""Engines and transactions for SQLite (default) and PostgreSQL.

SQLite allows one writer at a time. Write transactions start with BEGIN
IMMEDIATE, so two writers never deadlock upgrading a read lock, and writers in
this process queue on an asyncio lock instead of spinning on SQLITE_BUSY.
Other processes on the same file wait on busy_timeout.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlmodel import SQLModel

from . import models

SQLITE_BUSY_TIMEOUT_MS = 15000


class DatabaseUrlError(ValueError):
    pass


def async_url(url: str) -> tuple[str, str]:
    """(SQLAlchemy async URL, dialect) for the URLs operators write."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUrlError(f"cannot parse database URL: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite")), "sqlite"
    if backend in ("postgresql", "postgres"):
        return (
            parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False),
            "postgresql",
        )
    raise DatabaseUrlError("database URL must start with sqlite:/// or postgresql://")


def sqlite_path(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return parsed.database or None


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        driver_url, self.dialect = async_url(url)
        self.is_sqlite = self.dialect == "sqlite"
        if self.is_sqlite:
            path = sqlite_path(url)
            if not path or path == ":memory:":
                raise DatabaseUrlError("SQLite needs a file path: sqlite:///PATH")
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise DatabaseUrlError(f"directory {parent!r} for the database does not exist")
            connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
            self.engine = create_async_engine(driver_url, connect_args=connect_args)
            self._write_engine = create_async_engine(
                driver_url, connect_args=connect_args, pool_size=1, max_overflow=0
            )
            _sqlite_pragmas(self.engine, immediate=False)
            _sqlite_pragmas(self._write_engine, immediate=True)
        else:
            self.engine = create_async_engine(driver_url, pool_size=10, max_overflow=10)
            self._write_engine = self.engine
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        async with self._write_lock or nullcontext():
            async with self._write_engine.begin() as conn:
                yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def create_schema(self) -> None:
        async with self.write() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
            counters = models.CounterRow.__table__
            have = set((await conn.execute(select(counters.c.name))).scalars())
            for name in ("revision", "compact_revision"):
                if name not in have:
                    await conn.execute(insert(counters).values(name=name, value=0))

    async def close(self) -> None:
        await self.engine.dispose()
        if self._write_engine is not self.engine:
            await self._write_engine.dispose()


def _sqlite_pragmas(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged write survives power loss, not only a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
