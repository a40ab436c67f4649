"""Request builders and channel options shared by the sync and the async
client: keyword arguments in, generated request messages out."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import grpc
from google.protobuf import duration_pb2

from .v1 import session_pb2 as spb
from .v1 import session_service_pb2 as pb
from .v1 import subject_service_pb2 as sub_pb

# Calls that are safe to send twice. CreateSession qualifies because the
# client gives every create a request_id; RenewSession because a retry
# inside the grace window gets the same pair back. StartSession (a
# single-use code) and UpdateSessionMetadata (an event per call) do not.
IDEMPOTENT = {
    "SessionService": (
        "CreateSession", "GetSession", "ListSessions", "ValidateSession", "RenewSession",
        "RevokeSession", "RevokeSessions", "GetJwks",
    ),
    "SubjectService": ("GetSubject", "TerminateSubject", "ReinstateSubject"),
}  # fmt: skip

SERVICE_CONFIG = json.dumps(
    {
        "methodConfig": [
            {
                "name": [
                    {"service": f"sessionauthority.v1.{service}", "method": method}
                    for service, methods in IDEMPOTENT.items()
                    for method in methods
                ],
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.1s",
                    "maxBackoff": "2s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    }
)
CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.service_config", SERVICE_CONFIG),
    ("grpc.enable_retries", 1),
    ("grpc.keepalive_time_ms", 30_000),
    # Back within two seconds of the server: gRPC's default reconnect
    # backoff grows to two minutes, and a LocalVerifier fails closed (every
    # answer "ask the server") until it has reconnected.
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 2_000),
]


@dataclass(frozen=True)
class Tls:
    """TLS for the channel. All None: the system's root certificates. With
    `certificate_chain` and `private_key`: a client certificate (mTLS)."""

    root_certificates: bytes | None = None
    certificate_chain: bytes | None = None
    private_key: bytes | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            self.root_certificates, self.private_key, self.certificate_chain
        )


def auth_metadata(api_key: str | None) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {api_key}"),) if api_key else ()


def create(
    subject_id: str,
    *,
    reference: str = "",
    metadata: Mapping[str, Any] | None = None,
    ttl_seconds: float | None = None,
    request_id: str | None = None,
    reuse_existing: bool = False,
    pending: bool = False,
    user_agent: str = "",
    ip_address: str = "",
    device_name: str = "",
) -> pb.CreateSessionRequest:
    request = pb.CreateSessionRequest(
        subject_id=subject_id,
        reference=reference,
        # Every create carries a request_id, so a retry returns the first answer.
        request_id=request_id or f"sdk-{uuid.uuid4().hex}",
        reuse_existing=reuse_existing,
        pending=pending,
        client=spb.ClientInfo(
            user_agent=user_agent, ip_address=ip_address, device_name=device_name
        ),
    )
    if metadata:
        request.metadata.update(dict(metadata))
    if ttl_seconds is not None:
        request.ttl.CopyFrom(duration(ttl_seconds))
    return request


def duration(seconds: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d


def end_reason(reason: str | int | None) -> spb.EndReason.ValueType:
    """`"LOGOUT"`, `"END_REASON_LOGOUT"` or the enum number."""
    if reason is None:
        return spb.END_REASON_UNSPECIFIED
    if isinstance(reason, int):
        return cast("spb.EndReason.ValueType", reason)
    name = reason if reason.startswith("END_REASON_") else f"END_REASON_{reason.upper()}"
    return spb.EndReason.Value(name)


def termination_reason(reason: str | int) -> sub_pb.TerminationReason.ValueType:
    if isinstance(reason, int):
        return cast("sub_pb.TerminationReason.ValueType", reason)
    name = reason if reason.startswith("TERMINATION_") else f"TERMINATION_REASON_{reason.upper()}"
    return sub_pb.TerminationReason.Value(name)


def state_values(values: Iterable[str | int]) -> list[spb.SessionState.ValueType]:
    out = []
    for v in values:
        if isinstance(v, int):
            out.append(cast("spb.SessionState.ValueType", v))
        else:
            name = v if v.startswith("SESSION_STATE_") else f"SESSION_STATE_{v.upper()}"
            out.append(spb.SessionState.Value(name))
    return out


def list_sessions(
    *,
    subject_id: str = "",
    reference: str = "",
    states: Iterable[str | int] = (),
    page_size: int = 0,
    page_token: str = "",
) -> pb.ListSessionsRequest:
    return pb.ListSessionsRequest(
        subject_id=subject_id,
        reference=reference,
        states=state_values(states),
        page_size=page_size,
        page_token=page_token,
    )


def validate(
    access_token: str, *, expected_subject_id: str = "", expected_reference: str = ""
) -> pb.ValidateSessionRequest:
    return pb.ValidateSessionRequest(
        access_token=access_token,
        expected_subject_id=expected_subject_id,
        expected_reference=expected_reference,
    )


def revoke_many(
    *,
    subject_id: str = "",
    reference: str = "",
    except_session_id: str = "",
    reason: str | int | None = None,
) -> pb.RevokeSessionsRequest:
    return pb.RevokeSessionsRequest(
        subject_id=subject_id,
        reference=reference,
        except_session_id=except_session_id,
        reason=end_reason(reason),
    )


def update_metadata(
    session_id: str, metadata: Mapping[str, Any]
) -> pb.UpdateSessionMetadataRequest:
    request = pb.UpdateSessionMetadataRequest(session_id=session_id)
    request.metadata.update(dict(metadata))
    return request


def terminate(
    subject_id: str, *, reason: str | int, error_code: str = ""
) -> sub_pb.TerminateSubjectRequest:
    return sub_pb.TerminateSubjectRequest(
        subject_id=subject_id, reason=termination_reason(reason), error_code=error_code
    )
