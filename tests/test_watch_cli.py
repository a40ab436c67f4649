"""`session-authority watch` as a user runs it: a separate process printing
one line per event, resuming by itself across a server restart."""

from __future__ import annotations

import asyncio
import json
import sys

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority_server.app import create_server
from sessionauthority_server.config import Settings

from .conftest import backend_settings
from .helpers import create

WAIT = 10.0


async def read_line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), WAIT)
    assert line, "watch exited"
    return line.decode()


async def spawn_watch(target: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sessionauthority_server.cli",
        "watch",
        "--target",
        target,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_watch_cli_prints_events_and_resumes_after_restart(h):
    first = await create(h, subject="cli-user")
    proc = await spawn_watch(h.target, "--json", "--from-revision", str(first.session.revision))
    try:
        doc = json.loads(await read_line(proc))
        assert doc["type"] == "SESSION_EVENT_TYPE_CREATED"
        assert doc["session"]["session_id"] == first.session.session_id
        assert int(doc["revision"]) == first.session.revision

        # Restart the server on the same port and database; a change made
        # while it was down is not lost, and the CLI picks up where it was.
        await h.app.stop(1)
        port = h.app.port
        settings = Settings(
            database_url=h.database_url, port=port, **backend_settings(h.database_url)
        )
        app = await create_server(settings, address=f"127.0.0.1:{port}")
        try:
            async with grpc.aio.insecure_channel(h.target) as channel:
                stub = pb_grpc.SessionServiceStub(channel)
                revoked = await stub.RevokeSession(
                    pb.RevokeSessionRequest(session_id=first.session.session_id)
                )
                doc = json.loads(await read_line(proc))
                assert doc["type"] == "SESSION_EVENT_TYPE_REVOKED"
                assert int(doc["revision"]) == revoked.session.revision
        finally:
            await app.stop(1)
    finally:
        proc.terminate()
        await proc.wait()
    assert proc.stderr is not None
    assert b"reconnecting (UNAVAILABLE)" in await proc.stderr.read()


async def test_watch_cli_human_readable(h):
    proc = await spawn_watch(h.target, "--subject", "alice", "--from-revision", "1")
    try:
        s = await create(h, subject="alice", reference="web")
        line = await read_line(proc)
        assert "CREATED" in line and s.session.session_id in line and "reference=web" in line
        await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=s.session.session_id))
        line = await read_line(proc)
        assert "REVOKED" in line and "LOGOUT" in line
    finally:
        proc.terminate()
        await proc.wait()
