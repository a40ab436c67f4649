"""Reading rich error details off a failed call."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sessionauthority.v1 import session_service_pb2 as pb


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
