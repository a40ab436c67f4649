"""The Connect services: thin adapters from the generated connectrpc
applications to calls/ (the same SessionCalls and SubjectCalls the gRPC
servicers relay to), and the interceptors that give HTTP callers what gRPC
callers get: API keys, scopes and tenants (callers.authorize), the
concurrency limit, metrics, and detailed errors."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from connectrpc.code import Code
from connectrpc.errors import ConnectError
from connectrpc.request import RequestContext
from sessionauthority.v1 import session_service_pb2 as pb

from ..callers import CALLER, Authenticator, Caller, authorize
from ..calls.sessions import SessionCalls
from ..calls.subjects import SubjectCalls
from ..errors import DomainError, internal, too_many_calls
from ..metrics import Metrics
from .errors import connect_error, from_library

log = logging.getLogger("sessionauthority.http")


def _relay(name: str) -> Callable[..., Awaitable[Any]]:
    """A Connect unary method that relays to `self.calls.<name>(request, caller)`."""

    async def method(self: Any, request: Any, ctx: RequestContext) -> Any:
        try:
            return await getattr(self.calls, name)(request, CALLER.get())
        except DomainError as exc:
            raise connect_error(exc) from None
        except Exception:
            # Never echo internals to the caller; the log has the traceback.
            log.exception("unexpected error in %s", name)
            raise connect_error(internal()) from None

    method.__name__ = name
    return method


class SessionConnect:
    def __init__(self, calls: SessionCalls) -> None:
        self.calls = calls

    create_session = _relay("create_session")
    start_session = _relay("start_session")
    get_session = _relay("get_session")
    list_sessions = _relay("list_sessions")
    validate_session = _relay("validate_session")
    renew_session = _relay("renew_session")
    revoke_session = _relay("revoke_session")
    revoke_sessions = _relay("revoke_sessions")
    update_session_metadata = _relay("update_session_metadata")
    get_jwks = _relay("get_jwks")
    list_ended_sessions = _relay("list_ended_sessions")

    async def watch_sessions(
        self, request: pb.WatchSessionsRequest, ctx: RequestContext
    ) -> AsyncIterator[pb.WatchSessionsResponse]:
        """connectrpc sends what a generator yields; SessionCalls writes
        through a callback. Each write is handed over here and completes only
        when the library has sent it and asks for the next, so a client that
        stops reading blocks the write as on gRPC, and the hub's overflow
        check (Subscription.send) cuts it short the same way."""
        loop = asyncio.get_running_loop()
        slot: asyncio.Queue[tuple[pb.WatchSessionsResponse, asyncio.Future[None]]]
        slot = asyncio.Queue(1)

        async def write(message: pb.WatchSessionsResponse) -> None:
            sent = loop.create_future()
            await slot.put((message, sent))
            await sent

        task = asyncio.create_task(self.calls.watch_sessions(request, CALLER.get(), write))
        getter: asyncio.Future[Any] | None = None
        try:
            while True:
                getter = asyncio.ensure_future(slot.get())
                await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    message, sent = getter.result()
                    yield message
                    if not sent.done():
                        sent.set_result(None)
                    continue
                getter.cancel()
                break
            error = task.exception()
            if isinstance(error, DomainError):
                raise connect_error(error)
            if error is not None:
                log.error("unexpected error in WatchSessions", exc_info=error)
                raise connect_error(internal())
        finally:
            # The client left (the library closes this generator): end both.
            if getter is not None and not getter.done():
                getter.cancel()
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


class SubjectConnect:
    def __init__(self, calls: SubjectCalls) -> None:
        self.calls = calls

    get_subject = _relay("get_subject")
    terminate_subject = _relay("terminate_subject")
    reinstate_subject = _relay("reinstate_subject")


def _path(ctx: RequestContext) -> str:
    return f"/{ctx.method.service_name}/{ctx.method.name}"


def _code_name(error: Exception | None) -> str:
    if error is None:
        return "OK"
    if isinstance(error, ConnectError):
        # gRPC's names, so one dashboard query covers both transports.
        return "CANCELLED" if error.code is Code.CANCELED else error.code.name
    return "UNKNOWN"


class Outermost:
    """First of the metadata interceptors, so it sees every outcome, the
    refusals of the gate and of the library included: it counts and times
    the call, and gives the library's own refusals their details."""

    def __init__(self, metrics: Metrics | None, read_max_bytes: int) -> None:
        self._metrics = metrics
        self._read_max_bytes = read_max_bytes

    async def on_start(self, ctx: RequestContext) -> float:
        return time.perf_counter()

    async def on_end(self, token: float, ctx: RequestContext, error: Exception | None) -> None:
        replaced = from_library(error, self._read_max_bytes)
        if self._metrics is not None:
            method = _path(ctx).lstrip("/").rsplit(".", 1)[-1]
            code = _code_name(replaced)
            self._metrics.rpcs.labels(method, code, "connect").inc()
            self._metrics.latency.labels(method, code, "connect").observe(
                time.perf_counter() - token
            )
        if replaced is not error and replaced is not None:
            raise replaced


class Gate:
    """Before the body is read: the call limit, then who is calling. The
    caller goes in the CALLER context variable, as the gRPC interceptor's
    does (each HTTP request runs in its own task, so its own context)."""

    def __init__(self, auth: Authenticator, limit: int) -> None:
        self._auth = auth
        self._limit = limit
        self._in_flight = 0

    async def on_start(self, ctx: RequestContext) -> None:
        if self._in_flight >= self._limit:
            raise connect_error(too_many_calls(self._limit))
        self._in_flight += 1
        try:
            caller: Caller = await authorize(self._auth, ctx.request_headers.allitems(), _path(ctx))
        except DomainError as exc:
            self._in_flight -= 1
            raise connect_error(exc) from None
        except BaseException:
            self._in_flight -= 1
            raise
        CALLER.set(caller)

    async def on_end(self, token: None, ctx: RequestContext, error: Exception | None) -> None:
        self._in_flight -= 1
