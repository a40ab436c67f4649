"""SessionService, for every transport: proto request in, proto response
out, over the session manager and the watch hub. The gRPC
servicer (services/sessions.py) and the Connect service (http/connect.py)
are thin adapters over this one class, so no RPC has two implementations.
Failures raise DomainError; each transport turns it into its own status."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from sessionauthority.v1 import session_service_pb2 as pb

from .. import domain, inputs
from ..callers import Caller
from ..errors import DomainError, invalid_argument
from ..events import Filter, Hub, Progress
from ..identitycache import IdentityCache
from ..inputs import CreateRequest, ListRequest
from ..sessions.manager import SessionManager
from ..tokens import jwks_json, tenant_audience
from . import convert

log = logging.getLogger("sessionauthority.rpc")


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


class SessionCalls:
    def __init__(self, manager: SessionManager, hub: Hub) -> None:
        self.manager = manager
        self.hub = hub
        self._event_message = IdentityCache(convert.event)

    async def create_session(
        self, request: pb.CreateSessionRequest, caller: Caller
    ) -> pb.CreateSessionResponse:
        ttl_us = None
        if request.HasField("ttl"):
            ttl_us = request.ttl.ToMicroseconds()
        result = await self.manager.create_session(
            caller.tenant,
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
                caller_key=caller.key_id,
            ),
        )
        return pb.CreateSessionResponse(
            session=convert.session(result.session),
            tokens=convert.tokens(result.tokens),
            handoff_code=result.handoff_code,
            reused=result.reused,
            replayed=result.replayed,
        )

    async def start_session(
        self, request: pb.StartSessionRequest, caller: Caller
    ) -> pb.StartSessionResponse:
        session, tokens = await self.manager.start_session(caller.tenant, request.handoff_code)
        return pb.StartSessionResponse(
            session=convert.session(session), tokens=convert.tokens(tokens)
        )

    async def get_session(
        self, request: pb.GetSessionRequest, caller: Caller
    ) -> pb.GetSessionResponse:
        session = await self.manager.get_session(caller.tenant, request.session_id)
        return pb.GetSessionResponse(session=convert.session(session))

    async def list_sessions(
        self, request: pb.ListSessionsRequest, caller: Caller
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
            caller.tenant,
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

    async def validate_session(
        self, request: pb.ValidateSessionRequest, caller: Caller
    ) -> pb.ValidateSessionResponse:
        result = await self.manager.validate(
            caller.tenant,
            request.access_token,
            request.expected_subject_id,
            request.expected_reference,
        )
        return pb.ValidateSessionResponse(
            valid=result.valid,
            invalid_reason=convert.INVALID_TO_PB[result.reason] if result.reason else 0,
            session=convert.session(result.session) if result.session else None,
        )

    async def renew_session(
        self, request: pb.RenewSessionRequest, caller: Caller
    ) -> pb.RenewSessionResponse:
        session, tokens = await self.manager.renew(caller.tenant, request.refresh_token)
        return pb.RenewSessionResponse(
            session=convert.session(session), tokens=convert.tokens(tokens)
        )

    async def revoke_session(
        self, request: pb.RevokeSessionRequest, caller: Caller
    ) -> pb.RevokeSessionResponse:
        session = await self.manager.revoke(
            caller.tenant, request.session_id, _end_reason(request.reason)
        )
        return pb.RevokeSessionResponse(session=convert.session(session))

    async def revoke_sessions(
        self, request: pb.RevokeSessionsRequest, caller: Caller
    ) -> pb.RevokeSessionsResponse:
        revoked = await self.manager.revoke_many(
            caller.tenant,
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

    async def update_session_metadata(
        self, request: pb.UpdateSessionMetadataRequest, caller: Caller
    ) -> pb.UpdateSessionMetadataResponse:
        session = await self.manager.update_metadata(
            caller.tenant,
            request.session_id,
            convert.struct_to_dict(request.metadata),
            request.metadata.ByteSize(),
        )
        return pb.UpdateSessionMetadataResponse(session=convert.session(session))

    async def get_jwks(self, request: pb.GetJwksRequest, caller: Caller) -> pb.GetJwksResponse:
        keys = await self.manager.jwks()
        tenant = caller.tenant
        return pb.GetJwksResponse(
            keys=[pb.Jwk(**k) for k in keys],
            jwks_json=jwks_json(keys),
            issuer=self.manager.settings.issuer,
            audience=tenant_audience(self.manager.settings.audience, tenant),
            tenant=tenant,
        )

    async def list_ended_sessions(
        self, request: pb.ListEndedSessionsRequest, caller: Caller
    ) -> pb.ListEndedSessionsResponse:
        page = await self.manager.ended_sessions(
            caller.tenant, request.page_size, request.page_token
        )
        return convert.ended_page(page)

    async def watch_sessions(
        self,
        request: pb.WatchSessionsRequest,
        caller: Caller,
        write: Callable[[pb.WatchSessionsResponse], Awaitable[None]],
    ) -> None:
        """Streams through `write` until the client leaves (a write fails:
        returns) or the stream ends (raises the DomainError to end it with).
        A coroutine over a write callback, not a generator: every write goes
        through sub.send, so a write blocked by a client that stopped reading
        is cut short when its queue overflows, whatever the transport.
        Cancellation (client gone) is never caught here: it must propagate."""
        inputs.watch(
            request.subject_id, request.session_id, request.reference, request.start_revision
        )
        flt = Filter(
            caller.tenant,
            request.subject_id,
            request.session_id,
            request.reference,
            _event_types(request.event_types),
        )
        async with self.hub.subscribe(flt, request.start_revision, caller.key_id) as sub:
            async for item in sub.items():
                if isinstance(item, Progress):
                    message = convert.progress(item.revision)
                else:
                    # The same message object for every stream of this
                    # event, so the transport can encode it once (fanout.py).
                    message = self._event_message(item)
                try:
                    await sub.send(write(message))
                except DomainError:
                    raise
                except Exception:
                    # The transport refused the write: the client is gone.
                    log.debug("watch stream write failed", exc_info=True)
                    return
