"""Reading rich error details off a failed call."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


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
