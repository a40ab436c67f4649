"""The HTTP twin of test_fuzz.py: the same generated, mangled and garbage
requests, sent to the Connect port as binary and as JSON (unary bodies, and
enveloped for the stream). Whatever arrives, the answer is a deliberate
Connect error (never unknown, internal, a 5xx or a hang) or a success, the
server stays ready, and no row is left half-written."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import grpc
import pytest
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st

from .http_client import envelope
from .invariants import no_half_written_rows
from .server_thread import ServerThread
from .test_fuzz import FUZZ, METHODS, Pool, _ErrorLog, mangled, messages

# Connect codes a server chooses on purpose never include these: an
# exception escaped (unknown, internal), a hang, or a method gone missing.
NEVER = {"unknown", "internal", "deadline_exceeded", "unimplemented", "data_loss"}


@pytest.fixture(scope="module")
def server(module_database_url: str) -> Iterator[ServerThread]:
    s = ServerThread(
        module_database_url,
        http=True,
        create_rate_per_minute=0,
        create_rate_per_day=0,
        watch_progress_interval_seconds=0.2,
    )
    errors = _ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        yield s
    finally:
        logging.getLogger().removeHandler(errors)
        s.stop()
    no_half_written_rows(s.database_url)
    assert not errors.records, [r.getMessage() for r in errors.records]


@pytest.fixture(scope="module")
def pool(server: ServerThread) -> Pool:
    with grpc.insecure_channel(server.target) as channel:
        return Pool(channel)


def _call(base: str, path: str, body: bytes, codec: str, streaming: bool) -> None:
    """Sends one body; fails the test on an answer no input may cause."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        if streaming:
            body, content_type = envelope(body), f"application/connect+{codec}"
        else:
            content_type = f"application/{codec}"
        conn.request("POST", path, body, {"content-type": content_type})
        r = conn.getresponse()
        if streaming:
            assert r.status == 200, (path, r.status)
            head = r.read(5)
            assert len(head) == 5, (path, body)
            flags, size = head[0], int.from_bytes(head[1:], "big")
            payload = r.read(size)
            if flags & 2:  # the end-of-stream message: an error
                code = json.loads(payload).get("error", {}).get("code")
                assert code not in NEVER, (path, body, payload)
            return
        data = r.read()
        if r.status != 200:
            error = json.loads(data)
            assert error["code"] not in NEVER, (path, body, data)
            assert r.status < 500 or error["code"] == "unavailable", (path, body, data)
    finally:
        conn.close()


def _as_json(request: Any) -> bytes | None:
    try:
        return json_format.MessageToJson(request).encode()
    except (ValueError, TypeError, json_format.Error):
        # NaN in a Struct, a Duration out of range: JSON cannot carry it.
        return None


@pytest.mark.parametrize("service, method", METHODS, ids=lambda m: getattr(m, "name", m))
def test_generated_and_mangled_requests(server, pool, service, method) -> None:
    path = f"/sessionauthority.v1.{service}/{method.name}"
    streaming = method.server_streaming
    requests = messages(method.input_type, pool)

    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        request = data.draw(requests)
        raw = request.SerializeToString()
        _call(server.http_url, path, raw, "proto", streaming)
        _call(server.http_url, path, data.draw(mangled(raw)), "proto", streaming)
        text = _as_json(request)
        if text is not None:
            _call(server.http_url, path, text, "json", streaming)
            _call(server.http_url, path, data.draw(mangled(text)), "json", streaming)

    run()
    with contextlib.closing(
        http.client.HTTPConnection("127.0.0.1", urlsplit(server.http_url).port, timeout=10)
    ) as conn:
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200


@FUZZ
@given(
    raw=st.binary(max_size=200),
    which=st.sampled_from(METHODS),
    codec=st.sampled_from(["proto", "json"]),
)
def test_raw_garbage(server, raw: bytes, which, codec: str) -> None:
    service, method = which
    path = f"/sessionauthority.v1.{service}/{method.name}"
    _call(server.http_url, path, raw, codec, method.server_streaming)
