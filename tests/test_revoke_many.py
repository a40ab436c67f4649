"""RevokeSessions over many sessions: in chunks, each its own unit of work
(other writes commit in between), a reply bounded to 1,000 ids with the
full count, a failure half way that says what it had already revoked, and
a revocation that runs to the end when its caller goes away."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from sessionauthority import AsyncSessionAuthorityClient
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority_server import errors
from sessionauthority_server.sessions import ending
from sessionauthority_server.sessions import revoke_many as store_sessions

from .helpers import WAIT, Watch, create, details, expect_error

T = pb.SessionEventType
# Creating hundreds of sessions for one subject within a second.
LIMITS_OFF = {
    "create_rate_per_minute": 0,
    "create_rate_per_day": 0,
    "caller_create_rate_per_minute": 0,
}


async def create_many(h, subject: str, n: int, **kw: object) -> list[str]:
    ids: list[str] = []
    for start in range(0, n, 200):
        made = await asyncio.gather(
            *(create(h, subject=subject, **kw) for _ in range(start, min(n, start + 200)))
        )
        ids += [r.session.session_id for r in made]
    return ids


async def list_all(h, **filters: object) -> list[spb.Session]:
    out: list[spb.Session] = []
    token = ""
    while True:
        page = await h.sessions.ListSessions(
            pb.ListSessionsRequest(page_size=500, page_token=token, **filters)
        )
        out += page.sessions
        token = page.next_page_token
        if not token:
            return out


async def test_more_than_a_thousand_sessions_bounded_reply(make_server):
    h = await make_server(**LIMITS_OFF)
    ids = await create_many(h, "bulk", 1200)
    bystander = await create(h, subject="bystander")
    batches = h.app.store.db.writer.batches

    out = await h.sessions.RevokeSessions(pb.RevokeSessionsRequest(subject_id="bulk"))

    assert out.revoked_count == 1200
    assert len(out.session_ids) == 1000 and out.session_ids_truncated
    assert len(set(out.session_ids)) == 1000 and set(out.session_ids) <= set(ids)
    # 1,200 sessions at 500 a unit: at least three commits, not one.
    assert h.app.store.db.writer.batches - batches >= 3
    listed = await list_all(h, subject_id="bulk")
    assert sorted(s.session_id for s in listed) == sorted(ids)
    assert {s.state for s in listed} == {spb.SESSION_STATE_REVOKED}
    assert {s.end_reason for s in listed} == {spb.END_REASON_LOGOUT}
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=bystander.session.session_id))
    assert got.session.state == spb.SESSION_STATE_ACTIVE

    again = await h.sessions.RevokeSessions(pb.RevokeSessionsRequest(subject_id="bulk"))
    assert (again.revoked_count, list(again.session_ids), again.session_ids_truncated) == (
        0,
        [],
        False,
    )


async def test_other_writes_commit_between_chunks(make_server, monkeypatch):
    # Small chunks make many commits, so the bystander's create lands among
    # them however fast the database is. (raising=False: before chunking
    # there was nothing to set, and the test failed on the revisions.)
    monkeypatch.setattr(store_sessions, "REVOKE_CHUNK", 20, raising=False)
    h = await make_server(watch_queue_size=4096, **LIMITS_OFF)
    # By reference, across subjects, as in the review's finding.
    ids = []
    for subject in ("bulk-1", "bulk-2", "bulk-3"):
        ids += await create_many(h, subject, 400, reference="campaign")
    watch = Watch(h.sessions, reference="campaign", event_types=[T.SESSION_EVENT_TYPE_REVOKED])
    await watch.progress()

    revoke = asyncio.ensure_future(
        h.sessions.RevokeSessions(pb.RevokeSessionsRequest(reference="campaign"))
    )
    await watch.event()  # the first chunk has committed; the rest have not
    watch.cancel()
    other = await create(h, subject="bystander")
    out = await asyncio.wait_for(revoke, WAIT)

    assert out.revoked_count == 1200
    revoked = await list_all(h, reference="campaign")
    assert {s.state for s in revoked} == {spb.SESSION_STATE_REVOKED}
    revisions = sorted(s.revision for s in revoked)
    assert len(revisions) == len(ids)
    # The create committed after some chunks of the revocation and before
    # others: it did not wait for the whole revocation.
    assert revisions[0] < other.session.revision < revisions[-1]
    assert other.session.revision not in revisions


async def test_a_failure_half_way_says_what_was_revoked(make_server, monkeypatch):
    monkeypatch.setattr(store_sessions, "REVOKE_CHUNK", 10)
    h = await make_server(**LIMITS_OFF)
    await create_many(h, "bulk", 25)
    real = ending.revoke_chunk
    calls = 0

    def second_fails(repo, *args):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise errors.storage_unavailable("InjectedFailure")
        return real(repo, *args)

    monkeypatch.setattr(ending, "revoke_chunk", second_fails)
    err = await expect_error(
        h.sessions.RevokeSessions(pb.RevokeSessionsRequest(subject_id="bulk")),
        grpc.StatusCode.UNAVAILABLE,
    )
    info = details(err)["ErrorInfo"]
    assert info.reason == "STORAGE_UNAVAILABLE"
    assert info.metadata["revoked_count"] == "10"
    assert "10 sessions had been revoked" in err.details()
    states = [s.state for s in await list_all(h, subject_id="bulk")]
    assert states.count(spb.SESSION_STATE_REVOKED) == 10
    assert states.count(spb.SESSION_STATE_ACTIVE) == 15

    # The retry ends the rest and counts only those.
    retry = await h.sessions.RevokeSessions(pb.RevokeSessionsRequest(subject_id="bulk"))
    assert retry.revoked_count == 15 and not retry.session_ids_truncated
    states = [s.state for s in await list_all(h, subject_id="bulk")]
    assert states == [spb.SESSION_STATE_REVOKED] * 25


async def test_a_failure_before_any_commit_is_the_plain_error(make_server, monkeypatch):
    h = await make_server()
    await create(h, subject="solo")

    def fails(tx, *args):
        raise errors.storage_unavailable("InjectedFailure")

    monkeypatch.setattr(ending, "revoke_chunk", fails)
    err = await expect_error(
        h.sessions.RevokeSessions(pb.RevokeSessionsRequest(subject_id="solo")),
        grpc.StatusCode.UNAVAILABLE,
    )
    assert "revoked_count" not in details(err)["ErrorInfo"].metadata


async def test_runs_to_the_end_when_the_caller_goes_away(make_server, monkeypatch):
    monkeypatch.setattr(store_sessions, "REVOKE_CHUNK", 20)
    h = await make_server(watch_queue_size=4096, **LIMITS_OFF)
    ids = await create_many(h, "bulk", 600)
    watch = Watch(h.sessions, subject_id="bulk", event_types=[T.SESSION_EVENT_TYPE_REVOKED])
    await watch.progress()

    call = h.sessions.RevokeSessions(pb.RevokeSessionsRequest(subject_id="bulk"))
    first = await watch.event()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    # Every session still ends, each once: the watch sees all 600.
    ended = {first.session.session_id} | {e.session.session_id for e in await watch.events(599)}
    watch.cancel()
    assert ended == set(ids)


async def test_the_sdks_show_the_bound(make_server, monkeypatch):
    monkeypatch.setattr(store_sessions, "REPLY_IDS", 2)
    h = await make_server()
    ids = await create_many(h, "sdk-bulk", 3)
    async with AsyncSessionAuthorityClient(h.target) as client:
        out = await client.revoke_sessions(subject_id="sdk-bulk")
        assert out.revoked_count == 3 and out.session_ids_truncated
        assert len(out.session_ids) == 2 and set(out.session_ids) < set(ids)
        # Page tokens pass through the SDK untouched.
        first = await client.list_sessions(subject_id="sdk-bulk", page_size=2)
        rest = await client.list_sessions(
            subject_id="sdk-bulk", page_size=2, page_token=first.next_page_token
        )
        listed = [s.session_id for s in [*first.sessions, *rest.sessions]]
        assert sorted(listed) == sorted(ids) and not rest.next_page_token
