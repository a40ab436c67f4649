"""Races over the real gRPC surface: concurrent renewals of one token."""

from __future__ import annotations

import asyncio

import grpc
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import create


async def test_sixteen_concurrent_renewals_give_one_successor(h):
    s = await create(h)
    token = s.tokens.refresh_token
    results = await asyncio.gather(
        *(h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=token)) for _ in range(16))
    )
    pairs = {(r.tokens.access_token, r.tokens.refresh_token) for r in results}
    assert len(pairs) == 1
    assert all(r.session.state == spb.SESSION_STATE_ACTIVE for r in results)
    current = await h.sessions.GetSession(pb.GetSessionRequest(session_id=s.session.session_id))
    assert current.session.state == spb.SESSION_STATE_ACTIVE
    events = await h.app.store.events_after(0)
    assert [e.type for e in events] == ["CREATED", "RENEWED"]
    # The successor works once, as any refresh token does.
    successor = results[0].tokens.refresh_token
    again = await h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=successor))
    assert again.session.state == spb.SESSION_STATE_ACTIVE


async def test_one_request_id_raced_across_subjects(h):
    # Same request_id, different subjects, all at once: one wins; the others
    # are told the id was used with other parameters, never INTERNAL.
    calls = [
        h.sessions.CreateSession(pb.CreateSessionRequest(subject_id=f"race-{i}", request_id="dup"))
        for i in range(8)
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)
    ok = [r for r in results if isinstance(r, pb.CreateSessionResponse)]
    failed = [r for r in results if not isinstance(r, pb.CreateSessionResponse)]
    assert len(ok) == 1
    assert all(e.code() == grpc.StatusCode.INVALID_ARGUMENT for e in failed)
