"""WatchSessions registered with a serializer that encodes each event once.

The generated `add_SessionServiceServicer_to_server` gives every method the
message class's own serializer, so a revoke heard by 1,000 streams was
serialized 1,000 times on the event loop, the last watcher waiting for all
of it. The calls layer hands every stream the same message object for one
event (calls/sessions.py); this serializer keeps the bytes of recent event
messages by identity and gives later streams the same bytes. Progress
messages are per stream and pass straight through.

The handlers come from the generated function itself (captured, then one
serializer replaced), so every other method stays exactly as generated."""

from __future__ import annotations

from typing import Any

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc

from ..identitycache import IdentityCache

SERVICE = "sessionauthority.v1.SessionService"


class _Capture:
    """Stands in for the server while the generated function registers."""

    def __init__(self) -> None:
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        pass  # rebuilt below from the same method handlers

    def add_registered_method_handlers(self, service: str, handlers: Any) -> None:
        assert service == SERVICE, service
        self.handlers = dict(handlers)


class EventEncoder:
    def __init__(self, size: int = 1024) -> None:
        self._events: IdentityCache[pb.WatchSessionsResponse, bytes] = IdentityCache(
            pb.WatchSessionsResponse.SerializeToString, size
        )

    @property
    def encoded(self) -> int:
        return self._events.computed

    def __call__(self, message: pb.WatchSessionsResponse) -> bytes:
        if message.HasField("event"):
            return self._events(message)
        return message.SerializeToString()


def add_session_service(
    server: grpc.aio.Server, servicer: pb_grpc.SessionServiceServicer
) -> EventEncoder:
    capture = _Capture()
    pb_grpc.add_SessionServiceServicer_to_server(servicer, capture)  # type: ignore[arg-type]
    if "WatchSessions" not in capture.handlers:
        raise RuntimeError("generated SessionService registration changed shape")
    encoder = EventEncoder()
    capture.handlers["WatchSessions"] = grpc.unary_stream_rpc_method_handler(
        servicer.WatchSessions,
        request_deserializer=pb.WatchSessionsRequest.FromString,
        response_serializer=encoder,
    )
    generic = grpc.method_handlers_generic_handler(SERVICE, capture.handlers)
    server.add_generic_rpc_handlers((generic,))
    server.add_registered_method_handlers(SERVICE, capture.handlers)  # type: ignore[attr-defined]
    return encoder
