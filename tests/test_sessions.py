"""SessionService end to end: every RPC and the error paths CONTRACT.md names.
Prepare / Execute / Assert against a real server over a real SQLite file."""

from __future__ import annotations

import json
import logging

import grpc
import jwt
import pytest
from google.protobuf import duration_pb2, struct_pb2
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority_server.tokens import sign_access_token

from .helpers import create, details, error_reason, expect_error, violated_fields

DAY = 86400


def meta(**values: object) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


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


# ------------------------------------------------------------------ validate


async def validate(h, token: str, **kw) -> pb.ValidateSessionResponse:
    return await h.sessions.ValidateSession(pb.ValidateSessionRequest(access_token=token, **kw))


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


async def test_access_tokens_carry_the_audience_and_refuse_another(h):
    r = await create(h)
    claims = jwt.decode(r.tokens.access_token, options={"verify_signature": False})
    assert claims["aud"] == "session-authority"
    now = h.clock()
    other = sign_access_token(
        h.app.store.keys.active,
        issuer="session-authority",
        audience="some-other-service",
        tenant="default",
        subject_id=r.session.subject_id,
        session_id=r.session.session_id,
        now_us=now,
        expire_us=now + 60_000_000,
    )
    v = await validate(h, other)
    assert not v.valid and v.invalid_reason == pb.INVALID_REASON_MALFORMED


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


async def renew(h, token: str) -> pb.RenewSessionResponse:
    return await h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=token))


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
        issuer="session-authority",
        audience="session-authority",
    )
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
