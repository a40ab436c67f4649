"""The session flows' repository in memory: the same contract as the SQL one
(sessions/repository.py), for unit tests of the rules without a database
or a transport. `MemoryStore.run` is its unit of work: all of a flow's
writes, or none if it raises; revisions assigned as it commits."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from ..domain import (
    LIVE_STATES,
    Event,
    EventType,
    Session,
    State,
    Subject,
    SubjectState,
    TerminationReason,
)
from ..sessions.repository import Deps, IdempotencyRecord, RateBucket, RefreshToken, SubjectRecord
from .repository import idle_cutoff


@dataclasses.dataclass
class MemoryState:
    subjects: dict[tuple[str, str], SubjectRecord] = dataclasses.field(default_factory=dict)
    sessions: dict[str, Session] = dataclasses.field(default_factory=dict)
    handoffs: dict[str, str] = dataclasses.field(default_factory=dict)  # session id -> hash
    tokens: dict[str, RefreshToken] = dataclasses.field(default_factory=dict)
    requests: dict[tuple[str, str], IdempotencyRecord] = dataclasses.field(default_factory=dict)
    buckets: dict[tuple[str, ...], int] = dataclasses.field(default_factory=dict)
    events: list[Event] = dataclasses.field(default_factory=list)
    revision: int = 0


class MemoryRepository:
    def __init__(self, state: MemoryState, now: int) -> None:
        self._s = state
        self._now = now
        self.pending: list[Event] = []

    @property
    def now(self) -> int:
        return self._now

    # -- subjects
    def lock_subject(self, tenant: str, subject_id: str) -> SubjectRecord:
        key = (tenant, subject_id)
        if key not in self._s.subjects:
            self._s.subjects[key] = SubjectRecord(SubjectState.ACTIVE, None, "")
        return self._s.subjects[key]

    def subject_for_update(self, tenant: str, subject_id: str) -> SubjectRecord | None:
        return self._s.subjects.get((tenant, subject_id))

    def set_subject_state(
        self,
        tenant: str,
        subject_id: str,
        state: SubjectState,
        reason: TerminationReason | None,
        error_code: str,
    ) -> None:
        self._s.subjects[(tenant, subject_id)] = SubjectRecord(state, reason, error_code)

    def subject_with_count(self, tenant: str, subject_id: str, idle_us: int) -> Subject | None:
        record = self._s.subjects.get((tenant, subject_id))
        if record is None:
            return None
        cutoff = idle_cutoff(self._now, idle_us)
        count = sum(
            1
            for s in self._s.sessions.values()
            if s.tenant == tenant
            and s.subject_id == subject_id
            and s.state in LIVE_STATES
            and s.expire_us > self._now
            and s.last_active_us > cutoff
        )
        return Subject(
            tenant, subject_id, record.state, record.termination_reason, record.error_code, 0, count
        )

    # -- sessions
    def _of(self, tenant: str) -> list[Session]:
        return sorted(
            (s for s in self._s.sessions.values() if s.tenant == tenant),
            key=lambda s: (s.create_us, s.session_id),
        )

    def session_for_update(self, tenant: str, session_id: str) -> Session | None:
        s = self._s.sessions.get(session_id)
        return s if s is not None and s.tenant == tenant else None

    def sessions_for_update(self, tenant: str, session_ids: list[str]) -> dict[str, Session]:
        found = (self.session_for_update(tenant, sid) for sid in sorted(session_ids))
        return {s.session_id: s for s in found if s is not None}

    def session_by_handoff(self, tenant: str, handoff_hash: str) -> Session | None:
        for sid, h in self._s.handoffs.items():
            if h == handoff_hash:
                return self.session_for_update(tenant, sid)
        return None

    def handoff_hash(self, session_id: str) -> str | None:
        return self._s.handoffs.get(session_id)

    def set_handoff(self, session_id: str, handoff_hash: str | None) -> None:
        if handoff_hash is None:
            self._s.handoffs.pop(session_id, None)
        else:
            self._s.handoffs[session_id] = handoff_hash

    def reusable_session(
        self, tenant: str, subject_id: str, reference: str, state: str, idle_us: int
    ) -> Session | None:
        cutoff = idle_cutoff(self._now, idle_us)
        for s in reversed(self._of(tenant)):
            if (s.subject_id, s.reference, s.state.value) == (subject_id, reference, state) and (
                s.expire_us > self._now and s.last_active_us > cutoff
            ):
                return s
        return None

    def live_sessions(self, tenant: str, subject_id: str) -> list[Session]:
        return [
            s for s in self._of(tenant) if s.subject_id == subject_id and s.state in LIVE_STATES
        ]

    def due_sessions(self, by: str, idle_us: int, limit: int) -> list[Session]:
        cutoff = idle_cutoff(self._now, idle_us)
        due = [
            s
            for s in self._s.sessions.values()
            if s.state in LIVE_STATES
            and (s.expire_us <= self._now if by == "expire_us" else s.last_active_us <= cutoff)
        ]
        return sorted(due, key=lambda s: getattr(s, by))[:limit]

    def save(self, before: Session | None, after: Session, event: EventType) -> Session:
        if (before is None) == (after.session_id in self._s.sessions):
            raise AssertionError("insert of an existing session, or update of a missing one")
        self._s.sessions[after.session_id] = after
        self.pending.append(Event(0, after.tenant, event, after, self._now))
        return after

    def touch(self, session_id: str, now_us: int) -> None:
        s = self._s.sessions.get(session_id)
        if s is not None and s.state is State.ACTIVE and s.last_active_us < now_us:
            self._s.sessions[session_id] = dataclasses.replace(s, last_active_us=now_us)

    # -- refresh tokens
    def refresh_token_for_update(
        self, tenant: str, token_hash: str
    ) -> tuple[RefreshToken, Session] | None:
        token = self._s.tokens.get(token_hash)
        if token is None or token.tenant != tenant:
            return None
        return token, self._s.sessions[token.session_id]

    def refresh_token(self, token_hash: str) -> RefreshToken | None:
        return self._s.tokens.get(token_hash)

    def add_refresh_token(self, token: RefreshToken) -> None:
        if token.token_hash in self._s.tokens:
            raise AssertionError("duplicate refresh token hash")
        self._s.tokens[token.token_hash] = token

    def top_generation(self, session_id: str) -> int:
        gens = [t.generation for t in self._s.tokens.values() if t.session_id == session_id]
        return max(gens, default=0)

    def mark_rotated(self, token_hash: str, now_us: int, successor_sealed: bytes) -> None:
        t = self._s.tokens[token_hash]
        self._s.tokens[token_hash] = dataclasses.replace(
            t, rotated_us=now_us, successor_sealed=successor_sealed
        )

    def supersede_refresh_tokens(self, session_id: str) -> None:
        for h, t in list(self._s.tokens.items()):
            if t.session_id == session_id and t.rotated_us is None:
                self._s.tokens[h] = dataclasses.replace(t, superseded=True)

    # -- idempotency and rate limits
    def idempotency(self, tenant: str, request_id: str) -> IdempotencyRecord | None:
        return self._s.requests.get((tenant, request_id))

    def drop_idempotency(self, tenant: str, request_id: str) -> None:
        self._s.requests.pop((tenant, request_id), None)

    def add_idempotency(self, tenant: str, request_id: str, record: IdempotencyRecord) -> None:
        if (tenant, request_id) in self._s.requests:
            raise AssertionError("duplicate idempotency record")
        self._s.requests[(tenant, request_id)] = record

    def take_rate_tokens(self, buckets: list[RateBucket]) -> dict[tuple[str, str], int]:
        got = {}
        for b in buckets:
            key = (b.scope, b.window, b.tenant, b.caller, b.subject_id)
            tat = max(self._s.buckets.get(key, self._now), self._now) + b.interval_us
            self._s.buckets[key] = tat
            got[(b.scope, b.window)] = tat
        return got


class MemoryStore:
    """Runs flows as units of work over one MemoryState."""

    def __init__(self, deps: Deps, clock: Callable[[], int]) -> None:
        self.state = MemoryState()
        self.deps = deps
        self.clock = clock

    def run(self, flow: Callable[..., Any], *args: Any) -> tuple[Any, dict[str, int]]:
        before = copy.deepcopy(self.state)
        repo = MemoryRepository(self.state, self.clock())
        try:
            result = flow(repo, self.deps, *args)
        except BaseException:
            self.state.__dict__.update(before.__dict__)
            raise
        revisions: dict[str, int] = {}
        for e in repo.pending:
            self.state.revision += 1
            revisions[e.session.session_id] = self.state.revision
            session = dataclasses.replace(e.session, revision=self.state.revision)
            self.state.events.append(
                dataclasses.replace(e, revision=session.revision, session=session)
            )
        for sid, revision in revisions.items():
            self.state.sessions[sid] = dataclasses.replace(
                self.state.sessions[sid], revision=revision
            )
        return result, revisions
