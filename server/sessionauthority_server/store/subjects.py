"""Subjects: the per-subject lock every create and terminate takes, ban or
delete (every live session ends TERMINATED), reinstate, and the read."""

from __future__ import annotations

from typing import Any

from .. import errors, policy
from ..domain import Subject, SubjectState, TerminationReason
from .context import Context
from .engine import Tx
from .outbox import LIVE, end, idle_cutoff, settle
from .rows import session_from_row, subject_from_row
from .sql import Sql

_ENSURE = Sql(
    "INSERT INTO subjects (tenant, subject_id, state, error_code, create_us, update_us) "
    "VALUES (:tenant, :subject_id, 'ACTIVE', '', :now, :now) "
    "ON CONFLICT (tenant, subject_id) DO NOTHING"
)
_LOCK = Sql(
    "SELECT * FROM subjects WHERE tenant = :tenant AND subject_id = :subject_id {for_update}"
)
_SET_STATE = Sql(
    "UPDATE subjects SET state = :state, termination_reason = :reason, error_code = :error_code,"
    " update_us = :now WHERE tenant = :tenant AND subject_id = :subject_id"
)
_LIVE_SESSIONS = Sql(
    "SELECT * FROM sessions WHERE tenant = :tenant AND subject_id = :subject_id AND "
    + LIVE
    + " ORDER BY create_us {for_update}"
)
# A subject with how many of its sessions are live right now, in one read.
WITH_COUNT = Sql(
    "SELECT s.*, (SELECT count(*) FROM sessions x WHERE x.tenant = s.tenant AND "
    "x.subject_id = s.subject_id AND x." + LIVE + " AND "
    "x.expire_us > :now AND x.last_active_us > :idle_cutoff) AS session_count "
    "FROM subjects s WHERE s.tenant = :tenant AND s.subject_id = :subject_id"
)


def lock_subject(tx: Tx, tenant: str, subject_id: str) -> Any:
    """Makes sure the subject row exists and locks it for this transaction.

    Lock order, everywhere: subject, then session, then refresh token. Every
    write that depends on the subject's state (create, terminate) takes this
    first, so on PostgreSQL they serialize per subject: a create cannot slip
    a live session past a concurrent ban, and two first-time writers never
    both insert the row. (SQLite has one writer for the whole file.)"""
    tx.run(_ENSURE, tenant=tenant, subject_id=subject_id, now=tx.now)
    return tx.one(_LOCK, tenant=tenant, subject_id=subject_id)


def _with_count(tx: Tx, ctx: Context, tenant: str, subject_id: str) -> Subject:
    row = tx.one(
        WITH_COUNT,
        tenant=tenant,
        subject_id=subject_id,
        now=tx.now,
        idle_cutoff=idle_cutoff(tx.now, ctx.idle_us),
    )
    assert row is not None
    return subject_from_row(row, row["session_count"])


def terminate(
    tx: Tx, ctx: Context, tenant: str, subject_id: str, reason: TerminationReason, error_code: str
) -> tuple[Subject, int]:
    end_reason = policy.end_reason_for_termination(reason)
    lock_subject(tx, tenant, subject_id)
    tx.run(
        _SET_STATE,
        tenant=tenant,
        subject_id=subject_id,
        state=SubjectState(reason.value).value,
        reason=reason.value,
        error_code=error_code,
        now=tx.now,
    )
    count = 0
    for row in tx.all(_LIVE_SESSIONS, tenant=tenant, subject_id=subject_id):
        s, expired = settle(tx, session_from_row(row), ctx.idle_us)
        if not expired:
            end(tx, s, end_reason, error_code)
            count += 1
    return _with_count(tx, ctx, tenant, subject_id), count


def reinstate(tx: Tx, ctx: Context, tenant: str, subject_id: str) -> Subject:
    if tx.one(_LOCK, tenant=tenant, subject_id=subject_id) is None:
        raise errors.subject_not_found(subject_id)
    tx.run(
        _SET_STATE,
        tenant=tenant,
        subject_id=subject_id,
        state=SubjectState.ACTIVE.value,
        reason=None,
        error_code="",
        now=tx.now,
    )
    return _with_count(tx, ctx, tenant, subject_id)
