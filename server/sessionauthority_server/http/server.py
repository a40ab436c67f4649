"""Hypercorn, in the server's own event loop, on a socket we bind ourselves
(so port 0 picks a free port and the caller learns which). Hypercorn rather
than uvicorn: it speaks HTTP/2 (h2c and TLS with ALPN) as well as HTTP/1.1,
and carries ASGI trailers, so the same port also takes gRPC-Web and gRPC
clients of connectrpc. TLS uses the gRPC port's PEM files and client CA."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl

from hypercorn.asyncio import serve
from hypercorn.config import Config, Sockets

from ..config import Settings
from .app import HttpApp

log = logging.getLogger("sessionauthority.http")


class _Config(Config):
    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._socket = sock

    def create_sockets(self) -> Sockets:
        if self.ssl_enabled:
            return Sockets([self._socket], [], [])
        return Sockets([], [self._socket], [])


class HttpServer:
    def __init__(
        self, app: HttpApp, task: asyncio.Task[None], stop: asyncio.Event, port: int
    ) -> None:
        # `app.mounts` takes more ASGI apps by path prefix at any time (the
        # console's static files under "/console/").
        self.app = app
        self._task = task
        self._stop = stop
        self.port = port

    async def close(self, grace: float) -> None:
        """Stops taking connections and gives in-flight requests `grace` s."""
        self._stop.set()
        try:
            async with asyncio.timeout(grace + 1):
                await asyncio.shield(self._task)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def bind_tcp(host: str, port: int, reuse_port: bool) -> socket.socket:
    """A listening socket; `host` may be a bracketed IPv6 address."""
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=1024, reuse_port=reuse_port)
    sock.setblocking(False)
    return sock


async def start_http(
    app: HttpApp, settings: Settings, host: str, port: int, *, reuse_port: bool = False
) -> HttpServer:
    sock = bind_tcp(host, port, reuse_port)
    config = _Config(sock)
    config.accesslog = None
    config.errorlog = log
    config.graceful_timeout = settings.shutdown_grace_seconds
    # HTTP/1.1 headers past this are refused before any of our code runs.
    config.h11_max_incomplete_size = 16 * 1024
    config.include_server_header = False
    if settings.tls_cert:
        config.certfile, config.keyfile = settings.tls_cert, settings.tls_key
        if settings.tls_client_ca:
            config.ca_certs = settings.tls_client_ca
            config.verify_mode = ssl.CERT_REQUIRED
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(app, config, shutdown_trigger=stop.wait, mode="asgi"),
        name="http",
    )
    return HttpServer(app, task, stop, sock.getsockname()[1])
