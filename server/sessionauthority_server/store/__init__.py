"""The store: what the servicers call. Each method checks its input (inputs.py),
then either hands one unit of work to the writer or makes one read, and
returns domain objects. Units live by concern in the modules beside this one.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from .. import inputs, policy
from ..config import Settings
from ..domain import (
    CreateResult,
    EndedPage,
    EndReason,
    Event,
    InvalidReason,
    Session,
    Subject,
    TerminationReason,
    TokenPair,
    Validation,
)
from ..errors import session_not_found, subject_not_found
from ..inputs import CreateRequest, ListRequest
from ..pagetokens import PageTokens
from ..tokens import Sealer, VerifiedTokens, secret_hash, unverified_kid, verify_access_token
from . import keys, limits, outbox, ratelimits, reads, refresh, rows, sessions, snapshot, subjects
from .context import US, Context
from .database import Database, DatabaseUrlError, sqlite_path
from .engine import Clock, Tx
from .keys import KeyRing
from .notify import CommitListener

__all__ = ["Clock", "CreateRequest", "DatabaseUrlError", "ListRequest", "Store", "sqlite_path"]


def system_clock() -> int:
    return time.time_ns() // 1000


def _housekeeping(tx: Tx, ctx: Context, cutoff_us: int) -> int:
    compact = outbox.compact(tx, cutoff_us)
    tx.run(limits.PURGE, now=tx.now)
    tx.run(ratelimits.PURGE, now=tx.now)
    tx.run(refresh.FORGET_SUCCESSORS, before=tx.now - ctx.grace_us)
    return compact


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
        self._verified = VerifiedTokens()
        self.page_tokens = PageTokens(sealer.derive("page-tokens"))
        self.keys: KeyRing
        self.ctx: Context

    async def start(self) -> None:
        await self.db.open(self.clock, self._committed)
        self.keys = KeyRing(self.db.reader, self.sealer)
        self.ctx = Context(self.settings, self.sealer, self.keys)
        await self.db.writer.write(keys.ensure_active, self.sealer)
        await self.keys.reload()

    async def close(self) -> None:
        await self.db.close()

    def listen(self, listener: Callable[[list[Event]], None]) -> None:
        """`listener` gets every batch of events this process commits, in
        revision order, right after COMMIT (the watch hub subscribes here)."""
        self._listeners.append(listener)

    def commit_listener(self, wake: Callable[[int], None]) -> CommitListener | None:
        """Wakes `wake` when another replica commits events (PostgreSQL)."""
        return self.db.commit_listener(wake)

    def _committed(self, events: list[Event]) -> None:
        for listener in self._listeners:
            listener(events)

    async def _write(self, unit: Callable[..., Any], *args: Any) -> Any:
        return await self.db.writer.write(unit, self.ctx, *args)

    # ----------------------------------------------------------- sessions

    async def create_session(self, tenant: str, req: CreateRequest) -> CreateResult:
        ttl_us = inputs.create(
            req, self.settings.session_ttl_seconds, self.settings.max_session_ttl_seconds
        )
        result: CreateResult = await self._write(sessions.create, tenant, req, ttl_us)
        return result

    async def start_session(self, tenant: str, handoff_code: str) -> tuple[Session, TokenPair]:
        inputs.handoff_code(handoff_code)
        result: tuple[Session, TokenPair] = await self._write(sessions.start, tenant, handoff_code)
        return result

    async def get_session(self, tenant: str, session_id: str) -> Session:
        inputs.session_id(session_id)
        s = await reads.session(self.db.reader, tenant, session_id)
        if s is None:
            raise session_not_found(session_id)
        return policy.effective(s, self.clock(), self.idle_us)

    async def list_sessions(
        self, tenant: str, req: ListRequest, size_of: Callable[[Session], int] | None = None
    ) -> tuple[list[Session], str]:
        """A page and the next page's token ("" on the last). A page ends at
        page_size sessions, or sooner once the next would take it past
        MAX_PAGE_BYTES as `size_of` measures (the transport's own encoding;
        by default an upper bound; called once per session, in order, and
        once more for the first left off), never empty while sessions
        remain. The token is bound to this tenant and these filters
        (pagetokens.py)."""
        tokens = self.page_tokens
        kind = inputs.LIST_TOKEN_KIND
        q = inputs.list_query(req, lambda token, key: tokens.open(token, kind, tenant, key))
        now = self.clock()
        rows, more = await reads.list_sessions(self.db.reader, tenant, q, now, self.idle_us)
        measure = size_of or (lambda s: inputs.estimated_session_bytes(s.metadata))
        page: list[Session] = []
        used = 0
        for s in (policy.effective(r, now, self.idle_us) for r in rows):
            used += measure(s)
            if page and used > inputs.MAX_PAGE_BYTES:
                more = True
                break
            page.append(s)
        if not more:
            return page, ""
        last = page[-1]
        cursor = inputs.ListQuery.cursor(last.create_us, last.session_id)
        return page, tokens.issue(kind, tenant, q.filter_key, cursor)

    async def validate(
        self, tenant: str, access_token: str, expected_subject: str, expected_reference: str
    ) -> Validation:
        if not inputs.access_token(access_token):
            return Validation(InvalidReason.MALFORMED, None)
        hit = self._verified.get(access_token)
        if hit is not None and self.keys.known(hit[0].kid) is hit[0]:
            claims = hit[1]
        else:
            kid, bad = unverified_kid(access_token)
            if bad or kid is None:
                return Validation(bad, None)
            key = await self.keys.find(kid)
            if key is None:
                return Validation(InvalidReason.BAD_SIGNATURE, None)
            verified, bad = verify_access_token(
                access_token, key, self.settings.issuer, self.settings.audience
            )
            if bad or verified is None:
                return Validation(bad, None)
            claims = verified
            self._verified.put(access_token, key, claims)
        if claims.tenant != tenant:
            return Validation(InvalidReason.SESSION_NOT_FOUND, None)
        stored = await reads.session(self.db.reader, tenant, claims.session_id)
        if stored is None:
            return Validation(InvalidReason.SESSION_NOT_FOUND, None)
        now = self.clock()
        s = policy.effective(stored, now, self.idle_us)
        reason = policy.validation_outcome(
            s, claims.subject_id, claims.exp, expected_subject, expected_reference, now
        )
        if reason is None and now - s.last_active_us >= policy.ACTIVE_TOUCH_INTERVAL_US:
            await self.db.writer.write(sessions.touch, s.session_id, now)
            s = dataclasses.replace(s, last_active_us=now)
        return Validation(reason, s)

    async def renew(self, tenant: str, refresh_token: str) -> tuple[Session, TokenPair]:
        inputs.refresh_token(refresh_token)
        result: tuple[Session, TokenPair] = await self._write(
            refresh.renew, tenant, secret_hash(refresh_token)
        )
        return result

    async def revoke(self, tenant: str, session_id: str, reason: EndReason | None) -> Session:
        inputs.revoke(session_id, reason)
        result: Session = await self._write(sessions.revoke, tenant, session_id, reason)
        return result

    async def revoke_many(
        self,
        tenant: str,
        subject_id: str,
        reference: str,
        except_session_id: str,
        reason: EndReason | None,
    ) -> sessions.Revoked:
        """In chunks, each its own unit of work (see sessions.revoke_all)."""
        inputs.revoke_many(subject_id, reference, except_session_id, reason)
        match = sessions.RevokeMatch(subject_id, reference, except_session_id)
        return await sessions.revoke_all(self.db.reader.all, self._write, tenant, match, reason)

    async def update_metadata(
        self, tenant: str, session_id: str, metadata: dict[str, Any], size: int
    ) -> Session:
        inputs.update_metadata(session_id, size, metadata)
        result: Session = await self._write(sessions.update_metadata, tenant, session_id, metadata)
        return result

    # ----------------------------------------------------------- subjects

    async def get_subject(self, tenant: str, subject_id: str) -> Subject:
        inputs.subject_id(subject_id)
        now = self.clock()
        row = await self.db.reader.one(
            subjects.WITH_COUNT,
            tenant=tenant,
            subject_id=subject_id,
            now=now,
            idle_cutoff=outbox.idle_cutoff(now, self.idle_us),
        )
        if row is None:
            raise subject_not_found(subject_id)
        return rows.subject_from_row(row, row["session_count"])

    async def terminate_subject(
        self, tenant: str, subject_id: str, reason: TerminationReason | None, error_code: str
    ) -> tuple[Subject, int]:
        checked = inputs.terminate(subject_id, reason, error_code)
        result: tuple[Subject, int] = await self._write(
            subjects.terminate, tenant, subject_id, checked, error_code
        )
        return result

    async def reinstate_subject(self, tenant: str, subject_id: str) -> Subject:
        inputs.subject_id(subject_id)
        result: Subject = await self._write(subjects.reinstate, tenant, subject_id)
        return result

    # ----------------------------------------------------------- expiry, events

    async def expire_due(self, limit: int = 500) -> int:
        """Writes EXPIRED for live sessions past their deadline; looks first
        with a read, since most calls find nothing due."""
        if not await reads.due_exists(self.db.reader, self.clock(), self.idle_us):
            return 0
        count: int = await self.db.writer.write(outbox.expire_due, self.idle_us, limit)
        return count

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
        result: int = await self._write(_housekeeping, cutoff)
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
