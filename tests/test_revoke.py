"""SessionService end to end, ending and changing sessions: RevokeSession,
RevokeSessions, UpdateSessionMetadata; then signing keys, events and what
is stored (no secret in the clear, none in the log)."""

from __future__ import annotations

import json
import logging

import grpc
import jwt
import pytest
from google.protobuf import duration_pb2
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import (
    create,
    error_reason,
    expect_error,
    meta,
    renew,
    violated_fields,
)

# ------------------------------------------------------------------ revoke / update


async def test_revoke_idempotent(h):
    r = await create(h)
    sid = r.session.session_id
    first = await h.sessions.RevokeSession(
        pb.RevokeSessionRequest(session_id=sid, reason=spb.END_REASON_ADMIN)
    )
    assert first.session.state == spb.SESSION_STATE_REVOKED
    assert first.session.end_reason == spb.END_REASON_ADMIN
    assert first.session.HasField("end_time")
    again = await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=sid))
    assert again.session == first.session
    await expect_error(
        h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id="ses_missing")),
        grpc.StatusCode.NOT_FOUND,
    )
    err = await expect_error(
        h.sessions.RevokeSession(
            pb.RevokeSessionRequest(session_id=sid, reason=spb.END_REASON_SUBJECT_BANNED)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == ["reason"]
    default_reason = await create(h)
    out = await h.sessions.RevokeSession(
        pb.RevokeSessionRequest(session_id=default_reason.session.session_id)
    )
    assert out.session.end_reason == spb.END_REASON_LOGOUT


async def test_revoke_expired_session_reports_expired(h):
    r = await create(h, ttl=duration_pb2.Duration(seconds=10))
    h.clock.advance(11)
    out = await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
    assert out.session.state == spb.SESSION_STATE_EXPIRED


async def test_revoke_sessions(h):
    keep = await create(h, subject="ivy")
    others = [await create(h, subject="ivy") for _ in range(3)]
    await create(h, subject="jack")
    out = await h.sessions.RevokeSessions(
        pb.RevokeSessionsRequest(subject_id="ivy", except_session_id=keep.session.session_id)
    )
    assert out.revoked_count == 3
    assert sorted(out.session_ids) == sorted(o.session.session_id for o in others)
    again = await h.sessions.RevokeSessions(pb.RevokeSessionsRequest(subject_id="ivy"))
    assert list(again.session_ids) == [keep.session.session_id]
    err = await expect_error(
        h.sessions.RevokeSessions(pb.RevokeSessionsRequest()), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert violated_fields(err) == ["subject_id"]
    jack = await h.sessions.ListSessions(
        pb.ListSessionsRequest(subject_id="jack", states=[spb.SESSION_STATE_ACTIVE])
    )
    assert len(jack.sessions) == 1


async def test_update_metadata(h):
    r = await create(h, metadata=meta(a=1))
    out = await h.sessions.UpdateSessionMetadata(
        pb.UpdateSessionMetadataRequest(session_id=r.session.session_id, metadata=meta(b="two"))
    )
    assert dict(out.session.metadata) == {"b": "two"}
    assert out.session.revision > r.session.revision
    await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
    err = await expect_error(
        h.sessions.UpdateSessionMetadata(
            pb.UpdateSessionMetadataRequest(session_id=r.session.session_id, metadata=meta(c=3))
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error_reason(err) == "SESSION_REVOKED"
    await expect_error(
        h.sessions.UpdateSessionMetadata(
            pb.UpdateSessionMetadataRequest(session_id="ses_x", metadata=meta(c=3))
        ),
        grpc.StatusCode.NOT_FOUND,
    )


# ------------------------------------------------------------------ keys, events, storage


async def test_jwks_verifies_tokens_offline(h):
    r = await create(h)
    jwks = await h.sessions.GetJwks(pb.GetJwksRequest())
    assert len(jwks.keys) == 1
    k = jwks.keys[0]
    assert (k.kty, k.crv, k.alg, k.use) == ("OKP", "Ed25519", "EdDSA", "sig")
    doc = json.loads(jwks.jwks_json)
    key = jwt.PyJWK(doc["keys"][0])
    claims = jwt.decode(
        r.tokens.access_token,
        key,
        algorithms=["EdDSA"],
        issuer=jwks.issuer,
        audience=jwks.audience,
    )
    # Open mode is the tenant "default"; its audience is bound to it.
    assert (jwks.issuer, jwks.audience, jwks.tenant) == (
        "session-authority",
        "session-authority:default",
        "default",
    )
    assert claims["tnt"] == "default"
    assert claims["sub"] == "user-1"
    assert claims["sid"] == r.session.session_id
    assert {"iat", "exp", "jti"} <= claims.keys()


async def test_every_change_writes_one_event(h):
    r = await create(h)
    n = await renew(h, r.tokens.refresh_token)
    await h.sessions.UpdateSessionMetadata(
        pb.UpdateSessionMetadataRequest(session_id=r.session.session_id, metadata=meta(x=1))
    )
    await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
    rows = [
        (e.revision, e.type)
        for e in await h.app.store.events_after(0)
        if e.session.session_id == r.session.session_id
    ]
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id))
    stored_rev = got.session.revision
    assert [t for _, t in rows] == ["CREATED", "RENEWED", "METADATA_UPDATED", "REVOKED"]
    revs = [rev for rev, _ in rows]
    assert revs == sorted(revs) and len(set(revs)) == 4
    assert stored_rev == revs[-1]
    assert n.session.revision == revs[1]


@pytest.mark.sqlite_only  # reads the database file itself
async def test_secrets_stored_only_as_hashes_or_sealed(h):
    r = await create(h, request_id="secret-check")
    await renew(h, r.tokens.refresh_token)
    pending = await create(h, pending=True)
    raw = h.db_path.read_bytes()
    wal = h.db_path.with_name(h.db_path.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    for secret in (r.tokens.refresh_token, pending.handoff_code, r.tokens.access_token):
        assert secret.encode() not in raw
    assert (h.db_path.with_name(h.db_path.name + ".key").stat().st_mode & 0o777) == 0o600


async def test_secrets_never_reach_the_log(h, caplog):
    caplog.set_level(logging.DEBUG)
    r = await create(h, request_id="log-check")
    renewed = await renew(h, r.tokens.refresh_token)
    await h.sessions.ValidateSession(pb.ValidateSessionRequest(access_token=r.tokens.access_token))
    await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
    await expect_error(
        h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=renewed.tokens.refresh_token)),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    secrets = [r.tokens.refresh_token, renewed.tokens.refresh_token, r.tokens.access_token]
    for secret in secrets:
        assert secret not in caplog.text
