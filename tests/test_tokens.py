"""SessionService end to end, the tokens: ValidateSession and RenewSession
(reasons, expiry, rotation, the grace window, theft detection)."""

from __future__ import annotations

import grpc
import jwt
from google.protobuf import duration_pb2
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority_server.tokens import sign_access_token

from .helpers import (
    create,
    error_reason,
    expect_error,
    renew,
    validate,
    violated_fields,
)

# ------------------------------------------------------------------ validate


async def test_validate_reasons(h):
    r = await create(h, reference="ref-a")
    tok = r.tokens.access_token
    assert (await validate(h, tok)).valid
    ok = await validate(h, tok, expected_subject_id="user-1", expected_reference="ref-a")
    assert ok.valid and ok.session.session_id == r.session.session_id
    v = await validate(h, tok, expected_subject_id="user-2")
    assert not v.valid and v.invalid_reason == pb.INVALID_REASON_SUBJECT_MISMATCH
    v = await validate(h, tok, expected_reference="ref-b")
    assert v.invalid_reason == pb.INVALID_REASON_REFERENCE_MISMATCH
    assert (await validate(h, "not-a-jwt")).invalid_reason == pb.INVALID_REASON_MALFORMED
    head, body, sig = tok.split(".")
    tampered = f"{head}.{body}.{sig[:-4]}AAAA"
    assert (await validate(h, tampered)).invalid_reason == pb.INVALID_REASON_BAD_SIGNATURE


async def test_validate_rejects_other_algorithms_and_keys(h):
    r = await create(h)
    claims = jwt.decode(r.tokens.access_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(r.tokens.access_token)["kid"]
    hs = jwt.encode(claims, "s" * 32, algorithm="HS256", headers={"kid": kid})
    none = jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = Ed25519PrivateKey.generate()
    forged = jwt.encode(claims, stranger, algorithm="EdDSA", headers={"kid": kid})
    unknown_kid = jwt.encode(claims, stranger, algorithm="EdDSA", headers={"kid": "k_unknown"})
    for token in (hs, none, forged, unknown_kid):
        v = await validate(h, token)
        assert v.invalid_reason == pb.INVALID_REASON_BAD_SIGNATURE, token


async def test_validate_session_not_found(h):
    key = h.app.store.keys.active
    now = h.clock()
    token = sign_access_token(
        key,
        issuer="session-authority",
        audience="session-authority",
        tenant="default",
        subject_id="ghost",
        session_id="ses_doesnotexist",
        now_us=now,
        expire_us=now + 60_000_000,
    )
    v = await validate(h, token)
    assert v.invalid_reason == pb.INVALID_REASON_SESSION_NOT_FOUND
    assert not v.HasField("session")


def _signed(h, r, audience: str, tenant: str = "default") -> str:
    now = h.clock()
    return sign_access_token(
        h.app.store.keys.active,
        issuer="session-authority",
        audience=audience,
        tenant=tenant,
        subject_id=r.session.subject_id,
        session_id=r.session.session_id,
        now_us=now,
        expire_us=now + 60_000_000,
    )


async def test_access_tokens_carry_their_tenants_audience_and_refuse_another(h):
    r = await create(h)
    claims = jwt.decode(r.tokens.access_token, options={"verify_signature": False})
    assert claims["aud"] == "session-authority:default"
    assert claims["tnt"] == "default"
    for audience in ("some-other-service", "session-authority:other-tenant"):
        v = await validate(h, _signed(h, r, audience))
        assert not v.valid and v.invalid_reason == pb.INVALID_REASON_MALFORMED, audience


async def test_tokens_minted_before_audiences_per_tenant_still_validate(h):
    # Minted by the release before: the shared audience, with `tnt`.
    r = await create(h)
    assert (await validate(h, _signed(h, r, "session-authority"))).valid


async def test_validate_token_expired_vs_session_expired(h):
    r = await create(h, ttl=duration_pb2.Duration(seconds=3600))
    h.clock.advance(901)
    v = await validate(h, r.tokens.access_token)
    assert v.invalid_reason == pb.INVALID_REASON_TOKEN_EXPIRED
    assert v.session.state == spb.SESSION_STATE_ACTIVE
    h.clock.advance(3600)
    v = await validate(h, r.tokens.access_token)
    # The session's end wins over the token's own expiry.
    assert v.invalid_reason == pb.INVALID_REASON_SESSION_EXPIRED
    assert v.session.state == spb.SESSION_STATE_EXPIRED


async def test_validate_revoked_and_terminated(h):
    a = await create(h, subject="gina")
    b = await create(h, subject="hank")
    await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=a.session.session_id))
    v = await validate(h, a.tokens.access_token)
    assert v.invalid_reason == pb.INVALID_REASON_SESSION_REVOKED
    from sessionauthority.v1 import subject_service_pb2 as sub

    await h.subjects.TerminateSubject(
        sub.TerminateSubjectRequest(
            subject_id="hank", reason=sub.TERMINATION_REASON_BANNED, error_code="E_BANNED"
        )
    )
    v = await validate(h, b.tokens.access_token)
    assert v.invalid_reason == pb.INVALID_REASON_SESSION_TERMINATED
    assert v.session.error_code == "E_BANNED"


