"""Units of work on sessions: create (with replay, rate limits and reuse),
start a pending session, revoke one or many, update metadata, and the
last-active touch of validation. Revoking many is the one flow of several
units (revoke_all): one unbounded unit would hold the writer, and with it
every tenant's writes, for as long as it takes."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from .. import errors, policy
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
from . import limits, ratelimits, refresh
from .context import Context
from .engine import Tx
from .outbox import LIVE, emit, end, idle_cutoff, settle
from .rows import session_from_row
from .sql import Sql
from .subjects import lock_subject

log = logging.getLogger("sessionauthority.store")

# Sessions per unit of work of RevokeSessions: some 50 ms of writer time on
# SQLite, so other writes get in at least that often during a revocation.
REVOKE_CHUNK = 500
# At most this many ids in a RevokeSessions reply (the count is always whole).
REPLY_IDS = 1000

_LOCK = Sql(
    "SELECT * FROM sessions WHERE session_id = :session_id AND tenant = :tenant {for_update}"
)
_SET_HANDOFF = Sql("UPDATE sessions SET handoff_hash = :h WHERE session_id = :session_id")
_BY_HANDOFF = Sql(
    "SELECT * FROM sessions WHERE handoff_hash = :h AND tenant = :tenant {for_update}"
)
_REUSABLE = Sql(
    "SELECT * FROM sessions WHERE tenant = :tenant AND subject_id = :subject_id AND "
    "reference = :reference AND state = :state AND expire_us > :now AND "
    "last_active_us > :idle_cutoff ORDER BY create_us DESC LIMIT 1 {for_update}"
)
_MATCHING_LIVE = (
    "SELECT * FROM sessions WHERE tenant = :tenant AND "
    + LIVE
    + " {} ORDER BY create_us {{for_update}}"
)
_REVOKE_MANY = {
    (bool(s), bool(r)): Sql(
        _MATCHING_LIVE.format(
            ("AND subject_id = :subject_id " if s else "")
            + ("AND reference = :reference" if r else "")
        )
    )
    for s in (0, 1)
    for r in (0, 1)
}
# What RevokeSessions ends, read once before any chunk runs: by id then,
# each chunk costs its own rows only, whatever index the filter has.
_REVOKE_TARGETS = {
    (bool(s), bool(r)): Sql(
        "SELECT session_id FROM sessions WHERE tenant = :tenant AND "
        + LIVE
        + (" AND subject_id = :subject_id" if s else "")
        + (" AND reference = :reference" if r else "")
        + " AND session_id <> :except_id ORDER BY create_us, session_id"
    )
    for s in (0, 1)
    for r in (0, 1)
}


@cache
def _lock_ids(n: int) -> Sql:
    """n sessions by id, locked in id order (two chunks that meet never
    wait on each other in opposite orders)."""
    ids = ", ".join(f":id{i}" for i in range(n))
    return Sql(
        f"SELECT * FROM sessions WHERE tenant = :tenant AND session_id IN ({ids})"
        " ORDER BY session_id {for_update}"
    )


_TOUCH = Sql(
    "UPDATE sessions SET last_active_us = :now WHERE session_id = :session_id"
    " AND state = 'ACTIVE' AND last_active_us < :now"
)


def _locked(tx: Tx, ctx: Context, tenant: str, session_id: str) -> Session:
    row = tx.one(_LOCK, session_id=session_id, tenant=tenant)
    if row is None:
        raise errors.session_not_found(session_id)
    return settle(tx, session_from_row(row), ctx.idle_us)[0]


def create(tx: Tx, ctx: Context, tenant: str, req: CreateRequest, ttl_us: int) -> CreateResult:
    # Subject lock first: a concurrent retry of the same request_id waits
    # here, then finds the first one's record.
    subject = lock_subject(tx, tenant, req.subject_id)
    fingerprint = req.fingerprint()
    if req.request_id:
        replayed = limits.replay(tx, ctx, tenant, req.idempotency_id(), fingerprint)
        if replayed is not None:
            return replayed
    if subject["state"] != SubjectState.ACTIVE.value:
        raise errors.subject_terminated(req.subject_id, subject["state"], subject["error_code"])
    ratelimits.take(tx, ctx.settings, tenant, req.caller_key, req.subject_id)
    result = _reuse(tx, ctx, tenant, req) if req.reuse_existing else None
    if result is None:
        _make_room(tx, ctx, tenant, req.subject_id)
        result = _create_new(tx, ctx, tenant, req, ttl_us)
    if req.request_id:
        limits.record(tx, ctx, tenant, req.idempotency_id(), fingerprint, result)
    return result


def _reuse(tx: Tx, ctx: Context, tenant: str, req: CreateRequest) -> CreateResult | None:
    """The live session with this subject and reference, if any: only a
    PENDING one for a pending create (with a new handoff code), only an
    ACTIVE one otherwise (with a new pair). Only StartSession activates."""
    row = tx.one(
        _REUSABLE,
        tenant=tenant,
        subject_id=req.subject_id,
        reference=req.reference,
        state=(State.PENDING if req.pending else State.ACTIVE).value,
        now=tx.now,
        idle_cutoff=idle_cutoff(tx.now, ctx.idle_us),
    )
    if row is None:
        return None
    s = session_from_row(row)
    if req.pending:
        code = new_handoff_code()
        tx.run(_SET_HANDOFF, h=secret_hash(code), session_id=s.session_id)
        return CreateResult(s, None, code, True)
    refresh.supersede(tx, s.session_id)
    after = emit(
        tx,
        s,
        dataclasses.replace(s, last_renew_us=tx.now, last_active_us=tx.now),
        EventType.RENEWED,
    )
    return CreateResult(after, refresh.mint_next(tx, ctx, after), "", True)


def _make_room(tx: Tx, ctx: Context, tenant: str, subject_id: str) -> None:
    """With MAX_SESSIONS_PER_SUBJECT, ends the subject's oldest live sessions
    (as SUPERSEDED) so the new one fits. Runs under the subject lock, so two
    concurrent creates cannot both find room."""
    cap = ctx.settings.max_sessions_per_subject
    if cap <= 0:
        return
    live: list[Session] = []
    for row in tx.all(
        _REVOKE_MANY[(True, False)], tenant=tenant, subject_id=subject_id, reference=""
    ):
        s, expired = settle(tx, session_from_row(row), ctx.idle_us)
        if not expired:
            live.append(s)
    for s in live[: max(len(live) - cap + 1, 0)]:
        end(tx, s, EndReason.SUPERSEDED, "")


def _create_new(tx: Tx, ctx: Context, tenant: str, req: CreateRequest, ttl_us: int) -> CreateResult:
    s = Session(
        session_id=new_session_id(),
        tenant=tenant,
        subject_id=req.subject_id,
        reference=req.reference,
        state=State.PENDING if req.pending else State.ACTIVE,
        metadata=req.metadata,
        create_us=tx.now,
        expire_us=tx.now + ttl_us,
        last_renew_us=tx.now,
        last_active_us=tx.now,
        end_us=None,
        end_reason=None,
        error_code="",
        revision=0,
        client=req.client,
    )
    s = emit(tx, None, s, EventType.CREATED)
    if req.pending:
        code = new_handoff_code()
        tx.run(_SET_HANDOFF, h=secret_hash(code), session_id=s.session_id)
        return CreateResult(s, None, code, False)
    return CreateResult(s, refresh.mint(tx, ctx, s, 1), "", False)


def start(tx: Tx, ctx: Context, tenant: str, handoff_code: str) -> tuple[Session, TokenPair | None]:
    row = tx.one(_BY_HANDOFF, h=secret_hash(handoff_code), tenant=tenant)
    if row is None:
        raise errors.handoff_invalid()
    s, expired = settle(tx, session_from_row(row), ctx.idle_us)
    # The code is single use, whatever happens next.
    tx.run(_SET_HANDOFF, h=None, session_id=s.session_id)
    if expired or s.state is not State.PENDING:
        tx.fail_after_commit(policy.ended_error(s))
        return s, None
    after = emit(
        tx,
        s,
        dataclasses.replace(s, state=State.ACTIVE, last_renew_us=tx.now, last_active_us=tx.now),
        EventType.STARTED,
    )
    return after, refresh.mint_next(tx, ctx, after)


def revoke(tx: Tx, ctx: Context, tenant: str, session_id: str, reason: EndReason | None) -> Session:
    """Idempotent: an ended session comes back unchanged."""
    s = _locked(tx, ctx, tenant, session_id)
    if s.state in LIVE_STATES:
        s = end(tx, s, policy.revoke_reason(reason), "")
    return s


@dataclasses.dataclass(frozen=True)
class RevokeMatch:
    """What RevokeSessions ends: live sessions of this subject and/or
    reference, but one."""

    subject_id: str
    reference: str
    except_session_id: str


@dataclasses.dataclass(frozen=True)
class Revoked:
    count: int
    session_ids: list[str]  # the first REPLY_IDS of them, oldest first
    truncated: bool


Read = Callable[..., Awaitable[list[Any]]]
Write = Callable[..., Awaitable[Any]]
# Revocations whose caller went away: held so they run to the end.
_DETACHED: set[asyncio.Future[Revoked]] = set()


async def revoke_all(
    read: Read, write: Write, tenant: str, match: RevokeMatch, reason: EndReason | None
) -> Revoked:
    """Ends every matching session that is live when the call begins (one
    read, off the writer), REVOKE_CHUNK per unit of work, each committed
    before the next is queued, so other writes run in between.

    It runs to the end even when the caller goes away: a deadline passing
    half way must not leave alive sessions the caller meant to end. If a
    chunk fails after others committed, the error says so: its ErrorInfo
    metadata `revoked_count` is how many this call ended (they stay ended);
    a retry ends the rest and counts only those."""
    task = asyncio.ensure_future(_revoke_chunks(read, write, tenant, match, reason))
    _DETACHED.add(task)
    task.add_done_callback(_forget)
    return await asyncio.shield(task)


def _forget(task: asyncio.Future[Revoked]) -> None:
    _DETACHED.discard(task)
    # Retrieved here so an error nobody awaits any more is logged once.
    if not task.cancelled() and task.exception() is not None:
        log.info("RevokeSessions failed: %s", task.exception())


async def _revoke_chunks(
    read: Read, write: Write, tenant: str, match: RevokeMatch, reason: EndReason | None
) -> Revoked:
    rows = await read(
        _REVOKE_TARGETS[(bool(match.subject_id), bool(match.reference))],
        tenant=tenant,
        subject_id=match.subject_id,
        reference=match.reference,
        except_id=match.except_session_id,
    )
    targets = [r["session_id"] for r in rows]
    count, ids = 0, []
    for start in range(0, len(targets), REVOKE_CHUNK):
        chunk = targets[start : start + REVOKE_CHUNK]
        try:
            ended: list[str] = await write(revoke_chunk, tenant, chunk, reason)
        except Exception as exc:
            if count == 0:
                raise  # nothing committed: the error is the whole answer
            raise _incomplete(exc, count) from exc
        count += len(ended)
        ids.extend(ended[: max(REPLY_IDS - len(ids), 0)])
    return Revoked(count, ids, count > len(ids))


def _incomplete(exc: Exception, count: int) -> errors.DomainError:
    """The failure of a later chunk, saying what earlier ones committed."""
    if isinstance(exc, errors.DomainError):
        base = exc
    else:
        log.error("a RevokeSessions chunk failed", exc_info=exc)
        base = errors.storage_unavailable(type(exc).__name__)
    return dataclasses.replace(
        base,
        message=f"revoking stopped ({base.reason}) after {count} sessions had been revoked; "
        "those stay revoked: retry to revoke the rest",
        metadata={**base.metadata, "revoked_count": str(count)},
    )


def revoke_chunk(
    tx: Tx, ctx: Context, tenant: str, session_ids: list[str], reason: EndReason | None
) -> list[str]:
    """Ends those of `session_ids` still live (some may have ended since
    they were read: not counted); returns the ids it ended, in the order
    given. Sessions found past their deadline are written EXPIRED instead."""
    locked = {
        r["session_id"]: r
        for r in tx.all(
            _lock_ids(len(session_ids)),
            tenant=tenant,
            **{f"id{i}": sid for i, sid in enumerate(session_ids)},
        )
    }
    ended: list[str] = []
    for sid in session_ids:
        row = locked.get(sid)
        if row is None:
            continue
        # A session past its deadline comes back EXPIRED: not ours to count.
        s = settle(tx, session_from_row(row), ctx.idle_us)[0]
        if s.state in LIVE_STATES:
            end(tx, s, policy.revoke_reason(reason), "")
            ended.append(sid)
    return ended


def update_metadata(
    tx: Tx, ctx: Context, tenant: str, session_id: str, metadata: dict[str, Any]
) -> Session:
    s = _locked(tx, ctx, tenant, session_id)
    if s.state not in LIVE_STATES:
        tx.fail_after_commit(
            errors.failed_precondition(
                f"SESSION_{s.state.value}",
                f"session is {s.state.value.lower()}; an ended session never changes",
                session_id=session_id,
            )
        )
        return s
    return emit(tx, s, dataclasses.replace(s, metadata=metadata), EventType.METADATA_UPDATED)


def touch(tx: Tx, session_id: str, now_us: int) -> None:
    """Moves last_active_time (no event: activity is not a state change)."""
    tx.run(_TOUCH, session_id=session_id, now=now_us)
