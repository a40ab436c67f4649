"""The store's contract, on SQLite and on PostgreSQL (as ory/kratos's
TestPersister): group commit keeps each unit's fate its own, revisions are
contiguous and in commit order across writers, every acknowledged write is
seen by every reader at once, and a create never slips past a ban."""

from __future__ import annotations

import asyncio
import dataclasses
import threading

import grpc
import pytest
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import subject_service_pb2 as sub_pb
from sessionauthority_server import codec
from sessionauthority_server.domain import (
    ClientInfo,
    EndReason,
    EventType,
    Session,
    State,
    TokenPair,
)
from sessionauthority_server.errors import DomainError, Kind
from sessionauthority_server.inputs import CreateRequest
from sessionauthority_server.sessions import create as create_flow

from .helpers import create, error_reason

WAIT = 10.0


def _boom(repo, deps, tenant: str, subject: str) -> None:
    """A flow that writes a session and its event, then fails."""
    create_flow.create(repo, deps, tenant, CreateRequest(subject_id=subject), 60_000_000)
    raise DomainError(Kind.FAILED_PRECONDITION, "TEST_FAILURE", "fails after writing")


async def test_a_failing_unit_rolls_back_alone(make_server):
    # One write connection, so the twenty units share one (pipelined) batch;
    # and a reaper that stays quiet, so its passes cannot add batches.
    h = await make_server(
        db_write_connections=1, reaper_interval_seconds=3600, compact_interval_seconds=3600
    )
    store = h.app.store
    # Hold the writer so every unit below lands in one batch.
    gate = threading.Event()
    blocker = asyncio.ensure_future(store.db.writer.write(lambda tx: gate.wait(WAIT)))
    await asyncio.sleep(0)
    batches_before = store.db.writer.batches
    calls = []
    for i in range(20):
        if i % 2:
            calls.append(store.run(_boom, "default", f"bad-{i}"))
        else:
            req = CreateRequest(subject_id=f"good-{i}")
            calls.append(store.run(create_flow.create, "default", req, 60_000_000))
    pending = [asyncio.ensure_future(c) for c in calls]
    await asyncio.sleep(0.05)
    gate.set()
    await blocker
    results = await asyncio.gather(*pending, return_exceptions=True)
    # The blocker's batch, then one batch for all twenty.
    assert store.db.writer.batches - batches_before <= 2
    good = [r[0] for r in results if not isinstance(r, BaseException)]
    revisions = {k: v for r in results if not isinstance(r, BaseException) for k, v in r[1].items()}
    bad = [r for r in results if isinstance(r, BaseException)]
    assert len(good) == 10 and len(bad) == 10
    assert all(isinstance(e, DomainError) and e.reason == "TEST_FAILURE" for e in bad)
    events = await store.events_after(0)
    # Only the good units' events, numbered with no gap, and the answers
    # carry the revisions that were committed.
    assert [e.revision for e in events] == list(range(1, len(events) + 1))
    assert {e.session.subject_id for e in events} == {r.session.subject_id for r in good}
    by_session = {e.session.session_id: e.revision for e in events}
    assert all(by_session[r.session.session_id] == revisions[r.session.session_id] for r in good)
    # Even the subject row the failed unit wrote first is gone.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await h.subjects.GetSubject(sub_pb.GetSubjectRequest(subject_id="bad-1"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_unit_that_commits_then_fails_keeps_its_writes(h):
    # Theft detection: the revocation commits, and the caller is still refused.
    r = await create(h)
    await h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=r.tokens.refresh_token))
    h.clock.advance(11)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=r.tokens.refresh_token))
    assert error_reason(err.value) == "REFRESH_TOKEN_REUSED"
    events = await h.app.store.events_after(0)
    assert [e.type for e in events] == [EventType.CREATED, EventType.RENEWED, EventType.REVOKED]
    assert events[-1].session.end_reason is EndReason.REFRESH_TOKEN_REUSE


