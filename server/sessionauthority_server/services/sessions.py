"""SessionService: proto <-> domain translation over the session manager."""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc

from .. import domain, inputs
from ..errors import DomainError, internal, invalid_argument
from ..events import Filter, Hub, Progress
from ..inputs import CreateRequest, ListRequest
from ..sessions.manager import SessionManager
from ..tokens import jwks_json, tenant_audience
from . import convert
from .auth import CALLER
from .base import abort, log, tenant_of, unary


def _end_reason(value: int) -> domain.EndReason | None:
    if value == 0:
        return None
    if value not in convert.END_FROM_PB:
        raise invalid_argument([("reason", f"unknown EndReason value {value}")])
    return convert.END_FROM_PB[value]


def _event_types(values: Iterable[int]) -> frozenset[domain.EventType]:
    types = set()
    for value in values:
        if value not in convert.EVENT_FROM_PB:
            raise invalid_argument([("event_types", f"unknown SessionEventType value {value}")])
        types.add(convert.EVENT_FROM_PB[value])
    return frozenset(types)


class SessionServicer(pb_grpc.SessionServiceServicer):
    def __init__(self, manager: SessionManager, hub: Hub) -> None:
        self.manager = manager
        self.hub = hub

    @unary
    async def CreateSession(
        self, request: pb.CreateSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateSessionResponse:
        ttl_us = None
        if request.HasField("ttl"):
            ttl_us = request.ttl.ToMicroseconds()
        result = await self.manager.create_session(
            tenant_of(context),
            CreateRequest(
                subject_id=request.subject_id,
                reference=request.reference,
                metadata=convert.struct_to_dict(request.metadata),
                metadata_size=request.metadata.ByteSize(),
                ttl_us=ttl_us,
                request_id=request.request_id,
                reuse_existing=request.reuse_existing,
                pending=request.pending,
                client=domain.ClientInfo(
                    request.client.user_agent, request.client.ip_address, request.client.device_name
                ),
                caller_key=CALLER.get().key_id,
            ),
        )
        return pb.CreateSessionResponse(
            session=convert.session(result.session),
            tokens=convert.tokens(result.tokens),
            handoff_code=result.handoff_code,
            reused=result.reused,
            replayed=result.replayed,
        )

    @unary
    async def StartSession(
        self, request: pb.StartSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.StartSessionResponse:
        session, tokens = await self.manager.start_session(tenant_of(context), request.handoff_code)
        return pb.StartSessionResponse(
            session=convert.session(session), tokens=convert.tokens(tokens)
        )

    @unary
    async def GetSession(
        self, request: pb.GetSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSessionResponse:
        session = await self.manager.get_session(tenant_of(context), request.session_id)
        return pb.GetSessionResponse(session=convert.session(session))

    @unary
    async def ListSessions(
        self, request: pb.ListSessionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSessionsResponse:
        # Each session is converted once: size_of (called once per session,
        # in page order) appends it, measured for the page's byte bound;
        # what the store left off the page is cut off after.
        response = pb.ListSessionsResponse()

        def size_of(s: domain.Session) -> int:
            response.sessions.append(convert.session(s))
            # + the field's tag and length prefix in the repeated field.
            return response.sessions[-1].ByteSize() + 6

        sessions, token = await self.manager.list_sessions(
            tenant_of(context),
            ListRequest(
                subject_id=request.subject_id,
                reference=request.reference,
                states=tuple(convert.STATE_FROM_PB.get(s) for s in request.states),
                page_size=request.page_size,
                page_token=request.page_token,
            ),
            size_of,
        )
        del response.sessions[len(sessions) :]
        response.next_page_token = token
        return response

    @unary
    async def ValidateSession(
        self, request: pb.ValidateSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ValidateSessionResponse:
        result = await self.manager.validate(
            tenant_of(context),
            request.access_token,
            request.expected_subject_id,
            request.expected_reference,
        )
        return pb.ValidateSessionResponse(
            valid=result.valid,
            invalid_reason=convert.INVALID_TO_PB[result.reason] if result.reason else 0,
            session=convert.session(result.session) if result.session else None,
        )

    @unary
    async def RenewSession(
        self, request: pb.RenewSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenewSessionResponse:
        session, tokens = await self.manager.renew(tenant_of(context), request.refresh_token)
        return pb.RenewSessionResponse(
            session=convert.session(session), tokens=convert.tokens(tokens)
        )

    @unary
    async def RevokeSession(
        self, request: pb.RevokeSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeSessionResponse:
        session = await self.manager.revoke(
            tenant_of(context), request.session_id, _end_reason(request.reason)
        )
        return pb.RevokeSessionResponse(session=convert.session(session))

    @unary
    async def RevokeSessions(
        self, request: pb.RevokeSessionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeSessionsResponse:
        revoked = await self.manager.revoke_many(
            tenant_of(context),
            request.subject_id,
            request.reference,
            request.except_session_id,
            _end_reason(request.reason),
        )
        return pb.RevokeSessionsResponse(
            revoked_count=revoked.count,
            session_ids=revoked.session_ids,
            session_ids_truncated=revoked.truncated,
        )

    @unary
    async def UpdateSessionMetadata(
        self, request: pb.UpdateSessionMetadataRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateSessionMetadataResponse:
        session = await self.manager.update_metadata(
            tenant_of(context),
            request.session_id,
            convert.struct_to_dict(request.metadata),
            request.metadata.ByteSize(),
        )
        return pb.UpdateSessionMetadataResponse(session=convert.session(session))

    @unary
    async def GetJwks(
        self, request: pb.GetJwksRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetJwksResponse:
        keys = await self.manager.jwks()
        tenant = tenant_of(context)
        return pb.GetJwksResponse(
            keys=[pb.Jwk(**k) for k in keys],
            jwks_json=jwks_json(keys),
            issuer=self.manager.settings.issuer,
            audience=tenant_audience(self.manager.settings.audience, tenant),
            tenant=tenant,
        )

    @unary
    async def ListEndedSessions(
        self, request: pb.ListEndedSessionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEndedSessionsResponse:
        page = await self.manager.ended_sessions(
            tenant_of(context), request.page_size, request.page_token
        )
        return convert.ended_page(page)

    async def WatchSessions(
        self, request: pb.WatchSessionsRequest, context: grpc.aio.ServicerContext
    ) -> None:
        # A coroutine, not a generator: writes go through context.write so a
        # write blocked by a client that stopped reading can be cut short when
        # its queue overflows.
        # Cancellation (client gone) is never caught here: it must propagate.
        try:
            inputs.watch(
                request.subject_id, request.session_id, request.reference, request.start_revision
            )
            flt = Filter(
                tenant_of(context),
                request.subject_id,
                request.session_id,
                request.reference,
                _event_types(request.event_types),
            )
            owner = CALLER.get().key_id
            async with self.hub.subscribe(flt, request.start_revision, owner) as sub:
                async for item in sub.items():
                    if isinstance(item, Progress):
                        message = convert.progress(item.revision)
                    else:
                        message = convert.event(item)
                    try:
                        await sub.send(context.write(message))
                    except DomainError:
                        raise
                    except Exception:
                        # The transport refused the write: the client is gone.
                        log.debug("watch stream write failed", exc_info=True)
                        return
        except DomainError as exc:
            await abort(context, exc)
        except grpc.aio.AbortError:
            raise
        except Exception:
            log.exception("unexpected error in WatchSessions")
            await abort(context, internal())
