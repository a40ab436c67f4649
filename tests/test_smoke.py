from sessionauthority.v1 import session_pb2
from sessionauthority.v1 import session_service_pb2 as pb


async def test_create_validate_renew_revoke(h):
    created = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="user-1"))
    assert created.session.session_id.startswith("ses_")
    assert created.tokens.refresh_token.startswith("srt_")
    v = await h.sessions.ValidateSession(
        pb.ValidateSessionRequest(access_token=created.tokens.access_token)
    )
    assert v.valid, v
    r = await h.sessions.RenewSession(
        pb.RenewSessionRequest(refresh_token=created.tokens.refresh_token)
    )
    assert r.tokens.refresh_token != created.tokens.refresh_token
    rv = await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
    assert rv.session.state == session_pb2.SESSION_STATE_REVOKED
