"""Domain types shared by the store, the rules and the servicers (no I/O, no proto)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class State(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    TERMINATED = "TERMINATED"


LIVE_STATES: frozenset[State] = frozenset({State.PENDING, State.ACTIVE})
TERMINAL_STATES: frozenset[State] = frozenset({State.EXPIRED, State.REVOKED, State.TERMINATED})


class EndReason(StrEnum):
    LOGOUT = "LOGOUT"
    ADMIN = "ADMIN"
    REFRESH_TOKEN_REUSE = "REFRESH_TOKEN_REUSE"
    SUBJECT_BANNED = "SUBJECT_BANNED"
    SUBJECT_DELETED = "SUBJECT_DELETED"
    EXPIRED = "EXPIRED"
    IDLE_TIMEOUT = "IDLE_TIMEOUT"
    SUPERSEDED = "SUPERSEDED"


class EventType(StrEnum):
    CREATED = "CREATED"
    STARTED = "STARTED"
    RENEWED = "RENEWED"
    METADATA_UPDATED = "METADATA_UPDATED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    TERMINATED = "TERMINATED"


class SubjectState(StrEnum):
    ACTIVE = "ACTIVE"
    BANNED = "BANNED"
    DELETED = "DELETED"


class TerminationReason(StrEnum):
    BANNED = "BANNED"
    DELETED = "DELETED"


class InvalidReason(StrEnum):
    MALFORMED = "MALFORMED"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    SESSION_EXPIRED = "SESSION_EXPIRED"
    SESSION_REVOKED = "SESSION_REVOKED"
    SESSION_TERMINATED = "SESSION_TERMINATED"
    SUBJECT_MISMATCH = "SUBJECT_MISMATCH"
    REFERENCE_MISMATCH = "REFERENCE_MISMATCH"


@dataclass(frozen=True)
class ClientInfo:
    user_agent: str = ""
    ip_address: str = ""
    device_name: str = ""


@dataclass(frozen=True)
class Session:
    """A session as every RPC sees it. Times are microseconds since the epoch."""

    session_id: str
    tenant: str
    subject_id: str
    reference: str
    state: State
    metadata: dict[str, Any]
    create_us: int
    expire_us: int
    last_renew_us: int
    last_active_us: int
    end_us: int | None
    end_reason: EndReason | None
    error_code: str
    revision: int
    client: ClientInfo = field(default_factory=ClientInfo)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expire_us: int
    refresh_token: str
    refresh_expire_us: int


@dataclass(frozen=True)
class Subject:
    tenant: str
    subject_id: str
    state: SubjectState
    termination_reason: TerminationReason | None
    error_code: str
    create_us: int
    session_count: int


@dataclass(frozen=True)
class Event:
    revision: int
    tenant: str
    type: EventType
    session: Session
    occur_us: int


@dataclass(frozen=True)
class CreateResult:
    session: Session
    tokens: TokenPair | None
    handoff_code: str
    reused: bool
    # An answer to a repeated request_id: the session as it is now, with the
    # first answer's secrets only while they still work.
    replayed: bool = False


@dataclass(frozen=True)
class Validation:
    reason: InvalidReason | None
    session: Session | None

    @property
    def valid(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class EndedSession:
    session_id: str
    subject_id: str
    state: State
    end_reason: EndReason | None
    end_us: int
    error_code: str


@dataclass(frozen=True)
class EndedPage:
    """One page of the verifier's snapshot: every page has the same
    `revision` and `since`."""

    sessions: list[EndedSession]
    revision: int
    since_us: int
    next_page_token: str
