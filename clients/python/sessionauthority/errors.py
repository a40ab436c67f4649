"""Errors as exceptions: every failed call raises a `SessionAuthorityError`
(or a subclass named for its ErrorInfo reason) carrying the gRPC code, the
reason and the metadata from the server's rich status.

    try:
        client.renew_session(refresh_token=token)
    except RefreshTokenReused:
        ...  # someone else has the token: the session is revoked
    except SubjectTerminated as exc:
        print(exc.error_code)
    except SessionAuthorityError as exc:
        print(exc.code(), exc.reason, exc.metadata)
"""

from __future__ import annotations

from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


class SessionAuthorityError(grpc.RpcError):
    """Any error from Session Authority. `reason` is the ErrorInfo reason
    (stable, documented in the README); `metadata` its key/value pairs.
    Also a `grpc.RpcError` with `code()` and `details()`, so code written
    against the raw stubs keeps working."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        reason: str = "",
        metadata: dict[str, str] | None = None,
        retry_after: float | None = None,
        field_violations: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(f"{code.name}: {message}" + (f" [{reason}]" if reason else ""))
        self._code = code
        self.message = message
        self.reason = reason
        self.metadata = metadata or {}
        self.retry_after = retry_after
        self.field_violations = field_violations or []

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self.message


class InvalidArgument(SessionAuthorityError):
    """Bad input; `field_violations` names each field and what is wrong."""


class NotFound(SessionAuthorityError):
    """SESSION_NOT_FOUND, SUBJECT_NOT_FOUND, HANDOFF_CODE_INVALID (another
    tenant's ids read as not found too)."""


class Unauthenticated(SessionAuthorityError):
    """The caller's API key is missing or invalid, or a token was refused."""


class PermissionDenied(SessionAuthorityError):
    """The API key lacks the method's scope."""


class RefreshTokenInvalid(Unauthenticated):
    """REFRESH_TOKEN_INVALID or REFRESH_TOKEN_EXPIRED."""


class RefreshTokenReused(Unauthenticated):
    """REFRESH_TOKEN_REUSED: an old refresh token came back after the grace
    window; the session is revoked (theft detection)."""


class RefreshTokenSuperseded(Unauthenticated):
    """REFRESH_TOKEN_SUPERSEDED: a reuse_existing create replaced it."""


class SessionEnded(Unauthenticated):
    """The session is over: `reason` is SESSION_REVOKED, SESSION_EXPIRED or
    SESSION_TERMINATED; `end_reason` and `error_code` say why."""

    @property
    def end_reason(self) -> str:
        return self.metadata.get("end_reason", "")

    @property
    def error_code(self) -> str:
        return self.metadata.get("error_code", "")


class SessionRevoked(SessionEnded):
    pass


class SessionExpired(SessionEnded):
    pass


class SessionTerminated(SessionEnded):
    pass


class SubjectTerminated(PermissionDenied):
    """SUBJECT_TERMINATED: the subject is banned or deleted; `error_code` is
    the code given to TerminateSubject."""

    @property
    def error_code(self) -> str:
        return self.metadata.get("error_code", "")


class RateLimited(SessionAuthorityError):
    """RATE_LIMITED: `retry_after` seconds until one more create fits."""


class HistoryCompacted(SessionAuthorityError):
    """REVISION_COMPACTED: the watch history asked for is gone; reload from
    ListSessions and watch from `compact_revision`."""

    @property
    def compact_revision(self) -> int:
        return int(self.metadata.get("compact_revision", "0") or 0)


class RevisionAhead(SessionAuthorityError):
    """REVISION_AHEAD: the watch asked for a revision this server has not
    reached, so its database went back in time (restored from a backup).
    What you hold may be ahead of it: reload (a new snapshot) before trusting
    the stream again."""

    @property
    def head_revision(self) -> int:
        return int(self.metadata.get("head_revision", "0") or 0)


class Unavailable(SessionAuthorityError):
    """The server or its database is away for now (STORAGE_UNAVAILABLE,
    SERVER_SHUTTING_DOWN): retry after `retry_after` seconds."""


_BY_REASON: dict[str, type[SessionAuthorityError]] = {
    "REFRESH_TOKEN_INVALID": RefreshTokenInvalid,
    "REFRESH_TOKEN_EXPIRED": RefreshTokenInvalid,
    "REFRESH_TOKEN_REUSED": RefreshTokenReused,
    "REFRESH_TOKEN_SUPERSEDED": RefreshTokenSuperseded,
    "SESSION_REVOKED": SessionRevoked,
    "SESSION_EXPIRED": SessionExpired,
    "SESSION_TERMINATED": SessionTerminated,
    "SUBJECT_TERMINATED": SubjectTerminated,
    "RATE_LIMITED": RateLimited,
    "REVISION_COMPACTED": HistoryCompacted,
    "REVISION_AHEAD": RevisionAhead,
}
_BY_CODE: dict[grpc.StatusCode, type[SessionAuthorityError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.OUT_OF_RANGE: HistoryCompacted,
}


def from_rpc_error(error: grpc.RpcError) -> SessionAuthorityError:
    """The typed exception for a failed call (works for sync and aio errors)."""
    call: Any = error
    code: grpc.StatusCode = call.code()
    message: str = call.details() or ""
    reason, metadata, retry_after = "", {}, None
    violations: list[tuple[str, str]] = []
    try:
        status = rpc_status.from_call(call)
    except ValueError:
        status = None  # trailers that do not match the status: no details
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retry_after = retry.retry_delay.seconds + retry.retry_delay.nanos / 1e9
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations = [(v.field, v.description) for v in bad.field_violations]
    cls = _BY_REASON.get(reason) or _BY_CODE.get(code, SessionAuthorityError)
    return cls(code, message, reason, metadata, retry_after, violations)
