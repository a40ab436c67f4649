"""The HTTP twin of test_auth.py: API keys, open mode, the scope matrix and
tenant isolation, over the Connect port of a real server (urllib, curl)."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from sessionauthority_server.services.auth import METHOD_SCOPES

from .helpers import add_key
from .http_client import SESSIONS, SUBJECTS, envelope, key_header, post, read_envelope, stop

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")

# One request per method in the scope table, enough to get past the gate.
REQUESTS: dict[str, dict[str, object]] = {
    SESSIONS + "CreateSession": {"subjectId": "s"},
    SESSIONS + "StartSession": {"handoffCode": "nope"},
    SESSIONS + "GetSession": {"sessionId": "ses_missing"},
    SESSIONS + "ListSessions": {},
    SESSIONS + "ValidateSession": {"accessToken": "x"},
    SESSIONS + "RenewSession": {"refreshToken": "srt_nope"},
    SESSIONS + "RevokeSession": {"sessionId": "ses_missing"},
    SESSIONS + "RevokeSessions": {"subjectId": "nobody"},
    SESSIONS + "UpdateSessionMetadata": {"sessionId": "ses_missing"},
    SESSIONS + "GetJwks": {},
    SESSIONS + "ListEndedSessions": {},
    SUBJECTS + "GetSubject": {"subjectId": "nobody"},
    SUBJECTS + "TerminateSubject": {"subjectId": "nobody"},
    SUBJECTS + "ReinstateSubject": {"subjectId": "nobody"},
}


async def test_open_mode_ends_when_the_first_key_exists(make_server):
    h = await make_server(http=True)
    url = h.http_url + SESSIONS + "ListSessions"
    assert (await post(url, {})).status == 200
    key = await add_key(h, "default")
    missing = await post(url, {})
    assert (missing.status, missing.code, missing.reason) == (
        401,
        "unauthenticated",
        "API_KEY_MISSING",
    )
    assert (await post(url, {}, headers=key_header(key))).status == 200
    # /healthz stays open for load balancers.
    with_no_key = await asyncio.to_thread(_status_of_get, h.http_url + "/healthz")
    assert with_no_key == 200


def _status_of_get(url: str) -> int:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as r:
        return int(r.status)


async def test_bad_keys_are_unauthenticated(make_server):
    h = await make_server(http=True)
    await add_key(h, "acme")
    for header in ("Bearer sak_not-a-key", "Basic abc", "Bearer " + "sak_" + "x" * 500):
        reply = await post(
            h.http_url + SESSIONS + "ListSessions", {}, headers={"authorization": header}
        )
        assert (reply.status, reply.reason) == (401, "API_KEY_INVALID"), header


async def test_refused_before_the_body_is_read(make_server):
    """No key: UNAUTHENTICATED even for a body that does not parse."""
    h = await make_server(http=True)
    await add_key(h, "acme")
    reply = await post(h.http_url + SESSIONS + "CreateSession", b"{not json")
    assert (reply.status, reply.reason) == (401, "API_KEY_MISSING")


async def test_a_refused_call_keeps_its_connection(make_server):
    # Refused before its body was read, the call's small body is still read
    # and dropped: a client still sending it reads the refusal rather than
    # a reset, and the connection serves the next call.
    h = await make_server(http=True)
    key = await add_key(h, "acme")
    host, port = h.http_url.removeprefix("http://").split(":")

    def two_calls() -> tuple[int, dict, int, bool]:
        import http.client

        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        body = json.dumps({"subjectId": "u"}).encode()
        headers = {"content-type": "application/json"}
        conn.request("POST", SESSIONS + "CreateSession", body, headers)
        first = conn.getresponse()
        refusal = json.loads(first.read())
        sock = conn.sock
        conn.request("POST", SESSIONS + "ListSessions", b"{}", {**headers, **dict(key)})
        second = conn.getresponse()
        second.read()
        reused = conn.sock is sock and sock is not None
        conn.close()
        return first.status, refusal, second.status, reused

    status, refusal, then, reused = await asyncio.to_thread(two_calls)
    assert status == 401 and refusal["details"][0]["debug"]["reason"] == "API_KEY_MISSING"
    assert then == 200 and reused


@pytest.mark.parametrize("scope", sorted(set(METHOD_SCOPES.values())))
async def test_each_scope_opens_only_its_methods(make_server, scope):
    h = await make_server(http=True)
    key = key_header(await add_key(h, "acme", scope))
    assert set(REQUESTS) | {SESSIONS + "WatchSessions"} == set(METHOD_SCOPES)
    for method, body in REQUESTS.items():
        reply = await post(h.http_url + method, body, headers=key)
        if METHOD_SCOPES[method] == scope:
            assert reply.code != "permission_denied", (method, reply.body)
        else:
            assert (reply.code, reply.reason) == ("permission_denied", "SCOPE_MISSING"), method
            assert reply.details()["ErrorInfo"].metadata["scope"] == METHOD_SCOPES[method]
    # The stream: its first message, or its refusal as the end-of-stream message.
    watch = await _curl_watch(h.http_url, {}, key)
    flags, first = await read_envelope(watch.stdout)
    await stop(watch)
    if scope == "sessions.watch":
        assert flags == 0 and "progress" in first
    else:
        assert flags == 2 and first["error"]["code"] == "permission_denied"


async def _curl_watch(url: str, request: dict, headers: dict[str, str]):
    args = [a for k, v in headers.items() for a in ("-H", f"{k}: {v}")]
    proc = await asyncio.create_subprocess_exec(
        "curl", "-sS", "-N", "--data-binary", "@-", *args,
        "-H", "content-type: application/connect+json", url + SESSIONS + "WatchSessions",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(envelope(json.dumps(request).encode()))
    proc.stdin.close()
    return proc


async def test_another_tenants_sessions_are_not_found(make_server):
    h = await make_server(http=True)
    a = key_header(await add_key(h, "tenant-a"))
    b = key_header(await add_key(h, "tenant-b"))
    mine = await post(h.http_url + SESSIONS + "CreateSession", {"subjectId": "u"}, headers=a)
    sid = mine.json()["session"]["sessionId"]
    refresh = mine.json()["tokens"]["refreshToken"]
    watcher = await _curl_watch(h.http_url, {"startRevision": "1"}, b)
    try:
        for method, body in (
            ("GetSession", {"sessionId": sid}),
            ("RevokeSession", {"sessionId": sid}),
            ("UpdateSessionMetadata", {"sessionId": sid}),
        ):
            reply = await post(h.http_url + SESSIONS + method, body, headers=b)
            assert (reply.code, reply.reason) == ("not_found", "SESSION_NOT_FOUND"), method
        renew = await post(
            h.http_url + SESSIONS + "RenewSession", {"refreshToken": refresh}, headers=b
        )
        assert (renew.code, renew.reason) == ("unauthenticated", "REFRESH_TOKEN_INVALID")
        listed = await post(h.http_url + SESSIONS + "ListSessions", {"subjectId": "u"}, headers=b)
        assert listed.json().get("sessions", []) == []
        # B's watcher from revision 1 hears of B's session, never of A's.
        theirs = await post(h.http_url + SESSIONS + "CreateSession", {"subjectId": "u"}, headers=b)
        their_id = theirs.json()["session"]["sessionId"]
        seen = []
        while their_id not in seen:
            _flags, message = await read_envelope(watcher.stdout)
            if "event" in message:
                seen.append(message["event"]["session"]["sessionId"])
        assert seen == [their_id]
    finally:
        await stop(watcher)
    still = await post(h.http_url + SESSIONS + "GetSession", {"sessionId": sid}, headers=a)
    assert still.json()["session"]["state"] == "SESSION_STATE_ACTIVE"
