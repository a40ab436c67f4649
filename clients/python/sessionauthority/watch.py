"""A resuming watch for Python callers: `watch()` yields every matching
event exactly once, in revision order, across disconnects, server restarts,
connection recycling and RESOURCE_EXHAUSTED (too slow) endings.

    import grpc
    from sessionauthority.v1 import session_service_pb2_grpc
    from sessionauthority.watch import watch

    stub = session_service_pb2_grpc.SessionServiceStub(grpc.insecure_channel("127.0.0.1:50051"))
    for event in watch(stub, subject_id="user-42"):
        print(event.revision, event.type, event.session.state)

It raises on OUT_OF_RANGE (history you asked for is gone: reload your state
from ListSessions and watch from the revision you get back) and on errors
that a retry cannot fix (bad arguments, credentials).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import grpc

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
    on_progress: Callable[[int], None] | None = None,
    on_reconnect: Callable[[grpc.RpcError, int], None] | None = None,
    max_backoff_seconds: float = 10.0,
    metadata: tuple[tuple[str, str], ...] = (),
) -> Iterator[pb.SessionEvent]:
    """Yields matching events forever. `on_progress(revision)` is called for
    every bookmark; `on_reconnect(error, next_revision)` before each resume."""
    next_revision = start_revision  # 0 until the first bookmark: "from now"
    backoff = 0.1
    while True:
        request = pb.WatchSessionsRequest(
            subject_id=subject_id,
            session_id=session_id,
            reference=reference,
            start_revision=next_revision,
        )
        try:
            for message in stub.WatchSessions(request, metadata=metadata):
                backoff = 0.1
                if message.HasField("event"):
                    next_revision = message.event.revision + 1
                    yield message.event
                else:
                    next_revision = max(next_revision, message.progress.revision + 1)
                    if on_progress:
                        on_progress(message.progress.revision)
            error: grpc.RpcError | None = None
        except grpc.RpcError as exc:
            if exc.code() not in RETRYABLE:  # type: ignore[attr-defined]
                raise
            error = exc
        if on_reconnect and error is not None:
            on_reconnect(error, next_revision)
        time.sleep(backoff)
        backoff = min(backoff * 2, max_backoff_seconds)
