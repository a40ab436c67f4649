"""Pure rules: input limits, TTLs, lazy expiry and legal state transitions."""

from __future__ import annotations

import dataclasses
import re

import grpc

from .domain import (
    LIVE_STATES,
    TERMINAL_STATES,
    EndReason,
    EventType,
    Session,
    State,
    TerminationReason,
)
from .errors import ServiceError, invalid_argument

ID_PATTERN = re.compile(r"[A-Za-z0-9@.+_:\-]+")
MAX_ID_LEN = 128
MAX_CLIENT_FIELD_LEN = 512
MAX_METADATA_BYTES = 16 * 1024
MAX_SECRET_LEN = 256
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
US = 1_000_000
# last_active_time moves on validate at most this often, to keep validation a read.
ACTIVE_TOUCH_INTERVAL_US = 60 * US

Violations = list[tuple[str, str]]


def check_id(field: str, value: str, *, required: bool, out: Violations) -> None:
    if not value:
        if required:
            out.append((field, "is required"))
        return
    if len(value) > MAX_ID_LEN:
        out.append((field, f"must be at most {MAX_ID_LEN} characters"))
    elif not ID_PATTERN.fullmatch(value):
        out.append((field, "may contain only A-Z a-z 0-9 @ . + _ : -"))


def check_len(field: str, value: str, limit: int, out: Violations) -> None:
    if len(value) > limit:
        out.append((field, f"must be at most {limit} characters"))


def check_metadata_size(field: str, size: int, out: Violations) -> None:
    if size > MAX_METADATA_BYTES:
        out.append((field, f"is {size} bytes serialized; the limit is {MAX_METADATA_BYTES}"))


def check_token(field: str, value: str, prefix: str, out: Violations) -> None:
    if not value:
        out.append((field, "is required"))
    elif len(value) > MAX_SECRET_LEN:
        out.append((field, f"must be at most {MAX_SECRET_LEN} characters"))
    elif not value.startswith(prefix):
        out.append((field, f"must start with {prefix!r}"))


def raise_if(violations: Violations) -> None:
    if violations:
        raise invalid_argument(violations)


def session_ttl_us(requested_us: int | None, default_s: int, max_s: int, out: Violations) -> int:
    """The session lifetime: the default when unset, an error when not positive
    or above the cap (a silent cap would hand out a shorter session than asked)."""
    if requested_us is None:
        return min(default_s, max_s) * US
    if requested_us <= 0:
        out.append(("ttl", "must be positive"))
    elif requested_us > max_s * US:
        out.append(("ttl", f"must be at most {max_s} seconds"))
    return requested_us


def page_size(requested: int, out: Violations) -> int:
    if requested < 0:
        out.append(("page_size", "must not be negative"))
        return DEFAULT_PAGE_SIZE
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    return min(requested, MAX_PAGE_SIZE)


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
    EventType.RENEWED: (frozenset({State.ACTIVE, State.PENDING}), State.ACTIVE),
    EventType.METADATA_UPDATED: (LIVE_STATES, None),
    EventType.REVOKED: (LIVE_STATES, State.REVOKED),
    EventType.EXPIRED: (LIVE_STATES, State.EXPIRED),
    EventType.TERMINATED: (LIVE_STATES, State.TERMINATED),
}


def check_transition(before: State | None, event: EventType, after: State) -> None:
    """Raises when an event would make an illegal transition. The store calls it
    on every write, so no code path can move a terminal session."""
    allowed_from, target = TRANSITIONS[event]
    if event is EventType.CREATED:
        ok = before is None and after in LIVE_STATES
    else:
        ok = before in allowed_from and (after == (target or before))
    if before in TERMINAL_STATES:
        ok = False
    if not ok:
        raise ServiceError(
            code=grpc.StatusCode.INTERNAL,
            reason="ILLEGAL_TRANSITION",
            message=f"illegal transition {before} --{event}--> {after}",
        )


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


def check_watch(subject_id: str, session_id: str, reference: str, start_revision: int) -> None:
    v: Violations = []
    check_id("subject_id", subject_id, required=False, out=v)
    check_id("session_id", session_id, required=False, out=v)
    check_id("reference", reference, required=False, out=v)
    if start_revision < 0:
        v.append(("start_revision", "must be 0 (from now) or a revision >= 1"))
    raise_if(v)


def first_progress(start_revision: int, tail_revision: int) -> int:
    """The bookmark a watch stream opens with: everything at or below it is
    either delivered already or not asked for. From history (start_revision
    <= tail), that is start_revision - 1, so a client that stores it and
    reconnects misses nothing; otherwise it is the current revision."""
    if 0 < start_revision <= tail_revision:
        return start_revision - 1
    return tail_revision
