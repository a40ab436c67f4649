"""PostgreSQL goes away under a running server, then comes back: meanwhile
every call is UNAVAILABLE with RetryInfo (never INTERNAL, never a hang), and
afterwards the server works again by itself, watchers included. A
PostgreSQL of its own, since this test stops it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority_server.app import App, create_server
from sessionauthority_server.config import Settings

from .conftest import TEST_ENCRYPTION_KEY
from .helpers import Watch, details, error_reason
from .postgres import ThrowawayPostgres


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def app(own_postgres: ThrowawayPostgres) -> AsyncIterator[App]:
    url = await own_postgres.new_database()
    settings = Settings(
        database_url=url,
        encryption_key=TEST_ENCRYPTION_KEY,
        port=0,
        db_connect_timeout_seconds=2,
    )
    started = await create_server(settings, address="127.0.0.1:0")
    yield started
    await started.stop(0)


async def unavailable(call) -> float:
    """The call fails UNAVAILABLE; returns its RetryInfo delay."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE, info.value.details()
    assert error_reason(info.value) == "STORAGE_UNAVAILABLE"
    delay = details(info.value)["RetryInfo"].retry_delay  # type: ignore[attr-defined]
    return delay.seconds + delay.nanos / 1e9


async def test_database_outage_is_unavailable_then_heals(own_postgres, app):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        stub = pb_grpc.SessionServiceStub(channel)
        before = await stub.CreateSession(pb.CreateSessionRequest(subject_id="o1"))
        w = Watch(stub, subject_id="o1")
        await w.progress()

        await asyncio.to_thread(own_postgres.halt)
        try:
            calls = [
                stub.GetSession(pb.GetSessionRequest(session_id=before.session.session_id)),
                stub.CreateSession(pb.CreateSessionRequest(subject_id="o1")),
                stub.ValidateSession(
                    pb.ValidateSessionRequest(access_token=before.tokens.access_token)
                ),
                stub.ListSessions(pb.ListSessionsRequest(subject_id="o1")),
                stub.RevokeSession(pb.RevokeSessionRequest(session_id=before.session.session_id)),
            ]
            for call in calls:
                assert 0 < await asyncio.wait_for(unavailable(call), 30) <= 5
            health = health_pb2_grpc.HealthStub(channel)
            status = (await health.Check(health_pb2.HealthCheckRequest())).status
            assert status == health_pb2.HealthCheckResponse.SERVING
        finally:
            await asyncio.to_thread(own_postgres.resume)

        # Back by itself: the first calls after the restart succeed.
        got = await stub.GetSession(pb.GetSessionRequest(session_id=before.session.session_id))
        assert got.session.session_id == before.session.session_id
        after = await stub.CreateSession(pb.CreateSessionRequest(subject_id="o1"))
        await stub.RevokeSession(pb.RevokeSessionRequest(session_id=after.session.session_id))
        # The watcher that lived through it sees both, in order.
        events = [await w.event() for _ in range(2)]
        assert [e.session.session_id for e in events] == [after.session.session_id] * 2
        assert [e.type for e in events] == [
            pb.SESSION_EVENT_TYPE_CREATED,
            pb.SESSION_EVENT_TYPE_REVOKED,
        ]
        w.cancel()
