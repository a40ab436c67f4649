"""Two `serve` processes on one throwaway PostgreSQL, as operators run
replicas: concurrent writers on both replay identically from either, one
request_id sent to both at once makes one session, and a watcher whose
replica is killed with -9 resumes on the other with no gap and no
duplicate."""

from __future__ import annotations

import asyncio
import random
import threading

import grpc
import psycopg
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority.watch import watch

from .conftest import TEST_ENCRYPTION_KEY
from .helpers import Watch
from .processes import ServerProcess, start_server

SETTINGS = {
    "encryption_key": TEST_ENCRYPTION_KEY,
    "create_rate_per_minute": "0",
    "create_rate_per_day": "0",
}


async def two_replicas(postgres) -> tuple[str, list[ServerProcess]]:
    url = await postgres.new_database()
    first = await start_server(url, **SETTINGS)  # migrates; the second finds head
    return url, [first, await start_server(url, **SETTINGS)]


async def stop_all(replicas: list[ServerProcess]) -> None:
    for r in replicas:
        if r.proc.returncode is None:
            assert await r.stop() == 0


async def test_concurrent_writers_on_both_replay_identically(postgres):
    url, replicas = await two_replicas(postgres)
    channels = [grpc.aio.insecure_channel(r.target) for r in replicas]
    stubs = [pb_grpc.SessionServiceStub(c) for c in channels]
    try:

        async def writer(n: int) -> None:
            rng = random.Random(n)
            for i in range(15):
                r = await stubs[rng.randrange(2)].CreateSession(
                    pb.CreateSessionRequest(subject_id=f"w{n % 3}", reference=f"{n}-{i}")
                )
                if i % 3 == 0:
                    await stubs[rng.randrange(2)].RevokeSession(
                        pb.RevokeSessionRequest(session_id=r.session.session_id)
                    )

        async def same_request_on_both(i: int) -> set[str]:
            request = pb.CreateSessionRequest(subject_id="rid", request_id=f"both-{i}")
            answers = await asyncio.gather(*(s.CreateSession(request) for s in stubs))
            return {a.session.session_id for a in answers}

        results = await asyncio.gather(
            *(writer(n) for n in range(6)), *(same_request_on_both(i) for i in range(8))
        )
        for one_session in results[6:]:
            assert isinstance(one_session, set) and len(one_session) == 1

        async with await psycopg.AsyncConnection.connect(url) as conn:
            cur = await conn.execute(
                "SELECT revision, session_id, type FROM events ORDER BY revision"
            )
            table = [(rev, sid, t) for rev, sid, t in await cur.fetchall()]
        assert [rev for rev, _, _ in table] == list(range(1, len(table) + 1))  # no gap
        assert len(table) == 6 * 15 + 6 * 5 + 8  # creates, revokes, one per request_id
        for stub in stubs:
            w = Watch(stub, start_revision=1)
            events = [await w.event() for _ in range(len(table))]
            w.cancel()
            replayed = [
                (e.revision, e.session.session_id, pb.SessionEventType.Name(e.type)) for e in events
            ]
            assert replayed == [(rev, sid, f"SESSION_EVENT_TYPE_{t}") for rev, sid, t in table]
    finally:
        for c in channels:
            await c.close()
        await stop_all(replicas)


async def test_kill_9_during_a_watch_resumes_on_the_other_replica(postgres):
    _, (a, b) = await two_replicas(postgres)
    port_a, port_b = a.target.rsplit(":", 1)[1], b.target.rsplit(":", 1)[1]
    on_b = grpc.aio.insecure_channel(b.target)
    writes = pb_grpc.SessionServiceStub(on_b)
    expected: list[int] = []
    seen: list[int] = []
    first_five = asyncio.Event()
    loop = asyncio.get_running_loop()
    giving_up = threading.Event()

    def on_reconnect(error: grpc.RpcError, next_revision: int) -> None:
        if giving_up.is_set():  # the test failed: let the thread end
            raise RuntimeError("test over")

    def watcher() -> None:
        # pick_first: the stream goes to A while A lives, then to B.
        target = f"ipv4:127.0.0.1:{port_a},127.0.0.1:{port_b}"
        with grpc.insecure_channel(target) as channel:
            stub = pb_grpc.SessionServiceStub(channel)
            for event in watch(stub, start_revision=1, subject_id="k9", on_reconnect=on_reconnect):
                seen.append(event.revision)
                if len(seen) == 5:
                    loop.call_soon_threadsafe(first_five.set)
                if len(seen) == 10:
                    return

    try:
        watching = asyncio.create_task(asyncio.to_thread(watcher))
        for _ in range(5):
            r = await writes.CreateSession(pb.CreateSessionRequest(subject_id="k9"))
            expected.append(r.session.revision)
        await asyncio.wait_for(first_five.wait(), 20)
        await a.kill()
        for _ in range(5):
            r = await writes.CreateSession(pb.CreateSessionRequest(subject_id="k9"))
            expected.append(r.session.revision)
        await asyncio.wait_for(watching, 30)
        assert seen == expected  # every event once, in order, across the kill
    finally:
        giving_up.set()
        await on_b.close()
        await stop_all([b])
