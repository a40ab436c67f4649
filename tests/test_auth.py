"""Callers: API keys, open mode, tenant isolation and scopes, through the real
gRPC surface (Prepare / Execute / Assert)."""

from __future__ import annotations

import asyncio

import grpc
import jwt
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import subject_service_pb2 as sub_pb
from sessionauthority_server.cli import main
from sessionauthority_server.services.auth import METHOD_SCOPES
from sessionauthority_server.store import apikeys

from .conftest import backend_settings
from .helpers import add_key, error_reason
from .invariants import every_value


async def refused(call, code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    assert info.value.code() == code, info.value.details()
    return error_reason(info.value)


async def test_open_mode_ends_when_the_first_key_exists(h):
    r = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="u1"))
    assert r.session.session_id
    key = await add_key(h, "default")
    reason = await refused(
        h.sessions.GetSession(pb.GetSessionRequest(session_id=r.session.session_id)),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert reason == "API_KEY_MISSING"
    got = await h.sessions.GetSession(
        pb.GetSessionRequest(session_id=r.session.session_id), metadata=key
    )
    assert got.session.subject_id == "u1"
    # Health stays open for load balancers.
    health = health_pb2_grpc.HealthStub(h.channel)
    assert (await health.Check(health_pb2.HealthCheckRequest())).status == 1


async def test_bad_and_revoked_keys_are_unauthenticated(h):
    key = await add_key(h, "acme")
    for header in ("Bearer sak_not-a-key", "Basic abc", "Bearer " + "sak_" + "x" * 500):
        reason = await refused(
            h.sessions.ListSessions(pb.ListSessionsRequest(), metadata=[("authorization", header)]),
            grpc.StatusCode.UNAUTHENTICATED,
        )
        assert reason == "API_KEY_INVALID"
    await h.sessions.ListSessions(pb.ListSessionsRequest(), metadata=key)
    key_id = (await apikeys.all_keys(h.app.store.db.reader))[-1]["key_id"]
    await h.app.store.db.writer.write(apikeys.revoke, key_id)
    h.clock.advance(6)  # past the key cache
    await refused(
        h.sessions.ListSessions(pb.ListSessionsRequest(), metadata=key),
        grpc.StatusCode.UNAUTHENTICATED,
    )


async def test_another_tenants_sessions_are_not_found(h):
    a = await add_key(h, "tenant-a")
    b = await add_key(h, "tenant-b")
    mine = await h.sessions.CreateSession(
        pb.CreateSessionRequest(subject_id="alice", reference="web"), metadata=a
    )
    sid = mine.session.session_id
    for call in (
        h.sessions.GetSession(pb.GetSessionRequest(session_id=sid), metadata=b),
        h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=sid), metadata=b),
        h.sessions.UpdateSessionMetadata(
            pb.UpdateSessionMetadataRequest(session_id=sid), metadata=b
        ),
        h.subjects.GetSubject(sub_pb.GetSubjectRequest(subject_id="alice"), metadata=b),
    ):
        await refused(call, grpc.StatusCode.NOT_FOUND)
    # Another tenant's refresh token is as unknown as a made-up one.
    await refused(
        h.sessions.RenewSession(
            pb.RenewSessionRequest(refresh_token=mine.tokens.refresh_token), metadata=b
        ),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    listed = await h.sessions.ListSessions(pb.ListSessionsRequest(), metadata=b)
    assert list(listed.sessions) == []
    many = await h.sessions.RevokeSessions(pb.RevokeSessionsRequest(subject_id="alice"), metadata=b)
    assert many.revoked_count == 0
    check = await h.sessions.ValidateSession(
        pb.ValidateSessionRequest(access_token=mine.tokens.access_token), metadata=b
    )
    assert not check.valid
    # Tenant B's watcher, from revision 1, never hears of tenant A.
    stream = h.sessions.WatchSessions(pb.WatchSessionsRequest(start_revision=1), metadata=b)
    theirs = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="bob"), metadata=b)
    seen = []
    async with asyncio.timeout(5):
        async for msg in stream:
            if msg.HasField("event"):
                seen.append(msg.event.session.session_id)
                if msg.event.session.session_id == theirs.session.session_id:
                    break
    stream.cancel()
    assert seen == [theirs.session.session_id]
    # Still A's, untouched.
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=sid), metadata=a)
    assert got.session.state == mine.session.state


