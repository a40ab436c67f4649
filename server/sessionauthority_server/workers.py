"""`serve --workers N`: N full server processes sharing one port.

One Python process runs one event loop on one core, so on a machine with
more cores the supervisor here starts N `serve` processes (workers), each a
complete replica over the same database: the kernel spreads connections
across them (SO_REUSEPORT on the gRPC and HTTP ports), and they hear each
other's commits as replicas do (NOTIFY on PostgreSQL, a datagram on SQLite).

The supervisor serves nothing itself. It checks that the ports are free
(a port someone else holds must be an error, not a silent share), prepares
the database once (migrations, the at-rest key file, a signing key) so the
workers do not race to do it, starts the workers, restarts one that dies
(logged, with backoff), and on SIGTERM or SIGINT lets every worker drain.
Worker i serves metrics on METRICS_PORT + i.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field

from .app import ConfigError, open_store
from .config import Settings
from .http.server import bind_tcp

log = logging.getLogger("sessionauthority.workers")

# A worker that lived this long and then died had been working: restart it
# at once. One that dies sooner is failing to start: back off.
STABLE_SECONDS = 10.0
MAX_BACKOFF = 10.0
# Past the workers' own grace: time for them to close the database.
STOP_MARGIN_SECONDS = 10.0


def worker_count(value: str) -> int:
    if value == "auto":
        # The cores this process may run on (a container's CPU set), not the host's.
        if hasattr(os, "sched_getaffinity"):
            return len(os.sched_getaffinity(0))
        return os.cpu_count() or 1
    return int(value)


def die_with_parent() -> None:
    """In a worker: SIGTERM when the supervisor goes, even by -9, so no
    worker is left serving with nobody to stop it."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def claim_port(host: str, port: int) -> int:
    """The port, checked free (0 picks one): bound once without SO_REUSEPORT,
    so a port held by anyone, workers of another supervisor included, fails."""
    try:
        with bind_tcp(host, port, reuse_port=False) as sock:
            return int(sock.getsockname()[1])
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host.strip('[]')}:{port}: {exc.strerror}") from None


@dataclass
class _Worker:
    index: int
    proc: asyncio.subprocess.Process | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    restarts: int = 0


class Supervisor:
    def __init__(self, settings: Settings, count: int) -> None:
        self.settings = settings
        self.count = count
        self.workers = [_Worker(i) for i in range(count)]
        self.stopping = False
        self.fatal: int | None = None
        self._stop = asyncio.Event()
        self._relays: set[asyncio.Task[None]] = set()

    def _env(self, index: int, port: int, http_port: int) -> dict[str, str]:
        s = self.settings
        env = {**os.environ}
        values = {
            "HOST": s.host,
            "PORT": str(port),
            "DATABASE_URL": s.database_url,
            "TLS_CERT": s.tls_cert,
            "TLS_KEY": s.tls_key,
            "TLS_CLIENT_CA": s.tls_client_ca,
            "HTTP_PORT": str(http_port),
            "METRICS_PORT": str(s.metrics_port + index if s.metrics_port else 0),
            "WORKERS": "1",
        }
        env.update({f"SESSION_AUTHORITY_{k}": v for k, v in values.items()})
        return env

    async def _spawn(self, w: _Worker, port: int, http_port: int) -> asyncio.subprocess.Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sessionauthority_server.cli", "serve", "--insecure",
            "--worker-index", str(w.index),
            stdout=asyncio.subprocess.PIPE,
            env=self._env(w.index, port, http_port),
        )  # fmt: skip
        w.proc = proc
        self._relays.add(relay := asyncio.create_task(self._relay(w, proc)))
        relay.add_done_callback(self._relays.discard)
        return proc

    async def _relay(self, w: _Worker, proc: asyncio.subprocess.Process) -> None:
        # The workers' "serving on" lines are the supervisor's to say once
        # for all; anything else they print passes through.
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode(errors="replace")
            ours = " serving on " in line or " HTTP on " in line
            if line.startswith("session-authority ") and ours:
                w.ready.set()
                continue
            sys.stdout.write(f"[worker {w.index}] {line}")
            sys.stdout.flush()

    async def _keep(self, w: _Worker, port: int, http_port: int) -> None:
        backoff = 0.5
        while not self.stopping:
            proc = await self._spawn(w, port, http_port)
            started = time.monotonic()
            log.info("worker %d started (pid %d)", w.index, proc.pid)
            rc = await proc.wait()
            if self.stopping:
                return
            if rc == 2 and not w.ready.is_set():
                # Its configuration is wrong: every restart would fail alike.
                log.error("worker %d could not start (exit code 2); stopping", w.index)
                self.fatal = 2
                self._stop.set()
                return
            lived = time.monotonic() - started
            backoff = 0.0 if lived >= STABLE_SECONDS else min(max(backoff * 2, 0.5), MAX_BACKOFF)
            how = f"killed by signal {-rc}" if rc < 0 else f"exit code {rc}"
            log.error(
                "worker %d (pid %d) died (%s) after %.1f s; restarting in %.1f s",
                w.index, proc.pid, how, lived, backoff,
            )  # fmt: skip
            w.restarts += 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(backoff):
                    await self._stop.wait()

    async def run(self) -> int:
        s = self.settings
        port = claim_port(s.host, s.port)
        http_port = claim_port(s.host, s.http_port) if s.http_port else 0
        for i in range(self.count if s.metrics_port else 0):
            claim_port(s.metrics_host or s.host, s.metrics_port + i)
        store = await open_store(s)
        await store.close()

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        keepers = [asyncio.create_task(self._keep(w, port, http_port)) for w in self.workers]
        ready = asyncio.gather(*(w.ready.wait() for w in self.workers))
        stopped = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait([ready, stopped], return_when=asyncio.FIRST_COMPLETED)
        if ready.done():
            line = f"session-authority serving on {s.host}:{port} ({self.count} workers)"
            print(line, flush=True)
            if http_port:
                scheme = "https" if s.tls_cert else "http"
                print(f"session-authority HTTP on {scheme}://{s.host}:{http_port}", flush=True)
            await stopped
        else:
            ready.cancel()
        await self._drain()
        for k in keepers:
            k.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await k
        return self.fatal or 0

    async def _drain(self) -> None:
        self.stopping = True
        log.info("stopping %d workers", self.count)
        live = [w.proc for w in self.workers if w.proc is not None and w.proc.returncode is None]
        for proc in live:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        waits = [asyncio.ensure_future(p.wait()) for p in live]
        if not waits:
            return
        _, late = await asyncio.wait(
            waits, timeout=self.settings.shutdown_grace_seconds + STOP_MARGIN_SECONDS
        )
        for proc in live:
            if proc.returncode is None:
                log.error("worker pid %d did not stop in time; killing it", proc.pid)
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
        if late:
            await asyncio.wait(late)


async def supervise(settings: Settings, count: int) -> int:
    return await Supervisor(settings, count).run()
