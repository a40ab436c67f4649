"""One load process: `concurrency` async clients calling one RPC for a fixed
time; prints a JSON line with the count and the latencies' percentiles.

    python -m bench.load TARGET OP CONCURRENCY SECONDS SEED_FILE WORKER_ID
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc

Op = Callable[[int], Awaitable[object]]


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def make_op(
    name: str, channel: grpc.aio.Channel, seed: dict[str, list[str]], worker: int, conc: int
) -> tuple[Op, Callable[[int], Awaitable[None]]]:
    """(the call, a per-client setup run before the clock starts)."""
    health = health_pb2_grpc.HealthStub(channel)
    sessions = pb_grpc.SessionServiceStub(channel)
    tokens, ids = seed["access_tokens"], seed["revocable"]
    refresh: dict[int, str] = {}

    async def setup(client: int) -> None:
        if name == "RenewSession":
            r = await sessions.CreateSession(
                pb.CreateSessionRequest(subject_id=f"renew-{worker}-{client}")
            )
            refresh[client] = r.tokens.refresh_token

    async def call(i: int) -> object:
        client, n = divmod(i, 1_000_000)
        if name == "Health/Check":
            return await health.Check(health_pb2.HealthCheckRequest())
        if name == "ValidateSession":
            token = tokens[(i * 7919) % len(tokens)]
            return await sessions.ValidateSession(pb.ValidateSessionRequest(access_token=token))
        if name == "GetSession":
            sid = seed["session_ids"][(i * 7919) % len(seed["session_ids"])]
            return await sessions.GetSession(pb.GetSessionRequest(session_id=sid))
        if name == "CreateSession":
            return await sessions.CreateSession(
                pb.CreateSessionRequest(subject_id=f"c-{worker}-{client}-{n}")
            )
        if name == "RenewSession":
            r = await sessions.RenewSession(pb.RenewSessionRequest(refresh_token=refresh[client]))
            refresh[client] = r.tokens.refresh_token
            return r
        if name == "RevokeSession":
            # Disjoint slices of the seeded sessions: every call ends a live one.
            slot = (worker * conc + client) * 200_000 + n
            return await sessions.RevokeSession(
                pb.RevokeSessionRequest(session_id=ids[slot % len(ids)])
            )
        raise ValueError(name)

    return call, setup


async def run(
    target: str, name: str, conc: int, seconds: float, seed: dict[str, list[str]], worker: int
) -> dict[str, object]:
    async with grpc.aio.insecure_channel(target) as channel:
        call, setup = await make_op(name, channel, seed, worker, conc)
        await asyncio.gather(*(setup(c) for c in range(conc)))
        latencies: list[float] = []
        errors = 0
        stop_at = time.perf_counter() + seconds

        async def client(c: int) -> None:
            nonlocal errors
            n = 0
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                try:
                    await call(c * 1_000_000 + n)
                except grpc.aio.AioRpcError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)
                n += 1

        start = time.perf_counter()
        await asyncio.gather(*(client(c) for c in range(conc)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "count": len(latencies),
        "errors": errors,
        "elapsed": elapsed,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "lat": latencies,
    }


if __name__ == "__main__":
    target, op, conc, seconds, seed_file, worker = sys.argv[1:7]
    seed = json.loads(Path(seed_file).read_text())
    result = asyncio.run(run(target, op, int(conc), float(seconds), seed, int(worker)))
    print(json.dumps(result))
