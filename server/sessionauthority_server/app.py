"""Assembles the server: services, health, reflection, background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from sessionauthority.v1 import (
    session_service_pb2,
    session_service_pb2_grpc,
    subject_service_pb2,
    subject_service_pb2_grpc,
)

from .config import Settings
from .db import Database, DatabaseUrlError, sqlite_path
from .services.sessions import SessionServicer
from .services.subjects import SubjectServicer
from .store import Clock, Store, system_clock
from .tokens import Sealer, b64url_decode, load_or_create_key_file

log = logging.getLogger("sessionauthority")

SERVICE_NAMES = (
    session_service_pb2.DESCRIPTOR.services_by_name["SessionService"].full_name,
    subject_service_pb2.DESCRIPTOR.services_by_name["SubjectService"].full_name,
)

# Long-lived watch streams: keep idle connections alive through NATs and load
# balancers, and recycle connections now and then so streams rebalance across
# replicas (the client reconnects and resumes by revision).
SERVER_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_connection_age_ms", 30 * 60_000),
    ("grpc.max_connection_age_grace_ms", 60_000),
    ("grpc.so_reuseport", 0),
]


class ConfigError(RuntimeError):
    pass


def make_sealer(settings: Settings) -> Sealer:
    if settings.encryption_key:
        try:
            key = b64url_decode(settings.encryption_key.strip())
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ConfigError("SESSION_AUTHORITY_ENCRYPTION_KEY must be 32 bytes, base64url")
        return Sealer(key)
    path = sqlite_path(settings.database_url)
    if path is None:
        raise ConfigError(
            "set SESSION_AUTHORITY_ENCRYPTION_KEY (32 bytes, base64url) for PostgreSQL: "
            "every replica must share it"
        )
    return Sealer(load_or_create_key_file(path + ".key"))


@dataclass
class App:
    server: grpc.aio.Server
    port: int
    store: Store
    health: health.aio.HealthServicer
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def stop(self, grace: float | None = None) -> None:
        """Drains: NOT_SERVING first so balancers move away, then in-flight
        calls get `grace` seconds, then background work and the database stop."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.store.db.close()


async def create_server(
    settings: Settings, *, clock: Clock = system_clock, address: str | None = None
) -> App:
    """Builds and starts a server; port 0 picks a free port (tests use it)."""
    try:
        db = Database(settings.database_url)
    except DatabaseUrlError as exc:
        raise ConfigError(str(exc)) from None
    store = Store(db, settings, make_sealer(settings), clock)
    await store.start()

    server = grpc.aio.server(options=SERVER_OPTIONS)
    session_service_pb2_grpc.add_SessionServiceServicer_to_server(SessionServicer(store), server)
    subject_service_pb2_grpc.add_SubjectServiceServicer_to_server(SubjectServicer(store), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    address = address or f"{settings.host}:{settings.port}"
    port = server.add_insecure_port(address)
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("serving on %s (database %s)", address.rsplit(":", 1)[0] + f":{port}", db.dialect)
    return App(server, port, store, health_servicer)
