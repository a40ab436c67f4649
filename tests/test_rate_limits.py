"""Create rate limits (token buckets in the database) and the per-subject
session cap, through the real gRPC surface; then the limits across two
server processes on one PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys

import grpc
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc

from .conftest import TEST_ENCRYPTION_KEY
from .helpers import (
    WAIT,
    Watch,
    add_key,
    create,
    details,
    error_reason,
    expect_error,
)
from .processes import start_server

EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED


def limit_of(err: grpc.aio.AioRpcError) -> tuple[str, str, float]:
    """(scope, window, retry-after seconds) of a RATE_LIMITED error."""
    assert error_reason(err) == "RATE_LIMITED"
    found = details(err)
    meta = found["ErrorInfo"].metadata  # type: ignore[attr-defined]
    delay = found["RetryInfo"].retry_delay  # type: ignore[attr-defined]
    return meta["scope"], meta["window"], delay.seconds + delay.nanos / 1e9


async def test_a_bucket_refills_one_create_at_a_time(make_server):
    h = await make_server(create_rate_per_minute=3)
    for _ in range(3):
        await create(h)
    # Refused creates take nothing from the bucket: the wait stays the same.
    waits = []
    for _ in range(5):
        scope, window, retry = limit_of(await expect_error(create(h), EXHAUSTED))
        assert (scope, window) == ("subject", "minute")
        waits.append(retry)
    assert 19 < waits[-1] <= 20  # one create's worth of a 60 s / 3 bucket
    h.clock.advance(waits[-1])
    await create(h)  # one create came back, not a whole new window
    await expect_error(create(h), EXHAUSTED)
    await create(h, subject="someone-else")
    listed = await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="user-1"))
    assert len(listed.sessions) == 4


async def test_one_caller_cannot_lock_a_subject_out_for_another(h):
    attacker = await add_key(h, "acme")
    login_service = await add_key(h, "acme")
    request = pb.CreateSessionRequest(subject_id="victim")
    for _ in range(60):  # CREATE_RATE_PER_MINUTE's default
        await h.sessions.CreateSession(request, metadata=attacker)
    await expect_error(h.sessions.CreateSession(request, metadata=attacker), EXHAUSTED)
    r = await h.sessions.CreateSession(request, metadata=login_service)
    assert r.tokens.access_token


async def test_per_caller_limit(make_server):
    h = await make_server(caller_create_rate_per_minute=4)
    busy = await add_key(h, "acme")
    other = await add_key(h, "acme")
    for i in range(4):
        await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id=f"u{i}"), metadata=busy)
    err = await expect_error(
        h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="u9"), metadata=busy),
        EXHAUSTED,
    )
    scope, window, retry = limit_of(err)
    assert (scope, window) == ("caller", "minute") and 0 < retry <= 15
    await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="u9"), metadata=other)


async def test_global_limit(make_server):
    h = await make_server(global_create_rate_per_minute=3)
    for i in range(3):
        await create(h, subject=f"u{i}")
    scope, _, _ = limit_of(await expect_error(create(h, subject="u9"), EXHAUSTED))
    assert scope == "global"


async def test_one_session_too_many_ends_the_oldest_as_superseded(make_server):
    h = await make_server(max_sessions_per_subject=2)
    first = await create(h, pending=True)
    second = await create(h)
    await create(h, subject="someone-else")
    w = Watch(h.sessions, subject_id="user-1")
    await w.progress()

    third = await create(h)
    ended = await w.event()
    assert ended.type == pb.SESSION_EVENT_TYPE_REVOKED
    assert ended.session.session_id == first.session.session_id
    assert ended.session.end_reason == spb.END_REASON_SUPERSEDED
    assert (await w.event()).session.session_id == third.session.session_id  # its CREATED
    reason = error_reason(
        await expect_error(
            h.sessions.StartSession(pb.StartSessionRequest(handoff_code=first.handoff_code)),
            grpc.StatusCode.NOT_FOUND,
        )
    )
    assert reason == "HANDOFF_CODE_INVALID"

    # Reusing a live session adds none, so it ends none.
    await create(h, reference="", reuse_existing=True)
    await create(h)
    err = await expect_error(
        h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=second.tokens.refresh_token)),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert error_reason(err) == "SESSION_REVOKED"
    listed = await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="user-1"))
    live = [s for s in listed.sessions if s.state == spb.SESSION_STATE_ACTIVE]
    assert len(live) == 2
    other = await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="someone-else"))
    assert [s.state for s in other.sessions] == [spb.SESSION_STATE_ACTIVE]
    w.cancel()


async def _new_key(database_url: str, tenant: str) -> list[tuple[str, str]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sessionauthority_server.cli",
        "api-keys",
        "--database-url",
        database_url,
        "create",
        "--tenant",
        tenant,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "SESSION_AUTHORITY_ENCRYPTION_KEY": TEST_ENCRYPTION_KEY},
    )
    out, _ = await asyncio.wait_for(proc.communicate(), WAIT * 4)
    assert proc.returncode == 0
    return [("authorization", f"Bearer {out.decode().splitlines()[-1]}")]


async def test_limits_hold_across_two_server_processes(postgres):
    """Two replicas on one PostgreSQL share every bucket: concurrent creates
    on both get exactly the limit through, no more."""
    url = await postgres.new_database()
    key = await _new_key(url, "acme")
    settings = {
        "encryption_key": TEST_ENCRYPTION_KEY,
        "create_rate_per_minute": "5",
        "caller_create_rate_per_minute": "12",
    }
    replicas = [await start_server(url, **settings) for _ in range(2)]
    channels = [grpc.aio.insecure_channel(r.target) for r in replicas]
    stubs = [pb_grpc.SessionServiceStub(c) for c in channels]
    try:

        async def attempt(i: int, subject: str) -> bool:
            try:
                await stubs[i % 2].CreateSession(
                    pb.CreateSessionRequest(subject_id=subject), metadata=key, timeout=WAIT
                )
                return True
            except grpc.aio.AioRpcError as err:
                assert err.code() == EXHAUSTED, err
                return False

        same_subject = await asyncio.gather(*(attempt(i, "shared") for i in range(16)))
        assert sum(same_subject) == 5
        # 7 of the caller's 12 are left, whichever replica the calls reach.
        spread = await asyncio.gather(*(attempt(i, f"s{i}") for i in range(16)))
        assert sum(spread) == 7
    finally:
        for c in channels:
            await c.close()
        for r in replicas:
            assert await r.stop() == 0
