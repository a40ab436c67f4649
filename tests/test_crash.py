"""kill -9 during a burst of creates: after a restart every acknowledged
session is there with its CREATED event, and retries of the same request_id
return the same session (also for calls whose answer was lost)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc

WAIT = 20.0


async def start_server(db: Path) -> tuple[asyncio.subprocess.Process, str]:
    env = {
        **os.environ,
        "SESSION_AUTHORITY_CREATE_RATE_PER_MINUTE": "1000000",
        "SESSION_AUTHORITY_CREATE_RATE_PER_DAY": "1000000",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sessionauthority_server.cli",
        "serve",
        "--port",
        "0",
        "--database-url",
        f"sqlite:///{db}",
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), WAIT)).decode()
    match = re.search(r"serving on (\S+):(\d+)", line)
    assert match, line
    return proc, f"127.0.0.1:{match.group(2)}"


async def test_kill_9_during_creates_loses_nothing_acknowledged(tmp_path):
    db = tmp_path / "crash.db"
    proc, target = await start_server(db)
    acked: dict[str, str] = {}  # request_id -> session_id
    attempted: list[str] = []
    enough = asyncio.Event()

    async def client(n: int) -> None:
        async with grpc.aio.insecure_channel(target) as channel:
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
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    await asyncio.wait_for(asyncio.gather(*clients), WAIT)

    proc, target = await start_server(db)
    try:
        async with grpc.aio.insecure_channel(target) as channel:
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
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), WAIT) == 0  # SIGTERM drains and exits 0

    with sqlite3.connect(db) as conn:
        created = {
            row[0] for row in conn.execute("SELECT session_id FROM events WHERE type = 'CREATED'")
        }
    assert set(acked.values()) <= created
    assert len(acked) >= 150