async def test_two_writers_commit_in_revision_order(make_server):
    one = await make_server()
    two = await make_server()
    results = await asyncio.gather(
        *(create(one if i % 2 else two, subject=f"w-{i % 7}") for i in range(60))
    )
    events = await one.app.store.events_after(0, 10_000)
    assert [e.revision for e in events] == list(range(1, len(events) + 1))
    # Each answer's revision is its CREATED event's, and each row holds its last.
    by_session = {e.session.session_id: e.revision for e in events}
    assert all(by_session[r.session.session_id] == r.session.revision for r in results)
    for r in results[:5]:
        got = await two.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id))
        assert got.session.revision == r.session.revision


async def test_every_reader_sees_an_acknowledged_revoke(make_server):
    one = await make_server()
    two = await make_server()
    for i in range(10):
        r = await create(one, subject=f"seen-{i}")
        v = await two.sessions.ValidateSession(
            pb.ValidateSessionRequest(access_token=r.tokens.access_token)
        )
        assert v.valid
        await one.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
        v = await two.sessions.ValidateSession(
            pb.ValidateSessionRequest(access_token=r.tokens.access_token)
        )
        assert v.invalid_reason == pb.INVALID_REASON_SESSION_REVOKED


async def test_create_never_slips_past_a_ban(make_server):
    one = await make_server()
    two = await make_server()
    for round_ in range(3):
        subject = f"race-{round_}"
        creates = [
            create(one if i % 2 else two, subject=subject, reference=f"r{i}") for i in range(16)
        ]
        ban = one.subjects.TerminateSubject(
            sub_pb.TerminateSubjectRequest(
                subject_id=subject, reason=sub_pb.TERMINATION_REASON_BANNED, error_code="E1"
            )
        )
        results = await asyncio.gather(*creates[:8], ban, *creates[8:], return_exceptions=True)
        terminated = results[8]
        assert isinstance(terminated, sub_pb.TerminateSubjectResponse)
        made = [r for r in results if isinstance(r, pb.CreateSessionResponse)]
        refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
        assert len(made) + len(refused) == 16
        assert all(error_reason(e) == "SUBJECT_TERMINATED" for e in refused)
        # Whatever was created before the ban was ended by it; nothing after.
        assert terminated.terminated_count == len(made)
        live = await two.sessions.ListSessions(
            pb.ListSessionsRequest(
                subject_id=subject, states=[spb.SESSION_STATE_ACTIVE, spb.SESSION_STATE_PENDING]
            )
        )
        assert list(live.sessions) == []


async def test_reuse_never_activates_a_pending_session(h):
    pending = await create(h, pending=True, reference="link")
    reused = await create(h, reference="link", reuse_existing=True)
    assert not reused.reused
    assert reused.session.session_id != pending.session.session_id
    started = await h.sessions.StartSession(
        pb.StartSessionRequest(handoff_code=pending.handoff_code)
    )
    assert started.session.state == spb.SESSION_STATE_ACTIVE
    again = await create(h, reference="link", pending=True, reuse_existing=True)
    assert not again.reused  # the pending one is ACTIVE now: a pending reuse wants PENDING


async def test_expiry_sweep_takes_each_session_once(make_server):
    one = await make_server(reaper_interval_seconds=3600)
    two = await make_server(reaper_interval_seconds=3600)
    made = [await create(one, subject=f"x-{i}", ttl={"seconds": 5}) for i in range(30)]
    one.clock.advance(6)
    two.clock.advance(6)
    counts = await asyncio.gather(one.app.manager.expire_due(7), two.app.manager.expire_due(500))
    while await one.app.manager.expire_due(7):
        pass
    events = await one.app.store.events_after(0, 10_000)
    expired = [e.session.session_id for e in events if e.type is EventType.EXPIRED]
    assert sorted(expired) == sorted(m.session.session_id for m in made)
    assert sum(counts) <= 30


