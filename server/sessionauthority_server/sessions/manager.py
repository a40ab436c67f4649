"""The session manager: what the transports call. Each method checks its
input (inputs.py), then runs one flow of the rules (create.py, renew.py,
ending.py) as a unit of work, or makes a read, and answers with domain
objects. The flows decide; the store only reads and writes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from .. import inputs, policy
from ..domain import (
    CreateResult,
    EndedPage,
    EndReason,
    InvalidReason,
    Session,
    Subject,
    TerminationReason,
    TokenPair,
    Validation,
)
from ..errors import session_not_found, subject_not_found
from ..inputs import CreateRequest, ListRequest
from ..store import US, Store
from ..tokens import VerifiedTokens, secret_hash, unverified_kid, verify_access_token
from . import create, ending, renew
from .repository import Lookahead, Refusal
from .revoke_many import Revoked, revoke_all

T = TypeVar("T")


def _final(s: Session, revisions: dict[str, int]) -> Session:
    """The session with the revision its last change got at commit."""
    revision = revisions.get(s.session_id)
    return s if revision is None else dataclasses.replace(s, revision=revision)


def _answer(result: T | Refusal) -> T:
    if isinstance(result, Refusal):
        raise result.error
    return result


class SessionManager:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings
        self.clock = store.clock
        self.idle_us = store.settings.idle_timeout_seconds * US
        self._verified = VerifiedTokens()

    async def _run(
        self, flow: Callable[..., Any], *args: Any, ahead: Lookahead | None = None
    ) -> tuple[Any, dict[str, int]]:
        return await self.store.run(flow, *args, ahead=ahead)

    # ----------------------------------------------------------- sessions

    async def create_session(self, tenant: str, req: CreateRequest) -> CreateResult:
        ttl_us = inputs.create(
            req, self.settings.session_ttl_seconds, self.settings.max_session_ttl_seconds
        )
        result, revisions = await self._run(
            create.create, tenant, req, ttl_us, ahead=create.lookahead(tenant, req)
        )
        r: CreateResult = result
        return dataclasses.replace(r, session=_final(r.session, revisions))

    async def start_session(self, tenant: str, handoff_code: str) -> tuple[Session, TokenPair]:
        inputs.handoff_code(handoff_code)
        result, revisions = await self._run(create.start, tenant, handoff_code)
        session, pair = _answer(result)
        return _final(session, revisions), pair

    async def get_session(self, tenant: str, session_id: str) -> Session:
        inputs.session_id(session_id)
        s = await self.store.session(tenant, session_id)
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
        tokens = self.store.page_tokens
        kind = inputs.LIST_TOKEN_KIND
        q = inputs.list_query(req, lambda token, key: tokens.open(token, kind, tenant, key))
        now = self.clock()
        rows, more = await self.store.session_rows(tenant, q, now)
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
        keys = self.store.keys
        hit = self._verified.get(access_token)
        if hit is not None and keys.known(hit[0].kid) is hit[0]:
            claims = hit[1]
        else:
            kid, bad = unverified_kid(access_token)
            if bad or kid is None:
                return Validation(bad, None)
            key = await keys.find(kid)
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
        stored = await self.store.session(tenant, claims.session_id)
        if stored is None:
            return Validation(InvalidReason.SESSION_NOT_FOUND, None)
        now = self.clock()
        s = policy.effective(stored, now, self.idle_us)
        reason = policy.validation_outcome(
            s, claims.subject_id, claims.exp, expected_subject, expected_reference, now
        )
        if reason is None and now - s.last_active_us >= policy.ACTIVE_TOUCH_INTERVAL_US:
            await self.store.touch(s.session_id, now)
            s = dataclasses.replace(s, last_active_us=now)
        return Validation(reason, s)

    async def renew(self, tenant: str, refresh_token: str) -> tuple[Session, TokenPair]:
        inputs.refresh_token(refresh_token)
        token_hash = secret_hash(refresh_token)
        result, revisions = await self._run(
            renew.renew, tenant, token_hash, ahead=renew.lookahead(tenant, token_hash)
        )
        session, pair = _answer(result)
        return _final(session, revisions), pair

    async def revoke(self, tenant: str, session_id: str, reason: EndReason | None) -> Session:
        inputs.revoke(session_id, reason)
        session, revisions = await self._run(ending.revoke, tenant, session_id, reason)
        return _final(session, revisions)

    async def revoke_many(
        self,
        tenant: str,
        subject_id: str,
        reference: str,
        except_session_id: str,
        reason: EndReason | None,
    ) -> Revoked:
        """In chunks, each its own unit of work (see revoke_many.py)."""
        inputs.revoke_many(subject_id, reference, except_session_id, reason)

        async def targets() -> list[str]:
            return await self.store.live_session_ids(
                tenant, subject_id, reference, except_session_id
            )

        async def chunk(ids: list[str], why: EndReason | None) -> list[str]:
            ended: list[str] = (await self._run(ending.revoke_chunk, tenant, ids, why))[0]
            return ended

        return await revoke_all(targets, chunk, reason)

    async def update_metadata(
        self, tenant: str, session_id: str, metadata: dict[str, Any], size: int
    ) -> Session:
        inputs.update_metadata(session_id, size, metadata)
        result, revisions = await self._run(ending.update_metadata, tenant, session_id, metadata)
        return _final(_answer(result), revisions)

    async def expire_due(self, limit: int = 500) -> int:
        """Writes EXPIRED for live sessions past their deadline; looks first
        with a read, since most calls find nothing due."""
        if not await self.store.due_exists():
            return 0
        count: int = (await self._run(ending.expire_due, limit))[0]
        return count

    # ----------------------------------------------------------- subjects

    async def get_subject(self, tenant: str, subject_id: str) -> Subject:
        inputs.subject_id(subject_id)
        subject = await self.store.subject_with_count(tenant, subject_id)
        if subject is None:
            raise subject_not_found(subject_id)
        return subject

    async def terminate_subject(
        self, tenant: str, subject_id: str, reason: TerminationReason | None, error_code: str
    ) -> tuple[Subject, int]:
        checked = inputs.terminate(subject_id, reason, error_code)
        result: tuple[Subject, int] = (
            await self._run(ending.terminate, tenant, subject_id, checked, error_code)
        )[0]
        return result

    async def reinstate_subject(self, tenant: str, subject_id: str) -> Subject:
        inputs.subject_id(subject_id)
        subject: Subject = (await self._run(ending.reinstate, tenant, subject_id))[0]
        return subject

    # ----------------------------------------------------------- verifiers

    async def jwks(self) -> list[dict[str, str]]:
        """The public keys every token still valid was signed with."""
        return await self.store.jwks()

    async def ended_sessions(self, tenant: str, page_size: int, page_token: str) -> EndedPage:
        """The verifier's snapshot, a page at a time (see store/snapshot.py)."""
        return await self.store.ended_sessions(tenant, page_size, page_token)
