"""Session reads by id that arrive in the same event-loop tick go to
PostgreSQL as one statement (`session_id = ANY(...)`), so under load a
Validate costs a share of one round trip and one pooled connection instead
of one each. SQLite reads a row inline in microseconds, so it is not
batched."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, select

from ..domain import Session
from .reads import Reader
from .rows import session_from_row
from .sql import Sql
from .statements import sessions

# Enough ids for a busy tick; more wait for the next statement.
MAX_BATCH = 256
_BY_IDS = Sql(
    select(sessions).where(sessions.c.session_id == any_(bindparam("ids", type_=ARRAY(String()))))
)


class SessionReads:
    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self._waiting: dict[str, list[tuple[str, asyncio.Future[Session | None]]]] = {}
        self._scheduled = False
        self._reads: set[asyncio.Task[None]] = set()  # held until done

    async def session(self, tenant: str, session_id: str) -> Session | None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Session | None] = loop.create_future()
        self._waiting.setdefault(session_id, []).append((tenant, future))
        if not self._scheduled:
            self._scheduled = True
            # After every callback already ready: whoever else reads a
            # session in this tick joins the same statement.
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        while self._waiting:
            ids = list(self._waiting)[:MAX_BATCH]
            batch = {sid: self._waiting.pop(sid) for sid in ids}
            task = asyncio.ensure_future(self._read(batch))
            self._reads.add(task)
            task.add_done_callback(self._reads.discard)

    async def _read(
        self, batch: dict[str, list[tuple[str, asyncio.Future[Session | None]]]]
    ) -> None:
        try:
            rows: list[Any] = await self._reader.all(_BY_IDS, ids=list(batch))
        except BaseException as exc:
            for waiters in batch.values():
                for _, future in waiters:
                    if not future.done():
                        future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        found = {r["session_id"]: r for r in rows}
        for sid, waiters in batch.items():
            row = found.get(sid)
            for tenant, future in waiters:
                if future.done():
                    continue  # its caller went away
                # Another tenant's session reads as absent, as the one-row read did.
                ok = row is not None and row["tenant"] == tenant
                future.set_result(session_from_row(row) if ok else None)
