"""Ending sessions (revoke one, a chunk of many, a subject's all on a ban,
expiry by the clock), changing a live session's metadata, and reinstating
a subject."""

from __future__ import annotations

import dataclasses
from typing import Any

from .. import errors, policy
from ..domain import (
    LIVE_STATES,
    EndReason,
    EventType,
    Session,
    Subject,
    SubjectState,
    TerminationReason,
)
from .lifecycle import change, end, settle
from .repository import Deps, Refusal, Repository


def _locked(repo: Repository, deps: Deps, tenant: str, session_id: str) -> Session:
    s = repo.session_for_update(tenant, session_id)
    if s is None:
        raise errors.session_not_found(session_id)
    return settle(repo, s, deps.idle_us)[0]


def revoke(
    repo: Repository, deps: Deps, tenant: str, session_id: str, reason: EndReason | None
) -> Session:
    """Idempotent: an ended session comes back unchanged."""
    s = _locked(repo, deps, tenant, session_id)
    if s.state in LIVE_STATES:
        s = end(repo, s, policy.revoke_reason(reason), "")
    return s


def revoke_chunk(
    repo: Repository, deps: Deps, tenant: str, session_ids: list[str], reason: EndReason | None
) -> list[str]:
    """Ends those of `session_ids` still live (some may have ended since
    they were chosen: not counted); returns the ids it ended, in the order
    given. Sessions found past their deadline are written EXPIRED instead."""
    locked = repo.sessions_for_update(tenant, session_ids)
    ended: list[str] = []
    for sid in session_ids:
        found = locked.get(sid)
        if found is None:
            continue
        s = settle(repo, found, deps.idle_us)[0]
        if s.state in LIVE_STATES:
            end(repo, s, policy.revoke_reason(reason), "")
            ended.append(sid)
    return ended


def update_metadata(
    repo: Repository, deps: Deps, tenant: str, session_id: str, metadata: dict[str, Any]
) -> Session | Refusal:
    s = _locked(repo, deps, tenant, session_id)
    if s.state not in LIVE_STATES:
        # A lazy expiry found here is written, then the caller told.
        return Refusal(
            errors.failed_precondition(
                f"SESSION_{s.state.value}",
                f"session is {s.state.value.lower()}; an ended session never changes",
                session_id=session_id,
            )
        )
    return change(repo, s, dataclasses.replace(s, metadata=metadata), EventType.METADATA_UPDATED)


def terminate(
    repo: Repository,
    deps: Deps,
    tenant: str,
    subject_id: str,
    reason: TerminationReason,
    error_code: str,
) -> tuple[Subject, int]:
    """Bans or deletes the subject: every live session ends TERMINATED with
    the error code, and no create succeeds until it is reinstated."""
    end_reason = policy.end_reason_for_termination(reason)
    repo.lock_subject(tenant, subject_id)
    repo.set_subject_state(tenant, subject_id, SubjectState(reason.value), reason, error_code)
    count = 0
    for s in repo.live_sessions(tenant, subject_id):
        s, expired = settle(repo, s, deps.idle_us)
        if not expired:
            end(repo, s, end_reason, error_code)
            count += 1
    subject = repo.subject_with_count(tenant, subject_id, deps.idle_us)
    assert subject is not None
    return subject, count


def reinstate(repo: Repository, deps: Deps, tenant: str, subject_id: str) -> Subject:
    """Creates work again; sessions that ended stay ended."""
    if repo.subject_for_update(tenant, subject_id) is None:
        raise errors.subject_not_found(subject_id)
    repo.set_subject_state(tenant, subject_id, SubjectState.ACTIVE, None, "")
    subject = repo.subject_with_count(tenant, subject_id, deps.idle_us)
    assert subject is not None
    return subject


def expire_due(repo: Repository, deps: Deps, limit: int) -> int:
    """EXPIRED for live sessions past their deadline. Each is checked again
    here, so two reapers never expire one session twice."""
    count = 0
    idle_us = deps.idle_us
    for by in ("expire_us", "last_active_us") if idle_us else ("expire_us",):
        for s in repo.due_sessions(by, idle_us, limit):
            if s.state in LIVE_STATES and count < limit:
                count += settle(repo, s, idle_us)[1]
    return count


def touch(repo: Repository, session_id: str, now_us: int) -> None:
    """Moves last_active_time (no event: activity is not a state change)."""
    repo.touch(session_id, now_us)
