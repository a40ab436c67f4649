"""Input that could hurt other callers is refused at the door with
INVALID_ARGUMENT and a BadRequest naming the field."""

from __future__ import annotations

import base64
import json

import grpc
import pytest
from google.protobuf import struct_pb2
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import create, violated_fields


def nested(depth: int) -> struct_pb2.Struct:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"k": value}
    s = struct_pb2.Struct()
    s.update(value)
    return s


async def refused(call) -> list[str]:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, info.value.details()
    return violated_fields(info.value)


async def test_deep_metadata_is_refused_on_create_and_update(h):
    ok = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="u", metadata=nested(8)))
    assert ok.session.session_id
    deep = nested(9)
    assert await refused(
        h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="u", metadata=deep))
    ) == ["metadata"]
    assert await refused(
        h.sessions.UpdateSessionMetadata(
            pb.UpdateSessionMetadataRequest(session_id=ok.session.session_id, metadata=deep)
        )
    ) == ["metadata"]


async def test_too_many_metadata_keys_are_refused(h):
    many = struct_pb2.Struct()
    many.update({f"k{i}": i for i in range(300)})
    assert await refused(
        h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="u", metadata=many))
    ) == ["metadata"]


@pytest.mark.parametrize("c", ["1e999", 10**40, -1, "x"])
async def test_impossible_page_tokens_are_invalid_argument(h, c):
    await create(h)
    raw = json.dumps({"c": c, "s": "ses_x", "f": ""}).replace('"1e999"', "1e999")
    token = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    assert await refused(h.sessions.ListSessions(pb.ListSessionsRequest(page_token=token))) == [
        "page_token"
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xff\xff\xff",  # not protobuf at all
        b"\x0a\x02\xc3\x28",  # field 1 (a string) holding invalid UTF-8
        b"\x0a\xff\xff\xff\xff\x0f",  # a length past the end
    ],
)
@pytest.mark.parametrize(
    "method",
    ["SessionService/GetSession", "SessionService/CreateSession", "SessionService/WatchSessions"],
)
async def test_garbage_bytes_are_invalid_argument(h, raw, method):
    path = "/sessionauthority.v1." + method
    if method.endswith("WatchSessions"):
        call = h.channel.unary_stream(path)(raw)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call.read()
    else:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await h.channel.unary_unary(path)(raw)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violated_fields(info.value) == ["request"]
    # The server is still serving.
    assert (await create(h)).session.session_id


# PostgreSQL text cannot hold U+0000; SQLite can. Found by the fuzz suite on
# PostgreSQL as INTERNAL, so the refusal must be the same on both.
async def test_a_nul_character_is_refused_in_every_free_text_field(h):
    made = await create(h)
    sid = made.session.session_id
    assert await refused(h.sessions.GetSession(pb.GetSessionRequest(session_id="s\x00"))) == [
        "session_id"
    ]
    assert await refused(h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id="\x00"))) == [
        "session_id"
    ]
    assert await refused(
        h.sessions.RevokeSessions(
            pb.RevokeSessionsRequest(subject_id="u", except_session_id="\x00")
        )
    ) == ["except_session_id"]
    assert await refused(
        h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="u", request_id="r\x00"))
    ) == ["request_id"]
    client = spb.ClientInfo(user_agent="a\x00", ip_address="\x00", device_name="d\x00")
    assert sorted(
        await refused(
            h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="u", client=client))
        )
    ) == ["client.device_name", "client.ip_address", "client.user_agent"]
    assert (await h.sessions.GetSession(pb.GetSessionRequest(session_id=sid))).session.session_id