def test_stored_formats_read_every_version():
    s = Session(
        session_id="ses_1", tenant="t", subject_id="u", reference="r", state=State.REVOKED,
        metadata={"a": [1]}, create_us=1, expire_us=2, last_renew_us=1, last_active_us=1,
        end_us=2, end_reason=EndReason.LOGOUT, error_code="", revision=9,
        client=ClientInfo("ua", "1.2.3.4", "dev"),
    )  # fmt: skip
    assert codec.session_from_payload(codec.session_payload(s), 9) == s
    # Version 0: the first release's layout, dataclasses.asdict of Session.
    legacy = (
        '{"client":{"device_name":"dev","ip_address":"1.2.3.4","user_agent":"ua"},'
        '"create_us":1,"end_reason":"LOGOUT","end_us":2,"error_code":"","expire_us":2,'
        '"last_active_us":1,"last_renew_us":1,"metadata":{"a":[1]},"reference":"r",'
        '"revision":9,"session_id":"ses_1","state":"REVOKED","subject_id":"u","tenant":"t"}'
    )
    assert codec.session_from_payload(legacy, 9) == s
    pair = TokenPair("a", 1, "srt_x", 2)
    assert codec.token_pair_from_bytes(codec.token_pair_bytes(pair)) == pair
    assert (
        codec.token_pair_from_bytes(
            b'{"access_token":"a","access_expire_us":1,"refresh_token":"srt_x","refresh_expire_us":2}'
        )
        == pair
    )
    assert codec.create_answer_from_bytes(codec.create_answer_bytes(pair, "")) == (pair, "")
    assert codec.create_answer_from_bytes(
        b'{"tokens": "{\\"access_token\\":\\"a\\",\\"access_expire_us\\":1,'
        b'\\"refresh_token\\":\\"srt_x\\",\\"refresh_expire_us\\":2}", "handoff_code": null}'
    ) == (pair, "")
    with pytest.raises(codec.CodecError):
        codec.session_from_payload('{"v": 99}', 1)
    assert dataclasses.replace(s, revision=1) != s


async def test_a_verified_token_still_reads_its_session(h):
    # Validate remembers which exact tokens verified, never whether they are valid.
    r = await create(h)
    token = r.tokens.access_token
    first = await h.sessions.ValidateSession(pb.ValidateSessionRequest(access_token=token))
    assert first.valid
    await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
    again = await h.sessions.ValidateSession(pb.ValidateSessionRequest(access_token=token))
    assert not again.valid
    assert again.invalid_reason == pb.INVALID_REASON_SESSION_REVOKED
    # One changed signature byte is another token: it verifies afresh and fails.
    head, body, sig = token.split(".")
    forged = ".".join((head, body, ("A" if sig[0] != "A" else "B") + sig[1:]))
    bad = await h.sessions.ValidateSession(pb.ValidateSessionRequest(access_token=forged))
    assert bad.invalid_reason == pb.INVALID_REASON_BAD_SIGNATURE


async def test_a_request_id_repeated_within_one_batch_gives_one_session(make_server):
    # Two first-time creates of one request_id in one (pipelined) batch: the
    # second sees the first's uncommitted record and replays it.
    h = await make_server(db_write_connections=1)
    store = h.app.store
    gate = threading.Event()
    blocker = asyncio.ensure_future(store.db.writer.write(lambda tx: gate.wait(WAIT)))
    await asyncio.sleep(0)
    req = CreateRequest(subject_id="race", request_id="req-1")
    calls = [
        asyncio.ensure_future(store.run(create_flow.create, "default", req, 60_000_000))
        for _ in range(2)
    ]
    await asyncio.sleep(0.05)
    gate.set()
    await blocker
    (a, _), (b, _) = await asyncio.gather(*calls)
    assert a.session.session_id == b.session.session_id
    assert a.tokens == b.tokens
