"""What the session rules need from storage, as one typed interface.

The manager's flows (create.py, renew.py, ending.py) read and write only
through a `Repository`: the SQL one (store/repository.py) runs on the
writer's unit of work, the in-memory one (store/memory.py) backs the unit
tests of the rules. Nothing here knows SQL.

Lock order, for every implementation that locks: subject, then session,
then refresh token. Every `*_for_update` read locks what it returns until
the unit of work ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..config import Settings
from ..domain import EventType, Session, Subject, SubjectState, TerminationReason
from ..errors import DomainError
from ..tokens import Sealer, SigningKey

US = 1_000_000


@dataclass(frozen=True, slots=True)
class SubjectRecord:
    state: SubjectState
    termination_reason: TerminationReason | None
    error_code: str


@dataclass(frozen=True, slots=True)
class RefreshToken:
    token_hash: str
    tenant: str
    session_id: str
    generation: int
    create_us: int
    expire_us: int
    rotated_us: int | None = None
    # The successor pair, sealed, for a retry inside the grace window.
    successor_sealed: bytes | None = None
    superseded: bool = False


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    fingerprint: str
    session_id: str
    response_sealed: bytes
    reused: bool
    expire_us: int


@dataclass(frozen=True, slots=True)
class RateBucket:
    """One create rate limit's bucket, keyed by these five fields."""

    scope: str
    window: str
    tenant: str
    caller: str
    subject_id: str
    span_us: int
    limit: int

    @property
    def interval_us(self) -> int:
        # Rounded up, so a burst never gets past `limit`.
        return -(-self.span_us // self.limit)


class Keys(Protocol):
    @property
    def active(self) -> SigningKey: ...


@dataclass(frozen=True)
class Deps:
    """What the flows need besides the repository: settings, the sealer for
    secrets at rest, and the signing keys."""

    settings: Settings
    sealer: Sealer
    keys: Keys

    @property
    def idle_us(self) -> int:
        return self.settings.idle_timeout_seconds * US

    @property
    def grace_us(self) -> int:
        return self.settings.refresh_reuse_grace_seconds * US


class Repository(Protocol):
    @property
    def now(self) -> int:
        """The unit of work's clock (microseconds), the same for all of it."""
        ...

    # -- subjects
    def lock_subject(self, tenant: str, subject_id: str) -> SubjectRecord:
        """The subject, created ACTIVE if new, locked."""
        ...

    def subject_for_update(self, tenant: str, subject_id: str) -> SubjectRecord | None: ...

    def set_subject_state(
        self,
        tenant: str,
        subject_id: str,
        state: SubjectState,
        reason: TerminationReason | None,
        error_code: str,
    ) -> None: ...

    def subject_with_count(self, tenant: str, subject_id: str, idle_us: int) -> Subject | None:
        """The subject and how many of its sessions are live right now."""
        ...

    # -- sessions
    def session_for_update(self, tenant: str, session_id: str) -> Session | None: ...

    def sessions_for_update(self, tenant: str, session_ids: list[str]) -> dict[str, Session]:
        """Those of the ids that exist, locked in id order."""
        ...

    def session_by_handoff(self, tenant: str, handoff_hash: str) -> Session | None: ...

    def handoff_hash(self, session_id: str) -> str | None: ...

    def set_handoff(self, session_id: str, handoff_hash: str | None) -> None: ...

    def reusable_session(
        self, tenant: str, subject_id: str, reference: str, state: str, idle_us: int
    ) -> Session | None:
        """The newest session in `state` with this subject and reference,
        not past its deadline, locked."""
        ...

    def live_sessions(self, tenant: str, subject_id: str) -> list[Session]:
        """The subject's PENDING and ACTIVE sessions, oldest first, locked
        (some may be past their deadline: the caller settles them)."""
        ...

    def due_sessions(self, by: str, idle_us: int, limit: int) -> list[Session]:
        """Live sessions past their deadline by `by` ("expire_us" or
        "last_active_us"), locked, skipping any another writer holds."""
        ...

    def save(self, before: Session | None, after: Session, event: EventType) -> Session:
        """Writes the session and its event in this unit of work. The
        revision is assigned when the unit commits (the store reports it
        with the result); the returned session carries the old one."""
        ...

    def touch(self, session_id: str, now_us: int) -> None:
        """Moves an ACTIVE session's last-active time (no event)."""
        ...

    # -- refresh tokens
    def refresh_token_for_update(
        self, tenant: str, token_hash: str
    ) -> tuple[RefreshToken, Session] | None:
        """The token with its session, both locked, in one read."""
        ...

    def refresh_token(self, token_hash: str) -> RefreshToken | None: ...

    def add_refresh_token(self, token: RefreshToken) -> None: ...

    def top_generation(self, session_id: str) -> int: ...

    def mark_rotated(self, token_hash: str, now_us: int, successor_sealed: bytes) -> None: ...

    def supersede_refresh_tokens(self, session_id: str) -> None:
        """Every unrotated token of the session now fails as SUPERSEDED."""
        ...

    # -- idempotency and rate limits
    def idempotency(self, tenant: str, request_id: str) -> IdempotencyRecord | None: ...

    def drop_idempotency(self, tenant: str, request_id: str) -> None: ...

    def add_idempotency(self, tenant: str, request_id: str, record: IdempotencyRecord) -> None: ...

    def take_rate_tokens(self, buckets: list[RateBucket]) -> dict[tuple[str, str], int]:
        """Moves each bucket's full-again time one interval later (from now,
        if it is in the past or the bucket is new); returns the new times by
        (scope, window)."""
        ...


@dataclass(frozen=True, slots=True)
class Lookahead:
    """The read a flow makes first, named by its Repository method and that
    call's arguments. A store running many units in one transaction may make
    it ahead, with the other units' (one wait for them all); the call then
    answers as if it had read then."""

    method: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Refusal:
    """A flow's answer that is an error but whose writes stand (theft
    detection revokes the session, then refuses the renew): the unit of
    work commits, then the caller gets `error`."""

    error: DomainError
