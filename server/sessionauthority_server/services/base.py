"""What every servicer method shares: the caller's tenant, and turning
exceptions into a clear gRPC status instead of UNKNOWN."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from ..errors import DomainError, internal
from .auth import CALLER
from .status import to_status

log = logging.getLogger("sessionauthority.rpc")

Req = TypeVar("Req")
Resp = TypeVar("Resp")


def tenant_of(context: grpc.aio.ServicerContext) -> str:
    """The calling API key's tenant (set by the auth interceptor)."""
    return CALLER.get().tenant


def unary(
    method: Callable[[Any, Req, grpc.aio.ServicerContext], Awaitable[Resp]],
) -> Callable[[Any, Req, grpc.aio.ServicerContext], Awaitable[Resp]]:
    @functools.wraps(method)
    async def wrapper(self: Any, request: Req, context: grpc.aio.ServicerContext) -> Resp:
        try:
            return await method(self, request, context)
        except DomainError as exc:
            await abort(context, exc)
        except grpc.aio.AbortError:
            raise
        except Exception:
            # Never echo internals to the caller; the log has the traceback.
            log.exception("unexpected error in %s", method.__name__)
            await abort(context, internal())
        raise AssertionError("unreachable")

    return wrapper


async def abort(context: grpc.aio.ServicerContext, exc: DomainError) -> None:
    status = to_status(exc)
    await context.abort(status.code, status.details, status.trailing_metadata)
