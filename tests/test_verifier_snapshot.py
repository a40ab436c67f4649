"""The server's half of the verifier protocol: the snapshot of ended
sessions at one revision (ListEndedSessions), watches narrowed by event
type, GetJwks saying what the caller's tenant's tokens carry, and the
resume hint of a stream that is still replaying when the server stops."""

from __future__ import annotations

import asyncio

import grpc
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import WAIT, Watch, add_key, create, details, expect_error, meta, violated_fields

FAST = {"create_rate_per_minute": 100_000, "create_rate_per_day": 1_000_000}


async def _revoke(h, session_id: str, metadata=()) -> pb.RevokeSessionResponse:
    return await h.sessions.RevokeSession(
        pb.RevokeSessionRequest(session_id=session_id), metadata=metadata
    )


async def _page(h, size: int = 0, token: str = "", metadata=()) -> pb.ListEndedSessionsResponse:
    return await h.sessions.ListEndedSessions(
        pb.ListEndedSessionsRequest(page_size=size, page_token=token), metadata=metadata
    )


async def test_snapshot_pages_share_one_revision_and_nothing_moves_between_pages(make_server):
    h = await make_server(**FAST)
    ended = []
    for i in range(5):
        r = await create(h, subject=f"s-{i}")
        ended.append((await _revoke(h, r.session.session_id)).session.session_id)
    live = await create(h, subject="still-live")
    first = await _page(h, size=2)
    assert len(first.sessions) == 2 and first.next_page_token
    assert first.revision == await h.app.store.current_revision()
    # Ends after the snapshot's revision: the watch from revision + 1 has it,
    # so no page may.
    late = await _revoke(h, live.session.session_id)
    assert late.session.revision > first.revision
    seen = [s.session_id for s in first.sessions]
    page = first
    while page.next_page_token:
        page = await _page(h, size=2, token=page.next_page_token)
        assert page.revision == first.revision
        assert page.since == first.since
        seen += [s.session_id for s in page.sessions]
    assert sorted(seen) == sorted(ended)
    assert all(s.state == spb.SESSION_STATE_REVOKED for s in first.sessions)
    assert all(s.end_reason == spb.END_REASON_LOGOUT for s in first.sessions)


async def test_snapshot_leaves_out_what_ended_before_any_token_could_live(make_server):
    h = await make_server(access_token_ttl_seconds=60, **FAST)
    old = await create(h, subject="old")
    await _revoke(h, old.session.session_id)
    h.clock.advance(60 + 61)  # past the token lifetime and the clock-skew margin
    recent = await create(h, subject="recent")
    await _revoke(h, recent.session.session_id)
    page = await _page(h)
    assert [s.session_id for s in page.sessions] == [recent.session.session_id]
    assert not page.next_page_token


async def test_snapshot_page_tokens_are_bound_to_the_tenant(make_server):
    h = await make_server(**FAST)
    a = await add_key(h, "tenant-a")
    b = await add_key(h, "tenant-b")
    for i in range(3):
        r = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id=f"a-{i}"), metadata=a)
        await _revoke(h, r.session.session_id, a)
    page = await _page(h, size=1, metadata=a)
    assert page.next_page_token
    assert (await _page(h, metadata=b)).sessions == []  # B sees none of A's
    for token, who in ((page.next_page_token, b), ("eyJyIjogMSwgInMiOiAiIn0", a)):
        err = await expect_error(
            _page(h, size=1, token=token, metadata=who), grpc.StatusCode.INVALID_ARGUMENT
        )
        assert violated_fields(err) == ["page_token"]
    err = await expect_error(_page(h, size=-1, metadata=a), grpc.StatusCode.INVALID_ARGUMENT)
    assert violated_fields(err) == ["page_size"]


async def test_a_watch_by_type_hears_only_those_types_and_progress_still_flows(make_server):
    h = await make_server(watch_progress_interval_seconds=0.2, **FAST)
    ending = [pb.SESSION_EVENT_TYPE_REVOKED, pb.SESSION_EVENT_TYPE_TERMINATED]
    start = await h.app.store.current_revision() + 1
    history = await create(h, subject="h")
    await _revoke(h, history.session.session_id)
    replay = Watch(h.sessions, start_revision=start, event_types=ending)
    live = Watch(h.sessions, event_types=ending)
    assert await live.progress() >= start
    r = await create(h, subject="x")
    await h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=r.tokens.refresh_token))
    await _revoke(h, r.session.session_id)
    live_event = await live.event()
    assert (live_event.type, live_event.session.session_id) == (
        pb.SESSION_EVENT_TYPE_REVOKED,
        r.session.session_id,
    )
    got = await replay.events(2)
    assert [e.type for e in got] == [pb.SESSION_EVENT_TYPE_REVOKED] * 2
    assert [e.session.session_id for e in got] == [
        history.session.session_id,
        r.session.session_id,
    ]
    # Idle, the stream still gets progress marks past what it filtered out.
    assert await live.progress() >= live_event.revision
    # Indexed by type: the hub offers a create to no stream that asked for endings.
    subs = h.app.hub._index
    assert all(key[3] in ("REVOKED", "TERMINATED") for key in subs)
    replay.cancel()
    live.cancel()


async def test_a_watch_with_an_unknown_event_type_is_invalid(make_server):
    h = await make_server()
    err = await Watch(h.sessions, event_types=[99]).error()
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(err) == ["event_types"]


async def test_jwks_says_the_callers_issuer_audience_and_tenant(make_server):
    h = await make_server()
    a = await add_key(h, "tenant-a")
    jwks = await h.sessions.GetJwks(pb.GetJwksRequest(), metadata=a)
    assert (jwks.issuer, jwks.audience, jwks.tenant) == (
        "session-authority",
        "session-authority:tenant-a",
        "tenant-a",
    )


async def test_a_stream_still_replaying_at_shutdown_resumes_after_what_it_received(make_server):
    h = await make_server(**FAST)
    start = await h.app.store.current_revision() + 1
    # Enough history that the replay cannot fit in the transport's buffers.
    await asyncio.gather(
        *(create(h, subject=f"r-{i}", metadata=meta(pad="x" * 4000)) for i in range(400))
    )
    head = await h.app.store.current_revision()
    w = Watch(h.sessions, start_revision=start)
    assert await w.progress() == start - 1
    last = (await w.event()).revision
    stopping = asyncio.create_task(h.app.stop(5))
    err = None
    try:
        while True:
            msg = await asyncio.wait_for(w.call.read(), WAIT)
            assert msg is not grpc.aio.EOF
            if msg.WhichOneof("kind") == "event":
                last = msg.event.revision
    except grpc.aio.AioRpcError as exc:
        err = exc
    await stopping
    assert err is not None and err.code() == grpc.StatusCode.UNAVAILABLE
    assert last < head, "the replay finished before the stop: nothing was tested"
    info = details(err)["ErrorInfo"]
    assert info.reason == "SERVER_SHUTTING_DOWN"
    assert info.metadata["resume_revision"] == str(last + 1)
