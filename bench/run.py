"""`make bench`: throughput of the main RPCs, each as a ratio against the
same server's grpc.health.v1.Health/Check in the same run (so the numbers
compare across machines), plus watch fan-out latency and stream churn RSS.

    make bench                      # defaults
    BENCH_SECONDS=10 make bench     # longer runs
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority_server.app import create_server
from sessionauthority_server.config import Settings

SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))


async def measure(op: Callable[[int], Awaitable[object]]) -> float:
    count = 0
    stop_at = time.perf_counter() + SECONDS

    async def worker(w: int) -> None:
        nonlocal count
        i = 0
        while time.perf_counter() < stop_at:
            await op(w * 1_000_000 + i)
            i += 1
            count += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(CONCURRENCY)))
    return count / (time.perf_counter() - start)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            create_rate_per_minute=10**9,
            create_rate_per_day=10**9,
        )
        app = await create_server(settings, address="127.0.0.1:0")
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{app.port}")
        health = health_pb2_grpc.HealthStub(channel)
        sessions = pb_grpc.SessionServiceStub(channel)
        seed = await sessions.CreateSession(pb.CreateSessionRequest(subject_id="bench"))
        refresh: dict[int, str] = {}

        async def renew(i: int) -> object:
            w = i // 1_000_000
            if w not in refresh:
                r = await sessions.CreateSession(pb.CreateSessionRequest(subject_id=f"renew-{w}"))
                refresh[w] = r.tokens.refresh_token
            r = await sessions.RenewSession(pb.RenewSessionRequest(refresh_token=refresh[w]))
            refresh[w] = r.tokens.refresh_token
            return r

        ops: dict[str, Callable[[int], Awaitable[object]]] = {
            "Health/Check": lambda i: health.Check(health_pb2.HealthCheckRequest()),
            "ValidateSession": lambda i: sessions.ValidateSession(
                pb.ValidateSessionRequest(access_token=seed.tokens.access_token)
            ),
            "GetSession": lambda i: sessions.GetSession(
                pb.GetSessionRequest(session_id=seed.session.session_id)
            ),
            "CreateSession": lambda i: sessions.CreateSession(
                pb.CreateSessionRequest(subject_id=f"s{i % 5000}")
            ),
            "RenewSession": renew,
        }
        rates = {name: await measure(op) for name, op in ops.items()}
        base = rates["Health/Check"]
        print(
            f"{'rpc':<18}{'ops/s':>10}{'x Health/Check':>16}"
            f"   ({CONCURRENCY} concurrent, {SECONDS:g} s each)"
        )
        for name, rate in rates.items():
            print(f"{name:<18}{rate:>10.0f}{rate / base:>16.3f}")

        # Watch: 200 streams, time from RevokeSession returning to each stream hearing it.
        streams = [sessions.WatchSessions(pb.WatchSessionsRequest()) for _ in range(200)]
        for s in streams:
            await s.read()
        lags = []
        for n in range(20):
            r = await sessions.CreateSession(pb.CreateSessionRequest(subject_id=f"w{n}"))
            await asyncio.gather(*(s.read() for s in streams))  # CREATED
            t0 = time.perf_counter()
            await sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
            await asyncio.gather(*(s.read() for s in streams))
            lags.append(time.perf_counter() - t0)
        print(
            f"revoke -> 200 watchers heard it: median {statistics.median(lags) * 1000:.1f} ms, "
            f"max {max(lags) * 1000:.1f} ms"
        )
        for s in streams:
            s.cancel()

        # Churn: open and cancel many streams; resident memory should level off.
        before = rss_mb()
        for _ in range(10):
            batch = [sessions.WatchSessions(pb.WatchSessionsRequest()) for _ in range(200)]
            for s in batch:
                await s.read()
            for s in batch:
                s.cancel()
        print(f"2000 streams opened and cancelled: max RSS {before:.0f} -> {rss_mb():.0f} MiB")
        await channel.close()
        await app.stop(1)


if __name__ == "__main__":
    asyncio.run(main())
