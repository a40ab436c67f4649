"""WatchSessions registered with a serializer that encodes each event once.

The generated `add_SessionServiceServicer_to_server` gives every method the
message class's own serializer, so a revoke heard by 1,000 streams was
serialized 1,000 times on the event loop, the last watcher waiting for all
of it. The calls layer hands every stream the same message object for one
event (calls/sessions.py); this serializer keeps the bytes of recent event
messages by identity and gives later streams the same bytes. Progress
messages are per stream and pass straight through.

services/register.py puts it in place of the generated serializer."""

from __future__ import annotations

from sessionauthority.v1 import session_service_pb2 as pb

from ..identitycache import IdentityCache


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
