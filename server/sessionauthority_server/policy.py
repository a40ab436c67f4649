"""Pure rules: lazy expiry, legal state transitions, token lifetimes, and
what validation answers. No I/O, no gRPC."""

from __future__ import annotations

import dataclasses

from .domain import (
    LIVE_STATES,
    TERMINAL_STATES,
    EndReason,
    EventType,
    InvalidReason,
    Session,
    State,
    TerminationReason,
)
from .errors import DomainError, illegal_transition, unauthenticated

US = 1_000_000
# last_active_time moves on validate at most this often, to keep validation a read.
ACTIVE_TOUCH_INTERVAL_US = 60 * US


def deadline_passed(session: Session, now_us: int, idle_timeout_us: int) -> EndReason | None:
    """Why a live session is over by the clock alone, or None."""
    if session.state not in LIVE_STATES:
        return None
    if now_us >= session.expire_us:
        return EndReason.EXPIRED
    if idle_timeout_us > 0 and now_us >= session.last_active_us + idle_timeout_us:
        return EndReason.IDLE_TIMEOUT
    return None


def expiry_deadline(session: Session, idle_timeout_us: int) -> int:
    """When a live session ends if nothing happens to it."""
    if idle_timeout_us > 0:
        return min(session.expire_us, session.last_active_us + idle_timeout_us)
    return session.expire_us


def as_expired(session: Session, reason: EndReason, idle_timeout_us: int) -> Session:
    """The session as EXPIRED, ended at its deadline (not when someone noticed)."""
    return dataclasses.replace(
        session,
        state=State.EXPIRED,
        end_reason=reason,
        end_us=expiry_deadline(session, idle_timeout_us),
    )


def effective(session: Session, now_us: int, idle_timeout_us: int) -> Session:
    """Lazy expiry: a session past its deadline is EXPIRED to every reader,
    whether or not the reaper has written the transition yet."""
    reason = deadline_passed(session, now_us, idle_timeout_us)
    return as_expired(session, reason, idle_timeout_us) if reason else session


def end_reason_for_termination(reason: TerminationReason) -> EndReason:
    return (
        EndReason.SUBJECT_BANNED
        if reason is TerminationReason.BANNED
        else EndReason.SUBJECT_DELETED
    )


# Which event may move a session from which state to which.
TRANSITIONS: dict[EventType, tuple[frozenset[State], State | None]] = {
    EventType.CREATED: (frozenset(), None),
    EventType.STARTED: (frozenset({State.PENDING}), State.ACTIVE),
    EventType.RENEWED: (frozenset({State.ACTIVE}), State.ACTIVE),
    EventType.METADATA_UPDATED: (LIVE_STATES, None),
    EventType.REVOKED: (LIVE_STATES, State.REVOKED),
    EventType.EXPIRED: (LIVE_STATES, State.EXPIRED),
    EventType.TERMINATED: (LIVE_STATES, State.TERMINATED),
}


def check_transition(before: State | None, event: EventType, after: State) -> None:
    """Raises when an event would make an illegal transition. Every write goes
    through it, so no code path can move a terminal session."""
    allowed_from, target = TRANSITIONS[event]
    if event is EventType.CREATED:
        ok = before is None and after in LIVE_STATES
    else:
        ok = before in allowed_from and (after == (target or before))
    if before in TERMINAL_STATES:
        ok = False
    if not ok:
        raise illegal_transition(f"illegal transition {before} --{event}--> {after}")


def access_expiry_us(now_us: int, access_ttl_s: int, session_expire_us: int) -> int:
    """An access token never outlives its session."""
    return min(now_us + access_ttl_s * US, session_expire_us)


def revoke_reason(reason: EndReason | None) -> EndReason:
    return reason or EndReason.LOGOUT


def state_for_end_reason(reason: EndReason) -> State:
    if reason in (EndReason.SUBJECT_BANNED, EndReason.SUBJECT_DELETED):
        return State.TERMINATED
    if reason in (EndReason.EXPIRED, EndReason.IDLE_TIMEOUT):
        return State.EXPIRED
    return State.REVOKED


def ended(
    session: Session, reason: EndReason, error_code: str, now_us: int
) -> tuple[Session, EventType]:
    """The session ended for `reason`, and the event that records it."""
    state = state_for_end_reason(reason)
    etype = EventType.TERMINATED if state is State.TERMINATED else EventType.REVOKED
    after = dataclasses.replace(
        session, state=state, end_reason=reason, end_us=now_us, error_code=error_code
    )
    return after, etype


def ended_error(session: Session) -> DomainError:
    """What a renew or start gets for a session that is over."""
    return unauthenticated(
        f"SESSION_{session.state.value}",
        f"session is {session.state.value.lower()}",
        session_id=session.session_id,
        end_reason=session.end_reason.value if session.end_reason else "",
        error_code=session.error_code,
    )


_INVALID_FOR_STATE = {
    State.EXPIRED: InvalidReason.SESSION_EXPIRED,
    State.REVOKED: InvalidReason.SESSION_REVOKED,
    State.TERMINATED: InvalidReason.SESSION_TERMINATED,
}


def validation_outcome(
    session: Session,
    token_subject: str,
    token_exp_s: int,
    expected_subject: str,
    expected_reference: str,
    now_us: int,
) -> InvalidReason | None:
    """Why a correctly signed token for this (effective) session is not
    good, or None. An ended session's reason wins over everything else;
    TOKEN_EXPIRED means the session is live and the token wants renewing."""
    if session.state in _INVALID_FOR_STATE:
        return _INVALID_FOR_STATE[session.state]
    if expected_subject and expected_subject != session.subject_id:
        return InvalidReason.SUBJECT_MISMATCH
    if expected_reference and expected_reference != session.reference:
        return InvalidReason.REFERENCE_MISMATCH
    if session.state is not State.ACTIVE or session.subject_id != token_subject:
        return InvalidReason.BAD_SIGNATURE
    if now_us >= token_exp_s * US:
        return InvalidReason.TOKEN_EXPIRED
    return None


def first_progress(start_revision: int, tail_revision: int) -> int:
    """The bookmark a watch stream opens with: everything at or below it is
    either delivered already or not asked for. From history (start_revision
    <= tail), that is start_revision - 1, so a client that stores it and
    reconnects misses nothing; otherwise it is the current revision."""
    if 0 < start_revision <= tail_revision:
        return start_revision - 1
    return tail_revision
