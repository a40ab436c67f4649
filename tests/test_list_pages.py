"""ListSessions pages: bounded by serialized size as well as by count, and
page tokens that only this deployment issues, each for one tenant and one
set of filters, and that keep working across a restart and across replicas
sharing the database."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json

import grpc
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import add_key, create, expect_error, meta, violated_fields
from .test_revoke_many import LIMITS_OFF, create_many

# The default largest message a gRPC client accepts.
CLIENT_MAX_RECEIVE = 4 * 1024 * 1024


def _b64(doc: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()


async def test_pages_are_bounded_by_size(make_server):
    h = await make_server(**LIMITS_OFF)
    blob = meta(blob="x" * 15_000)
    assert 15_000 < blob.ByteSize() < 16 * 1024
    made = []
    for start in range(0, 300, 100):
        made += await asyncio.gather(
            *(create(h, subject="big", metadata=blob) for _ in range(start, start + 100))
        )
    ids = {r.session.session_id for r in made}

    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = await h.sessions.ListSessions(
            pb.ListSessionsRequest(subject_id="big", page_size=500, page_token=token)
        )
        pages += 1
        assert page.ByteSize() < CLIENT_MAX_RECEIVE
        assert page.sessions, "a page is never empty while sessions remain"
        assert all(s.metadata == blob for s in page.sessions)
        seen += [s.session_id for s in page.sessions]
        token = page.next_page_token
        if not token:
            break
    assert pages > 1
    assert len(seen) == len(set(seen)) == 300 and set(seen) == ids


async def test_a_session_as_large_as_allowed_still_pages(make_server):
    h = await make_server(**LIMITS_OFF)
    blob = meta(blob="y" * 16_000)
    for _ in range(3):
        await create(h, subject="one", metadata=blob)
    page = await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="one", page_size=1))
    assert len(page.sessions) == 1 and page.next_page_token


def _old_format_token(subject_id: str) -> str:
    """A token as the server used to issue them: readable JSON, no MAC."""
    key = hashlib.sha256(json.dumps([subject_id, "", []]).encode()).hexdigest()[:16]
    return _b64({"c": 0, "s": "", "f": key})


async def test_a_hand_made_token_is_refused(h):
    for _ in range(3):
        await create(h, subject="alice")
    page = await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="alice", page_size=1))
    real = page.next_page_token
    raw = bytearray(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
    raw[-2] ^= 1  # one bit of the cursor changed under the MAC
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    for token in (
        _old_format_token("alice"),
        _b64({"c": 0, "s": ""}),
        tampered,
        real[:-1],
        "A" * 5000,
    ):
        err = await expect_error(
            h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="alice", page_token=token)),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert violated_fields(err) == ["page_token"], token


async def test_another_tenants_token_is_refused(h):
    a = await add_key(h, "tenant-a")
    b = await add_key(h, "tenant-b")
    for md in (a, a, a, b, b, b):
        await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="alice"), metadata=md)
    request = pb.ListSessionsRequest(subject_id="alice", page_size=1)
    token_a = (await h.sessions.ListSessions(request, metadata=a)).next_page_token
    assert token_a
    with_a = pb.ListSessionsRequest(subject_id="alice", page_size=1, page_token=token_a)
    err = await expect_error(
        h.sessions.ListSessions(with_a, metadata=b), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert violated_fields(err) == ["page_token"]
    assert "tenant" in err.details()
    # The same token still pages for its own tenant.
    second = await h.sessions.ListSessions(with_a, metadata=a)
    assert len(second.sessions) == 1


async def test_a_token_for_other_filters_is_refused(h):
    for _ in range(3):
        await create(h, subject="alice", reference="web")
    token = (
        await h.sessions.ListSessions(pb.ListSessionsRequest(subject_id="alice", page_size=1))
    ).next_page_token
    for other in (
        pb.ListSessionsRequest(subject_id="bob"),
        pb.ListSessionsRequest(subject_id="alice", reference="web"),
        pb.ListSessionsRequest(subject_id="alice", states=[spb.SESSION_STATE_ACTIVE]),
        pb.ListSessionsRequest(),
    ):
        other.page_token = token
        err = await expect_error(h.sessions.ListSessions(other), grpc.StatusCode.INVALID_ARGUMENT)
        assert violated_fields(err) == ["page_token"], other


async def test_a_token_works_across_replicas_and_a_restart(make_server):
    first = await make_server()
    ids = [(await create(first, subject="alice")).session.session_id for _ in range(3)]
    replica = await make_server()  # the same database, as a second replica
    request = pb.ListSessionsRequest(subject_id="alice", page_size=1)
    page1 = await first.sessions.ListSessions(request)
    request.page_token = page1.next_page_token
    page2 = await replica.sessions.ListSessions(request)
    assert [s.session_id for s in [*page1.sessions, *page2.sessions]] == ids[:2]

    await first.app.stop(0)
    await replica.app.stop(0)
    restarted = await make_server()
    request.page_token = page2.next_page_token
    page3 = await restarted.sessions.ListSessions(request)
    assert [s.session_id for s in page3.sessions] == ids[2:]
    assert page3.next_page_token == ""
    # A token from before the restart opens too.
    request.page_token = page1.next_page_token
    again = await restarted.sessions.ListSessions(request)
    assert [s.session_id for s in again.sessions] == ids[1:2]


async def test_many_pages_of_many_sessions(make_server):
    """The count bound still holds where sizes are small."""
    h = await make_server(**LIMITS_OFF)
    ids = await create_many(h, "many", 700)
    seen: list[str] = []
    token = ""
    while True:
        page = await h.sessions.ListSessions(
            pb.ListSessionsRequest(subject_id="many", page_size=500, page_token=token)
        )
        assert len(page.sessions) <= 500
        seen += [s.session_id for s in page.sessions]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 700
