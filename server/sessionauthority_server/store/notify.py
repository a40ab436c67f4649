"""Hearing other replicas' commits at once (PostgreSQL LISTEN/NOTIFY).

Every writing batch that records events calls `pg_notify` inside its own
transaction (in the flush statement, no extra round trip), so PostgreSQL
delivers the notice exactly when the batch commits. Each replica keeps one
dedicated connection LISTENing and wakes its event tailer on every notice
(with the batch's last revision, so the tailer knows how far behind it is).

A notice carries no data: the tailer always reads the events table from its
last revision, so a lost, duplicated or reordered notice can only cost
latency, never an event. While the listening connection is down the tailer's
poll still runs; after every (re)connect the listener wakes the tailer once,
which catches up on anything committed while nobody was listening.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ..outage import OutageLog

log = logging.getLogger("sessionauthority.notify")

CHANNEL = "sessionauthority_events"
APPLICATION_NAME = "session-authority-listener"


class CommitListener:
    def __init__(
        self,
        dsn: str,
        wake: Callable[[int], None],
        *,
        check_interval: float = 1.0,
        max_backoff: float = 2.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._dsn = dsn
        self._wake = wake
        self._check_interval = check_interval
        self._max_backoff = max_backoff
        self._connect_timeout = connect_timeout
        self._outage = OutageLog(log, "listening for commits")
        self.connected = asyncio.Event()
        self.reconnects = 0

    async def run(self) -> None:
        """Listens until cancelled, reconnecting with backoff."""
        backoff = 0.05
        while True:
            conn: Any = None
            try:
                conn = await self._connect()
                backoff = 0.05
                self._outage.ok()
                self.connected.set()
                # Catch up on whatever committed while nobody listened.
                self._wake(0)
                await self._hold(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._outage.failed(exc, connection_only=True)
            finally:
                self.connected.clear()
                if conn is not None:
                    # Not close(), a coroutine: a task being cancelled must
                    # not wait on a database that may be gone.
                    conn.pgconn.finish()
            self.reconnects += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    async def _connect(self) -> Any:
        import psycopg

        conn = await psycopg.AsyncConnection.connect(
            self._dsn,
            autocommit=True,
            connect_timeout=max(1, round(self._connect_timeout)),
            application_name=APPLICATION_NAME,
        )
        await conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _on_notice(self, payload: str) -> None:
        # The payload is the batch's last revision: how far the tailer is behind.
        try:
            self._wake(int(payload))
        except ValueError:
            self._wake(0)

    async def _hold(self, conn: Any) -> None:
        """Returns when the connection is gone. A closed socket is seen at
        once (the wait for notices fails); a silent one (a dead peer) by a
        ping after each check interval."""
        import psycopg

        while True:
            try:
                async for notice in conn.notifies(timeout=self._check_interval):
                    self._on_notice(notice.payload)
            except psycopg.OperationalError:
                return
            if conn.closed:
                return
            async with asyncio.timeout(self._check_interval * 5):
                await conn.execute("SELECT 1")
