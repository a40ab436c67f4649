"""Reading rich error details off a failed call; a watch stream read with
deadlines."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority_server.services.auth import new_api_key
from sessionauthority_server.store import apikeys
from sessionauthority_server.tokens import secret_hash

WAIT = 5.0  # the most any test waits for a message that must come


def details(err: grpc.aio.AioRpcError) -> dict[str, object]:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    out: dict[str, object] = {}
    if status is None:
        return out
    for d in status.details:
        for cls in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.BadRequest,
            error_details_pb2.RetryInfo,
        ):
            if d.Is(cls.DESCRIPTOR):
                msg = cls()
                d.Unpack(msg)
                out[cls.__name__] = msg
    return out


def error_reason(err: grpc.aio.AioRpcError) -> str:
    info = details(err).get("ErrorInfo")
    return info.reason if isinstance(info, error_details_pb2.ErrorInfo) else ""


def violated_fields(err: grpc.aio.AioRpcError) -> list[str]:
    bad = details(err).get("BadRequest")
    if not isinstance(bad, error_details_pb2.BadRequest):
        return []
    return [v.field for v in bad.field_violations]


async def create(h, subject="user-1", **kw) -> pb.CreateSessionResponse:
    return await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id=subject, **kw))


async def expect_error(call, code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    assert info.value.code() == code, info.value
    return info.value


class Watch:
    """A watch stream read with a deadline on every message."""

    def __init__(self, stub: pb_grpc.SessionServiceStub, **request: object) -> None:
        self.call = stub.WatchSessions(pb.WatchSessionsRequest(**request))

    async def next(self) -> pb.WatchSessionsResponse:
        msg = await asyncio.wait_for(self.call.read(), WAIT)
        assert msg is not grpc.aio.EOF, "stream ended"
        return msg

    async def progress(self) -> int:
        msg = await self.next()
        assert msg.WhichOneof("kind") == "progress", msg
        return msg.progress.revision

    async def event(self) -> pb.SessionEvent:
        while True:
            msg = await self.next()
            if msg.WhichOneof("kind") == "event":
                return msg.event

    async def events(self, n: int) -> list[pb.SessionEvent]:
        return [await self.event() for _ in range(n)]

    async def error(self) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            while True:
                msg = await asyncio.wait_for(self.call.read(), WAIT)
                assert msg is not grpc.aio.EOF
        return info.value

    def cancel(self) -> None:
        self.call.cancel()


async def add_key(h, tenant: str, scopes: str = "*") -> list[tuple[str, str]]:
    key_id, key = new_api_key()
    await h.app.store.db.writer.write(apikeys.create, key_id, secret_hash(key), tenant, scopes)
    # Open mode rechecks for a first key once a second.
    h.clock.advance(2)
    return [("authorization", f"Bearer {key}")]


async def validate(h, token: str, **kw) -> pb.ValidateSessionResponse:
    return await h.sessions.ValidateSession(pb.ValidateSessionRequest(access_token=token, **kw))


async def renew(h, token: str) -> pb.RenewSessionResponse:
    return await h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=token))


def meta(**values: object) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s
