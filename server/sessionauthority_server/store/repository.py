"""The session flows' repository on the writer's unit of work: the only
code that knows the SQL of subjects, sessions, refresh tokens, idempotency
records and rate buckets (see sessions/repository.py for the contract)."""

from __future__ import annotations

from typing import Any

from ..domain import Event, EventType, Session, Subject, SubjectState, TerminationReason
from ..sessions.repository import (
    IdempotencyRecord,
    Lookahead,
    RateBucket,
    RefreshToken,
    SubjectRecord,
)
from . import statements as q
from .rows import session_from_row, session_payload, session_values, subject_from_row
from .tx import Ahead, Tx


def idle_cutoff(now_us: int, idle_us: int) -> int:
    """Sessions last active at or before this are idle-expired; -1 when the
    idle timeout is off (computed here so SQL never does arithmetic on
    parameters, which the drivers type differently)."""
    return now_us - idle_us if idle_us else -1


def _subject_record(row: Any) -> SubjectRecord:
    reason = row["termination_reason"]
    return SubjectRecord(
        SubjectState(row["state"]), TerminationReason(reason) if reason else None, row["error_code"]
    )


def _token(row: Any, prefix: str = "") -> RefreshToken:
    """A refresh token from its row, or from a join's columns named `prefix` + column."""
    sealed = row[prefix + "successor_sealed"]
    return RefreshToken(
        token_hash=row[prefix + "token_hash"],
        tenant=row[prefix + "tenant"],
        session_id=row[prefix + "session_id"],
        generation=row[prefix + "generation"],
        create_us=row[prefix + "create_us"],
        expire_us=row[prefix + "expire_us"],
        rotated_us=row[prefix + "rotated_us"],
        successor_sealed=None if sealed is None else bytes(sealed),
        superseded=bool(row[prefix + "superseded"]),
    )


# What a row read ahead depends on, as `Tx.wrote` keys: a session by its id
# (every event marks it), a refresh token and a subject by these.
def _token_key(token_hash: str) -> str:
    return "token:" + token_hash


def _subject_key(tenant: str, subject_id: str) -> str:
    return f"subject:{tenant}/{subject_id}"


def ahead(lookahead: Lookahead) -> Ahead:
    """The statement a flow's first read makes, to be sent ahead of it."""
    if lookahead.method == "refresh_token_for_update":
        tenant, token_hash = lookahead.args
        return Ahead(
            q.TOKEN_WITH_SESSION,
            {"h": token_hash, "tenant": tenant},
            lambda r: (r["session_id"], _token_key(r["t_token_hash"])),
        )
    if lookahead.method == "lock_subject":
        tenant, subject_id = lookahead.args
        # Only the lock: a new subject's row is made by the unit (and undone
        # with it), which then reads it as it would have.
        return Ahead(
            q.LOCK_SUBJECT,
            {"tenant": tenant, "subject_id": subject_id},
            lambda r: (_subject_key(r["tenant"], r["subject_id"]),),
        )
    raise ValueError(f"no read ahead for {lookahead.method}")


