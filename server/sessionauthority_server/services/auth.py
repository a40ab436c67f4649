"""The gRPC side of authentication: one server interceptor authenticates
every call (streams included) with callers.authorize and hands the caller
to the servicers through the CALLER context variable.

Health and reflection stay open: load balancers probe them, and they reveal
only the schema, which `protos/` publishes anyway."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from .. import errors
from ..callers import (  # noqa: F401  (re-exported: admin and tests import them from here)
    ALL_SCOPES,
    CALLER,
    DEFAULT_TENANT,
    KEY_PREFIX,
    METHOD_SCOPES,
    OPEN_CALLER,
    SCOPES,
    Authenticator,
    Caller,
    authorize,
    new_api_key,
    parse_scopes,
)
from ..errors import DomainError
from .status import to_status

OPEN_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
log = logging.getLogger("sessionauthority.auth")


def _refusal(handler: grpc.RpcMethodHandler, error: DomainError) -> grpc.RpcMethodHandler:
    status = to_status(error)

    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(status.code, status.details, status.trailing_metadata)

    return _rebuild(handler, refuse)


def _rebuild(
    handler: grpc.RpcMethodHandler, behavior: Any, deserializer: Any = None
) -> grpc.RpcMethodHandler:
    kwargs = {
        "request_deserializer": deserializer or handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(behavior, **kwargs)
    return grpc.unary_unary_rpc_method_handler(behavior, **kwargs)


class _Unreadable:
    """What a request that does not parse becomes, so the method can answer
    INVALID_ARGUMENT instead of gRPC's UNKNOWN with a logged traceback."""

    def __init__(self, why: str) -> None:
        self.why = why


_unreadable_logged_at = -1e18


def _guarded(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
    deserialize = handler.request_deserializer
    inner = handler.unary_unary or handler.unary_stream

    def read(data: bytes) -> Any:
        try:
            return deserialize(data)
        except Exception as exc:
            return _Unreadable(type(exc).__name__)

    async def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
        if isinstance(request, _Unreadable):
            global _unreadable_logged_at
            now = time.monotonic()
            if now - _unreadable_logged_at >= 60:  # one line a minute, whatever the flood
                _unreadable_logged_at = now
                log.warning("unreadable request to %s (%s)", method, request.why)
            error = errors.invalid_argument([("request", "is not a valid protobuf message")])
            status = to_status(error)
            await context.abort(status.code, status.details, status.trailing_metadata)
        return await inner(request, context)

    return _rebuild(handler, behavior, read)


def _as(handler: grpc.RpcMethodHandler, caller: Caller) -> grpc.RpcMethodHandler:
    inner = handler.unary_unary or handler.unary_stream

    async def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
        CALLER.set(caller)
        return await inner(request, context)

    return _rebuild(handler, behavior)


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, auth: Authenticator) -> None:
        self._auth = auth
        self._guarded: dict[str, grpc.RpcMethodHandler] = {}
        # Callers are few and long-lived: build each (method, caller) handler once.
        self._acting: dict[tuple[str, Caller], grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        method = details.method  # type: ignore[attr-defined]
        if handler is None or method.startswith(OPEN_PREFIXES):
            return handler
        if handler.request_streaming:
            return handler  # none of ours; left as grpc serves it
        guarded = self._guarded.get(method)
        if guarded is None:
            guarded = self._guarded[method] = _guarded(handler, method)
        handler = guarded
        try:
            caller = await authorize(self._auth, details.invocation_metadata, method)  # type: ignore[attr-defined]
        except DomainError as exc:
            return _refusal(handler, exc)
        # The open caller is the default: nothing to hand over.
        if caller is OPEN_CALLER:
            return handler
        acting = self._acting.get((method, caller))
        if acting is None:
            if len(self._acting) > 10_000:
                self._acting.clear()
            acting = self._acting[(method, caller)] = _as(handler, caller)
        return acting
