"""The one place domain errors become gRPC statuses with rich details
(richerrors.py), for unary calls and streams alike."""

from __future__ import annotations

import grpc
from google.rpc import code_pb2, status_pb2
from grpc_status import rpc_status

from ..errors import DomainError, Kind
from ..richerrors import details

CODES: dict[Kind, grpc.StatusCode] = {kind: grpc.StatusCode[kind.value] for kind in Kind}


def to_status(error: DomainError) -> grpc.Status:
    code = CODES[error.kind]
    status = status_pb2.Status(
        code=getattr(code_pb2, code.name), message=error.message, details=details(error)
    )
    return rpc_status.to_status(status)
