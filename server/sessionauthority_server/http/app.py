"""The HTTP port's one ASGI application: Connect RPCs under
/sessionauthority.v1.<Service>/, /healthz for load balancers, and any
static files mounted under a path prefix (`mounts`, for the console).

Guards before any RPC is parsed: only POST (a GET is a "simple" request a
browser sends cross-site without asking, and Connect would run it); for
calls without an API key, no cross-origin browser calls (no CORS is
offered) and, on loopback, only loopback Host names (a DNS-rebinding page
must not reach open mode); and a deadline for the whole request body, so a
slow body gets an error, not a held task."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ..config import is_loopback

log = logging.getLogger("sessionauthority.http")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

RPC_PREFIX = "/sessionauthority.v1."
# What connectrpc reads: Connect unary and streaming, gRPC and gRPC-Web.
CONTENT_TYPES = (
    "application/json",
    "application/proto",
    "application/connect+",
    "application/grpc",
)


async def respond(send: Send, status: int, body: dict[str, Any], headers: Any = ()) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _host_name(authority: str) -> str:
    return urlsplit("//" + authority).hostname or ""


class HttpApp:
    def __init__(
        self,
        rpcs: dict[str, ASGIApp],
        ready: Callable[[], Awaitable[bool]],
        *,
        loopback: bool,
        body_timeout: float,
        drain_bytes: int = 64 * 1024,
    ) -> None:
        self.rpcs = rpcs  # "/sessionauthority.v1.SessionService/" -> its Connect app
        self.mounts: dict[str, ASGIApp] = {}  # e.g. "/console/" -> a static file app
        self._ready = ready
        self._loopback = loopback
        self._body_timeout = body_timeout
        self._drain_bytes = drain_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets: none offered; the server closes the socket
        path: str = scope["path"]
        if path == "/healthz":  # for load balancers, whatever Host they send
            ok = await self._ready()
            await respond(send, 200 if ok else 503, {"status": "SERVING" if ok else "NOT_SERVING"})
            return
        if refusal := self._refusal(scope):
            await respond(send, 403, {"code": "permission_denied", "message": refusal})
            return
        if path.startswith(RPC_PREFIX):
            service = path[: path.find("/", 1) + 1]
            app = self.rpcs.get(service)
            if app is None:
                await respond(send, 404, {"code": "unimplemented", "message": f"no {service}"})
            elif scope["method"] != "POST":
                message = "Connect RPCs here take POST"
                await respond(send, 405, {"code": "unimplemented", "message": message},
                              [(b"allow", b"POST")])  # fmt: skip
            elif not _header(scope, b"content-type").startswith(CONTENT_TYPES):
                message = "send content-type application/json or application/proto (unary), "
                message += "application/connect+json or application/connect+proto (streams)"
                await respond(send, 415, {"code": "invalid_argument", "message": message})
            else:
                body = _Body(receive, self._body_timeout)
                try:
                    await app(
                        scope, body.receive, body.read_first(_stall_guard(send), self._drain_bytes)
                    )
                except _Stalled:
                    # Returning with the response unfinished closes the connection.
                    log.info("closed a connection whose client stopped reading: %s", path)
            return
        for prefix, mounted in self.mounts.items():
            if path.startswith(prefix) or path + "/" == prefix:
                await mounted(scope, receive, send)
                return
        await respond(send, 404, {"code": "not_found", "message": f"nothing at {path}"})

    def _refusal(self, scope: Scope) -> str:
        """Only for calls without an API key: those are the ones open mode
        would take. A call with a key is the key's (and a browser must ask
        first, by a preflight this server never grants, to send one
        cross-site), so a reverse proxy's Host or Origin does not matter."""
        if _header(scope, b"authorization"):
            return ""
        host = _host_name(_header(scope, b"host") or _header(scope, b":authority"))
        if self._loopback and host and not is_loopback(host):
            return f"this server listens on loopback only; Host {host!r} is not"
        origin = _header(scope, b"origin")
        if origin and origin != "null" and _host_name(urlsplit(origin).netloc) != host:
            return "cross-origin requests are not served"
        return ""


# A response write blocked this long means the client stopped reading (the
# socket buffers are full): over HTTP/1.1 nothing more, not even the error,
# can reach it, so the connection is closed. The watch hub has by then ended
# the stream's subscription (WATCH_TOO_SLOW), as it does on gRPC.
STALL_SECONDS = 30.0


class _Stalled(Exception):
    pass


def _stall_guard(send: Send) -> Send:
    async def guarded(message: dict[str, Any]) -> None:
        try:
            async with asyncio.timeout(STALL_SECONDS):
                await send(message)
        except TimeoutError:
            raise _Stalled from None

    return guarded


class _Body:
    """`receive` with one deadline for the whole request body. After the body
    it is left alone: the library then waits on it for a disconnect, for as
    long as a watch stream lives."""

    def __init__(self, receive: Receive, seconds: float) -> None:
        self._receive = receive
        self._seconds = seconds
        self._deadline = asyncio.get_running_loop().time() + seconds
        self.done = False

    async def receive(self) -> dict[str, Any]:
        if self.done:
            return dict(await self._receive())
        try:
            async with asyncio.timeout_at(self._deadline):
                message = dict(await self._receive())
        except TimeoutError:
            raise ConnectError(
                Code.DEADLINE_EXCEEDED,
                f"the request body did not arrive within {self._seconds:g} s",
            ) from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.done = True
        return message

    def read_first(self, send: Send, limit: int) -> Send:
        """`send` that reads and drops the rest of a small body before the
        response starts. A call refused before its body was read (no key, a
        missing scope) would otherwise answer while the client still sends:
        the server then closes a connection it cannot reuse, and the client
        sees EPIPE or a reset instead of the refusal. Past `limit` the
        rest is not worth reading, and the connection closes."""

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and not self.done:
                await self.drain(limit)
            await send(message)

        return sending

    async def drain(self, limit: int) -> None:
        """Reads what is left of the body, up to `limit` bytes and the body's
        deadline; gives up quietly past either."""
        read = 0
        try:
            while not self.done and read <= limit:
                message = await self.receive()
                read += len(message.get("body", b""))
        except ConnectError:
            pass


async def _lifespan(receive: Receive, send: Send) -> None:
    # Everything is started and stopped by app.create_server / App.stop.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
