"""Registers our services with authentication built into each handler.

A grpc.aio server interceptor runs a Python coroutine in front of every
call the server takes, Health/Check and reflection included, before the
handler is even found. So there is none: the generated registration
function of each of our services is run against a stand-in server, and
every handler it gives is wrapped once (services/auth.py `secure`) before
it reaches the real one. Health and reflection are registered as grpc
ships them and never pass through our Python before their handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from ..callers import Authenticator
from .auth import secure


class _Capture:
    """Stands in for the server while a generated function registers."""

    def __init__(self) -> None:
        self.service = ""
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        pass  # rebuilt from the same method handlers

    def add_registered_method_handlers(self, service: str, handlers: Any) -> None:
        self.service = service
        self.handlers = dict(handlers)


def add_service(
    server: grpc.aio.Server,
    add: Callable[[Any, Any], None],
    servicer: Any,
    auth: Authenticator,
    serializers: dict[str, Callable[[Any], bytes]] | None = None,
) -> None:
    """`add`: the generated `add_XServicer_to_server`. `serializers`: a
    response serializer to use instead of the generated one, by method."""
    capture = _Capture()
    add(servicer, capture)
    if not capture.service or not capture.handlers:
        raise RuntimeError("generated registration changed shape")
    handlers = {}
    for name, handler in capture.handlers.items():
        if handler.request_streaming:
            raise RuntimeError(f"{name}: client streaming is not ours to serve")
        serializer = (serializers or {}).get(name)
        handlers[name] = secure(handler, f"/{capture.service}/{name}", auth, serializer)
    generic = grpc.method_handlers_generic_handler(capture.service, handlers)
    server.add_generic_rpc_handlers((generic,))
    server.add_registered_method_handlers(capture.service, handlers)  # type: ignore[attr-defined]
