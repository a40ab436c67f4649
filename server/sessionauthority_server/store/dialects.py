"""What differs between SQLite and PostgreSQL: connecting, starting a write
transaction, the batch's final revision statement, and how reads run.

SQLite: one write connection on the writer thread (BEGIN IMMEDIATE takes the
file's write lock up front, so writers never deadlock upgrading a read lock;
other processes on the file wait on busy_timeout). Reads run inline on the
event loop over a read connection of their own: in WAL mode a read never
waits for the writer, and a primary-key lookup costs microseconds, less
than any hop to a thread.

PostgreSQL: psycopg, sync and in pipeline mode on the writer threads, async
for reads on the event loop (a pool of its own, one await per read).
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from .notify import CHANNEL as NOTIFY_CHANNEL
from .sql import Sql
from .tx import Pending, last_ordinals

SQLITE_BUSY_TIMEOUT_MS = 15000
SYNCHRONOUS = ("FULL", "NORMAL")

_BUMP = Sql("UPDATE counters SET value = value + :n WHERE name = 'revision' RETURNING value - :n")
_SET_REVISION = Sql("UPDATE sessions SET revision = :revision WHERE session_id = :session_id")
_INSERT_EVENT = Sql(
    "INSERT INTO events (revision, tenant, session_id, subject_id, reference, type, payload,"
    " create_us) VALUES (:revision, :tenant, :session_id, :subject_id, :reference, :type,"
    " :payload, :create_us)"
)
# One statement, one round trip, while the counter row is locked.
# The notice is delivered by PostgreSQL at COMMIT: other replicas' tailers
# wake then instead of at their next poll (see notify.py).
_PG_FLUSH = Sql(
    """
    WITH c AS (
        UPDATE counters SET value = value + :n WHERE name = 'revision' RETURNING value - :n AS base
    ), e AS (
        INSERT INTO events (revision, tenant, session_id, subject_id, reference, type, payload,
                            create_us)
        SELECT c.base + x.ord, x.tenant, x.session_id, x.subject_id, x.reference, x.type,
               x.payload, x.create_us
        FROM c, unnest(CAST(:ords AS bigint[]), CAST(:tenants AS text[]),
                       CAST(:session_ids AS text[]), CAST(:subject_ids AS text[]),
                       CAST(:refs AS text[]), CAST(:types AS text[]),
                       CAST(:payloads AS text[]), CAST(:times AS bigint[]))
             AS x(ord, tenant, session_id, subject_id, reference, type, payload, create_us)
    ), s AS (
        UPDATE sessions SET revision = c.base + y.ord
        FROM c, unnest(CAST(:last_ids AS text[]), CAST(:last_ords AS bigint[]))
             AS y(session_id, ord)
        WHERE sessions.session_id = y.session_id
    )
    SELECT base, pg_notify('"""
    + NOTIFY_CHANNEL
    + """', CAST(c.base + :n AS text)) FROM c
    """
)


def _event_rows(events: list[Pending]) -> list[dict[str, Any]]:
    return [{**e.row, "ord": e.ordinal} for e in events]


class SqliteWriteConnection:
    pipelined = False

    def __init__(self, path: str, synchronous: str) -> None:
        self._db = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, cached_statements=256
        )
        self._db.row_factory = sqlite3.Row
        configure_sqlite(self._db, synchronous)
        self._cur = self._db.cursor()

    def begin(self) -> None:
        self._cur.execute("BEGIN IMMEDIATE")

    def savepoint(self) -> None:
        self._cur.execute("SAVEPOINT unit")

    def release(self, settle: bool) -> None:
        self._cur.execute("RELEASE unit")

    def rollback_to_savepoint(self, settle: bool) -> None:
        self._cur.execute("ROLLBACK TO unit")
        self._cur.execute("RELEASE unit")

    def one(self, sql: Sql, params: dict[str, Any]) -> Any:
        return self._cur.execute(*sql.sqlite(params)).fetchone()

    def all(self, sql: Sql, params: dict[str, Any]) -> list[Any]:
        return self._cur.execute(*sql.sqlite(params)).fetchall()

    def scalar(self, sql: Sql, params: dict[str, Any]) -> Any:
        row = self._cur.execute(*sql.sqlite(params)).fetchone()
        return None if row is None else row[0]

    def run(self, sql: Sql, params: dict[str, Any]) -> None:
        self._cur.execute(*sql.sqlite(params))

    # Never pipelined, so never asked to read ahead: a read is in-process.
    def send(self, sql: Sql, params: dict[str, Any]) -> Any:
        return self.one(sql, params)

    def received(self, handle: Any) -> Any:
        return handle

    def _flush(self, events: list[Pending]) -> int:
        base = int(self._cur.execute(*_BUMP.sqlite({"n": len(events)})).fetchone()[0])
        event_rows = _event_rows(events)
        for r in event_rows:
            r["revision"] = base + r["ord"]
        self._cur.executemany(_INSERT_EVENT.text, event_rows)
        self._cur.executemany(
            _SET_REVISION.text,
            [
                {"session_id": key, "revision": base + ordinal}
                for key, ordinal in last_ordinals(events).items()
            ],
        )
        return base

    def commit(self, events: list[Pending]) -> int:
        base = self._flush(events) if events else 0
        self._cur.execute("COMMIT")
        return base

    def rollback(self) -> None:
        if self._db.in_transaction:
            self._cur.execute("ROLLBACK")

    def close(self) -> None:
        self._db.close()


