"""The Connect protocol on the HTTP port, through a real server on a loopback
port with urllib and curl as the clients: JSON and binary bodies, errors
with their details, a watch stream read with curl (HTTP/1.1 and HTTP/2),
the limits, hostile input, /healthz and the metrics of both transports."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import urllib.error
import urllib.request

import pytest
from google.rpc import error_details_pb2
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority_server.app import ConfigError
from sessionauthority_server.http.app import respond

from .helpers import add_key, create
from .http_client import SESSIONS, envelope, key_header, post, read_envelope, stop
from .test_metrics import free_port, scrape

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


async def test_json_create_validate_revoke(make_server):
    h = await make_server(http=True)
    created = await post(h.http_url + SESSIONS + "CreateSession", {"subjectId": "user-42"})
    assert created.status == 200, created.body
    assert created.headers["content-type"] == "application/json"
    body = created.json()
    assert body["session"]["sessionId"].startswith("ses_")
    assert body["session"]["state"] == "SESSION_STATE_ACTIVE"
    check = await post(
        h.http_url + SESSIONS + "ValidateSession",
        {"accessToken": body["tokens"]["accessToken"], "expectedSubjectId": "user-42"},
    )
    assert check.json()["valid"] is True
    # The same session, seen from the gRPC port: one server, one store.
    got = await h.sessions.GetSession(pb.GetSessionRequest(session_id=body["session"]["sessionId"]))
    assert got.session.subject_id == "user-42"
    revoked = await post(
        h.http_url + SESSIONS + "RevokeSession", {"sessionId": body["session"]["sessionId"]}
    )
    assert revoked.json()["session"]["state"] == "SESSION_STATE_REVOKED"


async def test_binary_protobuf_bodies(make_server):
    h = await make_server(http=True)
    request = pb.CreateSessionRequest(subject_id="user-bin", reference="web")
    reply = await post(
        h.http_url + SESSIONS + "CreateSession",
        request.SerializeToString(),
        content_type="application/proto",
    )
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/proto"
    response = pb.CreateSessionResponse.FromString(reply.body)
    assert response.session.reference == "web"
    assert response.tokens.refresh_token.startswith("srt_")


async def test_errors_carry_reason_metadata_and_field_violations(make_server):
    h = await make_server(http=True)
    missing = await post(h.http_url + SESSIONS + "GetSession", {"sessionId": "ses_missing"})
    assert (missing.status, missing.code) == (404, "not_found")
    info = missing.details()["ErrorInfo"]
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("SESSION_NOT_FOUND", "sessionauthority")
    assert info.metadata["session_id"] == "ses_missing"

    bad = await post(h.http_url + SESSIONS + "ListSessions", {"pageSize": -1})
    assert (bad.status, bad.code) == (400, "invalid_argument")
    violations = bad.details()["BadRequest"]
    assert isinstance(violations, error_details_pb2.BadRequest)
    assert [v.field for v in violations.field_violations] == ["page_size"]
    # The same details, readable: Connect's `debug` JSON beside each value.
    debug = {d["type"]: d["debug"] for d in bad.json()["details"]}
    assert debug["google.rpc.BadRequest"]["fieldViolations"][0]["field"] == "page_size"
    assert debug["google.rpc.ErrorInfo"]["reason"] == "INVALID_ARGUMENT"


async def test_rate_limit_answers_with_retry_info(make_server):
    h = await make_server(http=True, create_rate_per_minute=1)
    url = h.http_url + SESSIONS + "CreateSession"
    assert (await post(url, {"subjectId": "busy"})).status == 200
    refused = await post(url, {"subjectId": "busy"})
    assert (refused.status, refused.code, refused.reason) == (
        429,
        "resource_exhausted",
        "RATE_LIMITED",
    )
    retry = refused.details()["RetryInfo"]
    assert isinstance(retry, error_details_pb2.RetryInfo)
    assert retry.retry_delay.seconds > 0


async def test_hostile_bodies_get_clear_errors(make_server):
    h = await make_server(http=True)
    url = h.http_url + SESSIONS + "CreateSession"
    for body in (b'{"subjectId":', b"\xff\xfe", b"[1, 2]", b'{"subjectId": 7}'):
        reply = await post(url, body)
        assert (reply.status, reply.code) == (400, "invalid_argument"), body
        assert reply.details()["BadRequest"].field_violations[0].field == "request"
    unknown = await post(url, {"subjectId": "x", "subjectID": "typo"})
    assert (unknown.status, unknown.code) == (400, "invalid_argument")
    assert "subjectID" in unknown.json()["message"]
    garbage = await post(url, b"\x0a\xff\xff\xff\xff\x0f", content_type="application/proto")
    assert (garbage.status, garbage.code) == (400, "invalid_argument")

    wrong_type = await post(url, b"subjectId=x", content_type="application/x-www-form-urlencoded")
    assert wrong_type.status == 415
    assert "application/json" in wrong_type.json()["message"]
    get = await asyncio.to_thread(_get, url + "?message=%7B%7D&encoding=json")
    assert get == 405


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code


async def test_a_body_over_the_limit_is_refused(make_server):
    h = await make_server(http=True, max_request_bytes=32 * 1024)
    big = {"subjectId": "x", "metadata": {"blob": "a" * 40_000}}
    reply = await post(h.http_url + SESSIONS + "CreateSession", big)
    assert (reply.status, reply.code, reply.reason) == (
        429,
        "resource_exhausted",
        "REQUEST_TOO_LARGE",
    )
    assert reply.details()["ErrorInfo"].metadata["limit"] == str(32 * 1024)


async def test_a_slow_body_is_cut_off_with_an_error(make_server):
    h = await make_server(http=True, http_body_timeout_seconds=0.5)
    port = int(h.http_url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /sessionauthority.v1.SessionService/CreateSession HTTP/1.1\r\n"
        b"host: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n"
        b'{"subjectId"'
    )  # ... and the other 88 bytes never come.
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    assert head.startswith(b"HTTP/1.1 504"), head
    writer.close()


async def test_the_call_limit_counts_streams(make_server):
    h = await make_server(http=True, max_concurrent_rpcs=1)
    watch = await _curl_watch(h.http_url, {})
    try:
        _flags, first = await read_envelope(watch.stdout)
        assert "progress" in first
        refused = await post(h.http_url + SESSIONS + "GetSession", {"sessionId": "ses_x"})
        assert (refused.code, refused.reason) == ("resource_exhausted", "TOO_MANY_CALLS")
        assert "RetryInfo" in refused.details()
    finally:
        await stop(watch)


async def _curl_watch(url: str, request: dict, *args: str) -> asyncio.subprocess.Process:
    body = envelope(json.dumps(request).encode())
    proc = await asyncio.create_subprocess_exec(
        "curl", "-sS", "-N", *args, "--data-binary", "@-",
        "-H", "content-type: application/connect+json",
        url + SESSIONS + "WatchSessions",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(body)
    proc.stdin.close()
    return proc


@pytest.mark.parametrize("version", ["--http1.1", "--http2-prior-knowledge"])
async def test_watch_streams_to_curl(make_server, version):
    h = await make_server(http=True)
    watch = await _curl_watch(h.http_url, {"subjectId": "user-42"}, version)
    try:
        flags, first = await read_envelope(watch.stdout)
        assert flags == 0 and "progress" in first
        created = await create(h, subject="user-42")
        await h.sessions.RevokeSession(
            pb.RevokeSessionRequest(session_id=created.session.session_id)
        )
        seen = []
        while len(seen) < 2:
            flags, message = await read_envelope(watch.stdout)
            if "event" in message:
                seen.append(message["event"]["type"])
        assert seen == ["SESSION_EVENT_TYPE_CREATED", "SESSION_EVENT_TYPE_REVOKED"]
    finally:
        await stop(watch)


async def test_a_watch_error_is_the_end_of_stream_message(make_server):
    h = await make_server(http=True)
    head = (await h.sessions.ListEndedSessions(pb.ListEndedSessionsRequest())).revision
    watch = await _curl_watch(h.http_url, {"startRevision": str(head + 50)})
    flags, end = await read_envelope(watch.stdout)
    await watch.wait()
    assert flags == 2
    assert end["error"]["code"] == "out_of_range"
    (detail,) = [d for d in end["error"]["details"] if d["type"] == "google.rpc.ErrorInfo"]
    info = error_details_pb2.ErrorInfo.FromString(base64.b64decode(detail["value"] + "=="))
    assert info.reason == "REVISION_AHEAD"
    assert info.metadata["head_revision"] == str(head)


async def test_healthz_follows_the_database(make_server, monkeypatch):
    h = await make_server(http=True)
    assert await asyncio.to_thread(_get, h.http_url + "/healthz") == 200

    async def unreachable() -> int:
        raise OSError("database gone")

    monkeypatch.setattr(h.app.store, "current_revision", unreachable)
    assert await asyncio.to_thread(_get, h.http_url + "/healthz") == 503


async def test_keyless_cross_site_and_rebinding_requests_are_refused(make_server):
    """Open mode is for local processes: a web page (cross-site, or
    DNS-rebound to 127.0.0.1) must not get it."""
    h = await make_server(http=True)
    url = h.http_url + SESSIONS + "CreateSession"
    other = await post(url, {"subjectId": "x"}, headers={"origin": "https://evil.example"})
    assert other.status == 403
    rebound = await post(url, {"subjectId": "x"}, headers={"host": "evil.example"})
    assert rebound.status == 403
    key = await add_key(h, "acme")
    # A call with a key is the key's, whatever a reverse proxy puts in Host.
    proxied = await post(
        url, {"subjectId": "x"}, headers={"host": "sessions.example", **key_header(key)}
    )
    assert proxied.status == 200, proxied.body
    assert await asyncio.to_thread(_get, h.http_url + "/healthz") == 200


async def test_metrics_count_each_transport(make_server):
    port = free_port()
    h = await make_server(http=True, metrics_port=port)
    await create(h)
    await post(h.http_url + SESSIONS + "CreateSession", {"subjectId": "m"})
    await post(h.http_url + SESSIONS + "GetSession", {"sessionId": "ses_missing"})
    m = await scrape(port)
    method = ("method", "SessionService/CreateSession")
    assert m[("sessionauthority_rpc_total", (("code", "OK"), method, ("transport", "grpc")))] == 1
    ok = (("code", "OK"), method, ("transport", "connect"))
    assert m[("sessionauthority_rpc_total", ok)] == 1
    missing = (
        ("code", "NOT_FOUND"),
        ("method", "SessionService/GetSession"),
        ("transport", "connect"),
    )
    assert m[("sessionauthority_rpc_total", missing)] == 1


# What a browser or an edge runtime does: fetch() with a streamed body
# reader, Connect envelopes parsed by hand, one JSON line out per message.
FETCH_WATCH = r"""
const [url, request] = process.argv.slice(1); // node -e: no script path
const body = new TextEncoder().encode(request);
const frame = new Uint8Array(5 + body.length);
new DataView(frame.buffer).setUint32(1, body.length);
frame.set(body, 5);
const res = await fetch(url, {
  method: "POST", headers: { "content-type": "application/connect+json" }, body: frame,
});
const reader = res.body.getReader();
let buf = new Uint8Array(0);
for (;;) {
  const { value, done } = await reader.read();
  if (done) break;
  const joined = new Uint8Array(buf.length + value.length);
  joined.set(buf); joined.set(value, buf.length); buf = joined;
  while (buf.length >= 5) {
    const size = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
    if (buf.length < 5 + size) break;
    console.log(JSON.stringify(JSON.parse(new TextDecoder().decode(buf.slice(5, 5 + size)))));
    buf = buf.slice(5 + size);
  }
}
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js 20+")
async def test_watch_streams_to_fetch(make_server):
    h = await make_server(http=True)
    proc = await asyncio.create_subprocess_exec(
        "node", "--input-type=module", "-e", FETCH_WATCH,
        h.http_url + SESSIONS + "WatchSessions", json.dumps({"subjectId": "user-42"}),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        first = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
        assert "progress" in first
        await post(h.http_url + SESSIONS + "CreateSession", {"subjectId": "user-42"})
        while True:
            message = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
            if "event" in message:
                break
        assert message["event"]["type"] == "SESSION_EVENT_TYPE_CREATED"
    finally:
        await stop(proc)


async def test_grpc_web_on_the_same_port(make_server):
    h = await make_server(http=True)
    request = pb.CreateSessionRequest(subject_id="web-client").SerializeToString()
    reply = await post(
        h.http_url + SESSIONS + "CreateSession",
        envelope(request),
        content_type="application/grpc-web+proto",
    )
    assert reply.status == 200
    size = int.from_bytes(reply.body[1:5], "big")
    response = pb.CreateSessionResponse.FromString(reply.body[5 : 5 + size])
    assert response.session.subject_id == "web-client"
    trailer = reply.body[5 + size :]
    assert trailer[0] & 0x80 and b"grpc-status: 0" in trailer


async def test_a_busy_http_port_is_a_clear_startup_error(make_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot serve HTTP on 127.0.0.1:{port}"):
            await make_server(http_port=port)


async def test_static_apps_mount_under_a_prefix(make_server):
    """Where the console's files go: an ASGI app under a path prefix."""
    h = await make_server(http=True)

    async def hello(scope, receive, send) -> None:
        await respond(send, 200, {"path": scope["path"]})

    h.app.http.app.mounts["/console/"] = hello
    assert await asyncio.to_thread(_get, h.http_url + "/console/index.html") == 200
    assert await asyncio.to_thread(_get, h.http_url + "/elsewhere") == 404
