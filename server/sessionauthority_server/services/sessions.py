"""SessionService over gRPC: a thin adapter over calls.sessions.SessionCalls,
which holds the one implementation of every RPC (Connect uses it too)."""

from __future__ import annotations

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc

from ..calls.sessions import SessionCalls
from ..errors import DomainError, internal
from .auth import CALLER
from .base import abort, log, unary


class SessionServicer(pb_grpc.SessionServiceServicer):
    def __init__(self, calls: SessionCalls) -> None:
        self.calls = calls

    CreateSession = unary("create_session")
    StartSession = unary("start_session")
    GetSession = unary("get_session")
    ListSessions = unary("list_sessions")
    ValidateSession = unary("validate_session")
    RenewSession = unary("renew_session")
    RevokeSession = unary("revoke_session")
    RevokeSessions = unary("revoke_sessions")
    UpdateSessionMetadata = unary("update_session_metadata")
    GetJwks = unary("get_jwks")
    ListEndedSessions = unary("list_ended_sessions")

    async def WatchSessions(
        self, request: pb.WatchSessionsRequest, context: grpc.aio.ServicerContext
    ) -> None:
        # A coroutine writing with context.write (one write at a time, under
        # HTTP/2 flow control), never a generator: see SessionCalls.
        try:
            await self.calls.watch_sessions(request, CALLER.get(), context.write)
        except DomainError as exc:
            await abort(context, exc)
        except grpc.aio.AbortError:
            raise
        except Exception:
            log.exception("unexpected error in WatchSessions")
            await abort(context, internal())
