"""Domain errors as Connect errors: the same code, message and rich details
(ErrorInfo, BadRequest, RetryInfo) gRPC sends, in the error JSON's
`details` (type + base64 value, and `debug`: the same detail as JSON, for
people reading curl output)."""

from __future__ import annotations

from typing import Any

import protobuf
from connectrpc.code import Code
from connectrpc.errors import ConnectError, ErrorDetail
from google.protobuf import descriptor_pb2, duration_pb2
from google.rpc import error_details_pb2
from protobuf.wkt import Any as WireAny
from protobuf.wkt import FileDescriptorSet

from .. import errors
from ..errors import DomainError, Kind
from ..richerrors import details


def _json_names(messages: Any, descriptors: Any) -> None:
    # CopyToProto leaves json_name out; protoc fills it, protobuf-py needs it.
    for message in messages:
        desc = descriptors[message.name]
        for fld in message.field:
            fld.json_name = desc.fields_by_name[fld.name].json_name
        _json_names(message.nested_type, desc.nested_types_by_name)


def _registry() -> protobuf.Registry:
    """The detail types for connectrpc's own protobuf runtime, built from
    google.protobuf's descriptors, so it can write each detail's `debug`."""
    files = descriptor_pb2.FileDescriptorSet()
    for file in (duration_pb2.DESCRIPTOR, error_details_pb2.DESCRIPTOR):
        proto = files.file.add()
        file.CopyToProto(proto)
        _json_names(proto.message_type, file.message_types_by_name)
    wire = FileDescriptorSet()
    protobuf.merge_from_binary(wire, files.SerializeToString())
    return wire.to_registry()


_REGISTRY = _registry()


class _Detail(ErrorDetail):
    """A detail that connectrpc can decode (for `debug`) without being handed
    a registry: it asks with none."""

    def value(self, desc_or_registry: Any = None) -> Any:
        return super().value(desc_or_registry or _REGISTRY)


def connect_error(error: DomainError) -> ConnectError:
    # connectrpc carries details as its own protobuf runtime's Any; the bytes
    # are google.protobuf's, so clients unpack them with either runtime.
    wire = [_Detail(WireAny(type_url=a.type_url, value=a.value)) for a in details(error)]
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
