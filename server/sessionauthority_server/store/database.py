"""Opens a database by URL: migrates the schema, starts the writer thread and
opens the readers, for SQLite (default) or PostgreSQL."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url

from .. import models  # noqa: F401  (registers the tables)
from .dialects import (
    SYNCHRONOUS,
    PostgresWriteConnection,
    SqliteWriteConnection,
)
from .engine import Clock, Writer
from .notify import CommitListener
from .peers import PeerWaker, peers_directory
from .readers import PostgresReader, SqliteReader
from .reads import Reader
from .schema import SchemaState, migrate

log = logging.getLogger("sessionauthority.store")


class DatabaseUrlError(ValueError):
    pass


def parse_url(url: str) -> tuple[str, str]:
    """(dialect, what the driver connects to) for the URLs operators write."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUrlError(f"cannot parse database URL: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = parsed.database
        if not path or path == ":memory:":
            raise DatabaseUrlError("SQLite needs a file path: sqlite:///PATH")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise DatabaseUrlError(f"directory {parent!r} for the database does not exist")
        return "sqlite", path
    if backend in ("postgresql", "postgres"):
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return "postgresql", dsn
    raise DatabaseUrlError("database URL must start with sqlite:/// or postgresql://")


def sqlite_path(url: str) -> str | None:
    parsed = make_url(url)
    return (parsed.database or None) if parsed.get_backend_name() == "sqlite" else None


class Database:
    """The writer thread and the readers of one database."""

    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: str = "FULL",
        pool_size: int = 10,
        write_connections: int = 1,
        migrate_on_start: bool = True,
        connect_timeout: float = 5.0,
        statement_timeout_ms: int = 10_000,
    ) -> None:
        self.url = url
        self.dialect, self._target = parse_url(url)
        self.is_sqlite = self.dialect == "sqlite"
        if sqlite_synchronous not in SYNCHRONOUS:
            raise DatabaseUrlError(
                f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS)}, "
                f"not {sqlite_synchronous!r}"
            )
        self._synchronous = sqlite_synchronous
        self._pool_size = pool_size
        self._write_connections = write_connections
        self._migrate = migrate_on_start
        self._connect_timeout = connect_timeout
        self._statement_timeout_ms = statement_timeout_ms
        self.schema: SchemaState | None = None
        # SQLite: how other processes on the file hear our commits, and we theirs.
        self.peers = PeerWaker(peers_directory(self._target)) if self.is_sqlite else None
        self.reader: Reader
        self.writer: Writer

    async def open(self, clock: Clock, on_events: Callable[[list[Any], int], None]) -> None:
        import asyncio

        self.schema = await asyncio.to_thread(
            migrate, self.dialect, self._target, upgrade=self._migrate
        )
        if self.schema.before != self.schema.after:
            log.info(
                "schema migrated from %s to %s", self.schema.before or "empty", self.schema.after
            )
        if self.peers is not None:
            on_events = self._announcing(on_events, self.peers)
        if self.is_sqlite:
            self.reader = SqliteReader(self._target)
            self.writer = Writer(
                lambda: SqliteWriteConnection(self._target, self._synchronous),
                self.dialect,
                clock,
                (sqlite3.IntegrityError,),
                (),  # one writer for the whole file: no deadlocks
                on_events,
            )
        else:
            import psycopg

            self.reader = await PostgresReader.open(
                self._target,
                self._pool_size,
                connect_timeout=self._connect_timeout,
                statement_timeout_ms=self._statement_timeout_ms,
            )
            self.writer = Writer(
                lambda: PostgresWriteConnection(
                    self._target, self._connect_timeout, self._statement_timeout_ms
                ),
                self.dialect,
                clock,
                (psycopg.errors.UniqueViolation,),
                (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure),
                on_events,
                lanes=self._write_connections,
                unattributed=(
                    psycopg.errors.IntegrityError,
                    psycopg.errors.DataError,
                    psycopg.errors.PipelineAborted,
                ),
            )
        self.writer.start()

    @staticmethod
    def _announcing(
        on_events: Callable[[list[Any], int], None], peers: PeerWaker
    ) -> Callable[[list[Any], int], None]:
        def committed(events: list[Any], base: int) -> None:
            peers.announce(base + events[-1].ordinal)
            on_events(events, base)

        return committed

    def commit_listener(self, wake: Callable[[int], None]) -> CommitListener | PeerWaker:
        """What wakes `wake` when another process commits events: NOTIFY on
        PostgreSQL, a datagram from the committing process on SQLite."""
        if self.peers is not None:
            self.peers.wake = wake
            return self.peers
        return CommitListener(self._target, wake, connect_timeout=self._connect_timeout)

    async def close(self) -> None:
        await self.writer.stop()
        await self.reader.close()
