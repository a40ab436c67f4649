"""One watcher process: opens N WatchSessions streams (from now), prints
"ready" once every stream has its first progress, then records when each
event arrives (wall clock). A line on stdin names the last revision to
expect; once every stream has it (or 10 s pass) it prints JSON
{revision: [arrival times]}.

    python -m bench.watchers TARGET N
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections import defaultdict

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc


async def main(target: str, n: int) -> None:
    arrivals: dict[int, list[float]] = defaultdict(list)
    last_seen = [0] * n
    caught_up = asyncio.Event()
    last = [2**62]
    # A connection per 50 streams (each channel its own): a server of several
    # workers gets them spread over its processes, as many clients would.
    options = [("grpc.use_local_subchannel_pool", 1)]
    channels = [grpc.aio.insecure_channel(target, options=options) for _ in range(max(1, n // 50))]
    streams = [
        pb_grpc.SessionServiceStub(channels[i % len(channels)]).WatchSessions(
            pb.WatchSessionsRequest()
        )
        for i in range(n)
    ]
    for s in streams:
        await s.read()  # the first progress: registered

    async def reader(i: int, stream: grpc.aio.UnaryStreamCall) -> None:  # type: ignore[type-arg]
        with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
            while True:
                msg = await stream.read()
                if msg is grpc.aio.EOF:
                    return
                if msg.HasField("event"):
                    arrivals[msg.event.revision].append(time.time())
                    last_seen[i] = msg.event.revision
                    if min(last_seen) >= last[0]:
                        caught_up.set()

    tasks = [asyncio.create_task(reader(i, s)) for i, s in enumerate(streams)]
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    last[0] = int(line.strip() or 0)
    if min(last_seen) < last[0]:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(caught_up.wait(), 10)
    for s in streams:
        s.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for c in channels:
        await c.close()
    print(json.dumps(arrivals), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
