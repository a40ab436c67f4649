"""Domain errors as Connect errors: the same code, message and rich details
(ErrorInfo, BadRequest, RetryInfo) gRPC sends, in the error JSON's
`details` (type + base64 value)."""

from __future__ import annotations

from connectrpc.code import Code
from connectrpc.errors import ConnectError, ErrorDetail
from protobuf.wkt import Any as WireAny

from .. import errors
from ..errors import DomainError, Kind
from ..richerrors import details


def connect_error(error: DomainError) -> ConnectError:
    # connectrpc carries details as its own protobuf runtime's Any; the bytes
    # are google.protobuf's, so clients unpack them with either runtime.
    wire = [ErrorDetail(WireAny(type_url=a.type_url, value=a.value)) for a in details(error)]
    return ConnectError(Code[error.kind.name], error.message, wire)


def from_library(error: Exception | None, read_max_bytes: int) -> Exception | None:
    """connectrpc's own refusals (a body that does not parse, one too large)
    carry no details; give them the ones the gRPC port gives, so a client
    reads every refusal the same way. Everything else is left as it is."""
    if not isinstance(error, ConnectError) or error.details:
        return error
    if error.code is Code.INVALID_ARGUMENT:
        why = error.message.removeprefix("unmarshal message: ")
        return connect_error(errors.invalid_argument([("request", f"cannot be read: {why}")]))
    if error.code is Code.RESOURCE_EXHAUSTED and "larger than" in error.message:
        return connect_error(
            DomainError(
                Kind.RESOURCE_EXHAUSTED,
                "REQUEST_TOO_LARGE",
                f"the request is larger than the {read_max_bytes} bytes this server accepts",
                metadata={"limit": str(read_max_bytes)},
            )
        )
    return error
