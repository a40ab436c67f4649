"""Assembles the server: services, health, reflection, background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2
from sessionauthority.v1 import (
    api_key_service_pb2,
    api_key_service_pb2_grpc,
    session_service_pb2,
    session_service_pb2_grpc,
    subject_service_pb2,
    subject_service_pb2_grpc,
)

from .calls.apikeys import ApiKeyCalls
from .calls.sessions import SessionCalls
from .calls.subjects import SubjectCalls
from .config import Settings, is_loopback
from .events import Hub
from .http.assemble import connect_app
from .http.server import HttpServer, start_http
from .metrics import Metrics, MetricsInterceptor
from .reaper import Reaper
from .services.apikeys import ApiKeyServicer
from .services.auth import Authenticator
from .services.fanout import EventEncoder
from .services.register import add_service
from .services.sessions import SessionServicer
from .services.subjects import SubjectServicer
from .sessions.manager import SessionManager
from .store import Clock, Store, system_clock
from .store.database import Database, DatabaseUrlError, sqlite_path
from .store.schema import SchemaError
from .tls import TlsConfigError, server_credentials
from .tokens import KeyFileError, Sealer, b64url_decode, load_or_create_key_file

log = logging.getLogger("sessionauthority")

SERVICE_NAMES = (
    session_service_pb2.DESCRIPTOR.services_by_name["SessionService"].full_name,
    subject_service_pb2.DESCRIPTOR.services_by_name["SubjectService"].full_name,
    api_key_service_pb2.DESCRIPTOR.services_by_name["ApiKeyService"].full_name,
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
    try:
        return Sealer(load_or_create_key_file(path + ".key"))
    except KeyFileError as exc:
        raise ConfigError(str(exc)) from None


REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"


def _register_reflection_v1_descriptor() -> None:
    """Puts a v1 copy of the v1alpha reflection schema in the default pool, so
    clients can describe the v1 service they are talking to."""
    pool = descriptor_pool.Default()
    try:
        pool.FindServiceByName(REFLECTION_V1)
        return
    except KeyError:
        pass
    fdp = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(fdp)
    old, new = ".grpc.reflection.v1alpha.", ".grpc.reflection.v1."
    fdp.name = "grpc/reflection/v1/reflection.proto"
    fdp.package = "grpc.reflection.v1"
    for message in fdp.message_type:
        for fld in message.field:
            if fld.type_name:
                fld.type_name = fld.type_name.replace(old, new)
    for service in fdp.service:
        for method in service.method:
            method.input_type = method.input_type.replace(old, new)
            method.output_type = method.output_type.replace(old, new)
    pool.Add(fdp)


def add_reflection(server: grpc.aio.Server) -> None:
    """Server reflection v1alpha and v1. grpcio-reflection ships only v1alpha;
    v1 has the same messages field for field, so the same servicer answers
    both on the wire (buf curl and grpcurl ask for v1 first)."""
    _register_reflection_v1_descriptor()
    names = (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME, REFLECTION_V1)
    servicer = reflection.aio.ReflectionServicer(names)
    for service in (reflection.SERVICE_NAME, REFLECTION_V1):
        handler = grpc.method_handlers_generic_handler(
            service,
            {
                "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                    servicer.ServerReflectionInfo,
                    request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
                    response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
                )
            },
        )
        server.add_generic_rpc_handlers((handler,))


@dataclass
class App:
    server: grpc.aio.Server
    port: int
    store: Store
    manager: SessionManager
    hub: Hub
    health: health.aio.HealthServicer
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    metrics: Metrics | None = None
    metrics_port: int = 0
    http: HttpServer | None = None
    draining: bool = False
    event_encoder: EventEncoder | None = None
    # What every call passes through before its handler (metrics only).
    interceptors: list[grpc.aio.ServerInterceptor] = field(default_factory=list)

    async def ready(self) -> bool:
        """For /healthz: serving, and the database answers (within 2 s)."""
        if self.draining:
            return False
        try:
            async with asyncio.timeout(2.0):
                await self.store.current_revision()
        except Exception:
            return False
        return True

    async def stop(self, grace: float | None = None) -> None:
        """Drains: NOT_SERVING first so balancers move away; watch streams get
        a final progress and UNAVAILABLE (they never end by themselves); other
        in-flight calls get `grace` seconds; then background work and the
        database stop."""
        self.draining = True
        await self.health.enter_graceful_shutdown()
        # One budget for both steps: a watcher that does not read must not
        # add its wait to the unary calls' grace.
        budget = grace or 1.0
        deadline = asyncio.get_running_loop().time() + budget
        await self.hub.close(wait_seconds=budget)
        left = max(0.0, deadline - asyncio.get_running_loop().time())
        stops = [self.server.stop(left if grace is not None else None)]
        if self.http is not None:
            stops.append(self.http.close(left))
        await asyncio.gather(*stops)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.metrics is not None:
            self.metrics.stop()
        await self.store.close()


async def open_store(settings: Settings, clock: Clock = system_clock) -> Store:
    """The database, migrated, with the at-rest key and a signing key."""
    try:
        db = Database(
            settings.database_url,
            sqlite_synchronous=settings.sqlite_synchronous.upper(),
            pool_size=settings.db_pool_size,
            write_connections=settings.db_write_connections,
            migrate_on_start=settings.migrate_on_start,
            connect_timeout=settings.db_connect_timeout_seconds,
            statement_timeout_ms=settings.db_statement_timeout_ms,
        )
    except DatabaseUrlError as exc:
        raise ConfigError(str(exc)) from None
    store = Store(db, settings, make_sealer(settings), clock)
    try:
        await store.start()
    except SchemaError as exc:
        raise ConfigError(str(exc)) from None
    return store


async def create_server(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    address: str | None = None,
    http_address: str | None = None,
    reuse_port: bool = False,
) -> App:
    """Builds and starts a server; port 0 picks a free port (tests use it).
    HTTP (Connect) is on when HTTP_PORT is set or `http_address` is given.
    `reuse_port`: one of several workers sharing the ports (SO_REUSEPORT);
    otherwise a port someone else holds is an error, not a silent share."""
    try:
        credentials = server_credentials(settings)
    except TlsConfigError as exc:
        raise ConfigError(str(exc)) from None
    store = await open_store(settings, clock)
    hub = Hub(
        store,
        queue_size=settings.watch_queue_size,
        max_streams=settings.max_watch_streams,
        max_streams_per_owner=settings.max_watch_streams_per_caller,
        progress_interval=settings.watch_progress_interval_seconds,
        poll_interval=settings.watch_poll_interval_seconds,
    )
    await hub.start()
    manager = SessionManager(store)
    reaper = Reaper(
        manager,
        interval=settings.reaper_interval_seconds,
        compact_interval=settings.compact_interval_seconds,
        rotation=settings.signing_key_rotation_seconds,
    )
    tasks = [asyncio.create_task(reaper.run(), name="reaper")]

    address = address or f"{settings.host}:{settings.port}"
    auth = Authenticator(
        store.db.reader,
        # Open mode needs loopback: the address actually bound, not the setting.
        open_mode_allowed=is_loopback(address.rsplit(":", 1)[0]),
        clock=lambda: clock() / 1_000_000,
    )
    # No interceptor unless metrics are on: each one puts a coroutine in
    # front of every call (authentication is in our handlers: register.py).
    interceptors: list[grpc.aio.ServerInterceptor] = []
    metrics = Metrics() if settings.metrics_port else None
    if metrics is not None:
        metrics.bind(store, hub)
        interceptors.append(MetricsInterceptor(metrics))
    options = [
        *SERVER_OPTIONS,
        ("grpc.max_receive_message_length", settings.max_request_bytes),
        ("grpc.so_reuseport", 1 if reuse_port else 0),
    ]
    server = grpc.aio.server(
        options=options,
        interceptors=interceptors or None,
        maximum_concurrent_rpcs=settings.max_concurrent_rpcs or settings.max_watch_streams + 4096,
    )
    # One implementation of every RPC, for gRPC and for Connect alike.
    session_calls = SessionCalls(manager, hub)
    subject_calls = SubjectCalls(manager)
    encoder = EventEncoder()
    add_service(
        server,
        session_service_pb2_grpc.add_SessionServiceServicer_to_server,
        SessionServicer(session_calls),
        auth,
        {"WatchSessions": encoder},
    )
    add_service(
        server,
        subject_service_pb2_grpc.add_SubjectServiceServicer_to_server,
        SubjectServicer(subject_calls),
        auth,
    )
    api_key_calls = ApiKeyCalls(store.db.reader, store.db.writer, auth)
    add_service(
        server,
        api_key_service_pb2_grpc.add_ApiKeyServiceServicer_to_server,
        ApiKeyServicer(api_key_calls),
        auth,
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    add_reflection(server)
    if credentials is None:
        port = server.add_insecure_port(address)
    else:
        port = server.add_secure_port(address, credentials)
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    where = address.rsplit(":", 1)[0] + f":{port}"
    log.info("serving on %s (database %s)", where, store.db.dialect)
    app = App(server, port, store, manager, hub, health_servicer, tasks, metrics)
    app.event_encoder = encoder
    app.interceptors = interceptors
    if http_address is None and settings.http_port:
        http_address = f"{address.rsplit(':', 1)[0]}:{settings.http_port}"
    if http_address is not None:
        limit = settings.max_concurrent_rpcs or settings.max_watch_streams + 4096
        http_host, http_port = http_address.rsplit(":", 1)
        http_app = connect_app(
            session_calls, subject_calls, auth, metrics, settings, limit, app.ready,
            loopback=is_loopback(http_host), api_keys=api_key_calls,
        )  # fmt: skip
        try:
            app.http = await start_http(
                http_app, settings, http_host, int(http_port), reuse_port=reuse_port
            )
        except OSError as exc:
            await app.stop(0)
            raise ConfigError(f"cannot serve HTTP on {http_address}: {exc}") from None
        log.info("HTTP (Connect) on %s:%d", http_host, app.http.port)
    if metrics is not None:
        host = settings.metrics_host or address.rsplit(":", 1)[0].strip("[]")
        try:
            app.metrics_port = metrics.serve(host, settings.metrics_port)
        except OSError as exc:
            await app.stop(0)
            raise ConfigError(
                f"cannot serve metrics on {host}:{settings.metrics_port}: {exc}"
            ) from None
        log.info("metrics on http://%s:%d/metrics", host, app.metrics_port)
    return app
