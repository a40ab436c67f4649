"""SubjectService end to end: terminate ends every live session with the error
code and refuses new ones until reinstated."""

from __future__ import annotations

import grpc
import pytest
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import subject_service_pb2 as sub

from .helpers import details, error_reason, violated_fields


async def test_terminate_and_reinstate(h):
    live = [
        await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="mallory"))
        for _ in range(2)
    ]
    pending = await h.sessions.CreateSession(
        pb.CreateSessionRequest(subject_id="mallory", pending=True)
    )
    revoked = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="mallory"))
    await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=revoked.session.session_id))
    bystander = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="trent"))

    before = await h.subjects.GetSubject(sub.GetSubjectRequest(subject_id="mallory"))
    assert before.subject.state == sub.SUBJECT_STATE_ACTIVE
    assert before.subject.session_count == 3

    out = await h.subjects.TerminateSubject(
        sub.TerminateSubjectRequest(
            subject_id="mallory", reason=sub.TERMINATION_REASON_BANNED, error_code="ACCOUNT_BANNED"
        )
    )
    assert out.terminated_count == 3
    assert out.subject.state == sub.SUBJECT_STATE_BANNED
    assert out.subject.termination_reason == sub.TERMINATION_REASON_BANNED
    assert out.subject.error_code == "ACCOUNT_BANNED"
    assert out.subject.session_count == 0

    for r in (*live, pending):
        got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id))
        assert got.session.state == spb.SESSION_STATE_TERMINATED
        assert got.session.end_reason == spb.END_REASON_SUBJECT_BANNED
        assert got.session.error_code == "ACCOUNT_BANNED"
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=revoked.session.session_id))
    assert got.session.state == spb.SESSION_STATE_REVOKED
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=bystander.session.session_id))
    assert got.session.state == spb.SESSION_STATE_ACTIVE

    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.sessions.RenewSession(
            pb.RenewSessionRequest(refresh_token=live[0].tokens.refresh_token)
        )
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_reason(info.value) == "SESSION_TERMINATED"
    assert details(info.value)["ErrorInfo"].metadata["error_code"] == "ACCOUNT_BANNED"

    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="mallory"))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_reason(info.value) == "SUBJECT_TERMINATED"
    assert details(info.value)["ErrorInfo"].metadata["error_code"] == "ACCOUNT_BANNED"

    back = await h.subjects.ReinstateSubject(sub.ReinstateSubjectRequest(subject_id="mallory"))
    assert back.subject.state == sub.SUBJECT_STATE_ACTIVE
    assert back.subject.error_code == ""
    fresh = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="mallory"))
    assert fresh.session.state == spb.SESSION_STATE_ACTIVE
    # Terminated sessions stay terminated: terminal states never change.
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=live[0].session.session_id))
    assert got.session.state == spb.SESSION_STATE_TERMINATED


async def test_terminate_unknown_subject_blocks_first_login(h):
    out = await h.subjects.TerminateSubject(
        sub.TerminateSubjectRequest(
            subject_id="never-seen", reason=sub.TERMINATION_REASON_DELETED, error_code="GONE"
        )
    )
    assert out.terminated_count == 0
    assert out.subject.state == sub.SUBJECT_STATE_DELETED
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="never-seen"))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_deleted_sessions_say_deleted(h):
    r = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="olivia"))
    await h.subjects.TerminateSubject(
        sub.TerminateSubjectRequest(subject_id="olivia", reason=sub.TERMINATION_REASON_DELETED)
    )
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id))
    assert got.session.end_reason == spb.END_REASON_SUBJECT_DELETED


async def test_subject_errors(h):
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.subjects.GetSubject(sub.GetSubjectRequest(subject_id="nobody"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.subjects.ReinstateSubject(sub.ReinstateSubjectRequest(subject_id="nobody"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.subjects.TerminateSubject(sub.TerminateSubjectRequest(subject_id="peggy"))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(info.value) == ["reason"]
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.subjects.GetSubject(sub.GetSubjectRequest(subject_id=""))
    assert violated_fields(info.value) == ["subject_id"]
