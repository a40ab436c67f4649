"""Settings: environment variables SESSION_AUTHORITY_<NAME>; CLI flags override."""

from __future__ import annotations

import ipaddress

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SESSION_AUTHORITY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=50051, ge=0, le=65535)
    database_url: str = "sqlite:///./session-authority.db"
    # FULL: an acknowledged write survives power loss. NORMAL: it survives a
    # crash of this process, but the last commits may roll back on power loss.
    sqlite_synchronous: str = "FULL"
    # Upgrade the schema on start (safe with several replicas). Off: refuse
    # to start until `session-authority migrate` has run.
    migrate_on_start: bool = True
    # PostgreSQL connections for reads.
    db_pool_size: int = Field(default=10, gt=0)
    # PostgreSQL: how long to wait for a connection, and for one statement
    # (0: no limit). Past either, the call is UNAVAILABLE with RetryInfo.
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_ms: int = Field(default=10_000, ge=0)
    # PostgreSQL connections (writer threads) for writes; SQLite always has one.
    # One pipelined connection with group commit is fastest on 2 cores; more
    # help when the database is on other, bigger machines.
    db_write_connections: int = Field(default=1, gt=0, le=64)
    # Base64url 32-byte key that encrypts private signing keys and stored token
    # pairs at rest. Empty: a key file beside the SQLite database (mode 0600).
    encryption_key: str = ""
    issuer: str = "session-authority"
    # How often a new signing key replaces the active one (0: only by hand,
    # `session-authority keys rotate`).
    signing_key_rotation_seconds: int = Field(default=604800, ge=0)
    # The access token's `aud`: verifiers using JWKS should check it.
    audience: str = "session-authority"
    # PEM files. Cert + key: TLS. With a client CA too: mTLS (clients must
    # present a certificate that CA signed).
    tls_cert: str = ""
    tls_key: str = ""
    tls_client_ca: str = ""

    access_token_ttl_seconds: int = Field(default=900, gt=0)
    session_ttl_seconds: int = Field(default=604800, gt=0)
    max_session_ttl_seconds: int = Field(default=2592000, gt=0)
    refresh_reuse_grace_seconds: int = Field(default=10, ge=0)
    idle_timeout_seconds: int = Field(default=0, ge=0)
    event_retention_seconds: int = Field(default=604800, gt=0)
    create_rate_per_minute: int = Field(default=60, ge=0)
    create_rate_per_day: int = Field(default=1000, ge=0)
    # Per API key, all subjects together (open mode has no key, so none).
    caller_create_rate_per_minute: int = Field(default=6000, ge=0)
    # Every create together, a guard for the database. Off by default: on
    # PostgreSQL its one row serializes every replica's creates.
    global_create_rate_per_minute: int = Field(default=0, ge=0)
    # Live sessions one subject may hold; one more ends the oldest as
    # SUPERSEDED. 0: no cap.
    max_sessions_per_subject: int = Field(default=0, ge=0)
    watch_queue_size: int = Field(default=1024, gt=0)
    # How long a request_id keeps answering with the first result.
    idempotency_ttl_seconds: int = Field(default=86400, gt=0)
    # How often the reaper looks for sessions past their deadline; the
    # contract promises an EXPIRED event within 2 s.
    reaper_interval_seconds: float = Field(default=0.5, gt=0)
    # How often the reaper deletes events older than the retention.
    compact_interval_seconds: float = Field(default=60.0, gt=0)
    # How often an idle watch stream gets a progress message (contract: <= 10 s).
    watch_progress_interval_seconds: float = Field(default=5.0, gt=0)
    # How often the event tailer reads the events table for other processes'
    # commits when nothing woke it (PostgreSQL NOTIFY wakes it at once).
    watch_poll_interval_seconds: float = Field(default=1.0, gt=0)
    max_watch_streams: int = Field(default=10000, gt=0)
    # The largest request message accepted. gRPC's own default is 4 MiB,
    # buffered whole before any check: 128 unauthenticated 4 MiB creates
    # would hold half a gigabyte. The largest valid request (16 KiB of
    # metadata with every other field full) is far below this.
    max_request_bytes: int = Field(default=64 * 1024, ge=16 * 1024 + 4096)
    # RPCs in flight at once, watch streams included (0: MAX_WATCH_STREAMS
    # + 4096). Past it gRPC answers RESOURCE_EXHAUSTED at once, so a flood
    # queues nothing in the server.
    max_concurrent_rpcs: int = Field(default=0, ge=0)
    # Per API key (open mode has none), so one client cannot starve the rest.
    max_watch_streams_per_caller: int = Field(default=1000, gt=0)
    # Prometheus metrics at http://METRICS_HOST:METRICS_PORT/metrics (0: off).
    # Empty host: the address the gRPC server listens on.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = ""
    # The Connect protocol (HTTP/1.1 and HTTP/2, JSON and binary) and
    # /healthz on this port, on the gRPC port's host, TLS and keys (0: off).
    http_port: int = Field(default=0, ge=0, le=65535)
    # The whole request body must arrive within this long (a slow body is
    # refused, not waited on).
    http_body_timeout_seconds: float = Field(default=10.0, gt=0)
    # Server processes sharing the ports ("auto": one per core); see workers.py.
    workers: str = Field(default="1", pattern=r"^(auto|[1-9][0-9]{0,2})$")
    # How long SIGTERM waits for in-flight calls.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
