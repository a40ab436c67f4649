"""WatchSessions end to end: the first progress, live events, history from a
revision, filters, compaction, slow consumers, fan-out, expiry, shutdown."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import duration_pb2, struct_pb2
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority.v1 import subject_service_pb2 as sub_pb

from .helpers import WAIT, Watch, create, details, error_reason, expect_error, violated_fields

T = pb.SessionEventType


async def test_first_message_is_progress_then_live_events(h):
    before = await create(h)
    w = Watch(h.sessions)
    assert await w.progress() == before.session.revision

    created = await create(h, subject="alice")
    revoked = await h.sessions.RevokeSession(
        pb.RevokeSessionRequest(session_id=created.session.session_id)
    )

    e1, e2 = await w.events(2)
    assert (e1.type, e1.revision) == (T.SESSION_EVENT_TYPE_CREATED, created.session.revision)
    assert e1.session.subject_id == "alice"
    assert e1.occur_time.seconds > 0
    assert (e2.type, e2.revision) == (T.SESSION_EVENT_TYPE_REVOKED, revoked.session.revision)
    assert e2.session == revoked.session
    w.cancel()


async def test_every_change_type_is_one_event(h):
    w = Watch(h.sessions)
    await w.progress()
    pending = await create(h, pending=True)
    started = await h.sessions.StartSession(
        pb.StartSessionRequest(handoff_code=pending.handoff_code)
    )
    renewed = await h.sessions.RenewSession(
        pb.RenewSessionRequest(refresh_token=started.tokens.refresh_token)
    )
    sid = pending.session.session_id
    await h.sessions.UpdateSessionMetadata(pb.UpdateSessionMetadataRequest(session_id=sid))
    other = await create(h, subject="user-2", ttl=duration_pb2.Duration(seconds=60))
    await h.subjects.TerminateSubject(
        sub_pb.TerminateSubjectRequest(
            subject_id="user-1", reason=sub_pb.TERMINATION_REASON_BANNED, error_code="E1"
        )
    )
    h.clock.advance(61)
    types = [e.type for e in await w.events(6)]
    assert types == [
        T.SESSION_EVENT_TYPE_CREATED,
        T.SESSION_EVENT_TYPE_STARTED,
        T.SESSION_EVENT_TYPE_RENEWED,
        T.SESSION_EVENT_TYPE_METADATA_UPDATED,
        T.SESSION_EVENT_TYPE_CREATED,
        T.SESSION_EVENT_TYPE_TERMINATED,
    ]
    expired = await w.event()  # written by the reaper, no RPC touches it
    assert expired.type == T.SESSION_EVENT_TYPE_EXPIRED
    assert expired.session.session_id == other.session.session_id
    assert renewed.session.revision < expired.revision
    w.cancel()


async def test_filters(make_server):
    # Progress comes when a stream is idle; make it come soon.
    h = await make_server(watch_progress_interval_seconds=0.2)
    a = await create(h, subject="alice", reference="web")
    by_subject = Watch(h.sessions, subject_id="alice")
    by_session = Watch(h.sessions, session_id=a.session.session_id)
    by_reference = Watch(h.sessions, reference="web")
    for w in (by_subject, by_session, by_reference):
        await w.progress()
    b = await create(h, subject="bob", reference="web")
    await create(h, subject="alice", reference="app")
    await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=a.session.session_id))
    await create(h, subject="carol")  # matches nobody: the end marker below
    marker = await h.sessions.RevokeSessions(pb.RevokeSessionsRequest(subject_id="carol"))
    assert marker.revoked_count == 1

    async def until_marker(w: Watch, last: int) -> list[tuple[str, int]]:
        seen = []
        while True:
            msg = await w.next()
            if msg.WhichOneof("kind") == "event":
                seen.append((msg.event.session.subject_id, msg.event.type))
            elif msg.progress.revision >= last:
                return seen

    last = await h.app.store.current_revision()
    created, revoked = T.SESSION_EVENT_TYPE_CREATED, T.SESSION_EVENT_TYPE_REVOKED
    assert await until_marker(by_subject, last) == [("alice", created), ("alice", revoked)]
    assert await until_marker(by_session, last) == [("alice", revoked)]
    assert await until_marker(by_reference, last) == [("bob", created), ("alice", revoked)]
    assert b.session.reference == "web"
    for w in (by_subject, by_session, by_reference):
        w.cancel()


async def test_history_then_live_without_gap_or_duplicate(h):
    made = [await create(h, subject=f"u{i}") for i in range(5)]
    start = made[2].session.revision
    w = Watch(h.sessions, start_revision=start)
    assert await w.progress() == start - 1  # a bookmark: nothing at or below it is due
    history = await w.events(3)
    assert [e.revision for e in history] == [m.session.revision for m in made[2:]]
    caught_up = await w.progress()
    assert caught_up == made[-1].session.revision
    live = await create(h, subject="u5")
    assert (await w.event()).revision == live.session.revision
    w.cancel()


async def test_start_revision_one_past_the_head_waits_for_it(h):
    # head + 1 is what a client resumes with after receiving the head.
    now = await h.app.store.current_revision()
    w = Watch(h.sessions, start_revision=now + 1)
    assert await w.progress() == now
    await create(h, subject="next")
    assert (await w.event()).revision == now + 1
    w.cancel()


async def test_start_revision_beyond_the_head_is_revision_ahead(h):
    # A resume from a revision this database never reached (restored from a
    # backup) used to answer progress at the lower head and drop every new
    # event below the request.
    await create(h)
    now = await h.app.store.current_revision()
    w = Watch(h.sessions, start_revision=now + 2)
    err = await w.error()
    assert err.code() == grpc.StatusCode.OUT_OF_RANGE
    info = details(err)["ErrorInfo"]
    assert info.reason == "REVISION_AHEAD"
    assert info.metadata["head_revision"] == str(now)
    assert info.metadata["start_revision"] == str(now + 2)


async def test_bad_watch_requests(h):
    w = Watch(h.sessions, start_revision=-1, subject_id="has space")
    err = await w.error()
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violated_fields(err)) == {"start_revision", "subject_id"}


async def test_compacted_history_is_out_of_range(make_server):
    h = await make_server(event_retention_seconds=60)
    first = await create(h)
    await create(h)
    h.clock.advance(120)
    third = await create(h)
    compact = await h.app.store.compact()  # what the reaper runs every minute
    assert compact == third.session.revision

    w = Watch(h.sessions, start_revision=first.session.revision)
    assert await w.progress() == first.session.revision - 1
    err = await w.error()
    assert err.code() == grpc.StatusCode.OUT_OF_RANGE
    info = details(err)["ErrorInfo"]
    assert info.reason == "REVISION_COMPACTED"
    assert info.metadata["compact_revision"] == str(compact)

    # Resuming at the compact revision works.
    w = Watch(h.sessions, start_revision=compact)
    await w.progress()
    assert (await w.event()).revision == third.session.revision
    w.cancel()


async def test_slow_consumer_is_ended_and_others_get_everything(make_server):
    h = await make_server(watch_queue_size=32)
    # No window growth: the slow client's HTTP/2 window stays small, so the
    # server soon has to hold messages it cannot send.
    slow_channel = grpc.aio.insecure_channel(h.target, options=[("grpc.http2.bdp_probe", 0)])
    slow = Watch(pb_grpc.SessionServiceStub(slow_channel))
    fast = Watch(h.sessions)
    start = await slow.progress()
    assert await fast.progress() == start
    big = struct_pb2.Struct()
    big.update({"blob": "x" * 15_000})
    n = 300

    async def writer() -> None:
        for i in range(n):
            await create(h, subject=f"s{i}", metadata=big)

    async def reader() -> list[int]:
        return [(await fast.event()).revision for _ in range(n)]

    got, _ = await asyncio.gather(reader(), writer())
    assert got == list(range(start + 1, start + n + 1))

    # The slow one, which read nothing, was ended rather than skipped.
    delivered = []
    with pytest.raises(grpc.aio.AioRpcError) as info:
        while True:
            msg = await asyncio.wait_for(slow.call.read(), WAIT)
            assert msg is not grpc.aio.EOF
            delivered.append(msg.event.revision)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_reason(info.value) == "WATCH_TOO_SLOW"
    assert delivered == list(range(start + 1, start + 1 + len(delivered)))  # no hole
    assert len(delivered) < n
    # And it resumes from where it stopped.
    resume = Watch(h.sessions, start_revision=start + 1 + len(delivered))
    await resume.progress()
    assert (await resume.event()).revision == start + 1 + len(delivered)
    resume.cancel()
    fast.cancel()
    await slow_channel.close()


async def test_a_thousand_streams_all_hear_one_revocation(h):
    victim = await create(h, subject="victim")
    channels = [grpc.aio.insecure_channel(h.target) for _ in range(10)]
    watches = [
        Watch(pb_grpc.SessionServiceStub(channels[i % 10]), subject_id="victim")
        for i in range(1000)
    ]
    await asyncio.gather(*(w.progress() for w in watches))
    assert h.app.hub.stream_count == 1000
    revoked = await h.sessions.RevokeSession(
        pb.RevokeSessionRequest(session_id=victim.session.session_id)
    )
    heard = await asyncio.gather(*(w.event() for w in watches))
    assert {(e.revision, e.type) for e in heard} == {
        (revoked.session.revision, T.SESSION_EVENT_TYPE_REVOKED)
    }
    for w in watches:
        w.cancel()
    for c in channels:
        await c.close()


async def test_cancelled_streams_are_freed(h):
    watches = [Watch(h.sessions) for _ in range(20)]
    await asyncio.gather(*(w.progress() for w in watches))
    assert h.app.hub.stream_count == 20
    for w in watches:
        w.cancel()
    # The server notices each disconnect; the last one leaving empties the hub.
    await asyncio.wait_for(h.app.hub._drained.wait(), WAIT)
    assert h.app.hub.stream_count == 0


async def test_idle_stream_gets_progress(make_server):
    h = await make_server(watch_progress_interval_seconds=0.2)
    w = Watch(h.sessions, subject_id="nobody")
    first = await w.progress()
    await create(h, subject="someone-else")
    # The unmatched change still moves the bookmark forward.
    while (mark := await w.progress()) == first:
        pass
    assert mark == first + 1
    w.cancel()


async def test_too_many_streams(make_server):
    h = await make_server(max_watch_streams=2)
    a, b = Watch(h.sessions), Watch(h.sessions)
    await a.progress()
    await b.progress()
    err = await Watch(h.sessions).error()
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_reason(err) == "WATCH_LIMIT"
    assert "RetryInfo" in details(err)
    a.cancel()
    b.cancel()


async def test_expiry_event_within_two_seconds(h):
    s = await create(h, ttl=duration_pb2.Duration(seconds=2))
    w = Watch(h.sessions, session_id=s.session.session_id)
    await w.progress()
    h.clock.advance(2)  # the deadline is now
    deadline_us = s.session.expire_time.ToMicroseconds()
    e = await w.event()
    assert e.type == T.SESSION_EVENT_TYPE_EXPIRED
    assert e.session.end_reason == spb.END_REASON_EXPIRED
    assert 0 <= e.occur_time.ToMicroseconds() - deadline_us < 2_000_000
    v = await h.sessions.ValidateSession(
        pb.ValidateSessionRequest(access_token=s.tokens.access_token)
    )
    assert v.invalid_reason == pb.INVALID_REASON_SESSION_EXPIRED
    w.cancel()


async def test_pending_sessions_expire_too(h):
    s = await create(h, pending=True, ttl=duration_pb2.Duration(seconds=5))
    w = Watch(h.sessions, session_id=s.session.session_id)
    await w.progress()
    h.clock.advance(5)
    e = await w.event()
    assert e.type == T.SESSION_EVENT_TYPE_EXPIRED
    assert e.session.state == spb.SESSION_STATE_EXPIRED
    await expect_error(
        h.sessions.StartSession(pb.StartSessionRequest(handoff_code=s.handoff_code)),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    w.cancel()


async def test_two_reapers_expire_once(make_server):
    one = await make_server()
    two = await make_server()  # a second replica on the same SQLite file
    made = [
        await create(one, subject=f"r{i}", ttl=duration_pb2.Duration(seconds=3)) for i in range(20)
    ]
    w = Watch(one.sessions)
    await w.progress()
    one.clock.advance(3)
    two.clock.advance(3)
    expired = await w.events(20)
    assert {e.session.session_id for e in expired} == {m.session.session_id for m in made}
    # Whatever both reapers did, each session expired exactly once.
    assert await one.app.manager.expire_due() == 0
    assert await two.app.manager.expire_due() == 0
    events = await one.app.store.events_after(0, 10_000)
    assert sum(e.type == "EXPIRED" for e in events) == 20
    w.cancel()


async def test_shutdown_ends_streams_with_progress_then_unavailable(make_server):
    h = await make_server()
    made = await create(h)
    w = Watch(h.sessions)
    assert await w.progress() == made.session.revision
    stopping = asyncio.create_task(h.app.stop(5))
    assert await w.progress() == made.session.revision
    err = await w.error()
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert error_reason(err) == "SERVER_SHUTTING_DOWN"
    assert details(err)["ErrorInfo"].metadata["resume_revision"] == str(made.session.revision + 1)
    await stopping
