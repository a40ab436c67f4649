"""The rich details of a domain error (google.rpc ErrorInfo, BadRequest,
RetryInfo), packed as Any: gRPC sends them in its status trailer
(services/status.py), Connect in its error JSON's `details` (http/errors.py),
so both transports carry the same reason, metadata and hints."""

from __future__ import annotations

from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2

from .errors import DOMAIN, DomainError


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def details(error: DomainError) -> list[any_pb2.Any]:
    out = [
        _pack(
            error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=error.metadata)
        )
    ]
    if error.violations:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                for f, d in error.violations
            ]
        )
        out.append(_pack(bad))
    if error.retry_after_seconds is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(error.retry_after_seconds * 1e9))
        out.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    return out