@pytest.mark.parametrize("scope", sorted(set(METHOD_SCOPES.values())))
async def test_each_scope_opens_only_its_methods(h, scope):
    key = await add_key(h, "acme", scope)
    allowed = {m for m, s in METHOD_SCOPES.items() if s == scope}
    calls = {
        "/sessionauthority.v1.SessionService/CreateSession": lambda: h.sessions.CreateSession(
            pb.CreateSessionRequest(subject_id="s"), metadata=key
        ),
        "/sessionauthority.v1.SessionService/GetSession": lambda: h.sessions.GetSession(
            pb.GetSessionRequest(session_id="ses_missing"), metadata=key
        ),
        "/sessionauthority.v1.SessionService/ValidateSession": lambda: h.sessions.ValidateSession(
            pb.ValidateSessionRequest(access_token="x"), metadata=key
        ),
        "/sessionauthority.v1.SubjectService/GetSubject": lambda: h.subjects.GetSubject(
            sub_pb.GetSubjectRequest(subject_id="nobody"), metadata=key
        ),
    }
    for method, call in calls.items():
        try:
            await call()
            code = grpc.StatusCode.OK
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
        if method in allowed:
            assert code != grpc.StatusCode.PERMISSION_DENIED, method
        else:
            assert code == grpc.StatusCode.PERMISSION_DENIED, method
    stream = h.sessions.WatchSessions(pb.WatchSessionsRequest(), metadata=key)
    if scope == "sessions.watch":
        first = await asyncio.wait_for(stream.read(), 5)
        assert first.HasField("progress")
        stream.cancel()
    else:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await asyncio.wait_for(stream.read(), 5)
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_api_keys_command_shows_the_key_once(database_url, capsys):
    url = database_url
    assert main(["api-keys", "--database-url", url, "create", "--tenant", "acme"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("sak_") and len(key) >= 4 + 43
    assert main(["api-keys", "--database-url", url, "list"]) == 0
    listed = capsys.readouterr().out
    assert "acme" in listed and key not in listed
    key_id = listed.split()[0]
    assert main(["api-keys", "--database-url", url, "create", "--tenant", "a", "--scope", "x"])
    assert "unknown scope" in capsys.readouterr().err
    assert main(["api-keys", "--database-url", url, "revoke", key_id]) == 0
    assert main(["api-keys", "--database-url", url, "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    # The key itself is nowhere in the database.
    assert key not in every_value(url)


async def test_a_request_id_is_the_callers_own(h):
    a = await add_key(h, "acme")
    b = await add_key(h, "acme")
    req = pb.CreateSessionRequest(subject_id="alice", request_id="login-1")
    first = await h.sessions.CreateSession(req, metadata=a)
    # The same caller retrying (its first answer lost) gets the same tokens.
    again = await h.sessions.CreateSession(req, metadata=a)
    assert again.replayed and not first.replayed
    assert again.tokens.refresh_token == first.tokens.refresh_token
    # Another key of the same tenant repeating a known request_id gets its
    # own session, never the first caller's tokens.
    other = await h.sessions.CreateSession(req, metadata=b)
    assert not other.replayed
    assert other.session.session_id != first.session.session_id
    assert other.tokens.refresh_token != first.tokens.refresh_token


async def test_a_replay_never_returns_a_rotated_refresh_token(h):
    first = await h.sessions.CreateSession(
        pb.CreateSessionRequest(subject_id="bob", request_id="login-2")
    )
    await h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=first.tokens.refresh_token))
    replay = await h.sessions.CreateSession(
        pb.CreateSessionRequest(subject_id="bob", request_id="login-2")
    )
    assert replay.replayed
    assert replay.session.session_id == first.session.session_id
    assert not replay.HasField("tokens")
    # A used handoff code is not handed out again either.
    pending = await h.sessions.CreateSession(
        pb.CreateSessionRequest(subject_id="carol", request_id="login-3", pending=True)
    )
    await h.sessions.StartSession(pb.StartSessionRequest(handoff_code=pending.handoff_code))
    later = await h.sessions.CreateSession(
        pb.CreateSessionRequest(subject_id="carol", request_id="login-3", pending=True)
    )
    assert later.replayed and later.handoff_code == ""


async def test_rotation_keeps_earlier_tokens_valid_until_they_expire(h):
    before = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="rot"))
    old_kid = h.app.store.keys.active.kid
    new_kid = await h.app.store.rotate_signing_key()
    assert new_kid and new_kid != old_kid
    after = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="rot2"))
    # New tokens carry the new kid; the old token still validates.
    assert jwt.get_unverified_header(after.tokens.access_token)["kid"] == new_kid
    check = await h.sessions.ValidateSession(
        pb.ValidateSessionRequest(access_token=before.tokens.access_token)
    )
    assert check.valid
    kids = {k.kid for k in (await h.sessions.GetJwks(pb.GetJwksRequest())).keys}
    assert kids == {old_kid, new_kid}
    # Automatic rotation: not yet due for a fresh key...
    assert await h.app.store.rotate_signing_key(if_older_than_s=3600) is None
    # ...and once the old key's last token has expired, it leaves the JWKS.
    h.clock.advance(901)
    newest = await h.app.store.rotate_signing_key(if_older_than_s=600)
    assert newest is not None
    kids = {k.kid for k in (await h.sessions.GetJwks(pb.GetJwksRequest())).keys}
    assert old_kid not in kids and {new_kid, newest} <= kids


