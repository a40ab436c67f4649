"""The store: data access only. The session manager (sessions/) runs its
flows here as units of work over the SQL repository (`run`) and reads
through the methods below; events, history, compaction and the signing
keys live here too. Everything returned is a domain object.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ..config import Settings
from ..domain import EndedPage, Event, Session, Subject
from ..inputs import ListQuery
from ..pagetokens import PageTokens
from ..sessions.repository import Deps, Lookahead
from ..tokens import Sealer
from . import housekeeping, keys, reads, snapshot
from .coalesce import SessionReads
from .database import Database, DatabaseUrlError, sqlite_path
from .engine import Clock
from .keys import KeyRing
from .notify import CommitListener
from .peers import PeerWaker
from .repository import SqlRepository
from .repository import ahead as read_ahead
from .tx import Pending, Tx

__all__ = ["Clock", "DatabaseUrlError", "Store", "sqlite_path"]

US = 1_000_000
T = TypeVar("T")


def system_clock() -> int:
    return time.time_ns() // 1000


def _flow(tx: Tx, flow: Callable[..., Any], deps: Deps, *args: Any) -> Any:
    return flow(SqlRepository(tx), deps, *args)


class Store:
    def __init__(
        self, db: Database, settings: Settings, sealer: Sealer, clock: Clock = system_clock
    ) -> None:
        self.db = db
        self.settings = settings
        self.sealer = sealer
        self.clock = clock
        self.idle_us = settings.idle_timeout_seconds * US
        self._listeners: list[Callable[[list[Event]], None]] = []
        self.page_tokens = PageTokens(sealer.derive("page-tokens"))
        self.keys: KeyRing
        self.deps: Deps
        self._session_reads: SessionReads | None = None

    async def start(self) -> None:
        await self.db.open(self.clock, self._committed)
        self.keys = KeyRing(self.db.reader, self.sealer)
        if not self.db.is_sqlite:
            self._session_reads = SessionReads(self.db.reader)
        self.deps = Deps(self.settings, self.sealer, self.keys)
        await self.db.writer.write(keys.ensure_active, self.sealer)
        await self.keys.reload()

    async def close(self) -> None:
        await self.db.close()

    def listen(self, listener: Callable[[list[Event]], None]) -> None:
        """`listener` gets every batch of events this process commits, in
        revision order, right after COMMIT (the watch hub subscribes here)."""
        self._listeners.append(listener)

    def commit_listener(self, wake: Callable[[int], None]) -> CommitListener | PeerWaker:
        """Wakes `wake` when another replica commits events (PostgreSQL)."""
        return self.db.commit_listener(wake)

    def _committed(self, pending: list[Pending], base: int) -> None:
        events = []
        for p in pending:
            e: Event = p.event
            revision = base + p.ordinal
            session = dataclasses.replace(e.session, revision=revision)
            events.append(dataclasses.replace(e, revision=revision, session=session))
        for listener in self._listeners:
            listener(events)

    async def run(
        self, flow: Callable[..., T | Any], *args: Any, ahead: Lookahead | None = None
    ) -> tuple[T, dict[str, int]]:
        """Runs `flow(repository, deps, *args)` as one unit of work on the
        writer; returns its result and the revision of each session it
        saved, by id (assigned as the unit committed). `ahead`: the flow's
        first read, which the writer may make with its batch's others."""
        result: tuple[T, dict[str, int]] = await self.db.writer.write_saving(
            _flow, flow, self.deps, *args, ahead=None if ahead is None else read_ahead(ahead)
        )
        return result

    async def touch(self, session_id: str, now_us: int) -> None:
        """Moves an ACTIVE session's last-active time (no event)."""
        await self.db.writer.write(lambda tx: SqlRepository(tx).touch(session_id, now_us))

    # ----------------------------------------------------------- reads

    async def session(self, tenant: str, session_id: str) -> Session | None:
        if self._session_reads is not None:
            return await self._session_reads.session(tenant, session_id)
        return await reads.session(self.db.reader, tenant, session_id)

    async def session_rows(
        self, tenant: str, query: ListQuery, now: int
    ) -> tuple[list[Session], bool]:
        """A page of sessions as stored (not yet lazily expired), and
        whether more follow."""
        return await reads.list_sessions(self.db.reader, tenant, query, now, self.idle_us)

    async def subject_with_count(self, tenant: str, subject_id: str) -> Subject | None:
        return await reads.subject_with_count(
            self.db.reader, tenant, subject_id, self.clock(), self.idle_us
        )

    async def live_session_ids(
        self, tenant: str, subject_id: str, reference: str, except_id: str
    ) -> list[str]:
        return await reads.live_session_ids(
            self.db.reader, tenant, subject_id, reference, except_id
        )

    async def due_exists(self) -> bool:
        return await reads.due_exists(self.db.reader, self.clock(), self.idle_us)

    # ----------------------------------------------------------- events, keys

    async def current_revision(self) -> int:
        return await reads.current_revision(self.db.reader)

    async def compact_revision(self) -> int:
        return await reads.compact_revision(self.db.reader)

    async def events_after(self, revision: int, limit: int = 1000) -> list[Event]:
        return await reads.events_after(self.db.reader, revision, limit)

    async def history(
        self, tenant: str, after: int, upto: int, key_name: str, key: str, limit: int
    ) -> list[Event]:
        return await reads.history(self.db.reader, tenant, after, upto, key_name, key, limit)

    async def compact(self) -> int:
        """Deletes events past retention, expired idempotency records and
        successor pairs past the grace window; returns the compact revision."""
        cutoff = self.clock() - self.settings.event_retention_seconds * US
        result: int = await self.db.writer.write(housekeeping.run, cutoff, self.deps.grace_us)
        return result

    async def rotate_signing_key(self, if_older_than_s: float | None = None) -> str | None:
        """A new signing key (None: the active one is younger than asked).
        Tokens the old key signed keep validating, and its public key stays
        in the JWKS, until they have all expired."""
        older = None if if_older_than_s is None else int(if_older_than_s * US)
        keep = self.settings.access_token_ttl_seconds * US
        kid: str | None = await self.db.writer.write(keys.rotate, self.sealer, older, keep)
        if kid is not None or self.keys.stale():
            await self.keys.reload()
        return kid

    async def reload_keys_if_stale(self) -> None:
        if self.keys.stale():
            await self.keys.reload()

    async def ended_sessions(self, tenant: str, page_size: int, page_token: str) -> EndedPage:
        """The verifier's snapshot, a page at a time (see snapshot.py)."""
        window = self.settings.access_token_ttl_seconds * US
        return await snapshot.ended_page(
            self.db.reader, self.page_tokens, tenant, page_size, page_token, self.clock(), window
        )

    async def jwks(self) -> list[dict[str, str]]:
        return self.keys.jwks()
