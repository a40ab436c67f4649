"""The operator console's server side over real transports: ApiKeyService on
gRPC and HTTP (tenant-scoped, scope `console` or `*`), what a `console` key
may call, and the headers the console's files are served with."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

import grpc
import pytest
from sessionauthority.v1 import api_key_service_pb2 as kpb
from sessionauthority.v1 import api_key_service_pb2_grpc as kpb_grpc
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import add_key, error_reason, expect_error
from .http_client import SESSIONS, SUBJECTS, key_header, post

KEYS = "/sessionauthority.v1.ApiKeyService/"


async def test_api_keys_over_grpc_stay_in_the_callers_tenant(make_server):
    h = await make_server(http=True)
    console = await add_key(h, "acme", "console")
    await add_key(h, "acme", "*")
    await add_key(h, "other", "*")
    stub = kpb_grpc.ApiKeyServiceStub(h.channel)
    listed = await stub.ListApiKeys(kpb.ListApiKeysRequest(), metadata=console)
    assert listed.tenant == "acme" and len(listed.api_keys) == 2
    assert {k.tenant for k in listed.api_keys} == {"acme"}
    assert listed.caller_key_id in {k.key_id for k in listed.api_keys}

    made = await stub.CreateApiKey(
        kpb.CreateApiKeyRequest(scopes=["sessions.read"]), metadata=console
    )
    assert made.key.startswith("sak_") and list(made.api_key.scopes) == ["sessions.read"]
    reader = [("authorization", f"Bearer {made.key}")]
    await h.sessions.ListSessions(pb.ListSessionsRequest(), metadata=reader)

    revoked = await stub.RevokeApiKey(
        kpb.RevokeApiKeyRequest(key_id=made.api_key.key_id), metadata=console
    )
    assert revoked.api_key.HasField("revoke_time")
    # Revoked on this replica: refused at once, not after the key cache's 5 s.
    err = await expect_error(
        h.sessions.ListSessions(pb.ListSessionsRequest(), metadata=reader),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert error_reason(err) == "API_KEY_INVALID"

    others = [
        k for k in (await stub.ListApiKeys(kpb.ListApiKeysRequest(), metadata=console)).api_keys
    ]
    assert all(k.tenant == "acme" for k in others)
    other_tenant = await add_key(h, "other", "console")
    theirs = await stub.ListApiKeys(kpb.ListApiKeysRequest(), metadata=other_tenant)
    err = await expect_error(
        stub.RevokeApiKey(
            kpb.RevokeApiKeyRequest(key_id=theirs.api_keys[0].key_id), metadata=console
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    assert error_reason(err) == "API_KEY_NOT_FOUND"
    err = await expect_error(
        stub.CreateApiKey(kpb.CreateApiKeyRequest(scopes=["root"]), metadata=console),
        grpc.StatusCode.INVALID_ARGUMENT,
    )


async def test_a_console_key_calls_what_the_console_needs_over_http(make_server):
    h = await make_server(http=True)
    console = key_header(await add_key(h, "acme", "console"))
    writer = await add_key(h, "acme", "sessions.write")
    made = await h.sessions.CreateSession(
        pb.CreateSessionRequest(subject_id="user-1"), metadata=writer
    )
    base = h.http_url
    for path, body in (
        (SESSIONS + "ListSessions", {"subjectId": "user-1"}),
        (SESSIONS + "GetSession", {"sessionId": made.session.session_id}),
        (SUBJECTS + "GetSubject", {"subjectId": "user-1"}),
        (KEYS + "ListApiKeys", {}),
        (SESSIONS + "RevokeSessions", {"subjectId": "user-1", "exceptSessionId": "x"}),
        (SESSIONS + "RevokeSession", {"sessionId": made.session.session_id}),
    ):
        reply = await post(base + path, body, headers=console)
        assert reply.status == 200, (path, reply.body)
    # Not what the console needs: minting or validating sessions.
    denied = await post(base + SESSIONS + "CreateSession", {"subjectId": "u"}, headers=console)
    assert (denied.status, denied.reason) == (403, "SCOPE_MISSING")

    # A key without `console` (nor `*`) is refused by ApiKeyService, which
    # the console's sign-in calls first.
    reader = key_header(await add_key(h, "acme", "sessions.read"))
    refused = await post(base + KEYS + "ListApiKeys", {}, headers=reader)
    assert (refused.status, refused.code, refused.reason) == (
        403,
        "permission_denied",
        "SCOPE_MISSING",
    )
    assert refused.details()["ErrorInfo"].metadata["scope"] == "console"
    everything = key_header(await add_key(h, "acme", "*"))
    assert (await post(base + KEYS + "ListApiKeys", {}, headers=everything)).status == 200


def _get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


@pytest.mark.sqlite_only
async def test_the_console_files_come_with_strict_headers(make_server):
    h = await make_server(http=True)
    status, headers, body = await asyncio.to_thread(_get, h.http_url + "/console/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b'src="console.js"' in body and b"<script>" not in body
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in headers
    status, headers, _ = await asyncio.to_thread(_get, h.http_url + "/console/console.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert (await asyncio.to_thread(_get, h.http_url + "/console/nope.js"))[0] == 404
    assert (await asyncio.to_thread(_get, h.http_url + "/console/", "POST"))[0] == 405


async def _off_loopback(tmp_path, **tls: str):
    from sessionauthority_server.app import create_server
    from sessionauthority_server.config import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'sa.db'}", port=0, **tls)
    # gRPC stays on loopback; only the HTTP port listens on every address.
    return await create_server(settings, address="127.0.0.1:0", http_address="0.0.0.0:0")


async def _curl_status(url: str, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", *args, url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err
    return out.decode()


@pytest.mark.sqlite_only
async def test_off_loopback_the_console_needs_tls(make_server, tmp_path):
    from conformance.pki import issue, pem

    (tmp_path / "plain").mkdir()
    app = await _off_loopback(tmp_path / "plain")
    try:
        assert app.http is not None
        url = f"http://127.0.0.1:{app.http.port}/console/"
        status, _, body = await asyncio.to_thread(_get, url)
        assert status == 403 and b"needs TLS" in body
    finally:
        await app.stop(0)

    ca = issue("test ca", None, ca=True)
    cert, key = pem(issue("localhost", ca, server=True))
    (tmp_path / "ca.pem").write_bytes(pem(ca)[0])
    (tmp_path / "server.pem").write_bytes(cert)
    (tmp_path / "server.key").write_bytes(key)
    (tmp_path / "server.key").chmod(0o600)
    app = await _off_loopback(
        tmp_path, tls_cert=str(tmp_path / "server.pem"), tls_key=str(tmp_path / "server.key")
    )
    try:
        assert app.http is not None
        url = f"https://localhost:{app.http.port}/console/"
        assert await _curl_status(url, "--cacert", str(tmp_path / "ca.pem")) == "200"
    finally:
        await app.stop(0)
