"""Domain errors. The store, the rules and the watch hub raise these; they
carry no gRPC. One place (services/status.py) turns a kind into a status
code with rich details, for unary calls and streams alike.

Every failure a caller can cause is a DomainError with a stable reason;
anything else is a bug and surfaces as INTERNAL without details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

DOMAIN = "sessionauthority"


class Kind(Enum):
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"


@dataclass
class DomainError(Exception):
    kind: Kind
    reason: str
    message: str
    metadata: dict[str, str] = field(default_factory=dict)
    violations: list[tuple[str, str]] = field(default_factory=list)
    retry_after_seconds: float | None = None

    def __str__(self) -> str:
        return f"{self.kind.value} {self.reason}: {self.message}"


def invalid_argument(violations: list[tuple[str, str]]) -> DomainError:
    fields = ", ".join(f for f, _ in violations)
    return DomainError(
        Kind.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        f"invalid field(s): {fields}; " + "; ".join(f"{f}: {d}" for f, d in violations),
        violations=violations,
    )


def session_not_found(session_id: str) -> DomainError:
    return DomainError(
        Kind.NOT_FOUND,
        "SESSION_NOT_FOUND",
        f"no session {session_id!r}",
        metadata={"session_id": session_id},
    )


def subject_not_found(subject_id: str) -> DomainError:
    return DomainError(
        Kind.NOT_FOUND,
        "SUBJECT_NOT_FOUND",
        f"no subject {subject_id!r}",
        metadata={"subject_id": subject_id},
    )


def subject_terminated(subject_id: str, state: str, error_code: str) -> DomainError:
    return DomainError(
        Kind.PERMISSION_DENIED,
        "SUBJECT_TERMINATED",
        f"subject {subject_id!r} is {state.lower()}: no new sessions",
        metadata={"subject_id": subject_id, "error_code": error_code, "state": state},
    )


def handoff_invalid() -> DomainError:
    return DomainError(
        Kind.NOT_FOUND, "HANDOFF_CODE_INVALID", "unknown or already used handoff code"
    )


def unauthenticated(reason: str, message: str, **metadata: str) -> DomainError:
    return DomainError(Kind.UNAUTHENTICATED, reason, message, metadata=metadata)


def permission_denied(scope: str, method: str) -> DomainError:
    return DomainError(
        Kind.PERMISSION_DENIED,
        "SCOPE_MISSING",
        f"this API key lacks the scope {scope!r} that {method} needs",
        {"scope": scope, "method": method},
    )


def api_key_not_found(key_id: str) -> DomainError:
    return DomainError(
        Kind.NOT_FOUND, "API_KEY_NOT_FOUND", f"no API key {key_id!r}", {"key_id": key_id}
    )


def failed_precondition(reason: str, message: str, **metadata: str) -> DomainError:
    return DomainError(Kind.FAILED_PRECONDITION, reason, message, metadata=metadata)


_RATE_WHO = {
    "subject": "for subject {subject!r} by this caller",
    "caller": "by this caller",
    "global": "by all callers together",
}


def rate_limited(
    scope: str, window: str, subject_id: str, limit: int, retry_after_seconds: float
) -> DomainError:
    who = _RATE_WHO[scope].format(subject=subject_id)
    return DomainError(
        Kind.RESOURCE_EXHAUSTED,
        "RATE_LIMITED",
        f"more than {limit} sessions created {who} per {window}; retry later",
        metadata={"subject_id": subject_id, "scope": scope, "window": window, "limit": str(limit)},
        retry_after_seconds=retry_after_seconds,
    )


def internal() -> DomainError:
    return DomainError(Kind.INTERNAL, "INTERNAL", "internal error")


def illegal_transition(message: str) -> DomainError:
    return DomainError(Kind.INTERNAL, "ILLEGAL_TRANSITION", message)


def storage_unavailable(why: str) -> DomainError:
    """The database could not run the transaction; nothing of it was kept."""
    return DomainError(
        Kind.UNAVAILABLE,
        "STORAGE_UNAVAILABLE",
        f"the database is unavailable ({why}); nothing was written, retry",
        retry_after_seconds=1.0,
    )


def history_compacted(start_revision: int, compact_revision: int) -> DomainError:
    return DomainError(
        Kind.OUT_OF_RANGE,
        "REVISION_COMPACTED",
        f"revision {start_revision} is older than retained history; "
        f"the oldest revision still available is {compact_revision}",
        metadata={
            "start_revision": str(start_revision),
            "compact_revision": str(compact_revision),
        },
    )


def revision_ahead(start_revision: int, head_revision: int) -> DomainError:
    """A resume from a revision this database has not reached: it was
    restored from a backup (or is another database). Answering progress at
    the lower head would silently drop every new event below the request."""
    return DomainError(
        Kind.OUT_OF_RANGE,
        "REVISION_AHEAD",
        f"start_revision {start_revision} is beyond this server's head revision "
        f"{head_revision} (was the database restored from a backup?); take a new "
        "snapshot or resume from at most head_revision + 1",
        metadata={"start_revision": str(start_revision), "head_revision": str(head_revision)},
    )


def _end_of_stream(kind: Kind, reason: str, why: str, resume_revision: int) -> DomainError:
    """A watch stream ended by the server; the client resumes where it was."""
    return DomainError(
        kind,
        reason,
        f"{why}; reconnect with start_revision={resume_revision} (your last received revision + 1)",
        metadata={"resume_revision": str(resume_revision)},
        retry_after_seconds=0.0,
    )


def watch_overflow(resume_revision: int) -> DomainError:
    return _end_of_stream(
        Kind.RESOURCE_EXHAUSTED, "WATCH_TOO_SLOW", "the stream fell too far behind", resume_revision
    )


def shutting_down(resume_revision: int) -> DomainError:
    return _end_of_stream(
        Kind.UNAVAILABLE, "SERVER_SHUTTING_DOWN", "the server is shutting down", resume_revision
    )


def _watch_limit(reason: str, message: str, limit: int) -> DomainError:
    return DomainError(
        Kind.RESOURCE_EXHAUSTED,
        reason,
        message,
        metadata={"limit": str(limit)},
        retry_after_seconds=1.0,
    )


def too_many_watches_for_caller(limit: int) -> DomainError:
    return _watch_limit(
        "WATCH_LIMIT_PER_CALLER",
        f"this API key already holds {limit} watch streams on this server",
        limit,
    )


def too_many_watches(limit: int) -> DomainError:
    return _watch_limit(
        "WATCH_LIMIT",
        f"this server already holds {limit} watch streams; try another replica or later",
        limit,
    )


def too_many_calls(limit: int) -> DomainError:
    """More calls in flight on one server than MAX_CONCURRENT_RPCS allows."""
    return DomainError(
        Kind.RESOURCE_EXHAUSTED,
        "TOO_MANY_CALLS",
        f"this server already has {limit} calls in flight; retry shortly or try another replica",
        metadata={"limit": str(limit)},
        retry_after_seconds=1.0,
    )
