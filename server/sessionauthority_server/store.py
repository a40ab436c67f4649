"""Transactions. Every state change writes its event, with its revision from
the one-row counter, in the same transaction; nothing else writes events."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, false, func, insert, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from . import errors, models, policy
from .config import Settings
from .db import Database
from .domain import (
    LIVE_STATES,
    ClientInfo,
    CreateResult,
    EndReason,
    Event,
    EventType,
    InvalidReason,
    Session,
    State,
    Subject,
    SubjectState,
    TerminationReason,
    TokenPair,
    Validation,
)
from .errors import ServiceError
from .keys import KeyRing
from .tokens import (
    HANDOFF_PREFIX,
    REFRESH_PREFIX,
    Sealer,
    b64url,
    b64url_decode,
    new_handoff_code,
    new_refresh_token,
    new_session_id,
    secret_hash,
    sign_access_token,
    unverified_kid,
    verify_access_token,
)

_sessions = models.SessionRow.__table__
_subjects = models.SubjectRow.__table__
_refresh = models.RefreshTokenRow.__table__
_events = models.EventRow.__table__
_counters = models.CounterRow.__table__
_idem = models.IdempotencyRow.__table__
_rates = models.RateWindowRow.__table__

US = policy.US
Clock = Callable[[], int]


def system_clock() -> int:
    return time.time_ns() // 1000


@dataclass(frozen=True)
class CreateRequest:
    subject_id: str
    reference: str = ""
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)
    metadata_size: int = 0
    ttl_us: int | None = None
    request_id: str = ""
    reuse_existing: bool = False
    pending: bool = False
    client: ClientInfo = dataclasses.field(default_factory=ClientInfo)


@dataclass(frozen=True)
class ListRequest:
    subject_id: str = ""
    reference: str = ""
    states: tuple[State | None, ...] = ()
    page_size: int = 0
    page_token: str = ""


def _session_from_row(row: Any) -> Session:
    return Session(
        session_id=row.session_id,
        tenant=row.tenant,
        subject_id=row.subject_id,
        reference=row.reference,
        state=State(row.state),
        metadata=json.loads(row.metadata_json),
        create_us=row.create_us,
        expire_us=row.expire_us,
        last_renew_us=row.last_renew_us,
        last_active_us=row.last_active_us,
        end_us=row.end_us,
        end_reason=EndReason(row.end_reason) if row.end_reason else None,
        error_code=row.error_code,
        revision=row.revision,
        client=ClientInfo(row.user_agent, row.ip_address, row.device_name),
    )


def _session_values(s: Session) -> dict[str, Any]:
    return {
        "tenant": s.tenant,
        "subject_id": s.subject_id,
        "reference": s.reference,
        "state": s.state.value,
        "metadata_json": json.dumps(s.metadata, separators=(",", ":"), sort_keys=True),
        "create_us": s.create_us,
        "expire_us": s.expire_us,
        "last_renew_us": s.last_renew_us,
        "last_active_us": s.last_active_us,
        "end_us": s.end_us,
        "end_reason": s.end_reason.value if s.end_reason else None,
        "error_code": s.error_code,
        "revision": s.revision,
        "user_agent": s.client.user_agent,
        "ip_address": s.client.ip_address,
        "device_name": s.client.device_name,
    }


def _ended_error(session: Session) -> ServiceError:
    reason = f"SESSION_{session.state.value}"
    return errors.unauthenticated(
        reason,
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


def _event_from_row(r: Any) -> Event:
    return Event(r.revision, r.tenant, EventType(r.type), Session.from_json(r.payload), r.create_us)


class Store:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        sealer: Sealer,
        clock: Clock = system_clock,
    ) -> None:
        self.db = db
        self.settings = settings
        self.sealer = sealer
        self.clock = clock
        self.keys = KeyRing(db, sealer)
        self.idle_us = settings.idle_timeout_seconds * US
        # Called after a transaction that wrote events commits; the tailer
        # uses it to wake at once instead of waiting for its next poll.
        self.on_commit: Callable[[], None] = lambda: None

    async def start(self) -> None:
        await self.db.create_schema()
        await self.keys.ensure_active(self.clock())

    # ----------------------------------------------------------- helpers

    def _effective(self, s: Session, now: int) -> Session:
        return policy.effective(s, now, self.idle_us)

    async def _emit(
        self, conn: AsyncConnection, before: Session | None, after: Session, etype: EventType
    ) -> Session:
        policy.check_transition(before.state if before else None, etype, after.state)
        rev = (
            await conn.execute(
                update(_counters)
                .where(_counters.c.name == "revision")
                .values(value=_counters.c.value + 1)
                .returning(_counters.c.value)
            )
        ).scalar_one()
        after = dataclasses.replace(after, revision=rev)
        values = _session_values(after)
        if before is None:
            await conn.execute(insert(_sessions).values(session_id=after.session_id, **values))
        else:
            await conn.execute(
                update(_sessions).where(_sessions.c.session_id == after.session_id).values(**values)
            )
        await conn.execute(
            insert(_events).values(
                revision=rev,
                tenant=after.tenant,
                session_id=after.session_id,
                subject_id=after.subject_id,
                reference=after.reference,
                type=etype.value,
                payload=after.to_json(),
                create_us=self.clock(),
            )
        )
        return after

    def _committed(self) -> None:
        """Wakes the event tailer; call after a transaction that may have
        written events commits."""
        self.on_commit()

    async def _load(
        self, conn: AsyncConnection, tenant: str, session_id: str, *, lock: bool = False
    ) -> Session | None:
        query = select(_sessions).where(
            _sessions.c.session_id == session_id, _sessions.c.tenant == tenant
        )
        if lock:
            query = query.with_for_update()
        row = (await conn.execute(query)).first()
        return _session_from_row(row) if row else None

    async def _settle(self, conn: AsyncConnection, s: Session, now: int) -> tuple[Session, bool]:
        """Writes a lazy expiry as a real transition. Returns (session, changed)."""
        reason = policy.deadline_passed(s, now, self.idle_us)
        if reason is None:
            return s, False
        after = policy.as_expired(s, reason, self.idle_us)
        return await self._emit(conn, s, after, EventType.EXPIRED), True

    async def _end(
        self, conn: AsyncConnection, s: Session, reason: EndReason, error_code: str, now: int
    ) -> Session:
        state = policy.state_for_end_reason(reason)
        etype = EventType.TERMINATED if state is State.TERMINATED else EventType.REVOKED
        after = dataclasses.replace(
            s, state=state, end_reason=reason, end_us=now, error_code=error_code
        )
        await conn.execute(
            update(_sessions)
            .where(_sessions.c.session_id == s.session_id)
            .values(handoff_hash=None)
        )
        return await self._emit(conn, s, after, etype)

    async def _mint_pair(
        self, conn: AsyncConnection, s: Session, generation: int, now: int
    ) -> TokenPair:
        refresh = new_refresh_token()
        await conn.execute(
            insert(_refresh).values(
                token_hash=secret_hash(refresh),
                tenant=s.tenant,
                session_id=s.session_id,
                generation=generation,
                create_us=now,
                expire_us=s.expire_us,
            )
        )
        access_exp = policy.access_expiry_us(
            now, self.settings.access_token_ttl_seconds, s.expire_us
        )
        access = sign_access_token(
            self.keys.active,
            issuer=self.settings.issuer,
            tenant=s.tenant,
            subject_id=s.subject_id,
            session_id=s.session_id,
            now_us=now,
            expire_us=access_exp,
        )
        return TokenPair(access, access_exp, refresh, s.expire_us)

    async def _supersede_tokens(self, conn: AsyncConnection, session_id: str) -> None:
        await conn.execute(
            update(_refresh)
            .where(_refresh.c.session_id == session_id, _refresh.c.rotated_us.is_(None))
            .values(superseded=True)
        )

    async def _next_generation(self, conn: AsyncConnection, session_id: str) -> int:
        top = (
            await conn.execute(
                select(func.max(_refresh.c.generation)).where(_refresh.c.session_id == session_id)
            )
        ).scalar()
        return (top or 0) + 1

    # ----------------------------------------------------------- subjects

    async def _subject_row(self, conn: AsyncConnection, tenant: str, subject_id: str) -> Any:
        return (
            await conn.execute(
                select(_subjects).where(
                    _subjects.c.tenant == tenant, _subjects.c.subject_id == subject_id
                )
            )
        ).first()

    async def _lock_subject(
        self, conn: AsyncConnection, tenant: str, subject_id: str, now: int
    ) -> Any:
        """Makes sure the subject row exists and locks it for this transaction.

        Every write that depends on the subject's state (create, terminate)
        goes through here, so on PostgreSQL they serialize per subject: a
        create cannot slip a live session past a concurrent ban, and two
        first-time writers never both insert the row. (SQLite already
        serializes all writers.)"""
        dialect_insert = sqlite_insert if self.db.is_sqlite else pg_insert
        await conn.execute(
            dialect_insert(_subjects)
            .values(
                tenant=tenant,
                subject_id=subject_id,
                state=SubjectState.ACTIVE.value,
                create_us=now,
                update_us=now,
            )
            .on_conflict_do_nothing(index_elements=["tenant", "subject_id"])
        )
        return (
            await conn.execute(
                select(_subjects)
                .where(_subjects.c.tenant == tenant, _subjects.c.subject_id == subject_id)
                .with_for_update()
            )
        ).first()

    def _live_clause(self, now: int) -> ColumnElement[bool]:
        clause = and_(
            _sessions.c.state.in_([s.value for s in LIVE_STATES]),
            _sessions.c.expire_us > now,
        )
        if self.idle_us:
            clause = and_(clause, _sessions.c.last_active_us + self.idle_us > now)
        return clause

    async def _subject(self, conn: AsyncConnection, row: Any, now: int) -> Subject:
        count = (
            await conn.execute(
                select(func.count())
                .select_from(_sessions)
                .where(
                    _sessions.c.tenant == row.tenant,
                    _sessions.c.subject_id == row.subject_id,
                    self._live_clause(now),
                )
            )
        ).scalar_one()
        return Subject(
            tenant=row.tenant,
            subject_id=row.subject_id,
            state=SubjectState(row.state),
            termination_reason=(
                TerminationReason(row.termination_reason) if row.termination_reason else None
            ),
            error_code=row.error_code,
            create_us=row.create_us,
            session_count=count,
        )

    async def get_subject(self, tenant: str, subject_id: str) -> Subject:
        v: policy.Violations = []
        policy.check_id("subject_id", subject_id, required=True, out=v)
        policy.raise_if(v)
        async with self.db.read() as conn:
            row = await self._subject_row(conn, tenant, subject_id)
            if row is None:
                raise errors.subject_not_found(subject_id)
            return await self._subject(conn, row, self.clock())

    async def terminate_subject(
        self,
        tenant: str,
        subject_id: str,
        reason: TerminationReason | None,
        error_code: str,
    ) -> tuple[Subject, int]:
        v: policy.Violations = []
        policy.check_id("subject_id", subject_id, required=True, out=v)
        if reason is None:
            v.append(("reason", "must be TERMINATION_REASON_BANNED or TERMINATION_REASON_DELETED"))
        policy.check_id("error_code", error_code, required=False, out=v)
        policy.raise_if(v)
        assert reason is not None
        end_reason = policy.end_reason_for_termination(reason)
        state = SubjectState(reason.value)
        count = 0
        async with self.db.write() as conn:
            now = self.clock()
            await self._lock_subject(conn, tenant, subject_id, now)
            await conn.execute(
                update(_subjects)
                .where(_subjects.c.tenant == tenant, _subjects.c.subject_id == subject_id)
                .values(
                    state=state.value,
                    termination_reason=reason.value,
                    error_code=error_code,
                    update_us=now,
                )
            )
            rows = (
                await conn.execute(
                    select(_sessions)
                    .where(
                        _sessions.c.tenant == tenant,
                        _sessions.c.subject_id == subject_id,
                        _sessions.c.state.in_([s.value for s in LIVE_STATES]),
                    )
                    .order_by(_sessions.c.create_us)
                    .with_for_update()
                )
            ).all()
            for srow in rows:
                s, expired = await self._settle(conn, _session_from_row(srow), now)
                if not expired:
                    await self._end(conn, s, end_reason, error_code, now)
                    count += 1
            subject = await self._subject(
                conn, await self._subject_row(conn, tenant, subject_id), now
            )
        self._committed()
        return subject, count

    async def reinstate_subject(self, tenant: str, subject_id: str) -> Subject:
        v: policy.Violations = []
        policy.check_id("subject_id", subject_id, required=True, out=v)
        policy.raise_if(v)
        async with self.db.write() as conn:
            now = self.clock()
            row = await self._subject_row(conn, tenant, subject_id)
            if row is None:
                raise errors.subject_not_found(subject_id)
            await conn.execute(
                update(_subjects)
                .where(_subjects.c.tenant == tenant, _subjects.c.subject_id == subject_id)
                .values(
                    state=SubjectState.ACTIVE.value,
                    termination_reason=None,
                    error_code="",
                    update_us=now,
                )
            )
            return await self._subject(conn, await self._subject_row(conn, tenant, subject_id), now)

    # ----------------------------------------------------------- create / start

    @staticmethod
    def _fingerprint(req: CreateRequest) -> str:
        material = json.dumps(
            [req.subject_id, req.reference, req.pending, req.reuse_existing], separators=(",", ":")
        )
        return hashlib.sha256(material.encode()).hexdigest()

    def _check_create(self, req: CreateRequest) -> int:
        v: policy.Violations = []
        policy.check_id("subject_id", req.subject_id, required=True, out=v)
        policy.check_id("reference", req.reference, required=False, out=v)
        policy.check_metadata_size("metadata", req.metadata_size, v)
        ttl = policy.session_ttl_us(
            req.ttl_us, self.settings.session_ttl_seconds, self.settings.max_session_ttl_seconds, v
        )
        policy.check_len("request_id", req.request_id, policy.MAX_ID_LEN, v)
        for name in ("user_agent", "ip_address", "device_name"):
            policy.check_len(
                f"client.{name}", getattr(req.client, name), policy.MAX_CLIENT_FIELD_LEN, v
            )
        policy.raise_if(v)
        return ttl

    async def create_session(self, tenant: str, req: CreateRequest) -> CreateResult:
        ttl_us = self._check_create(req)
        fingerprint = self._fingerprint(req)
        try:
            return await self._create_once(tenant, req, ttl_us, fingerprint)
        except IntegrityError:
            if not req.request_id:
                raise
            # The same request_id committed concurrently under another subject
            # (the subject lock did not order them): run again, and the
            # replay check now answers for it.
            return await self._create_once(tenant, req, ttl_us, fingerprint)

    async def _create_once(
        self, tenant: str, req: CreateRequest, ttl_us: int, fingerprint: str
    ) -> CreateResult:
        async with self.db.write() as conn:
            now = self.clock()
            # Subject lock first: a concurrent retry of the same request_id
            # waits here, then finds the first one's record below.
            subject = await self._lock_subject(conn, tenant, req.subject_id, now)
            if req.request_id:
                replay = await self._replay(conn, tenant, req.request_id, fingerprint, now)
                if replay is not None:
                    return replay
            if subject.state != SubjectState.ACTIVE.value:
                raise errors.subject_terminated(req.subject_id, subject.state, subject.error_code)
            await self._count_create(conn, tenant, req.subject_id, now)
            result = None
            if req.reuse_existing:
                result = await self._reuse(conn, tenant, req, now)
            if result is None:
                result = await self._create_new(conn, tenant, req, ttl_us, now)
            if req.request_id:
                secrets_json = json.dumps(
                    {
                        "tokens": result.tokens.to_json() if result.tokens else None,
                        "handoff_code": result.handoff_code,
                    }
                ).encode()
                await conn.execute(
                    insert(_idem).values(
                        tenant=tenant,
                        request_id=req.request_id,
                        fingerprint=fingerprint,
                        session_id=result.session.session_id,
                        response_sealed=self.sealer.seal(
                            secrets_json, aad=f"{tenant}/{req.request_id}"
                        ),
                        reused=result.reused,
                        expire_us=now + self.settings.idempotency_ttl_seconds * US,
                    )
                )
        self._committed()
        return result

    async def _replay(
        self, conn: AsyncConnection, tenant: str, request_id: str, fingerprint: str, now: int
    ) -> CreateResult | None:
        row = (
            await conn.execute(
                select(_idem).where(_idem.c.tenant == tenant, _idem.c.request_id == request_id)
            )
        ).first()
        if row is None:
            return None
        if row.expire_us <= now:
            await conn.execute(
                delete(_idem).where(_idem.c.tenant == tenant, _idem.c.request_id == request_id)
            )
            return None
        if row.fingerprint != fingerprint:
            raise errors.invalid_argument(
                [("request_id", "was already used for a create with other parameters")]
            )
        session = await self._load(conn, tenant, row.session_id)
        assert session is not None
        opened = json.loads(self.sealer.open(row.response_sealed, aad=f"{tenant}/{request_id}"))
        tokens = TokenPair.from_json(opened["tokens"]) if opened["tokens"] else None
        return CreateResult(
            self._effective(session, now), tokens, opened["handoff_code"], row.reused
        )

    async def _count_create(
        self, conn: AsyncConnection, tenant: str, subject_id: str, now: int
    ) -> None:
        windows = (
            ("minute", 60, self.settings.create_rate_per_minute),
            ("day", 86400, self.settings.create_rate_per_day),
        )
        for name, seconds, limit in windows:
            if limit <= 0:
                continue
            key = and_(
                _rates.c.tenant == tenant,
                _rates.c.subject_id == subject_id,
                _rates.c.window == name,
            )
            row = (await conn.execute(select(_rates).where(key))).first()
            span = seconds * US
            if row is None:
                await conn.execute(
                    insert(_rates).values(
                        tenant=tenant, subject_id=subject_id, window=name, start_us=now, count=1
                    )
                )
            elif now - row.start_us >= span:
                await conn.execute(update(_rates).where(key).values(start_us=now, count=1))
            elif row.count >= limit:
                retry = (row.start_us + span - now) / US
                raise errors.rate_limited(subject_id, name, max(retry, 0.001))
            else:
                await conn.execute(update(_rates).where(key).values(count=_rates.c.count + 1))

    async def _reuse(
        self, conn: AsyncConnection, tenant: str, req: CreateRequest, now: int
    ) -> CreateResult | None:
        row = (
            await conn.execute(
                select(_sessions)
                .where(
                    _sessions.c.tenant == tenant,
                    _sessions.c.subject_id == req.subject_id,
                    _sessions.c.reference == req.reference,
                    self._live_clause(now),
                )
                .order_by(_sessions.c.create_us.desc())
                .limit(1)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        s = _session_from_row(row)
        await self._supersede_tokens(conn, s.session_id)
        if req.pending and s.state is State.PENDING:
            code = new_handoff_code()
            await conn.execute(
                update(_sessions)
                .where(_sessions.c.session_id == s.session_id)
                .values(handoff_hash=secret_hash(code))
            )
            return CreateResult(s, None, code, True)
        etype = EventType.STARTED if s.state is State.PENDING else EventType.RENEWED
        after = dataclasses.replace(s, state=State.ACTIVE, last_renew_us=now, last_active_us=now)
        await conn.execute(
            update(_sessions)
            .where(_sessions.c.session_id == s.session_id)
            .values(handoff_hash=None)
        )
        after = await self._emit(conn, s, after, etype)
        tokens = await self._mint_pair(
            conn, after, await self._next_generation(conn, s.session_id), now
        )
        return CreateResult(after, tokens, "", True)

    async def _create_new(
        self, conn: AsyncConnection, tenant: str, req: CreateRequest, ttl_us: int, now: int
    ) -> CreateResult:
        s = Session(
            session_id=new_session_id(),
            tenant=tenant,
            subject_id=req.subject_id,
            reference=req.reference,
            state=State.PENDING if req.pending else State.ACTIVE,
            metadata=req.metadata,
            create_us=now,
            expire_us=now + ttl_us,
            last_renew_us=now,
            last_active_us=now,
            end_us=None,
            end_reason=None,
            error_code="",
            revision=0,
            client=req.client,
        )
        s = await self._emit(conn, None, s, EventType.CREATED)
        if req.pending:
            code = new_handoff_code()
            await conn.execute(
                update(_sessions)
                .where(_sessions.c.session_id == s.session_id)
                .values(handoff_hash=secret_hash(code))
            )
            return CreateResult(s, None, code, False)
        return CreateResult(s, await self._mint_pair(conn, s, 1, now), "", False)

    async def start_session(self, tenant: str, handoff_code: str) -> tuple[Session, TokenPair]:
        v: policy.Violations = []
        policy.check_token("handoff_code", handoff_code, HANDOFF_PREFIX, v)
        policy.raise_if(v)
        failure: ServiceError | None = None
        async with self.db.write() as conn:
            now = self.clock()
            row = (
                await conn.execute(
                    select(_sessions)
                    .where(
                        _sessions.c.handoff_hash == secret_hash(handoff_code),
                        _sessions.c.tenant == tenant,
                    )
                    .with_for_update()
                )
            ).first()
            if row is None:
                raise errors.handoff_invalid()
            s, expired = await self._settle(conn, _session_from_row(row), now)
            await conn.execute(
                update(_sessions)
                .where(_sessions.c.session_id == s.session_id)
                .values(handoff_hash=None)
            )
            if expired or s.state is not State.PENDING:
                # Ended by now (e.g. the reaper expired it): the code dies with it.
                failure = _ended_error(s)
            else:
                after = dataclasses.replace(
                    s, state=State.ACTIVE, last_renew_us=now, last_active_us=now
                )
                after = await self._emit(conn, s, after, EventType.STARTED)
                tokens = await self._mint_pair(
                    conn, after, await self._next_generation(conn, s.session_id), now
                )
        self._committed()
        if failure:
            raise failure
        return after, tokens

    # ----------------------------------------------------------- reads

    async def get_session(self, tenant: str, session_id: str) -> Session:
        v: policy.Violations = []
        policy.check_len("session_id", session_id, policy.MAX_ID_LEN, v)
        if not session_id:
            v.append(("session_id", "is required"))
        policy.raise_if(v)
        async with self.db.read() as conn:
            s = await self._load(conn, tenant, session_id)
        if s is None:
            raise errors.session_not_found(session_id)
        return self._effective(s, self.clock())

    def _state_clause(self, state: State, now: int) -> ColumnElement[bool]:
        live = self._live_clause(now)
        if state in LIVE_STATES:
            return and_(_sessions.c.state == state.value, live)
        if state is State.EXPIRED:
            return or_(
                _sessions.c.state == state.value,
                and_(_sessions.c.state.in_([s.value for s in LIVE_STATES]), ~live),
            )
        return _sessions.c.state == state.value

    async def list_sessions(self, tenant: str, req: ListRequest) -> tuple[list[Session], str]:
        v: policy.Violations = []
        policy.check_id("subject_id", req.subject_id, required=False, out=v)
        policy.check_id("reference", req.reference, required=False, out=v)
        if any(s is None for s in req.states):
            v.append(("states", "SESSION_STATE_UNSPECIFIED is not a state to filter by"))
        size = policy.page_size(req.page_size, v)
        states = sorted({s for s in req.states if s is not None})
        filter_key = hashlib.sha256(
            json.dumps([req.subject_id, req.reference, states]).encode()
        ).hexdigest()[:16]
        after: tuple[int, str] | None = None
        if req.page_token:
            after = self._decode_page_token(req.page_token, filter_key, v)
        policy.raise_if(v)
        now = self.clock()
        clauses: list[ColumnElement[bool]] = [_sessions.c.tenant == tenant]
        if req.subject_id:
            clauses.append(_sessions.c.subject_id == req.subject_id)
        if req.reference:
            clauses.append(_sessions.c.reference == req.reference)
        if states:
            clauses.append(or_(*(self._state_clause(s, now) for s in states)))
        if after:
            clauses.append(
                or_(
                    _sessions.c.create_us > after[0],
                    and_(_sessions.c.create_us == after[0], _sessions.c.session_id > after[1]),
                )
            )
        query = (
            select(_sessions)
            .where(*clauses)
            .order_by(_sessions.c.create_us, _sessions.c.session_id)
            .limit(size + 1)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        sessions = [self._effective(_session_from_row(r), now) for r in rows[:size]]
        token = ""
        if len(rows) > size:
            last = sessions[-1]
            token = b64url(
                json.dumps({"c": last.create_us, "s": last.session_id, "f": filter_key}).encode()
            )
        return sessions, token

    @staticmethod
    def _decode_page_token(
        token: str, filter_key: str, v: policy.Violations
    ) -> tuple[int, str] | None:
        try:
            raw = json.loads(b64url_decode(token))
            create_us, session_id, key = int(raw["c"]), str(raw["s"]), raw["f"]
        except (ValueError, KeyError, TypeError, base64.binascii.Error):  # type: ignore[attr-defined]
            v.append(("page_token", "is not a token this server issued"))
            return None
        if key != filter_key:
            v.append(("page_token", "was issued for other filters"))
            return None
        return create_us, session_id

    # ----------------------------------------------------------- validate

    async def validate(
        self, tenant: str, access_token: str, expected_subject: str, expected_reference: str
    ) -> Validation:
        v: policy.Violations = []
        if not access_token:
            v.append(("access_token", "is required"))
        policy.raise_if(v)
        if len(access_token) > 8192:
            return Validation(InvalidReason.MALFORMED, None)
        kid, bad = unverified_kid(access_token)
        if bad or kid is None:
            return Validation(bad, None)
        key = await self.keys.find(kid)
        if key is None:
            return Validation(InvalidReason.BAD_SIGNATURE, None)
        claims, bad = verify_access_token(access_token, key, self.settings.issuer)
        if bad or claims is None:
            return Validation(bad, None)
        if claims.tenant != tenant:
            return Validation(InvalidReason.SESSION_NOT_FOUND, None)
        async with self.db.read() as conn:
            stored = await self._load(conn, tenant, claims.session_id)
        if stored is None:
            return Validation(InvalidReason.SESSION_NOT_FOUND, None)
        now = self.clock()
        s = self._effective(stored, now)
        if s.state in _INVALID_FOR_STATE:
            return Validation(_INVALID_FOR_STATE[s.state], s)
        if expected_subject and expected_subject != s.subject_id:
            return Validation(InvalidReason.SUBJECT_MISMATCH, s)
        if expected_reference and expected_reference != s.reference:
            return Validation(InvalidReason.REFERENCE_MISMATCH, s)
        if s.state is not State.ACTIVE or s.subject_id != claims.subject_id:
            return Validation(InvalidReason.BAD_SIGNATURE, s)
        if now >= claims.exp * US:
            return Validation(InvalidReason.TOKEN_EXPIRED, s)
        if now - s.last_active_us >= policy.ACTIVE_TOUCH_INTERVAL_US:
            s = await self._touch(s, now)
        return Validation(None, s)

    async def _touch(self, s: Session, now: int) -> Session:
        """Moves last_active_time (no event: activity is not a state change)."""
        async with self.db.write() as conn:
            await conn.execute(
                update(_sessions)
                .where(
                    _sessions.c.session_id == s.session_id,
                    _sessions.c.state == State.ACTIVE.value,
                    _sessions.c.last_active_us < now,
                )
                .values(last_active_us=now)
            )
        return dataclasses.replace(s, last_active_us=now)

    # ----------------------------------------------------------- renew

    async def renew(self, tenant: str, refresh_token: str) -> tuple[Session, TokenPair]:
        v: policy.Violations = []
        policy.check_token("refresh_token", refresh_token, REFRESH_PREFIX, v)
        policy.raise_if(v)
        token_hash = secret_hash(refresh_token)
        failure: ServiceError | None = None
        result: tuple[Session, TokenPair] | None = None
        async with self.db.write() as conn:
            now = self.clock()
            row = (
                await conn.execute(
                    select(_refresh)
                    .where(_refresh.c.token_hash == token_hash, _refresh.c.tenant == tenant)
                    .with_for_update()
                )
            ).first()
            if row is None:
                raise errors.unauthenticated("REFRESH_TOKEN_INVALID", "unknown refresh token")
            stored = await self._load(conn, tenant, row.session_id, lock=True)
            assert stored is not None
            s, _ = await self._settle(conn, stored, now)
            if s.state not in LIVE_STATES:
                failure = _ended_error(s)
            elif row.superseded:
                failure = errors.unauthenticated(
                    "REFRESH_TOKEN_SUPERSEDED",
                    "refresh token was replaced by a newer create for this session",
                    session_id=s.session_id,
                )
            elif now >= row.expire_us:
                failure = errors.unauthenticated(
                    "REFRESH_TOKEN_EXPIRED", "refresh token expired", session_id=s.session_id
                )
            elif row.rotated_us is not None:
                grace = self.settings.refresh_reuse_grace_seconds * US
                if now - row.rotated_us <= grace and row.successor_sealed is not None:
                    pair = TokenPair.from_json(
                        self.sealer.open(row.successor_sealed, aad=token_hash).decode()
                    )
                    result = (s, pair)
                else:
                    await self._end(conn, s, EndReason.REFRESH_TOKEN_REUSE, "", now)
                    failure = errors.unauthenticated(
                        "REFRESH_TOKEN_REUSED",
                        "refresh token was already used; the session is revoked",
                        session_id=s.session_id,
                    )
            else:
                after = dataclasses.replace(s, last_renew_us=now, last_active_us=now)
                after = await self._emit(conn, s, after, EventType.RENEWED)
                pair = await self._mint_pair(conn, after, row.generation + 1, now)
                await conn.execute(
                    update(_refresh)
                    .where(_refresh.c.token_hash == token_hash)
                    .values(
                        rotated_us=now,
                        successor_sealed=self.sealer.seal(pair.to_json().encode(), aad=token_hash),
                    )
                )
                result = (after, pair)
        self._committed()
        if failure:
            raise failure
        assert result is not None
        return result

    # ----------------------------------------------------------- revoke / update

    async def revoke(self, tenant: str, session_id: str, reason: EndReason | None) -> Session:
        v: policy.Violations = []
        if not session_id:
            v.append(("session_id", "is required"))
        policy.check_len("session_id", session_id, policy.MAX_ID_LEN, v)
        self._check_revoke_reason(reason, v)
        policy.raise_if(v)
        async with self.db.write() as conn:
            now = self.clock()
            s = await self._load(conn, tenant, session_id, lock=True)
            if s is None:
                raise errors.session_not_found(session_id)
            s, _ = await self._settle(conn, s, now)
            if s.state in LIVE_STATES:
                s = await self._end(conn, s, policy.revoke_reason(reason), "", now)
        self._committed()
        return s

    @staticmethod
    def _check_revoke_reason(reason: EndReason | None, v: policy.Violations) -> None:
        allowed = (
            None,
            EndReason.LOGOUT,
            EndReason.ADMIN,
            EndReason.SUPERSEDED,
            EndReason.REFRESH_TOKEN_REUSE,
        )
        if reason not in allowed:
            v.append(
                (
                    "reason",
                    "must be LOGOUT, ADMIN, SUPERSEDED or REFRESH_TOKEN_REUSE "
                    "(expiry and termination have their own RPCs)",
                )
            )

    async def revoke_many(
        self,
        tenant: str,
        subject_id: str,
        reference: str,
        except_session_id: str,
        reason: EndReason | None,
    ) -> list[str]:
        v: policy.Violations = []
        policy.check_id("subject_id", subject_id, required=False, out=v)
        policy.check_id("reference", reference, required=False, out=v)
        policy.check_len("except_session_id", except_session_id, policy.MAX_ID_LEN, v)
        if not subject_id and not reference:
            v.append(("subject_id", "subject_id or reference is required"))
        self._check_revoke_reason(reason, v)
        policy.raise_if(v)
        ended: list[str] = []
        async with self.db.write() as conn:
            now = self.clock()
            clauses = [
                _sessions.c.tenant == tenant,
                _sessions.c.state.in_([s.value for s in LIVE_STATES]),
                _sessions.c.session_id != except_session_id if except_session_id else true(),
                _sessions.c.subject_id == subject_id if subject_id else true(),
                _sessions.c.reference == reference if reference else true(),
            ]
            rows = (
                await conn.execute(
                    select(_sessions)
                    .where(*clauses)
                    .order_by(_sessions.c.create_us)
                    .with_for_update()
                )
            ).all()
            for row in rows:
                s, expired = await self._settle(conn, _session_from_row(row), now)
                if not expired:
                    await self._end(conn, s, policy.revoke_reason(reason), "", now)
                    ended.append(s.session_id)
        self._committed()
        return ended

    async def update_metadata(
        self, tenant: str, session_id: str, metadata: dict[str, Any], size: int
    ) -> Session:
        v: policy.Violations = []
        if not session_id:
            v.append(("session_id", "is required"))
        policy.check_len("session_id", session_id, policy.MAX_ID_LEN, v)
        policy.check_metadata_size("metadata", size, v)
        policy.raise_if(v)
        failure: ServiceError | None = None
        async with self.db.write() as conn:
            now = self.clock()
            s = await self._load(conn, tenant, session_id, lock=True)
            if s is None:
                raise errors.session_not_found(session_id)
            s, _ = await self._settle(conn, s, now)
            if s.state in LIVE_STATES:
                s = await self._emit(
                    conn, s, dataclasses.replace(s, metadata=metadata), EventType.METADATA_UPDATED
                )
            else:
                failure = errors.failed_precondition(
                    f"SESSION_{s.state.value}",
                    f"session is {s.state.value.lower()}; an ended session never changes",
                    session_id=session_id,
                )
        self._committed()
        if failure:
            raise failure
        return s

    # ----------------------------------------------------------- expiry, events

    async def expire_due(self, limit: int = 500) -> int:
        """Writes EXPIRED for live sessions past their deadline. Safe to run in
        every replica: each session is re-read under the write lock (SQLite) or
        taken with SKIP LOCKED (PostgreSQL), so nobody expires it twice."""
        now = self.clock()
        deadline = or_(
            _sessions.c.expire_us <= now,
            _sessions.c.last_active_us + self.idle_us <= now if self.idle_us else false(),
        )
        query = (
            select(_sessions)
            .where(_sessions.c.state.in_([s.value for s in LIVE_STATES]), deadline)
            .order_by(_sessions.c.expire_us)
            .limit(limit)
        )
        # Look first without the write lock: most calls find nothing due.
        async with self.db.read() as conn:
            due = await conn.execute(query.with_only_columns(_sessions.c.session_id))
            if due.first() is None:
                return 0
        if not self.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        count = 0
        async with self.db.write() as conn:
            for row in (await conn.execute(query)).all():
                _, changed = await self._settle(conn, _session_from_row(row), now)
                count += changed
        if count:
            self._committed()
        return count

    async def next_deadline_us(self) -> int | None:
        """The earliest moment a live session ends by the clock, if any."""
        live = _sessions.c.state.in_([s.value for s in LIVE_STATES])
        async with self.db.read() as conn:
            first = (
                await conn.execute(select(func.min(_sessions.c.expire_us)).where(live))
            ).scalar()
            if self.idle_us:
                idle = (
                    await conn.execute(select(func.min(_sessions.c.last_active_us)).where(live))
                ).scalar()
                if idle is not None:
                    first = min(first or idle + self.idle_us, idle + self.idle_us)
        return first

    async def current_revision(self) -> int:
        async with self.db.read() as conn:
            return (
                await conn.execute(select(_counters.c.value).where(_counters.c.name == "revision"))
            ).scalar_one()

    async def compact_revision(self) -> int:
        async with self.db.read() as conn:
            return (
                await conn.execute(
                    select(_counters.c.value).where(_counters.c.name == "compact_revision")
                )
            ).scalar_one()

    async def events_after(self, revision: int, limit: int = 1000) -> list[Event]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(_events)
                    .where(_events.c.revision > revision)
                    .order_by(_events.c.revision)
                    .limit(limit)
                )
            ).all()
        return [_event_from_row(r) for r in rows]

    async def events_between(
        self,
        tenant: str,
        after: int,
        upto: int,
        *,
        subject_id: str = "",
        session_id: str = "",
        reference: str = "",
        limit: int = 500,
    ) -> list[Event]:
        """One tenant's events with after < revision <= upto, oldest first,
        narrowed by the watch filters (history for a resuming watcher)."""
        query = select(_events).where(
            _events.c.tenant == tenant, _events.c.revision > after, _events.c.revision <= upto
        )
        if subject_id:
            query = query.where(_events.c.subject_id == subject_id)
        if session_id:
            query = query.where(_events.c.session_id == session_id)
        if reference:
            query = query.where(_events.c.reference == reference)
        async with self.db.read() as conn:
            rows = (await conn.execute(query.order_by(_events.c.revision).limit(limit))).all()
        return [_event_from_row(r) for r in rows]

    async def compact(self) -> int:
        """Deletes events older than the retention; returns the compact revision
        (every event at or after it is still in the table)."""
        cutoff = self.clock() - self.settings.event_retention_seconds * US
        async with self.db.write() as conn:
            newest_old = (
                await conn.execute(
                    select(func.max(_events.c.revision)).where(_events.c.create_us < cutoff)
                )
            ).scalar()
            if newest_old is not None:
                await conn.execute(delete(_events).where(_events.c.revision <= newest_old))
                await conn.execute(
                    update(_counters)
                    .where(
                        _counters.c.name == "compact_revision", _counters.c.value < newest_old + 1
                    )
                    .values(value=newest_old + 1)
                )
            await conn.execute(delete(_idem).where(_idem.c.expire_us <= self.clock()))
            grace = self.settings.refresh_reuse_grace_seconds * US
            await conn.execute(
                update(_refresh)
                .where(
                    _refresh.c.successor_sealed.is_not(None),
                    _refresh.c.rotated_us < self.clock() - grace,
                )
                .values(successor_sealed=None)
            )
            value = (
                await conn.execute(
                    select(_counters.c.value).where(_counters.c.name == "compact_revision")
                )
            ).scalar_one()
        return value

    async def jwks(self) -> list[dict[str, str]]:
        return self.keys.jwks()
