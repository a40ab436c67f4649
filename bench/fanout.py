"""A revoke heard by many watchers, in two phases over the same streams.

Every session is created before the streams open (they watch from now), so
the revokes are the only events they see. Isolated: one revoke every GAP
seconds, each timed from when RevokeSession was sent to when each stream
(and the last stream) has it. Saturated: the other half revoked as fast as
8 concurrent calls go; the stream messages the server delivers per second
is the fan-out's capacity. Spacing matters: revokes sent faster than the
streams can be written queue up, and their latency then measures the
queue, not a revoke (a server that also takes the revokes is slowed by
its own fan-out and never builds that queue; another process is not).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parent.parent
WATCH = [sys.executable, "-m", "bench.watchers"]
WATCHERS = 1000
REVOKES = 200
GAP = 0.15


async def watchers(target: str, n: int) -> asyncio.subprocess.Process:
    """A process holding n watch streams (bench/watchers.py)."""
    return await asyncio.create_subprocess_exec(
        *WATCH,
        target,
        str(n),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


def _percentile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * q))] if values else 0.0


async def fan_out(
    target: str, watch_target: str | None = None, n_watchers: int = WATCHERS
) -> dict[str, float]:
    """With `watch_target`, the streams are on another replica."""
    async with grpc.aio.insecure_channel(target) as channel:
        stub = pb_grpc.SessionServiceStub(channel)
        made = [
            (await stub.CreateSession(pb.CreateSessionRequest(subject_id=f"fan-{i}"))).session
            for i in range(2 * REVOKES)
        ]
        per = max(1, n_watchers // 4)
        procs = [await watchers(watch_target or target, per) for _ in range(4)]
        for p in procs:
            assert p.stdout is not None
            assert (await p.stdout.readline()).strip() == b"ready"
        sent: dict[int, float] = {}
        for s in made[:REVOKES]:
            t0 = time.time()
            done = await stub.RevokeSession(pb.RevokeSessionRequest(session_id=s.session_id))
            sent[done.session.revision] = t0
            await asyncio.sleep(GAP)
        rest = iter(made[REVOKES:])
        saturated: list[int] = []
        started = time.time()

        async def revoker() -> None:
            for s in rest:
                done = await stub.RevokeSession(pb.RevokeSessionRequest(session_id=s.session_id))
                saturated.append(done.session.revision)

        await asyncio.gather(*(revoker() for _ in range(8)))
    arrivals: dict[int, list[float]] = {}
    last = f"{max(saturated + list(sent))}\n".encode()
    for p in procs:
        out, _ = await p.communicate(last)
        for rev, times in json.loads(out).items():
            arrivals.setdefault(int(rev), []).extend(times)
    every = [t - sent[rev] for rev in sent for t in arrivals.get(rev, [])]
    last_of = [max(arrivals[rev]) - sent[rev] for rev in sent if rev in arrivals]
    burst = [t for rev in saturated for t in arrivals.get(rev, [])]
    return {
        "deliveries": sum(len(arrivals.get(rev, [])) for rev in sent),
        "expected": len(sent) * per * 4,
        "p50_ms": _percentile(every, 0.5) * 1000,
        "p99_ms": _percentile(every, 0.99) * 1000,
        "last_p99_ms": _percentile(last_of, 0.99) * 1000,
        "saturated_deliveries": len(burst),
        "saturated_expected": len(saturated) * per * 4,
        "messages_per_s": len(burst) / (max(burst) - started) if burst else 0.0,
    }
