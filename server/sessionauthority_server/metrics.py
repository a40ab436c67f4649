"""Prometheus metrics (`--metrics-port`): what an operator of N replicas
watches. Each server has its own registry, so several in one process (the
tests) never collide; nothing is collected unless the port is set."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .domain import Event
from .events import Hub
from .store import Store

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.rpcs = Counter(
            "sessionauthority_rpc",
            "RPCs finished, by method, status code and transport (grpc, connect)",
            ["method", "code", "transport"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "sessionauthority_rpc_duration_seconds",
            "RPC latency by method, status code and transport (a watch stream: its whole life)",
            ["method", "code", "transport"], buckets=_LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.streams = Gauge(
            "sessionauthority_watch_streams", "Open WatchSessions streams on this replica",
            registry=r,
        )  # fmt: skip
        self.lag_revisions = Gauge(
            "sessionauthority_tailer_lag_revisions",
            "Revisions committed (here or on another replica) not yet handed to this "
            "replica's watch streams", registry=r,
        )  # fmt: skip
        self.lag_seconds = Histogram(
            "sessionauthority_tailer_lag_seconds",
            "From an event's commit to its hand-over to this replica's watch streams",
            buckets=_LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.batch = Histogram(
            "sessionauthority_writer_batch_units",
            "Units of work per write transaction (group commit)",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512), registry=r,
        )  # fmt: skip
        self.pool = Gauge(
            "sessionauthority_db_read_connections",
            "Read connections to the database: open, and in use right now",
            ["state"], registry=r,
        )  # fmt: skip
        self._http: Any = None

    def bind(self, store: Store, hub: Hub) -> None:
        self.streams.set_function(lambda: hub.stream_count)
        self.registry.register(_StreamsByTypes(hub))
        self.lag_revisions.set_function(lambda: hub.lag_revisions)
        self.pool.labels("open").set_function(lambda: store.db.reader.connections()[0])
        self.pool.labels("in_use").set_function(lambda: store.db.reader.connections()[1])
        store.db.writer.on_batch = self.batch.observe
        hub.on_dispatch = self._dispatched

    def _dispatched(self, events: list[Event]) -> None:
        # The last event of a batch committed last: its age is the batch's lag.
        self.lag_seconds.observe(max(0.0, time.time() - events[-1].occur_us / 1_000_000))

    def serve(self, host: str, port: int) -> int:
        self._http, _thread = start_http_server(port, addr=host, registry=self.registry)
        return int(self._http.server_port)

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None


class _StreamsByTypes(Collector):
    """Open streams by the event types they asked for, read at scrape time
    (label values come and go with the streams): shows, for one, that
    LocalVerifiers watch only the events that end sessions."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "sessionauthority_watch_streams_by_types",
            "Open WatchSessions streams by the event types they asked for (all: every type)",
            labels=["types"],
        )
        for types, count in sorted(self._hub.streams_by_types().items()):
            family.add_metric([types or "all"], count)
        yield family


def _code_of(context: grpc.aio.ServicerContext) -> str:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    return "OK" if code in (None, 0) else str(code)


class MetricsInterceptor(grpc.aio.ServerInterceptor):
    """Outermost, so refusals by the auth interceptor count too."""

    def __init__(self, metrics: Metrics) -> None:
        self._m = metrics
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or handler.request_streaming:
            return handler  # reflection: not worth a series
        method = details.method.lstrip("/").rsplit(".", 1)[-1]  # type: ignore[attr-defined]
        return self._wrap(handler, method)

    def _wrap(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        inner = handler.unary_unary or handler.unary_stream
        timed = self._timed
        if inspect.isasyncgenfunction(inner):

            async def stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
                with timed(method, context):
                    async for message in inner(request, context):
                        yield message

            behavior: Any = stream
        else:

            async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
                with timed(method, context):
                    return await inner(request, context)

            behavior = call
        kwargs = {
            "request_deserializer": handler.request_deserializer,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(behavior, **kwargs)
        return grpc.unary_unary_rpc_method_handler(behavior, **kwargs)

    @contextlib.contextmanager
    def _timed(self, method: str, context: grpc.aio.ServicerContext) -> Iterator[None]:
        """Counts and times one call under the status it ended with."""
        started, code = time.perf_counter(), "UNKNOWN"
        try:
            yield
            code = _code_of(context)
        except grpc.aio.AbortError:
            code = _code_of(context)
            raise
        except asyncio.CancelledError:
            code = "CANCELLED"
            raise
        finally:
            self._m.rpcs.labels(method, code, "grpc").inc()
            self._m.latency.labels(method, code, "grpc").observe(time.perf_counter() - started)
