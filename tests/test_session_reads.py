"""Many session reads at once (on PostgreSQL they share one statement per
event-loop tick): each caller gets its own session, another tenant's reads
as absent, an unknown id as unknown, whatever else is in the batch."""

from __future__ import annotations

import asyncio

import grpc
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import add_key


async def test_concurrent_reads_each_get_their_own_answer(h):
    a = await add_key(h, "tenant-a")
    b = await add_key(h, "tenant-b")
    mine = [
        await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id=f"a{i}"), metadata=a)
        for i in range(20)
    ]
    theirs = [
        await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id=f"b{i}"), metadata=b)
        for i in range(20)
    ]
    gets = [
        h.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id), metadata=a)
        for r in mine + theirs
    ] + [h.sessions.GetSession(pb.GetSessionRequest(session_id="ses_unknown"), metadata=a)]
    checks = [
        h.sessions.ValidateSession(
            pb.ValidateSessionRequest(access_token=r.tokens.access_token), metadata=a
        )
        for r in mine + theirs
    ]
    answers = await asyncio.gather(*gets, *checks, return_exceptions=True)
    got, unknown, checked = answers[:40], answers[40], answers[41:]
    for r, answer in zip(mine, got[:20], strict=True):
        assert not isinstance(answer, BaseException), answer
        assert answer.session.session_id == r.session.session_id
        assert answer.session.subject_id == r.session.subject_id
    for answer in [*got[20:], unknown]:
        assert isinstance(answer, grpc.aio.AioRpcError), answer
        assert answer.code() == grpc.StatusCode.NOT_FOUND
    assert [v.valid for v in checked[:20]] == [True] * 20
    assert [v.invalid_reason for v in checked[20:]] == [pb.INVALID_REASON_SESSION_NOT_FOUND] * 20
