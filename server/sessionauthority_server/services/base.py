"""What every servicer method shares: the gRPC face of a transport-neutral
call (calls/), turning its DomainError into a status with rich details, and
anything else into INTERNAL instead of UNKNOWN."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from ..errors import DomainError, internal
from .auth import CALLER
from .status import to_status

log = logging.getLogger("sessionauthority.rpc")

Method = Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[Any]]


def unary(name: str) -> Method:
    """A servicer method that relays to `self.calls.<name>(request, caller)`."""

    async def method(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await getattr(self.calls, name)(request, CALLER.get())
        except DomainError as exc:
            await abort(context, exc)
        except grpc.aio.AbortError:
            raise
        except Exception:
            # Never echo internals to the caller; the log has the traceback.
            log.exception("unexpected error in %s", name)
            await abort(context, internal())
        raise AssertionError("unreachable")

    method.__name__ = name
    return method


async def abort(context: grpc.aio.ServicerContext, exc: DomainError) -> None:
    status = to_status(exc)
    await context.abort(status.code, status.details, status.trailing_metadata)