class SqlRepository:
    __slots__ = ("_tx",)

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    @property
    def now(self) -> int:
        return self._tx.now

    # -- subjects
    def lock_subject(self, tenant: str, subject_id: str) -> SubjectRecord:
        row = self._tx.read_ahead(q.LOCK_SUBJECT, tenant=tenant, subject_id=subject_id)
        if row is None:
            # The row is made first, so two first-time writers never both insert it.
            self._tx.run(q.ENSURE_SUBJECT, tenant=tenant, subject_id=subject_id, now=self._tx.now)
            row = self._tx.one(q.LOCK_SUBJECT, tenant=tenant, subject_id=subject_id)
        return _subject_record(row)

    def subject_for_update(self, tenant: str, subject_id: str) -> SubjectRecord | None:
        row = self._tx.one(q.LOCK_SUBJECT, tenant=tenant, subject_id=subject_id)
        return None if row is None else _subject_record(row)

    def set_subject_state(
        self,
        tenant: str,
        subject_id: str,
        state: SubjectState,
        reason: TerminationReason | None,
        error_code: str,
    ) -> None:
        self._tx.wrote(_subject_key(tenant, subject_id))
        self._tx.run(
            q.SET_SUBJECT_STATE,
            tenant=tenant,
            subject_id=subject_id,
            state=state.value,
            reason=reason.value if reason else None,
            error_code=error_code,
            now=self._tx.now,
        )

    def subject_with_count(self, tenant: str, subject_id: str, idle_us: int) -> Subject | None:
        now = self._tx.now
        row = self._tx.one(
            q.SUBJECT_WITH_COUNT,
            tenant=tenant,
            subject_id=subject_id,
            now=now,
            idle_cutoff=idle_cutoff(now, idle_us),
        )
        return None if row is None else subject_from_row(row, row["session_count"])

    # -- sessions
    def session_for_update(self, tenant: str, session_id: str) -> Session | None:
        row = self._tx.one(q.LOCK_SESSION, session_id=session_id, tenant=tenant)
        return None if row is None else session_from_row(row)

    def sessions_for_update(self, tenant: str, session_ids: list[str]) -> dict[str, Session]:
        params = {f"id{i}": sid for i, sid in enumerate(session_ids)}
        rows = self._tx.all(q.lock_ids(len(session_ids)), tenant=tenant, **params)
        return {r["session_id"]: session_from_row(r) for r in rows}

    def session_by_handoff(self, tenant: str, handoff_hash: str) -> Session | None:
        row = self._tx.one(q.BY_HANDOFF, h=handoff_hash, tenant=tenant)
        return None if row is None else session_from_row(row)

    def handoff_hash(self, session_id: str) -> str | None:
        value: str | None = self._tx.scalar(q.HANDOFF_HASH, session_id=session_id)
        return value

    def set_handoff(self, session_id: str, handoff_hash: str | None) -> None:
        self._tx.wrote(session_id)
        self._tx.run(q.SET_HANDOFF, h=handoff_hash, session_id=session_id)

    def reusable_session(
        self, tenant: str, subject_id: str, reference: str, state: str, idle_us: int
    ) -> Session | None:
        now = self._tx.now
        row = self._tx.one(
            q.REUSABLE,
            tenant=tenant,
            subject_id=subject_id,
            reference=reference,
            state=state,
            now=now,
            idle_cutoff=idle_cutoff(now, idle_us),
        )
        return None if row is None else session_from_row(row)

    def live_sessions(self, tenant: str, subject_id: str) -> list[Session]:
        rows = self._tx.all(q.LIVE_OF_SUBJECT, tenant=tenant, subject_id=subject_id)
        return [session_from_row(r) for r in rows]

    def due_sessions(self, by: str, idle_us: int, limit: int) -> list[Session]:
        now = self._tx.now
        rows = self._tx.all(
            q.DUE_LOCKED[by], now=now, idle_cutoff=idle_cutoff(now, idle_us), limit=limit
        )
        return [session_from_row(r) for r in rows]

    def save(self, before: Session | None, after: Session, event: EventType) -> Session:
        values = session_values(after)
        self._tx.run(q.INSERT_SESSION if before is None else q.UPDATE_SESSION, **values)
        row = {
            "tenant": after.tenant,
            "session_id": after.session_id,
            "subject_id": after.subject_id,
            "reference": after.reference,
            "type": event.value,
            "payload": session_payload(after),
            "create_us": self._tx.now,
        }
        self._tx.add_event(
            after.session_id, row, Event(0, after.tenant, event, after, self._tx.now)
        )
        return after

    def touch(self, session_id: str, now_us: int) -> None:
        self._tx.wrote(session_id)
        self._tx.run(q.TOUCH, session_id=session_id, now=now_us)

    # -- refresh tokens
    def refresh_token_for_update(
        self, tenant: str, token_hash: str
    ) -> tuple[RefreshToken, Session] | None:
        row = self._tx.one(q.TOKEN_WITH_SESSION, h=token_hash, tenant=tenant)
        if row is None:
            return None
        token = _token(row, "t_")
        return token, session_from_row(row)

    def refresh_token(self, token_hash: str) -> RefreshToken | None:
        row = self._tx.one(q.TOKEN, h=token_hash)
        if row is None:
            return None
        return _token(row)

    def add_refresh_token(self, token: RefreshToken) -> None:
        self._tx.run(
            q.INSERT_TOKEN,
            token_hash=token.token_hash,
            tenant=token.tenant,
            session_id=token.session_id,
            generation=token.generation,
            create_us=token.create_us,
            expire_us=token.expire_us,
            superseded=token.superseded,
        )

    def top_generation(self, session_id: str) -> int:
        return int(self._tx.scalar(q.TOP_GENERATION, session_id=session_id) or 0)

    def mark_rotated(self, token_hash: str, now_us: int, successor_sealed: bytes) -> None:
        self._tx.wrote(_token_key(token_hash))
        self._tx.run(q.ROTATED, h=token_hash, now=now_us, sealed=successor_sealed)

    def supersede_refresh_tokens(self, session_id: str) -> None:
        self._tx.wrote(session_id)
        self._tx.run(q.SUPERSEDE, session_id=session_id, yes=True)

    # -- idempotency and rate limits
    def idempotency(self, tenant: str, request_id: str) -> IdempotencyRecord | None:
        row = self._tx.one(q.FIND_REQUEST, tenant=tenant, request_id=request_id)
        if row is None:
            return None
        return IdempotencyRecord(
            row["fingerprint"],
            row["session_id"],
            bytes(row["response_sealed"]),
            bool(row["reused"]),
            row["expire_us"],
        )

    def drop_idempotency(self, tenant: str, request_id: str) -> None:
        self._tx.run(q.DROP_REQUEST, tenant=tenant, request_id=request_id)

    def add_idempotency(self, tenant: str, request_id: str, record: IdempotencyRecord) -> None:
        self._tx.run(
            q.RECORD_REQUEST,
            tenant=tenant,
            request_id=request_id,
            fingerprint=record.fingerprint,
            session_id=record.session_id,
            sealed=record.response_sealed,
            reused=record.reused,
            expire_us=record.expire_us,
        )

    def take_rate_tokens(self, buckets: list[RateBucket]) -> dict[tuple[str, str], int]:
        now = self._tx.now
        params: dict[str, object] = {"now": now}
        for i, b in enumerate(buckets):
            params.update(
                {
                    f"scope{i}": b.scope,
                    f"window{i}": b.window,
                    f"tenant{i}": b.tenant,
                    f"caller{i}": b.caller,
                    f"subject_id{i}": b.subject_id,
                    f"first{i}": now + b.interval_us,
                }
            )
        rows = self._tx.all(q.take_rate_tokens(len(buckets)), **params)
        return {(r["scope"], r["window"]): r["tat_us"] for r in rows}
