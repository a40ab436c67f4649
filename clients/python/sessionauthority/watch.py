"""A resuming watch for Python callers: `watch()` yields every matching
event exactly once, in revision order, across disconnects, server restarts,
connection recycling and RESOURCE_EXHAUSTED (too slow) endings.

    import grpc
    from sessionauthority.v1 import session_service_pb2_grpc
    from sessionauthority.watch import watch

    stub = session_service_pb2_grpc.SessionServiceStub(grpc.insecure_channel("127.0.0.1:50051"))
    for event in watch(stub, subject_id="user-42"):
        print(event.revision, event.type, event.session.state)

`event_types` narrows the stream to those types (progress still flows).

It raises `errors.HistoryCompacted` on OUT_OF_RANGE (history you asked for
is gone: reload your state from ListSessions and watch from
`compact_revision`), `errors.RevisionAhead` when the server's database went
back in time (restored from a backup: reload your state too), and a
`SessionAuthorityError` on errors that a retry cannot fix (bad arguments,
credentials). `awatch()` is the same for asyncio.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

import grpc

from .errors import from_rpc_error
from .v1 import session_service_pb2 as pb
from .v1 import session_service_pb2_grpc as pb_grpc

# Endings after which the same request, resumed by revision, will work.
RETRYABLE = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
    }
)


def watch(
    stub: pb_grpc.SessionServiceStub,
    *,
    subject_id: str = "",
    session_id: str = "",
    reference: str = "",
    start_revision: int = 0,
    event_types: Sequence[pb.SessionEventType.ValueType] = (),
    on_progress: Callable[[int], None] | None = None,
    on_reconnect: Callable[[grpc.RpcError, int], None] | None = None,
    max_backoff_seconds: float = 10.0,
    idle_timeout_seconds: float = 30.0,
    metadata: tuple[tuple[str, str], ...] = (),
) -> Iterator[pb.SessionEvent]:
    """Yields matching events forever. `on_progress(revision)` is called for
    every bookmark; `on_reconnect(error, next_revision)` before each resume.

    The server sends a progress at least every 10 s; a stream silent for
    `idle_timeout_seconds` is presumed cut off (a dead peer, a black-holed
    connection), cancelled and resumed. Treat `on_reconnect` as "fail closed
    until the next event or progress"."""
    next_revision = start_revision  # 0 until the first bookmark: "from now"
    backoff = 0.1
    while True:
        request = pb.WatchSessionsRequest(
            subject_id=subject_id,
            session_id=session_id,
            reference=reference,
            start_revision=next_revision,
            event_types=event_types,
        )
        call = stub.WatchSessions(request, metadata=metadata)
        heard = [time.monotonic()]
        done = threading.Event()
        threading.Thread(
            target=_watchdog,
            args=(call, heard, done, idle_timeout_seconds),
            daemon=True,
            name="watch-idle",
        ).start()
        try:
            for message in call:
                heard[0] = time.monotonic()
                backoff = 0.1
                if message.HasField("event"):
                    next_revision = message.event.revision + 1
                    heard[0] = float("inf")  # the caller's time is not silence
                    yield message.event
                    heard[0] = time.monotonic()
                else:
                    next_revision = max(next_revision, message.progress.revision + 1)
                    if on_progress:
                        on_progress(message.progress.revision)
            error: grpc.RpcError | None = None
        except grpc.RpcError as exc:
            if exc.code() not in RETRYABLE:
                raise from_rpc_error(exc) from None
            error = exc
        finally:
            done.set()
            call.cancel()  # a no-op once ended; ends it if a callback raised
        if on_reconnect and error is not None:
            on_reconnect(error, next_revision)
        time.sleep(backoff)
        backoff = min(backoff * 2, max_backoff_seconds)


def _watchdog(call: grpc.Call, heard: list[float], done: threading.Event, idle: float) -> None:
    while not done.wait(min(1.0, idle / 2)):
        if time.monotonic() - heard[0] > idle:
            call.cancel()
            return


async def awatch(
    stub: pb_grpc.SessionServiceStub,
    *,
    subject_id: str = "",
    session_id: str = "",
    reference: str = "",
    start_revision: int = 0,
    event_types: Sequence[pb.SessionEventType.ValueType] = (),
    on_progress: Callable[[int], None] | None = None,
    on_reconnect: Callable[[grpc.RpcError, int], None] | None = None,
    max_backoff_seconds: float = 10.0,
    idle_timeout_seconds: float = 30.0,
    metadata: tuple[tuple[str, str], ...] = (),
) -> AsyncIterator[pb.SessionEvent]:
    """`watch()` for a `grpc.aio` stub: the same guarantees and arguments."""
    next_revision = start_revision
    backoff = 0.1
    while True:
        request = pb.WatchSessionsRequest(
            subject_id=subject_id,
            session_id=session_id,
            reference=reference,
            start_revision=next_revision,
            event_types=event_types,
        )
        call: Any = stub.WatchSessions(request, metadata=metadata)
        error: grpc.RpcError | None = None
        try:
            while True:
                try:
                    async with asyncio.timeout(idle_timeout_seconds):
                        message = await call.read()
                except TimeoutError:
                    call.cancel()  # silent too long: presumed cut off
                    error = _Silent()
                    break
                if message is grpc.aio.EOF:
                    break
                backoff = 0.1
                if message.HasField("event"):
                    next_revision = message.event.revision + 1
                    yield message.event
                else:
                    next_revision = max(next_revision, message.progress.revision + 1)
                    if on_progress:
                        on_progress(message.progress.revision)
        except grpc.RpcError as exc:
            if exc.code() not in RETRYABLE:
                raise from_rpc_error(exc) from None
            error = exc
        finally:
            call.cancel()
        if on_reconnect and error is not None:
            on_reconnect(error, next_revision)
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, max_backoff_seconds)


class _Silent(grpc.RpcError):
    """A stream cancelled by the idle watchdog."""

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.CANCELLED

    def details(self) -> str:
        return "no message within the idle timeout"
