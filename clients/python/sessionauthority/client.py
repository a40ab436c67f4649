"""`SessionAuthorityClient` (sync) and `AsyncSessionAuthorityClient`: every
RPC with keyword arguments, typed results (the generated messages), a
deadline on every call, retries of idempotent calls through the gRPC
service config, and errors raised as `errors.SessionAuthorityError`.

    from sessionauthority import SessionAuthorityClient

    with SessionAuthorityClient("127.0.0.1:50051", api_key=None) as client:
        created = client.create_session("user-42", reference="web")
        check = client.validate_session(created.tokens.access_token)
        assert check.valid
        client.revoke_session(created.session.session_id, reason="LOGOUT")
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import grpc

from . import requests as rq
from .errors import SessionAuthorityError, from_rpc_error
from .v1 import session_pb2 as spb
from .v1 import session_service_pb2 as pb
from .v1 import session_service_pb2_grpc as pb_grpc
from .v1 import subject_service_pb2 as sub_pb
from .v1 import subject_service_pb2_grpc as sub_grpc
from .watch import awatch, watch

T = TypeVar("T")
Tls = rq.Tls


def _channel(target: str, tls: rq.Tls | bool | None, aio: bool) -> Any:
    module: Any = grpc.aio if aio else grpc
    if not tls:
        return module.insecure_channel(target, options=rq.CHANNEL_OPTIONS)
    creds = (tls if isinstance(tls, rq.Tls) else rq.Tls()).credentials()
    return module.secure_channel(target, creds, options=rq.CHANNEL_OPTIONS)


class _Base:
    def __init__(
        self,
        target: str,
        *,
        api_key: str | None = None,
        tls: rq.Tls | bool | None = None,
        timeout: float = 10.0,
        aio: bool,
        channel: Any = None,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self._metadata = rq.auth_metadata(api_key)
        self.channel = channel if channel is not None else _channel(target, tls, aio)
        self.sessions = pb_grpc.SessionServiceStub(self.channel)
        self.subjects = sub_grpc.SubjectServiceStub(self.channel)

    def _kw(self) -> dict[str, Any]:
        return {"timeout": self.timeout, "metadata": self._metadata}


def _typed_errors(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None

    return wrapper


def _async_typed_errors(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc) from None

    return wrapper


class SessionAuthorityClient(_Base):
    """Blocking client; a context manager (closes its channel). `channel`:
    use this one instead of making one for `target` (tests, custom setups)."""

    def __init__(
        self,
        target: str = "",
        *,
        api_key: str | None = None,
        tls: rq.Tls | bool | None = None,
        timeout: float = 10.0,
        channel: grpc.Channel | None = None,
    ) -> None:
        super().__init__(
            target, api_key=api_key, tls=tls, timeout=timeout, aio=False, channel=channel
        )

    def __enter__(self) -> SessionAuthorityClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.channel.close()

    @_typed_errors
    def create_session(self, subject_id: str, **kwargs: Any) -> pb.CreateSessionResponse:
        """A new session and its tokens (or a handoff code with `pending=True`).

        kwargs: reference, metadata (a dict), ttl_seconds, request_id (one is
        made if not given, so a retry returns this same answer), reuse_existing,
        pending, user_agent, ip_address, device_name.

            r = client.create_session("user-42", reference="web", ttl_seconds=86400)
            r.session.session_id, r.tokens.access_token, r.tokens.refresh_token
        """
        return self.sessions.CreateSession(rq.create(subject_id, **kwargs), **self._kw())

    @_typed_errors
    def start_session(self, handoff_code: str) -> pb.StartSessionResponse:
        """Activates a PENDING session with its one-time code; returns tokens.

        tokens = client.start_session(code).tokens
        """
        request = pb.StartSessionRequest(handoff_code=handoff_code)
        return self.sessions.StartSession(request, **self._kw())

    @_typed_errors
    def get_session(self, session_id: str) -> spb.Session:
        """The session as it is now (`NotFound` if unknown or another tenant's).

        client.get_session(sid).state == session_pb2.SESSION_STATE_ACTIVE
        """
        request = pb.GetSessionRequest(session_id=session_id)
        return self.sessions.GetSession(request, **self._kw()).session

    @_typed_errors
    def list_sessions(
        self,
        *,
        subject_id: str = "",
        reference: str = "",
        states: Iterable[str | int] = (),
        page_size: int = 0,
        page_token: str = "",
    ) -> pb.ListSessionsResponse:
        request = rq.list_sessions(
            subject_id=subject_id,
            reference=reference,
            states=states,
            page_size=page_size,
            page_token=page_token,
        )
        return self.sessions.ListSessions(request, **self._kw())

    @_typed_errors
    def validate_session(
        self, access_token: str, *, expected_subject_id: str = "", expected_reference: str = ""
    ) -> pb.ValidateSessionResponse:
        """Is this access token good right now? Never raises for a bad token:
        `valid` is False and `invalid_reason` says why.

            if not client.validate_session(token, expected_subject_id="user-42").valid: ...
        """
        request = rq.validate(
            access_token,
            expected_subject_id=expected_subject_id,
            expected_reference=expected_reference,
        )
        return self.sessions.ValidateSession(request, **self._kw())

    @_typed_errors
    def renew_session(self, refresh_token: str) -> pb.RenewSessionResponse:
        """A new token pair; keep the new refresh token (the old one now works
        only as a retry within the grace window, then `RefreshTokenReused`).

            pair = client.renew_session(refresh_token).tokens
        """
        request = pb.RenewSessionRequest(refresh_token=refresh_token)
        return self.sessions.RenewSession(request, **self._kw())

    @_typed_errors
    def revoke_session(self, session_id: str, *, reason: str | int | None = None) -> spb.Session:
        """Ends the session (idempotent). `reason`: "LOGOUT" (default), "ADMIN", ...

        client.revoke_session(sid, reason="LOGOUT")
        """
        request = pb.RevokeSessionRequest(session_id=session_id, reason=rq.end_reason(reason))
        return self.sessions.RevokeSession(request, **self._kw()).session

    @_typed_errors
    def revoke_sessions(
        self,
        *,
        subject_id: str = "",
        reference: str = "",
        except_session_id: str = "",
        reason: str | int | None = None,
    ) -> pb.RevokeSessionsResponse:
        request = rq.revoke_many(
            subject_id=subject_id,
            reference=reference,
            except_session_id=except_session_id,
            reason=reason,
        )
        return self.sessions.RevokeSessions(request, **self._kw())

    @_typed_errors
    def update_session_metadata(self, session_id: str, metadata: Mapping[str, Any]) -> spb.Session:
        request = rq.update_metadata(session_id, metadata)
        return self.sessions.UpdateSessionMetadata(request, **self._kw()).session

    @_typed_errors
    def get_jwks(self) -> pb.GetJwksResponse:
        return self.sessions.GetJwks(pb.GetJwksRequest(), **self._kw())

    @_typed_errors
    def get_subject(self, subject_id: str) -> sub_pb.Subject:
        request = sub_pb.GetSubjectRequest(subject_id=subject_id)
        return self.subjects.GetSubject(request, **self._kw()).subject

    @_typed_errors
    def terminate_subject(
        self, subject_id: str, *, reason: str | int, error_code: str = ""
    ) -> sub_pb.TerminateSubjectResponse:
        request = rq.terminate(subject_id, reason=reason, error_code=error_code)
        return self.subjects.TerminateSubject(request, **self._kw())

    @_typed_errors
    def reinstate_subject(self, subject_id: str) -> sub_pb.Subject:
        request = sub_pb.ReinstateSubjectRequest(subject_id=subject_id)
        return self.subjects.ReinstateSubject(request, **self._kw()).subject

    @_typed_errors
    def current_revision(self) -> int:
        """The newest committed revision: the progress a watch stream from
        now opens with. Everything at or below it has happened."""
        call = self.sessions.WatchSessions(pb.WatchSessionsRequest(), **self._kw())
        try:
            for message in call:
                return int(message.progress.revision)
        finally:
            call.cancel()
        raise SessionAuthorityError(grpc.StatusCode.UNAVAILABLE, "the stream ended at once")

    def watch(self, **kwargs: Any) -> Iterator[pb.SessionEvent]:
        """Every matching event once, in order, across reconnects (see
        `sessionauthority.watch.watch` for the arguments)."""
        return watch(self.sessions, metadata=self._metadata, **kwargs)


class AsyncSessionAuthorityClient(_Base):
    """The same calls as `SessionAuthorityClient`, awaited; `async with`
    closes the channel.

        async with AsyncSessionAuthorityClient("127.0.0.1:50051") as client:
            r = await client.create_session("user-42")
            async for event in client.watch(subject_id="user-42"):
                ...
    """

    def __init__(
        self,
        target: str,
        *,
        api_key: str | None = None,
        tls: rq.Tls | bool | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(target, api_key=api_key, tls=tls, timeout=timeout, aio=True)

    async def __aenter__(self) -> AsyncSessionAuthorityClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.channel.close()

    @_async_typed_errors
    async def create_session(self, subject_id: str, **kwargs: Any) -> pb.CreateSessionResponse:
        return await self.sessions.CreateSession(rq.create(subject_id, **kwargs), **self._kw())

    @_async_typed_errors
    async def start_session(self, handoff_code: str) -> pb.StartSessionResponse:
        request = pb.StartSessionRequest(handoff_code=handoff_code)
        return await self.sessions.StartSession(request, **self._kw())

    @_async_typed_errors
    async def get_session(self, session_id: str) -> spb.Session:
        request = pb.GetSessionRequest(session_id=session_id)
        return (await self.sessions.GetSession(request, **self._kw())).session

    @_async_typed_errors
    async def list_sessions(
        self,
        *,
        subject_id: str = "",
        reference: str = "",
        states: Iterable[str | int] = (),
        page_size: int = 0,
        page_token: str = "",
    ) -> pb.ListSessionsResponse:
        request = rq.list_sessions(
            subject_id=subject_id,
            reference=reference,
            states=states,
            page_size=page_size,
            page_token=page_token,
        )
        return await self.sessions.ListSessions(request, **self._kw())

    @_async_typed_errors
    async def validate_session(
        self, access_token: str, *, expected_subject_id: str = "", expected_reference: str = ""
    ) -> pb.ValidateSessionResponse:
        request = rq.validate(
            access_token,
            expected_subject_id=expected_subject_id,
            expected_reference=expected_reference,
        )
        return await self.sessions.ValidateSession(request, **self._kw())

    @_async_typed_errors
    async def renew_session(self, refresh_token: str) -> pb.RenewSessionResponse:
        request = pb.RenewSessionRequest(refresh_token=refresh_token)
        return await self.sessions.RenewSession(request, **self._kw())

    @_async_typed_errors
    async def revoke_session(
        self, session_id: str, *, reason: str | int | None = None
    ) -> spb.Session:
        request = pb.RevokeSessionRequest(session_id=session_id, reason=rq.end_reason(reason))
        return (await self.sessions.RevokeSession(request, **self._kw())).session

    @_async_typed_errors
    async def revoke_sessions(
        self,
        *,
        subject_id: str = "",
        reference: str = "",
        except_session_id: str = "",
        reason: str | int | None = None,
    ) -> pb.RevokeSessionsResponse:
        request = rq.revoke_many(
            subject_id=subject_id,
            reference=reference,
            except_session_id=except_session_id,
            reason=reason,
        )
        return await self.sessions.RevokeSessions(request, **self._kw())

    @_async_typed_errors
    async def update_session_metadata(
        self, session_id: str, metadata: Mapping[str, Any]
    ) -> spb.Session:
        request = rq.update_metadata(session_id, metadata)
        return (await self.sessions.UpdateSessionMetadata(request, **self._kw())).session

    @_async_typed_errors
    async def get_subject(self, subject_id: str) -> sub_pb.Subject:
        request = sub_pb.GetSubjectRequest(subject_id=subject_id)
        return (await self.subjects.GetSubject(request, **self._kw())).subject

    @_async_typed_errors
    async def reinstate_subject(self, subject_id: str) -> sub_pb.Subject:
        request = sub_pb.ReinstateSubjectRequest(subject_id=subject_id)
        return (await self.subjects.ReinstateSubject(request, **self._kw())).subject

    @_async_typed_errors
    async def get_jwks(self) -> pb.GetJwksResponse:
        return await self.sessions.GetJwks(pb.GetJwksRequest(), **self._kw())

    @_async_typed_errors
    async def terminate_subject(
        self, subject_id: str, *, reason: str | int, error_code: str = ""
    ) -> sub_pb.TerminateSubjectResponse:
        request = rq.terminate(subject_id, reason=reason, error_code=error_code)
        return await self.subjects.TerminateSubject(request, **self._kw())

    @_async_typed_errors
    async def current_revision(self) -> int:
        call: Any = self.sessions.WatchSessions(pb.WatchSessionsRequest(), **self._kw())
        try:
            return int((await call.read()).progress.revision)
        finally:
            call.cancel()

    def watch(self, **kwargs: Any) -> AsyncIterator[pb.SessionEvent]:
        return awatch(self.sessions, metadata=self._metadata, **kwargs)