def test_keys_rotate_command(database_url, capsys, monkeypatch):
    url = database_url
    for name, value in backend_settings(url).items():
        monkeypatch.setenv(f"SESSION_AUTHORITY_{name.upper()}", value)
    assert main(["keys", "--database-url", url, "rotate"]) == 0
    assert "new signing key" in capsys.readouterr().out


async def test_one_caller_cannot_take_every_watch_stream(make_server):
    h = await make_server(max_watch_streams_per_caller=2)
    greedy = await add_key(h, "acme")
    other = await add_key(h, "acme")
    held = [h.sessions.WatchSessions(pb.WatchSessionsRequest(), metadata=greedy) for _ in range(2)]
    for stream in held:
        assert (await asyncio.wait_for(stream.read(), 5)).HasField("progress")
    third = h.sessions.WatchSessions(pb.WatchSessionsRequest(), metadata=greedy)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await asyncio.wait_for(third.read(), 5)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_reason(info.value) == "WATCH_LIMIT_PER_CALLER"
    # Another caller still gets one.
    theirs = h.sessions.WatchSessions(pb.WatchSessionsRequest(), metadata=other)
    assert (await asyncio.wait_for(theirs.read(), 5)).HasField("progress")
    for stream in (*held, theirs):
        stream.cancel()


async def test_api_keys_never_reach_the_log(h, caplog):
    caplog.set_level("DEBUG")
    key = await add_key(h, "acme")
    await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="l"), metadata=key)
    bad = [("authorization", key[0][1] + "x")]
    with pytest.raises(grpc.aio.AioRpcError):
        await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="l"), metadata=bad)
    secret = key[0][1].removeprefix("Bearer ")
    assert secret not in caplog.text


async def test_no_interceptor_stands_before_any_call(make_server):
    # Health/Check and reflection reach grpc's own handlers with no Python of
    # ours in front; our methods authenticate in their handlers.
    h = await make_server()
    assert h.app.interceptors == []