def configure_sqlite(db: sqlite3.Connection, synchronous: str = "FULL") -> None:
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS)}")
    db.execute("PRAGMA journal_mode=WAL")
    # FULL: a COMMIT returns after the WAL is on disk, so an acknowledged
    # write survives power loss. With group commit that is one fsync per batch.
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys=ON")


class PostgresWriteConnection:
    """A batch runs in pipeline mode: statements whose results a unit does
    not read (SAVEPOINT, INSERT, UPDATE) are sent without waiting, and the
    units' first reads are sent together at its start (engine.py), so a
    batch of creates or renews waits twice, whatever its size: for those
    reads, then for its writes, revisions and COMMIT. A queued statement's
    error surfaces at a later read or at the unit's end (`release` syncs),
    still inside the unit that sent it; the savepoint then rolls it back."""

    def __init__(self, dsn: str, connect_timeout: float, statement_timeout_ms: int) -> None:
        import psycopg
        from psycopg.rows import dict_row

        self._errors = psycopg.Error
        self.pipelined = True
        self._db = psycopg.connect(
            dsn,
            autocommit=True,
            row_factory=dict_row,
            connect_timeout=max(1, round(connect_timeout)),
            options=f"-c statement_timeout={statement_timeout_ms}",
        )
        self._cur = self._db.cursor()
        # Reads on a cursor of their own: in a pipeline, a cursor takes each
        # of its results as it arrives, so a read on the cursor that sent
        # BEGIN or a write could be handed that earlier result as its own.
        self._read = self._db.cursor()
        self._pipeline: contextlib.AbstractContextManager[Any] | None = None
        self._pipe: Any = None

    def begin(self) -> None:
        self._pipeline = self._db.pipeline()
        self._pipe = self._pipeline.__enter__()
        self._cur.execute("BEGIN")

    def savepoint(self) -> None:
        self._cur.execute("SAVEPOINT unit")

    def release(self, settle: bool) -> None:
        self._cur.execute("RELEASE SAVEPOINT unit")
        if settle:
            self._pipe.sync()

    def rollback_to_savepoint(self, settle: bool) -> None:
        if settle:
            self._settle()
        self._cur.execute("ROLLBACK TO SAVEPOINT unit")
        self._cur.execute("RELEASE SAVEPOINT unit")
        if settle:
            self._pipe.sync()

    def _settle(self) -> None:
        """Ends an aborted pipeline segment: the unit already failed (with
        the error it raised), so what sync reports now is only the abort."""
        try:
            self._pipe.sync()
        except self._errors:
            pass

    def _leave_pipeline(self) -> None:
        pipeline, self._pipeline, self._pipe = self._pipeline, None, None
        if pipeline is not None:
            pipeline.__exit__(None, None, None)

    # Not prepared: psycopg's statement cache and pipelined savepoint
    # rollbacks disagree ("prepared statement does not exist"), and parsing
    # these short statements costs less than the round trips saved.
    def one(self, sql: Sql, params: dict[str, Any]) -> Any:
        return self._read.execute(*sql.psycopg(params), prepare=False).fetchone()

    def all(self, sql: Sql, params: dict[str, Any]) -> list[Any]:
        return self._read.execute(*sql.psycopg(params), prepare=False).fetchall()

    def scalar(self, sql: Sql, params: dict[str, Any]) -> Any:
        row = self._read.execute(*sql.psycopg(params), prepare=False).fetchone()
        return None if row is None else next(iter(row.values()))

    def run(self, sql: Sql, params: dict[str, Any]) -> None:
        self._cur.execute(*sql.psycopg(params), prepare=False)

    def send(self, sql: Sql, params: dict[str, Any]) -> Any:
        """A read sent now and taken later (`received`): a cursor of its
        own, whose row arrives with whatever is read next."""
        cur = self._db.cursor()
        cur.execute(*sql.psycopg(params), prepare=False)
        return cur

    def received(self, handle: Any) -> Any:
        return handle.fetchone()

    def commit(self, events: list[Pending]) -> int:
        """The flush and COMMIT sent together, then read: one round trip.
        Should the flush fail, the pipeline skips the COMMIT and the sync
        raises its error; the transaction is then rolled back."""
        flushed = self._flush(events) if events else None
        self._cur.execute("COMMIT")
        self._leave_pipeline()
        if flushed is None:
            return 0
        row = flushed.fetchone()
        assert row is not None
        return int(row["base"])

    def _flush(self, events: list[Pending]) -> Any:
        event_rows = _event_rows(events)
        last = last_ordinals(events)
        flushed = self._db.cursor()
        flushed.execute(
            *_PG_FLUSH.psycopg(
                {
                    "n": len(events),
                    "ords": [r["ord"] for r in event_rows],
                    "tenants": [r["tenant"] for r in event_rows],
                    "session_ids": [r["session_id"] for r in event_rows],
                    "subject_ids": [r["subject_id"] for r in event_rows],
                    "refs": [r["reference"] for r in event_rows],
                    "types": [r["type"] for r in event_rows],
                    "payloads": [r["payload"] for r in event_rows],
                    "times": [r["create_us"] for r in event_rows],
                    "last_ids": list(last),
                    "last_ords": list(last.values()),
                }
            ),
            prepare=False,
        )
        return flushed

    def rollback(self) -> None:
        if self._pipeline is not None:
            self._settle()
            try:
                self._leave_pipeline()
            except self._errors:
                pass
        self._cur.execute("ROLLBACK")

    def close(self) -> None:
        self._db.close()
