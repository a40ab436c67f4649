"""`serve --workers 2` as an operator runs it: both workers answer on the one
port, a watcher on one hears a change committed on the other at once (the
poll is set to a minute), a worker killed with -9 is restarted and logged,
SIGTERM drains every worker, and what cannot work is refused up front."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc

from .conftest import backend_settings
from .helpers import WAIT, Watch

START = 30.0  # two interpreters starting on a loaded machine
# A connection of its own per channel, so the kernel spreads them.
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]
T = pb.SessionEventType
CREATES = re.compile(
    r'sessionauthority_rpc_total\{code="OK",method="SessionService/CreateSession"[^}]*\} (\S+)'
)


def free_ports(n: int) -> int:
    """The first of n consecutive free loopback ports."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + n > 65535:
            continue
        try:
            held = []
            for p in range(base, base + n):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
        return base
    raise RuntimeError("no free ports")


class Workers:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.target = ""
        self.log: asyncio.Queue[str] = asyncio.Queue()
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read_log())

    async def _read_log(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            self.log.put_nowait(line)

    async def expect(self, pattern: str) -> re.Match[str]:
        """The next log line matching `pattern`."""
        async with asyncio.timeout(START):
            while True:
                match = re.search(pattern, await self.log.get())
                if match:
                    return match

    async def pids(self) -> dict[int, int]:
        return {int(m[1]): int(m[2]) for m in re.finditer(
            r"worker (\d+) started \(pid (\d+)\)", "".join(self.lines)
        )}  # fmt: skip

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = await asyncio.wait_for(self.proc.wait(), START)
        await self._reader
        return rc


async def start_workers(database_url: str, *args: str, **settings: str) -> Workers:
    env = {**os.environ, "SESSION_AUTHORITY_WATCH_POLL_INTERVAL_SECONDS": "60"}
    env.update({f"SESSION_AUTHORITY_{k.upper()}": v for k, v in settings.items()})
    env.update(
        {f"SESSION_AUTHORITY_{k.upper()}": v for k, v in backend_settings(database_url).items()}
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sessionauthority_server.cli", "serve", "--workers", "2",
        "--port", "0", "--database-url", database_url, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    return Workers(proc)


async def ready(w: Workers) -> Workers:
    assert w.proc.stdout is not None
    line = (await asyncio.wait_for(w.proc.stdout.readline(), START)).decode()
    match = re.search(r"serving on (\S+):(\d+) \(2 workers\)", line)
    assert match, (line, w.lines)
    w.target = f"127.0.0.1:{match.group(2)}"
    return w


@pytest.fixture
async def workers(database_url: str) -> AsyncIterator[Workers]:
    w = await ready(await start_workers(database_url))
    yield w
    assert await w.stop() == 0


def channels(w: Workers, n: int) -> list[grpc.aio.Channel]:
    return [grpc.aio.insecure_channel(w.target, options=OWN_CONNECTION) for _ in range(n)]


async def wait_gone(pid: int) -> None:
    """Waits for a process that is not our child to exit (a pidfd becomes
    readable then), without polling."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    gone = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(fd, gone.set)
    try:
        await asyncio.wait_for(gone.wait(), START)
    finally:
        loop.remove_reader(fd)
        os.close(fd)


async def test_both_workers_answer_on_one_port(database_url):
    base = free_ports(2)
    w = await ready(await start_workers(database_url, "--metrics-port", str(base)))
    chans = channels(w, 16)
    try:
        for c in chans:
            await pb_grpc.SessionServiceStub(c).CreateSession(
                pb.CreateSessionRequest(subject_id="spread")
            )
        counts = []
        for port in (base, base + 1):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /metrics HTTP/1.0\r\n\r\n")
            text = (await asyncio.wait_for(reader.read(), WAIT)).decode()
            writer.close()
            m = CREATES.search(text)
            counts.append(int(float(m.group(1))) if m else 0)
        assert sum(counts) == 16
        assert min(counts) > 0, counts  # all 16 on one worker: 1 in 32,768
    finally:
        for c in chans:
            await c.close()
        assert await w.stop() == 0


async def test_a_watcher_on_either_worker_hears_every_commit_at_once(workers):
    chans = channels(workers, 12)
    try:
        watches = [Watch(pb_grpc.SessionServiceStub(c), subject_id="u1") for c in chans[:6]]
        for watch in watches:
            await watch.progress()
        for c in chans[6:]:
            stub = pb_grpc.SessionServiceStub(c)
            r = await stub.CreateSession(pb.CreateSessionRequest(subject_id="u1"))
            started = time.monotonic()
            await stub.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
            for watch in watches:
                created, revoked = await watch.events(2)
                assert created.session.session_id == r.session.session_id
                assert revoked.type == T.SESSION_EVENT_TYPE_REVOKED
            # Half the watchers are on the other worker: a wake-up, not the minute's poll.
            assert time.monotonic() - started < 2.0
        for watch in watches:
            watch.cancel()
    finally:
        for c in chans:
            await c.close()


async def test_a_killed_worker_is_restarted_and_logged(workers):
    pids = await workers.pids()
    assert len(pids) == 2
    os.kill(pids[0], signal.SIGKILL)
    died = await workers.expect(r"worker 0 \(pid (\d+)\) died \(killed by signal 9\)")
    assert int(died[1]) == pids[0]
    again = await workers.expect(r"worker 0 started \(pid (\d+)\)")
    assert int(again[1]) != pids[0]
    await workers.expect(r"\[worker 0\] sessionauthority: serving on")
    for c in channels(workers, 4):
        health = health_pb2_grpc.HealthStub(c)
        reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=WAIT)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        await c.close()


async def test_sigterm_drains_every_worker(database_url):
    w = await ready(await start_workers(database_url))
    pids = await w.pids()
    (c,) = channels(w, 1)
    watch = Watch(pb_grpc.SessionServiceStub(c), subject_id="u1")
    await watch.progress()
    assert await w.stop() == 0
    # The watcher's worker drained it: UNAVAILABLE, so it resumes elsewhere.
    assert (await watch.error()).code() == grpc.StatusCode.UNAVAILABLE
    for pid in pids.values():
        await wait_gone(pid)
    await c.close()


async def test_workers_stop_when_the_supervisor_is_killed(database_url):
    w = await ready(await start_workers(database_url))
    pids = await w.pids()
    w.proc.kill()
    for pid in pids.values():
        await wait_gone(pid)  # each got SIGTERM from the kernel and drained


async def test_a_port_in_use_is_refused(database_url):
    with socket.create_server(("127.0.0.1", 0)) as held:
        port = str(held.getsockname()[1])
        env = {
            **os.environ,
            **{
                f"SESSION_AUTHORITY_{k.upper()}": v
                for k, v in backend_settings(database_url).items()
            },
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sessionauthority_server.cli", "serve", "--workers", "2",
            "--port", port, "--database-url", database_url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        _, err = await asyncio.wait_for(proc.communicate(), START)
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err.decode()


async def test_a_worker_that_cannot_start_stops_the_supervisor(database_url, tmp_path):
    missing = str(tmp_path / "missing.pem")
    w = await start_workers(database_url, "--tls-cert", missing, "--tls-key", missing)
    assert await asyncio.wait_for(w.proc.wait(), START) == 2
    await w._reader
    log = "".join(w.lines)
    assert "could not start" in log and "restarting" not in log


async def test_the_http_port_is_shared_too(database_url):
    port = free_ports(1)
    w = await ready(await start_workers(database_url, "--http-port", str(port)))
    try:
        assert w.proc.stdout is not None
        line = (await asyncio.wait_for(w.proc.stdout.readline(), START)).decode()
        assert f"HTTP on http://127.0.0.1:{port}" in line
        # Ready means both workers bound it (without SO_REUSEPORT the second
        # could not). A connection each, served whichever worker takes it.
        for _ in range(8):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            reply = (await asyncio.wait_for(reader.read(), WAIT)).decode()
            writer.close()
            assert reply.startswith("HTTP/1.1 200"), reply
    finally:
        assert await w.stop() == 0
