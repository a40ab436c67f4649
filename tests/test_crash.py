"""kill -9 during a burst of creates: after a restart every acknowledged
session is there with its CREATED event, and retries of the same request_id
return the same session (also for calls whose answer was lost)."""

from __future__ import annotations

import asyncio

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc

from .conftest import backend_settings
from .invariants import connect, execute
from .processes import WAIT, start_server

LIMITS_OFF = {"create_rate_per_minute": "0", "create_rate_per_day": "0"}


async def test_kill_9_during_creates_loses_nothing_acknowledged(database_url):
    settings = {**LIMITS_OFF, **backend_settings(database_url)}
    server = await start_server(database_url, **settings)
    acked: dict[str, str] = {}  # request_id -> session_id
    attempted: list[str] = []
    enough = asyncio.Event()

    async def client(n: int) -> None:
        async with grpc.aio.insecure_channel(server.target) as channel:
            stub = pb_grpc.SessionServiceStub(channel)
            i = 0
            while True:
                rid = f"c{n}-{i}"
                attempted.append(rid)
                try:
                    r = await stub.CreateSession(
                        pb.CreateSessionRequest(
                            subject_id=f"crash-{n}", reference=rid, request_id=rid
                        ),
                        timeout=5,
                    )
                except grpc.aio.AioRpcError:
                    return  # the server died under us
                acked[rid] = r.session.session_id
                if len(acked) >= 150:
                    enough.set()
                i += 1

    clients = [asyncio.create_task(client(n)) for n in range(4)]
    await asyncio.wait_for(enough.wait(), WAIT)
    await server.kill()
    await asyncio.wait_for(asyncio.gather(*clients), WAIT)

    server = await start_server(database_url, **settings)
    try:
        async with grpc.aio.insecure_channel(server.target) as channel:
            stub = pb_grpc.SessionServiceStub(channel)
            for rid, sid in acked.items():
                got = await stub.GetSession(pb.GetSessionRequest(session_id=sid))
                assert got.session.reference == rid
            # Retrying every attempt: acknowledged ones answer with the first
            # session; lost answers resolve to exactly one session either way.
            for rid in attempted:
                n = rid.split("-")[0][1:]
                r = await stub.CreateSession(
                    pb.CreateSessionRequest(subject_id=f"crash-{n}", reference=rid, request_id=rid)
                )
                if rid in acked:
                    assert r.session.session_id == acked[rid]
                listed = await stub.ListSessions(
                    pb.ListSessionsRequest(subject_id=f"crash-{n}", reference=rid)
                )
                assert [s.session_id for s in listed.sessions] == [r.session.session_id]
    finally:
        assert await server.stop() == 0  # SIGTERM drains and exits 0

    with connect(database_url) as conn:
        created = {
            row[0] for row in execute(conn, "SELECT session_id FROM events WHERE type = 'CREATED'")
        }
    assert set(acked.values()) <= created
    assert len(acked) >= 150
