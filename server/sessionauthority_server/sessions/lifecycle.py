"""Every change of a session goes through `change`: the transition table
(policy.TRANSITIONS) is checked before anything is written, so no flow can
move a session that has ended."""

from __future__ import annotations

from .. import policy
from ..domain import EndReason, EventType, Session
from .repository import Repository


def change(repo: Repository, before: Session | None, after: Session, event: EventType) -> Session:
    policy.check_transition(before.state if before else None, event, after.state)
    return repo.save(before, after, event)


def settle(repo: Repository, s: Session, idle_us: int) -> tuple[Session, bool]:
    """Writes a lazy expiry as a real transition. Returns (session, changed)."""
    reason = policy.deadline_passed(s, repo.now, idle_us)
    if reason is None:
        return s, False
    return change(repo, s, policy.as_expired(s, reason, idle_us), EventType.EXPIRED), True


def end(repo: Repository, s: Session, reason: EndReason, error_code: str) -> Session:
    """Ends a live session (revoke, terminate); its handoff code dies with it."""
    after, event = policy.ended(s, reason, error_code, repo.now)
    repo.set_handoff(s.session_id, None)
    return change(repo, s, after, event)
