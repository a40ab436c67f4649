"""One raw-bytes load process for RPCs whose request changes per call
(RenewSession: each refresh token works once; RevokeSession: each call ends
another session). Requests are encoded by hand and replies are not decoded
(grpc's generic unary call with no serializers), so the client's own cost
per call is grpc's and little else. Prints one JSON line: count, errors,
skipped (open loop: due while every renew chain was busy),
elapsed, sorted latencies and this process's CPU seconds.

    python -m bench.raw TARGET OP CONCURRENCY SECONDS SEED_FILE WORKER_ID [RATE]

With RATE (calls/s for this process) the load is open-loop: a call is
started every 1/RATE s whether or not earlier ones have returned, and its
latency counts from when it was due, so a server that falls behind shows it.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path

import grpc

from .frames import field, string_field

PATHS = {
    "Health/Check": "/grpc.health.v1.Health/Check",
    "RenewSession": "/sessionauthority.v1.SessionService/RenewSession",
    "RevokeSession": "/sessionauthority.v1.SessionService/RevokeSession",
    "CreateSession": "/sessionauthority.v1.SessionService/CreateSession",
}
# Create/RenewSessionResponse.tokens (2), then TokenPair.refresh_token (3).
REFRESH = (2, 3)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Op:
    def __init__(self, channel: grpc.aio.Channel, name: str, seed: dict, worker: int) -> None:
        self.name = name
        self.call = channel.unary_unary(PATHS[name])
        self.create = channel.unary_unary(PATHS["CreateSession"])
        self.worker = worker
        self.revocable: list[str] = seed.get("revocable", [])
        self.refresh: list[bytes] = []  # idle refresh tokens, one per renew chain
        self.n = 0

    async def setup(self, chains: int) -> None:
        if self.name != "RenewSession":
            return
        for start in range(0, chains, 100):
            replies = await asyncio.gather(
                *(
                    self.create(string_field(1, f"raw-{self.worker}-{i}"))
                    for i in range(start, min(chains, start + 100))
                )
            )
            self.refresh += [field(r, *REFRESH) or b"" for r in replies]

    async def __call__(self) -> None:
        n, self.n = self.n, self.n + 1
        if self.name == "Health/Check":
            await self.call(b"")
        elif self.name == "RevokeSession":
            # Disjoint slices of the seeded sessions: every call ends a live one.
            sid = self.revocable[(self.worker * 2_000_000 + n) % len(self.revocable)]
            await self.call(string_field(1, sid))
        elif self.name == "RenewSession":
            token = self.refresh.pop()
            try:
                reply = await self.call(string_field(1, token))
            except grpc.aio.AioRpcError:
                self.refresh.append(token)
                raise
            self.refresh.append(field(reply, *REFRESH) or b"")
        else:
            raise ValueError(self.name)


async def run(
    target: str, name: str, conc: int, seconds: float, seed: dict, worker: int, rate: float
) -> dict[str, object]:
    # Several connections (each channel its own) when the server is several
    # processes on one port: the kernel spreads connections, not calls.
    links = 1 if rate else max(1, min(conc, int(os.environ.get("BENCH_RAW_CONNECTIONS", "1"))))
    options = [("grpc.max_concurrent_streams", 1000), ("grpc.use_local_subchannel_pool", 1)]
    channels = [grpc.aio.insecure_channel(target, options=options) for _ in range(links)]
    try:
        ops = [Op(c, name, seed, worker * links + i) for i, c in enumerate(channels)]
        for i, each in enumerate(ops):
            await each.setup(len(range(i, conc, links)))
        op = ops[0]
        latencies: list[float] = []
        errors = skipped = 0

        async def one(due: float, mine: Op = op) -> None:
            nonlocal errors
            try:
                await mine()
            except grpc.aio.AioRpcError:
                errors += 1
            latencies.append(time.perf_counter() - due)

        cpu0, start = _cpu(), time.perf_counter()
        stop_at = start + seconds
        if rate:
            # Open loop: `conc` bounds the calls in flight (one renew chain each).
            pending: set[asyncio.Task[None]] = set()
            k = 0
            while (due := start + k / rate) < stop_at:
                if (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                k += 1
                # Calls not yet done, not tokens left: tasks made in one go
                # (behind schedule) have not taken theirs yet.
                if name == "RenewSession" and len(pending) >= conc:
                    skipped += 1  # every chain busy: the server is past this rate
                    continue
                task = asyncio.create_task(one(due))
                pending.add(task)
                task.add_done_callback(pending.discard)
            await asyncio.gather(*pending)
        else:

            async def client(mine: Op) -> None:
                while (t0 := time.perf_counter()) < stop_at:
                    await one(t0, mine)

            await asyncio.gather(*(client(ops[j % links]) for j in range(conc)))
        elapsed = time.perf_counter() - start
        cpu = _cpu() - cpu0
    finally:
        for c in channels:
            await c.close()
    latencies.sort()
    return {
        "count": len(latencies),
        "errors": errors,
        "skipped": skipped,
        "elapsed": elapsed,
        "cpu_s": cpu,
        "lat": latencies,
    }


if __name__ == "__main__":
    target, op, conc, seconds, seed_file, worker = sys.argv[1:7]
    rate = float(sys.argv[7]) if len(sys.argv) > 7 else 0.0
    seed = json.loads(Path(seed_file).read_text()) if seed_file != "-" else {}
    result = asyncio.run(run(target, op, int(conc), float(seconds), seed, int(worker), rate))
    print(json.dumps(result))
