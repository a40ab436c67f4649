"""The SDK's clients against a live server: every call shape the README
shows, and each typed error with what it carries."""

from __future__ import annotations

import asyncio

import pytest
from sessionauthority import AsyncSessionAuthorityClient, SessionAuthorityClient
from sessionauthority.errors import (
    HistoryCompacted,
    InvalidArgument,
    NotFound,
    RateLimited,
    RefreshTokenReused,
    SessionAuthorityError,
    SessionRevoked,
    SubjectTerminated,
    Unauthenticated,
)
from sessionauthority.v1 import session_pb2 as spb

from .helpers import add_key


async def test_sync_client_lifecycle(h):
    def run() -> None:
        with SessionAuthorityClient(h.target) as client:
            created = client.create_session(
                "sdk-1", reference="web", metadata={"plan": "pro"}, ttl_seconds=3600
            )
            assert created.session.state == spb.SESSION_STATE_ACTIVE
            check = client.validate_session(
                created.tokens.access_token, expected_subject_id="sdk-1"
            )
            assert check.valid and check.session.metadata["plan"] == "pro"
            renewed = client.renew_session(created.tokens.refresh_token)
            assert renewed.tokens.refresh_token != created.tokens.refresh_token
            listed = client.list_sessions(subject_id="sdk-1", states=["ACTIVE"])
            assert [s.session_id for s in listed.sessions] == [created.session.session_id]
            ended = client.revoke_session(created.session.session_id, reason="LOGOUT")
            assert ended.end_reason == spb.END_REASON_LOGOUT
            with pytest.raises(SessionRevoked) as info:
                client.renew_session(renewed.tokens.refresh_token)
            assert info.value.end_reason == "LOGOUT"
            assert client.get_jwks().keys

    await asyncio.wait_for(asyncio.to_thread(run), 30)


async def test_async_client_and_typed_errors(make_server):
    h = await make_server(create_rate_per_minute=2)
    async with AsyncSessionAuthorityClient(h.target) as client:
        first = await client.create_session("sdk-2")
        renewed = await client.renew_session(first.tokens.refresh_token)
        h.clock.advance(11)  # past the reuse grace window
        with pytest.raises(RefreshTokenReused) as reused:
            await client.renew_session(first.tokens.refresh_token)
        assert reused.value.reason == "REFRESH_TOKEN_REUSED"
        with pytest.raises(SessionRevoked):
            await client.renew_session(renewed.tokens.refresh_token)

        await client.create_session("sdk-2")
        with pytest.raises(RateLimited) as limited:
            await client.create_session("sdk-2")
        assert limited.value.retry_after and 0 < limited.value.retry_after <= 60

        await client.terminate_subject("sdk-3", reason="BANNED", error_code="FRAUD-7")
        with pytest.raises(SubjectTerminated) as banned:
            await client.create_session("sdk-3")
        assert banned.value.error_code == "FRAUD-7"

        with pytest.raises(InvalidArgument) as bad:
            await client.create_session("has space")
        assert [f for f, _ in bad.value.field_violations] == ["subject_id"]
        with pytest.raises(NotFound):
            await client.get_session("ses_nope")
        # Also a grpc.RpcError, for code written against the raw stubs.
        assert isinstance(bad.value, SessionAuthorityError)
        assert bad.value.code().name == "INVALID_ARGUMENT"


async def test_watch_raises_history_compacted(make_server):
    h = await make_server(event_retention_seconds=1)
    async with AsyncSessionAuthorityClient(h.target) as client:
        await client.create_session("sdk-4")
        h.clock.advance(5)
        await h.app.store.compact()
        with pytest.raises(HistoryCompacted) as info:
            async for _ in client.watch(start_revision=1):
                pass
        assert info.value.compact_revision >= 2


async def test_api_key_option(h):
    key = (await add_key(h, "acme"))[0][1].removeprefix("Bearer ")
    async with AsyncSessionAuthorityClient(h.target) as anonymous:
        with pytest.raises(Unauthenticated) as info:
            await anonymous.create_session("sdk-5")
        assert info.value.reason == "API_KEY_MISSING"
    async with AsyncSessionAuthorityClient(h.target, api_key=key) as client:
        created = await client.create_session("sdk-5")
        seen = []
        async for event in client.watch(subject_id="sdk-5", start_revision=1):
            seen.append(event.session.session_id)
            break
        assert seen == [created.session.session_id]