async def test_validate_missing_token(h):
    err = await expect_error(validate(h, ""), grpc.StatusCode.INVALID_ARGUMENT)
    assert violated_fields(err) == ["access_token"]


async def test_validate_moves_last_active_at_most_once_a_minute(make_server):
    h = await make_server(idle_timeout_seconds=120)
    r = await create(h)
    created_active = r.session.last_active_time.ToMicroseconds()
    h.clock.advance(30)
    v = await validate(h, r.tokens.access_token)
    assert v.session.last_active_time.ToMicroseconds() == created_active
    h.clock.advance(40)
    v = await validate(h, r.tokens.access_token)
    moved = v.session.last_active_time.ToMicroseconds()
    assert moved > created_active
    # Activity keeps an idle timeout from firing...
    h.clock.advance(100)
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id))
    assert got.session.state == spb.SESSION_STATE_ACTIVE
    # ...and silence lets it fire.
    h.clock.advance(30)
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id))
    assert got.session.state == spb.SESSION_STATE_EXPIRED
    assert got.session.end_reason == spb.END_REASON_IDLE_TIMEOUT
    assert got.session.end_time.ToMicroseconds() == moved + 120_000_000


# ------------------------------------------------------------------ renew


async def test_renew_rotates(h):
    r = await create(h)
    h.clock.advance(5)
    n = await renew(h, r.tokens.refresh_token)
    assert n.tokens.refresh_token != r.tokens.refresh_token
    assert n.tokens.access_token != r.tokens.access_token
    assert n.session.last_renew_time.ToMicroseconds() > r.session.last_renew_time.ToMicroseconds()
    assert n.session.revision > r.session.revision
    assert (await validate(h, n.tokens.access_token)).valid
    n2 = await renew(h, n.tokens.refresh_token)
    assert n2.tokens.refresh_token not in (n.tokens.refresh_token, r.tokens.refresh_token)


async def test_renew_grace_window_returns_same_pair(h):
    r = await create(h)
    first = await renew(h, r.tokens.refresh_token)
    h.clock.advance(9)
    retry = await renew(h, r.tokens.refresh_token)
    assert retry.tokens == first.tokens
    assert retry.session.state == spb.SESSION_STATE_ACTIVE


async def test_renew_reuse_after_grace_revokes(h):
    r = await create(h)
    first = await renew(h, r.tokens.refresh_token)
    h.clock.advance(11)
    err = await expect_error(renew(h, r.tokens.refresh_token), grpc.StatusCode.UNAUTHENTICATED)
    assert error_reason(err) == "REFRESH_TOKEN_REUSED"
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id))
    assert got.session.state == spb.SESSION_STATE_REVOKED
    assert got.session.end_reason == spb.END_REASON_REFRESH_TOKEN_REUSE
    # The thief's (or victim's) newer token is dead too.
    err = await expect_error(renew(h, first.tokens.refresh_token), grpc.StatusCode.UNAUTHENTICATED)
    assert error_reason(err) == "SESSION_REVOKED"
    v = await validate(h, first.tokens.access_token)
    assert v.invalid_reason == pb.INVALID_REASON_SESSION_REVOKED


async def test_renew_failures(h):
    err = await expect_error(renew(h, "srt_" + "A" * 43), grpc.StatusCode.UNAUTHENTICATED)
    assert error_reason(err) == "REFRESH_TOKEN_INVALID"
    err = await expect_error(renew(h, ""), grpc.StatusCode.INVALID_ARGUMENT)
    assert violated_fields(err) == ["refresh_token"]
    r = await create(h, ttl=duration_pb2.Duration(seconds=60))
    h.clock.advance(61)
    err = await expect_error(renew(h, r.tokens.refresh_token), grpc.StatusCode.UNAUTHENTICATED)
    assert error_reason(err) == "SESSION_EXPIRED"


async def test_renew_access_token_never_outlives_session(h):
    r = await create(h, ttl=duration_pb2.Duration(seconds=600))
    h.clock.advance(300)
    n = await renew(h, r.tokens.refresh_token)
    assert n.tokens.access_token_expire_time == r.session.expire_time
    claims = jwt.decode(n.tokens.access_token, options={"verify_signature": False})
    assert claims["exp"] <= r.session.expire_time.seconds
