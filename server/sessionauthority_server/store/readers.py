"""Reads, one statement each, for SQLite and PostgreSQL. A database that
cannot answer becomes UNAVAILABLE `STORAGE_UNAVAILABLE` with RetryInfo (a
clear "retry", never INTERNAL); a PostgreSQL read that met a pooled
connection the server had dropped (a restart) runs once more on a fresh
one, so a restart costs callers nothing once the database is back."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import storage_unavailable
from .dialects import SQLITE_BUSY_TIMEOUT_MS
from .sql import Sql

# Enough for a few slow reads at once; sqlite3 lets go of the GIL while it
# steps, so they run beside the event loop rather than taking turns with it.
SQLITE_READ_THREADS = 4


def _sqlite_connect(path: str) -> sqlite3.Connection:
    # check_same_thread off: a reader thread uses it, close() closes it.
    db = sqlite3.connect(path, isolation_level=None, cached_statements=256, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA query_only=1")
    return db


def _execute(db: sqlite3.Connection, sql: Sql, params: dict[str, Any]) -> sqlite3.Cursor:
    try:
        return db.execute(*sql.sqlite(params))
    except sqlite3.OperationalError as exc:  # locked past the timeout, I/O error
        raise storage_unavailable(type(exc).__name__) from exc


class SqliteReader:
    """Point lookups (`one`, `scalar`: a row or a count by key, the hot path
    of Validate) run inline on the event loop: no thread hop, no await
    inside. Reads of many rows (`all`: watch history, session lists,
    snapshot pages, the tail) run on reader threads, each with its own
    connection (WAL: readers never wait for the writer), so however long one
    takes it never holds up other calls."""

    def __init__(self, path: str, threads: int = SQLITE_READ_THREADS) -> None:
        self._path = path
        self._db = _sqlite_connect(path)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="store-reader")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[sqlite3.Connection] = []
        self._in_use = 0

    def _thread_db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = _sqlite_connect(self._path)
            with self._lock:
                self._opened.append(db)
        return db

    def _fetch_all(self, sql: Sql, params: dict[str, Any]) -> list[Any]:
        return _execute(self._thread_db(), sql, params).fetchall()

    async def one(self, sql: Sql, **params: Any) -> Any:
        return _execute(self._db, sql, params).fetchone()

    async def all(self, sql: Sql, **params: Any) -> list[Any]:
        self._in_use += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, self._fetch_all, sql, params)
        finally:
            self._in_use -= 1

    async def scalar(self, sql: Sql, **params: Any) -> Any:
        row = _execute(self._db, sql, params).fetchone()
        return None if row is None else row[0]

    def connections(self) -> tuple[int, int]:
        with self._lock:
            opened = len(self._opened)
        # The inline connection is never held across an await.
        return 1 + opened, self._in_use

    async def close(self) -> None:
        # A read still running finishes first (its caller may be gone).
        await asyncio.to_thread(self._pool.shutdown, True)
        with self._lock:
            opened, self._opened = self._opened, []
        for db in (self._db, *opened):
            db.close()


class PostgresReader:
    """Reads over psycopg's async connections, in a pool of its own: `size`
    slots in a LIFO queue, each holding an open connection or None until
    one is needed, so the busiest connections stay warm and the pool only
    grows as far as concurrency asks. Every statement is prepared on its
    connection on first use (a Validate is then one Bind/Execute), and read
    back as a dict, by column name like every other row."""

    def __init__(self, dsn: str, size: int, *, connect_timeout: float, statement_timeout_ms: int):
        import psycopg

        self._dsn = dsn
        self._connect_timeout = max(1, round(connect_timeout))
        self._options = f"-c statement_timeout={statement_timeout_ms}"
        # The server's limit, and a client one a little later for a server
        # that stopped answering altogether.
        self._timeout = statement_timeout_ms / 1000 + 1 if statement_timeout_ms else None
        self._slots: asyncio.LifoQueue[Any] = asyncio.LifoQueue()
        for _ in range(size):
            self._slots.put_nowait(None)
        self._open = 0
        self._in_use = 0
        self._unavailable = (
            OSError,  # refused, reset, unreachable
            TimeoutError,
            psycopg.OperationalError,  # shutdown, statement timeout, too many connections
            psycopg.InterfaceError,  # the connection is closed
        )
        self._closed = False

    @classmethod
    async def open(
        cls, dsn: str, size: int, *, connect_timeout: float, statement_timeout_ms: int
    ) -> PostgresReader:
        reader = cls(
            dsn, size, connect_timeout=connect_timeout, statement_timeout_ms=statement_timeout_ms
        )
        # One connection now, so a database that is not there fails the start.
        await reader._slots.get()
        reader._slots.put_nowait(await reader._connect())
        return reader

    async def _connect(self) -> Any:
        import psycopg
        from psycopg.rows import dict_row

        conn = await psycopg.AsyncConnection.connect(
            self._dsn,
            autocommit=True,
            row_factory=dict_row,
            connect_timeout=self._connect_timeout,
            options=self._options,
        )
        self._open += 1
        return conn

    @staticmethod
    def _idle(conn: Any) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(conn.info.transaction_status == TransactionStatus.IDLE)

    def _discard(self, conn: Any) -> None:
        # Not the async close(): a cancelled read must not wait on a server
        # that may be gone; closing the socket needs no answer.
        conn.pgconn.finish()
        self._open -= 1

    async def _read(self, fetch: str, sql: Sql, params: dict[str, Any]) -> Any:
        conn = await self._slots.get()
        self._in_use += 1
        done = False
        try:
            if conn is None or conn.closed:
                if conn is not None:
                    self._open -= 1
                conn = None
                conn = await self._connect()
            async with asyncio.timeout(self._timeout):
                cur = await conn.execute(*sql.psycopg(params), prepare=True)
                if fetch == "one":
                    row = await cur.fetchone()
                elif fetch == "all":
                    row = await cur.fetchall()
                else:
                    found = await cur.fetchone()
                    row = None if found is None else next(iter(found.values()))
            done = True
            return row
        finally:
            self._in_use -= 1
            # A statement that failed leaves its connection idle and usable;
            # one cancelled, timed out or cut off mid-read is in no known state.
            if conn is not None and (self._closed or not (done or self._idle(conn))):
                self._discard(conn)
                conn = None
            self._slots.put_nowait(conn)

    async def _call(self, fetch: str, sql: Sql, params: dict[str, Any]) -> Any:
        try:
            return await self._read(fetch, sql, params)
        except self._unavailable:
            pass  # perhaps a pooled connection from before a restart: once more
        try:
            return await self._read(fetch, sql, params)
        except self._unavailable as exc:
            raise storage_unavailable(type(exc).__name__) from exc

    async def one(self, sql: Sql, **params: Any) -> Any:
        return await self._call("one", sql, params)

    async def all(self, sql: Sql, **params: Any) -> list[Any]:
        return list(await self._call("all", sql, params))

    async def scalar(self, sql: Sql, **params: Any) -> Any:
        return await self._call("scalar", sql, params)

    def connections(self) -> tuple[int, int]:
        return self._open, self._in_use

    async def close(self) -> None:
        self._closed = True  # a read still running closes its own connection
        while not self._slots.empty():
            conn = self._slots.get_nowait()
            if conn is not None:
                self._open -= 1
                await conn.close()
