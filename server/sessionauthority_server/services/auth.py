"""The gRPC side of authentication: each of our methods' handlers is wrapped
(`secure`, at registration: services/register.py) to authenticate the call
(streams included) with callers.authorize and hand the caller to the
servicer through the CALLER context variable.

Health and reflection stay open: load balancers probe them, and they reveal
only the schema, which `protos/` publishes anyway. They are not wrapped, so
they cost no Python before their own handler."""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, NoReturn

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

log = logging.getLogger("sessionauthority.auth")


def _rebuild(
    handler: grpc.RpcMethodHandler, behavior: Any, deserializer: Any, serializer: Any
) -> grpc.RpcMethodHandler:
    kwargs = {
        "request_deserializer": deserializer,
        "response_serializer": serializer or handler.response_serializer,
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


def secure(
    handler: grpc.RpcMethodHandler,
    method: str,
    auth: Authenticator,
    serializer: Callable[[Any], bytes] | None = None,
) -> grpc.RpcMethodHandler:
    """`handler` behind authentication. A request that does not parse is
    INVALID_ARGUMENT (not gRPC's UNKNOWN with a logged traceback); a caller
    refused gets the refusal's status and details; an accepted one is the
    handler's CALLER. `serializer`: instead of the handler's own."""
    deserialize = handler.request_deserializer
    inner = handler.unary_unary or handler.unary_stream
    if inspect.isasyncgenfunction(inner):
        raise TypeError(f"{method}: write with context.write, not a generator")

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
            await _abort(context, error)
        try:
            caller = await authorize(auth, context.invocation_metadata(), method)
        except DomainError as exc:
            await _abort(context, exc)
        # The open caller is the default: nothing to hand over.
        if caller is not OPEN_CALLER:
            CALLER.set(caller)
        return await inner(request, context)

    return _rebuild(handler, behavior, read, serializer)


async def _abort(context: grpc.aio.ServicerContext, error: DomainError) -> NoReturn:
    status = to_status(error)
    await context.abort(status.code, status.details, status.trailing_metadata)
    raise AssertionError("context.abort returned")
