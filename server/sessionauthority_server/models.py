"""SQLModel tables. Times are integer microseconds since the epoch (BIGINT:
they overflow 32 bits), so SQLite and PostgreSQL compare and index them the
same way. Every row carries its tenant."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel


class SubjectRow(SQLModel, table=True):
    __tablename__ = "subjects"
    tenant: str = Field(primary_key=True, max_length=64)
    subject_id: str = Field(primary_key=True, max_length=128)
    state: str = Field(max_length=16)
    termination_reason: str | None = Field(default=None, max_length=16)
    error_code: str = Field(default="", max_length=128)
    create_us: int = Field(sa_type=BigInteger)
    update_us: int = Field(sa_type=BigInteger)


class SessionRow(SQLModel, table=True):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_tenant_subject", "tenant", "subject_id", "create_us"),
        Index("ix_sessions_tenant_reference", "tenant", "reference"),
        Index("ix_sessions_state_expire", "state", "expire_us"),
        Index("ix_sessions_state_active", "state", "last_active_us"),
        Index("ix_sessions_tenant_create", "tenant", "create_us", "session_id"),
        # ListSessions by one state, in page order, without walking the
        # tenant's other sessions.
        Index("ix_sessions_tenant_state", "tenant", "state", "create_us", "session_id"),
        # The verifier's snapshot: a tenant's recent endings in page order.
        Index("ix_sessions_tenant_end", "tenant", "end_us", "session_id"),
    )
    session_id: str = Field(primary_key=True, max_length=64)
    tenant: str = Field(max_length=64)
    subject_id: str = Field(max_length=128)
    reference: str = Field(default="", max_length=128)
    state: str = Field(max_length=16)
    metadata_json: str = Field(default="{}")
    create_us: int = Field(sa_type=BigInteger)
    expire_us: int = Field(sa_type=BigInteger)
    last_renew_us: int = Field(sa_type=BigInteger)
    last_active_us: int = Field(sa_type=BigInteger)
    end_us: int | None = Field(default=None, sa_type=BigInteger)
    end_reason: str | None = Field(default=None, max_length=32)
    error_code: str = Field(default="", max_length=128)
    revision: int = Field(sa_type=BigInteger)
    user_agent: str = Field(default="", max_length=512)
    ip_address: str = Field(default="", max_length=512)
    device_name: str = Field(default="", max_length=512)
    # SHA-256 of the one-time handoff code; cleared when redeemed or replaced.
    handoff_hash: str | None = Field(default=None, unique=True, max_length=64)


class RefreshTokenRow(SQLModel, table=True):
    __tablename__ = "refresh_tokens"
    token_hash: str = Field(primary_key=True, max_length=64)
    tenant: str = Field(max_length=64)
    session_id: str = Field(index=True, max_length=64)
    generation: int
    create_us: int = Field(sa_type=BigInteger)
    expire_us: int = Field(sa_type=BigInteger)
    rotated_us: int | None = Field(default=None, sa_type=BigInteger)
    # The successor pair, sealed, so a retry inside the grace window gets the
    # same pair back; cleared once the window has passed.
    successor_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    superseded: bool = False


class EventRow(SQLModel, table=True):
    __tablename__ = "events"
    # History reads for a resuming watcher narrow by tenant and one filter.
    __table_args__ = (
        Index("ix_events_tenant_revision", "tenant", "revision"),
        Index("ix_events_tenant_subject", "tenant", "subject_id", "revision"),
        Index("ix_events_tenant_session", "tenant", "session_id", "revision"),
        Index("ix_events_tenant_reference", "tenant", "reference", "revision"),
    )
    revision: int = Field(primary_key=True, sa_type=BigInteger)
    tenant: str = Field(max_length=64)
    session_id: str = Field(max_length=64)
    subject_id: str = Field(max_length=128)
    reference: str = Field(default="", max_length=128)
    type: str = Field(max_length=32)
    # The session after the change, as JSON: history replays without joins.
    payload: str
    create_us: int = Field(index=True, sa_type=BigInteger)


class CounterRow(SQLModel, table=True):
    """One row per counter. `revision` orders every change; `compact_revision`
    is the oldest revision still in the events table."""

    __tablename__ = "counters"
    name: str = Field(primary_key=True, max_length=32)
    value: int = Field(sa_type=BigInteger)


class SigningKeyRow(SQLModel, table=True):
    __tablename__ = "signing_keys"
    kid: str = Field(primary_key=True, max_length=64)
    private_sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    public_x: str = Field(max_length=64)
    create_us: int = Field(sa_type=BigInteger)
    # After this it signs nothing new; its public key stays in the JWKS until
    # the last token it signed has expired.
    retire_us: int | None = Field(default=None, sa_type=BigInteger)


class IdempotencyRow(SQLModel, table=True):
    __tablename__ = "idempotency"
    tenant: str = Field(primary_key=True, max_length=64)
    request_id: str = Field(primary_key=True, max_length=128)
    fingerprint: str = Field(max_length=64)
    session_id: str = Field(max_length=64)
    # The first answer's secrets (token pair, handoff code), sealed.
    response_sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    reused: bool = False
    expire_us: int = Field(index=True, sa_type=BigInteger)


class RateBucketRow(SQLModel, table=True):
    """One create rate limit's bucket (GCRA: a token bucket kept as one
    timestamp). `tat_us` is when the bucket will be full again; a row whose
    bucket is full says nothing and is purged."""

    __tablename__ = "rate_buckets"
    scope: str = Field(primary_key=True, max_length=8)  # subject, caller, global
    # Quoted: a keyword in both dialects' SQL.
    window: str = Field(
        primary_key=True, max_length=8, sa_column_kwargs={"name": "window", "quote": True}
    )
    tenant: str = Field(primary_key=True, max_length=64)
    caller: str = Field(primary_key=True, max_length=32)
    subject_id: str = Field(primary_key=True, max_length=128)
    tat_us: int = Field(index=True, sa_type=BigInteger)


class ApiKeyRow(SQLModel, table=True):
    """A caller's API key: only its SHA-256 is stored (the key is 256 random
    bits, shown once at creation)."""

    __tablename__ = "api_keys"
    key_id: str = Field(primary_key=True, max_length=32)
    key_hash: str = Field(unique=True, max_length=64)
    tenant: str = Field(max_length=64)
    scopes: str = Field(max_length=256)  # space-separated
    create_us: int = Field(sa_type=BigInteger)
    revoke_us: int | None = Field(default=None, sa_type=BigInteger)
