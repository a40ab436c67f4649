"""Domain errors, and their translation to a gRPC status with rich details.

Every failure a caller can cause is a ServiceError with a stable ErrorInfo
reason; anything else is a bug and surfaces as INTERNAL without details.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

DOMAIN = "sessionauthority"


@dataclass
class ServiceError(Exception):
    code: grpc.StatusCode
    reason: str
    message: str
    metadata: dict[str, str] = field(default_factory=dict)
    violations: list[tuple[str, str]] = field(default_factory=list)
    retry_after_seconds: float | None = None

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason}: {self.message}"

    def to_status(self) -> grpc.Status:
        details: list[any_pb2.Any] = []
        info = error_details_pb2.ErrorInfo(
            reason=self.reason, domain=DOMAIN, metadata=self.metadata
        )
        details.append(_pack(info))
        if self.violations:
            bad = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                    for f, d in self.violations
                ]
            )
            details.append(_pack(bad))
        if self.retry_after_seconds is not None:
            delay = duration_pb2.Duration()
            delay.FromNanoseconds(int(self.retry_after_seconds * 1e9))
            details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
        status = status_pb2.Status(
            code=getattr(code_pb2, self.code.name),
            message=self.message,
            details=details,
        )
        return rpc_status.to_status(status)


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def invalid_argument(violations: list[tuple[str, str]]) -> ServiceError:
    fields = ", ".join(f for f, _ in violations)
    return ServiceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        f"invalid field(s): {fields}; " + "; ".join(f"{f}: {d}" for f, d in violations),
        violations=violations,
    )


def session_not_found(session_id: str) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.NOT_FOUND,
        "SESSION_NOT_FOUND",
        f"no session {session_id!r}",
        metadata={"session_id": session_id},
    )


def subject_not_found(subject_id: str) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.NOT_FOUND,
        "SUBJECT_NOT_FOUND",
        f"no subject {subject_id!r}",
        metadata={"subject_id": subject_id},
    )


def subject_terminated(subject_id: str, state: str, error_code: str) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.PERMISSION_DENIED,
        "SUBJECT_TERMINATED",
        f"subject {subject_id!r} is {state.lower()}: no new sessions",
        metadata={"subject_id": subject_id, "error_code": error_code, "state": state},
    )


def handoff_invalid() -> ServiceError:
    return ServiceError(
        grpc.StatusCode.NOT_FOUND,
        "HANDOFF_CODE_INVALID",
        "unknown or already used handoff code",
    )


def unauthenticated(reason: str, message: str, **metadata: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.UNAUTHENTICATED, reason, message, metadata=metadata)


def failed_precondition(reason: str, message: str, **metadata: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.FAILED_PRECONDITION, reason, message, metadata=metadata)


def rate_limited(subject_id: str, window: str, retry_after_seconds: float) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "RATE_LIMITED",
        f"too many sessions created for subject {subject_id!r} this {window}",
        metadata={"subject_id": subject_id, "window": window},
        retry_after_seconds=retry_after_seconds,
    )


def internal() -> ServiceError:
    return ServiceError(grpc.StatusCode.INTERNAL, "INTERNAL", "internal error")


def history_compacted(start_revision: int, compact_revision: int) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.OUT_OF_RANGE,
        "REVISION_COMPACTED",
        f"revision {start_revision} is older than retained history; "
        f"the oldest revision still available is {compact_revision}",
        metadata={
            "start_revision": str(start_revision),
            "compact_revision": str(compact_revision),
        },
    )


def _end_of_stream(
    code: grpc.StatusCode, reason: str, why: str, resume_revision: int
) -> ServiceError:
    """A watch stream ended by the server; the client resumes where it was."""
    return ServiceError(
        code,
        reason,
        f"{why}; reconnect with start_revision={resume_revision} (your last received revision + 1)",
        metadata={"resume_revision": str(resume_revision)},
        retry_after_seconds=0.0,
    )


def watch_overflow(resume_revision: int) -> ServiceError:
    return _end_of_stream(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "WATCH_TOO_SLOW",
        "the stream fell too far behind",
        resume_revision,
    )


def shutting_down(resume_revision: int) -> ServiceError:
    return _end_of_stream(
        grpc.StatusCode.UNAVAILABLE,
        "SERVER_SHUTTING_DOWN",
        "the server is shutting down",
        resume_revision,
    )


def too_many_watches(limit: int) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "WATCH_LIMIT",
        f"this server already holds {limit} watch streams; try another replica or later",
        metadata={"limit": str(limit)},
        retry_after_seconds=1.0,
    )
