"""Creating a session (with replay of a repeated request_id, rate limits,
reuse of a live session, and the per-subject cap) and starting a pending
one with its handoff code."""

from __future__ import annotations

import dataclasses

from .. import errors, policy
from ..codec import create_answer_bytes, create_answer_from_bytes
from ..domain import (
    LIVE_STATES,
    CreateResult,
    EndReason,
    EventType,
    Session,
    State,
    SubjectState,
    TokenPair,
)
from ..inputs import CreateRequest
from ..tokens import new_handoff_code, new_session_id, secret_hash
from . import ratelimits
from .lifecycle import change, end, settle
from .pairs import mint, mint_next
from .repository import US, Deps, IdempotencyRecord, Lookahead, Refusal, Repository


def lookahead(tenant: str, req: CreateRequest) -> Lookahead:
    """create's first read."""
    return Lookahead("lock_subject", (tenant, req.subject_id))


def create(
    repo: Repository, deps: Deps, tenant: str, req: CreateRequest, ttl_us: int
) -> CreateResult:
    # Subject lock first: a concurrent retry of the same request_id waits
    # here, then finds the first one's record.
    subject = repo.lock_subject(tenant, req.subject_id)
    fingerprint = req.fingerprint()
    if req.request_id:
        replayed = replay(repo, deps, tenant, req.idempotency_id(), fingerprint)
        if replayed is not None:
            return replayed
    if subject.state is not SubjectState.ACTIVE:
        raise errors.subject_terminated(req.subject_id, subject.state.value, subject.error_code)
    ratelimits.take(repo, deps.settings, tenant, req.caller_key, req.subject_id)
    result = _reuse(repo, deps, tenant, req) if req.reuse_existing else None
    if result is None:
        _make_room(repo, deps, tenant, req.subject_id)
        result = _create_new(repo, deps, tenant, req, ttl_us)
    if req.request_id:
        _record(repo, deps, tenant, req.idempotency_id(), fingerprint, result)
    return result


def _aad(tenant: str, request_id: str) -> str:
    return f"{tenant}/{request_id}"


def replay(
    repo: Repository, deps: Deps, tenant: str, request_id: str, fingerprint: str
) -> CreateResult | None:
    """The first answer for this request_id, or None if there is none."""
    record = repo.idempotency(tenant, request_id)
    if record is None:
        return None
    if record.expire_us <= repo.now:
        repo.drop_idempotency(tenant, request_id)
        return None
    if record.fingerprint != fingerprint:
        raise errors.invalid_argument(
            [("request_id", "was already used for a create with other parameters")]
        )
    stored = repo.session_for_update(tenant, record.session_id)
    assert stored is not None
    plain = deps.sealer.open(record.response_sealed, aad=_aad(tenant, request_id))
    tokens, handoff = create_answer_from_bytes(plain)
    session = policy.effective(stored, repo.now, deps.idle_us)
    # The first answer's secrets go back only while they still work: a
    # refresh token that has rotated (or a used handoff code) would hand
    # whoever replays the request a way to take over or kill the session.
    if tokens is not None and not (
        session.state in LIVE_STATES and _unrotated(repo, tokens.refresh_token)
    ):
        tokens = None
    if handoff and not (
        session.state is State.PENDING
        and repo.handoff_hash(session.session_id) == secret_hash(handoff)
    ):
        handoff = ""
    return CreateResult(session, tokens, handoff, record.reused, replayed=True)


def _unrotated(repo: Repository, refresh_token: str) -> bool:
    token = repo.refresh_token(secret_hash(refresh_token))
    return token is not None and token.rotated_us is None and not token.superseded


def _record(
    repo: Repository, deps: Deps, tenant: str, request_id: str, fingerprint: str, r: CreateResult
) -> None:
    sealed = deps.sealer.seal(
        create_answer_bytes(r.tokens, r.handoff_code), aad=_aad(tenant, request_id)
    )
    expire_us = repo.now + deps.settings.idempotency_ttl_seconds * US
    repo.add_idempotency(
        tenant,
        request_id,
        IdempotencyRecord(fingerprint, r.session.session_id, sealed, r.reused, expire_us),
    )


def _reuse(repo: Repository, deps: Deps, tenant: str, req: CreateRequest) -> CreateResult | None:
    """The live session with this subject and reference, if any: only a
    PENDING one for a pending create (with a new handoff code), only an
    ACTIVE one otherwise (with a new pair). Only StartSession activates."""
    state = State.PENDING if req.pending else State.ACTIVE
    s = repo.reusable_session(tenant, req.subject_id, req.reference, state.value, deps.idle_us)
    if s is None:
        return None
    if req.pending:
        return CreateResult(s, None, _new_handoff(repo, s), True)
    repo.supersede_refresh_tokens(s.session_id)
    after = change(
        repo,
        s,
        dataclasses.replace(s, last_renew_us=repo.now, last_active_us=repo.now),
        EventType.RENEWED,
    )
    return CreateResult(after, mint_next(repo, deps, after), "", True)


def _new_handoff(repo: Repository, s: Session) -> str:
    code = new_handoff_code()
    repo.set_handoff(s.session_id, secret_hash(code))
    return code


def _make_room(repo: Repository, deps: Deps, tenant: str, subject_id: str) -> None:
    """With MAX_SESSIONS_PER_SUBJECT, ends the subject's oldest live sessions
    (as SUPERSEDED) so the new one fits. Runs under the subject lock, so two
    concurrent creates cannot both find room."""
    cap = deps.settings.max_sessions_per_subject
    if cap <= 0:
        return
    live: list[Session] = []
    for s in repo.live_sessions(tenant, subject_id):
        s, expired = settle(repo, s, deps.idle_us)
        if not expired:
            live.append(s)
    for s in live[: max(len(live) - cap + 1, 0)]:
        end(repo, s, EndReason.SUPERSEDED, "")


def _create_new(
    repo: Repository, deps: Deps, tenant: str, req: CreateRequest, ttl_us: int
) -> CreateResult:
    now = repo.now
    s = Session(
        session_id=new_session_id(),
        tenant=tenant,
        subject_id=req.subject_id,
        reference=req.reference,
        state=State.PENDING if req.pending else State.ACTIVE,
        metadata=req.metadata,
        create_us=now,
        expire_us=now + ttl_us,
        last_renew_us=now,
        last_active_us=now,
        end_us=None,
        end_reason=None,
        error_code="",
        revision=0,
        client=req.client,
    )
    s = change(repo, None, s, EventType.CREATED)
    if req.pending:
        return CreateResult(s, None, _new_handoff(repo, s), False)
    return CreateResult(s, mint(repo, deps, s, 1), "", False)


Started = tuple[Session, TokenPair] | Refusal


def start(repo: Repository, deps: Deps, tenant: str, handoff_code: str) -> Started:
    s = repo.session_by_handoff(tenant, secret_hash(handoff_code))
    if s is None:
        raise errors.handoff_invalid()
    s, expired = settle(repo, s, deps.idle_us)
    # The code is single use, whatever happens next.
    repo.set_handoff(s.session_id, None)
    if expired or s.state is not State.PENDING:
        return Refusal(policy.ended_error(s))
    after = change(
        repo,
        s,
        dataclasses.replace(s, state=State.ACTIVE, last_renew_us=repo.now, last_active_us=repo.now),
        EventType.STARTED,
    )
    return after, mint_next(repo, deps, after)
