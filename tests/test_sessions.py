"""SessionService end to end, creating and reading: CreateSession,
StartSession, GetSession, ListSessions and their error paths. Prepare /
Execute / Assert against a real server (SQLite file and PostgreSQL)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import duration_pb2
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import (
    create,
    details,
    error_reason,
    expect_error,
    meta,
    violated_fields,
)

DAY = 86400


# ------------------------------------------------------------------ create


async def test_create_defaults(h):
    r = await create(h, reference="order-9", metadata=meta(linkExpiry="2026-12-01"))
    s = r.session
    assert s.session_id.startswith("ses_") and len(s.session_id) > 30
    assert s.state == spb.SESSION_STATE_ACTIVE
    assert s.reference == "order-9"
    assert dict(s.metadata) == {"linkExpiry": "2026-12-01"}
    assert s.expire_time.seconds - s.create_time.seconds == 7 * DAY
    assert s.revision >= 1
    assert not s.HasField("end_time")
    t = r.tokens
    assert t.refresh_token.startswith("srt_") and len(t.refresh_token) >= 4 + 43
    assert t.access_token_expire_time.seconds - s.create_time.seconds == 900
    assert t.refresh_token_expire_time == s.expire_time
    assert r.handoff_code == "" and not r.reused


async def test_create_ttl_and_cap(h):
    r = await create(h, ttl=duration_pb2.Duration(seconds=120))
    assert r.session.expire_time.seconds - r.session.create_time.seconds == 120
    # An access token never outlives its session.
    assert r.tokens.access_token_expire_time == r.session.expire_time
    err = await expect_error(
        create(h, ttl=duration_pb2.Duration(seconds=31 * DAY)), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert violated_fields(err) == ["ttl"]
    err = await expect_error(
        create(h, ttl=duration_pb2.Duration(seconds=-5)), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert violated_fields(err) == ["ttl"]


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"subject_id": ""}, ["subject_id"]),
        ({"subject_id": "has space"}, ["subject_id"]),
        ({"subject_id": "x" * 129}, ["subject_id"]),
        ({"subject_id": "ok", "reference": "ref/slash"}, ["reference"]),
        ({"subject_id": "ok", "request_id": "r" * 129}, ["request_id"]),
        (
            {"subject_id": "ok", "client": spb.ClientInfo(user_agent="u" * 513)},
            ["client.user_agent"],
        ),
        ({"subject_id": "bad id", "reference": "bad ref"}, ["subject_id", "reference"]),
    ],
)
async def test_create_bad_input(h, kwargs, fields):
    err = await expect_error(
        h.sessions.CreateSession(pb.CreateSessionRequest(**kwargs)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == fields
    assert error_reason(err) == "INVALID_ARGUMENT"
    assert details(err)["ErrorInfo"].domain == "sessionauthority"


async def test_create_metadata_limit(h):
    ok = await create(h, metadata=meta(blob="x" * 15000))
    assert len(ok.session.metadata["blob"]) == 15000
    err = await expect_error(
        create(h, metadata=meta(blob="x" * 17000)), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert violated_fields(err) == ["metadata"]


async def test_request_id_returns_first_result(h):
    first = await create(h, request_id="req-1", reference="r1")
    again = await create(h, request_id="req-1", reference="r1")
    assert again.session.session_id == first.session.session_id
    assert again.tokens == first.tokens
    listed = await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="user-1"))
    assert len(listed.sessions) == 1
    err = await expect_error(
        create(h, request_id="req-1", reference="other"), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert violated_fields(err) == ["request_id"]


async def test_reuse_existing(h):
    first = await create(h, reference="web")
    other = await create(h, reference="mobile")
    again = await create(h, reference="web", reuse_existing=True)
    assert again.reused
    assert again.session.session_id == first.session.session_id
    assert again.tokens.refresh_token != first.tokens.refresh_token
    assert again.session.revision > first.session.revision
    err = await expect_error(
        h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=first.tokens.refresh_token)),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert error_reason(err) == "REFRESH_TOKEN_SUPERSEDED"
    # Superseded is not theft: the session lives on and the new token works.
    renewed = await h.sessions.RenewSession(
        pb.RenewSessionRequest(refresh_token=again.tokens.refresh_token)
    )
    assert renewed.session.state == spb.SESSION_STATE_ACTIVE
    # Reuse touched only the matching reference: the other session's token
    # was not superseded and it still renews.
    untouched = await h.sessions.RenewSession(
        pb.RenewSessionRequest(refresh_token=other.tokens.refresh_token)
    )
    assert untouched.session.session_id == other.session.session_id
    fresh = await create(h, subject="user-2", reference="web", reuse_existing=True)
    assert not fresh.reused


async def test_pending_and_start(h):
    r = await create(h, pending=True, reference="link-1")
    assert r.session.state == spb.SESSION_STATE_PENDING
    assert not r.HasField("tokens")
    assert r.handoff_code.startswith("sho_")
    started = await h.sessions.StartSession(pb.StartSessionRequest(handoff_code=r.handoff_code))
    assert started.session.state == spb.SESSION_STATE_ACTIVE
    assert started.session.session_id == r.session.session_id
    v = await h.sessions.ValidateSession(
        pb.ValidateSessionRequest(access_token=started.tokens.access_token)
    )
    assert v.valid
    err = await expect_error(
        h.sessions.StartSession(pb.StartSessionRequest(handoff_code=r.handoff_code)),
        grpc.StatusCode.NOT_FOUND,
    )
    assert error_reason(err) == "HANDOFF_CODE_INVALID"
    err = await expect_error(
        h.sessions.StartSession(pb.StartSessionRequest(handoff_code="nope")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == ["handoff_code"]


async def test_pending_expires(h):
    r = await create(h, pending=True, ttl=duration_pb2.Duration(seconds=60))
    h.clock.advance(61)
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id))
    assert got.session.state == spb.SESSION_STATE_EXPIRED
    err = await expect_error(
        h.sessions.StartSession(pb.StartSessionRequest(handoff_code=r.handoff_code)),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert error_reason(err) == "SESSION_EXPIRED"


async def test_rate_limit(make_server):
    h = await make_server(create_rate_per_minute=3)
    for _ in range(3):
        await create(h)
    err = await expect_error(create(h), grpc.StatusCode.RESOURCE_EXHAUSTED)
    assert error_reason(err) == "RATE_LIMITED"
    retry = details(err)["RetryInfo"].retry_delay
    assert 0 < retry.seconds + retry.nanos / 1e9 <= 60
    await create(h, subject="someone-else")
    h.clock.advance(61)
    await create(h)


# ------------------------------------------------------------------ get / list


async def test_get_not_found(h):
    err = await expect_error(
        h.sessions.GetSession(pb.GetSessionRequest(session_id="ses_nope")),
        grpc.StatusCode.NOT_FOUND,
    )
    assert error_reason(err) == "SESSION_NOT_FOUND"
    err = await expect_error(
        h.sessions.GetSession(pb.GetSessionRequest()), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert violated_fields(err) == ["session_id"]


async def test_list_filters_and_pages(h):
    ids = [
        (await create(h, subject="alice", reference=f"r{i % 2}")).session.session_id
        for i in range(7)
    ]
    await create(h, subject="bob")
    await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=ids[0]))

    seen: list[str] = []
    token = ""
    while True:
        page = await h.sessions.ListSessions(
            pb.ListSessionsRequest(subject_id="alice", page_size=3, page_token=token)
        )
        assert len(page.sessions) <= 3
        seen += [s.session_id for s in page.sessions]
        token = page.next_page_token
        if not token:
            break
    assert seen == ids

    active = await h.sessions.ListSessions(
        pb.ListSessionsRequest(subject_id="alice", states=[spb.SESSION_STATE_ACTIVE])
    )
    assert [s.session_id for s in active.sessions] == ids[1:]
    r0 = await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="alice", reference="r0"))
    assert [s.session_id for s in r0.sessions] == ids[0::2]
    everyone = await h.sessions.ListSessions(pb.ListSessionsRequest(page_size=1000))
    assert len(everyone.sessions) == 8


async def test_list_expired_filter_is_lazy(h):
    short = await create(h, subject="carol", ttl=duration_pb2.Duration(seconds=30))
    await create(h, subject="carol")
    h.clock.advance(31)
    expired = await h.sessions.ListSessions(
        pb.ListSessionsRequest(subject_id="carol", states=[spb.SESSION_STATE_EXPIRED])
    )
    assert [s.session_id for s in expired.sessions] == [short.session.session_id]
    assert expired.sessions[0].end_reason == spb.END_REASON_EXPIRED
    active = await h.sessions.ListSessions(
        pb.ListSessionsRequest(subject_id="carol", states=[spb.SESSION_STATE_ACTIVE])
    )
    assert len(active.sessions) == 1


async def test_list_bad_input(h):
    err = await expect_error(
        h.sessions.ListSessions(pb.ListSessionsRequest(page_size=-1)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == ["page_size"]
    err = await expect_error(
        h.sessions.ListSessions(pb.ListSessionsRequest(page_token="garbage!")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == ["page_token"]
    for _ in range(3):
        await create(h, subject="dave")
    page = await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="dave", page_size=1))
    err = await expect_error(
        h.sessions.ListSessions(
            pb.ListSessionsRequest(subject_id="erin", page_token=page.next_page_token)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == ["page_token"]
    err = await expect_error(
        h.sessions.ListSessions(pb.ListSessionsRequest(states=[spb.SESSION_STATE_UNSPECIFIED])),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == ["states"]


async def test_list_page_size_clamped(h):
    for _ in range(3):
        await create(h, subject="frank")
    page = await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="frank", page_size=501))
    assert len(page.sessions) == 3 and page.next_page_token == ""
