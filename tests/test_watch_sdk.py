"""The Python SDK's resuming watch, against a real server: history then live
events exactly once, and a silent stream treated as cut off and resumed.
(Resuming after the server goes away is tested through the CLI.)"""

from __future__ import annotations

import asyncio

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority.watch import watch

from .helpers import create


class Stop(Exception):
    pass


async def test_silent_stream_is_cancelled_and_resumed(make_server):
    # Progress only every 60 s: the SDK, told 0.5 s of silence is too much,
    # must cut the stream and come back at the revision it had reached.
    h = await make_server(watch_progress_interval_seconds=60)
    first = await create(h)
    reconnects: list[tuple[grpc.StatusCode, int]] = []

    def on_reconnect(error: grpc.RpcError, next_revision: int) -> None:
        reconnects.append((error.code(), next_revision))  # type: ignore[attr-defined]
        if len(reconnects) == 2:
            raise Stop

    def run() -> list[int]:
        with grpc.insecure_channel(h.target) as channel:
            stub = pb_grpc.SessionServiceStub(channel)
            seen = []
            try:
                for event in watch(
                    stub, start_revision=1, idle_timeout_seconds=0.5, on_reconnect=on_reconnect
                ):
                    seen.append(event.revision)
            except Stop:
                pass
            return seen

    seen = await asyncio.wait_for(asyncio.to_thread(run), 30)
    assert seen == [first.session.revision]  # once, though it connected three times
    assert reconnects == [(grpc.StatusCode.CANCELLED, first.session.revision + 1)] * 2


async def test_history_then_live_exactly_once(h):
    made = [await create(h, subject=f"sdk{i}") for i in range(30)]

    def run() -> list[int]:
        with grpc.insecure_channel(h.target) as channel:
            stub = pb_grpc.SessionServiceStub(channel)
            seen = []
            for event in watch(stub, start_revision=1):
                seen.append(event.revision)
                if len(seen) == len(made) + 1:
                    return seen
        return seen

    thread = asyncio.create_task(asyncio.wait_for(asyncio.to_thread(run), 30))
    last = await h.sessions.RevokeSession(
        pb.RevokeSessionRequest(session_id=made[0].session.session_id)
    )
    seen = await thread
    assert seen == [m.session.revision for m in made] + [last.session.revision]
