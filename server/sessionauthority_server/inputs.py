"""Every check of caller input, in one place. Each function takes one
request's fields and either returns them normalized or raises
INVALID_ARGUMENT with one field violation per problem."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .domain import ClientInfo, EndReason, State, TerminationReason
from .errors import invalid_argument
from .tokens import HANDOFF_PREFIX, REFRESH_PREFIX

ID_PATTERN = re.compile(r"[A-Za-z0-9@.+_:\-]+")
MAX_ID_LEN = 128
MAX_CLIENT_FIELD_LEN = 512
MAX_METADATA_BYTES = 16 * 1024
# Deeper than this, an event could pass protobuf parsers' recursion limits
# (Python's default is 100 across the whole message), poisoning every watcher.
MAX_METADATA_DEPTH = 8
MAX_METADATA_KEYS = 256
MAX_SECRET_LEN = 256
MAX_ACCESS_TOKEN_LEN = 8192
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# A ListSessions page stops growing past this many serialized bytes (clients
# refuse replies over 4 MiB by default); it always holds at least one session.
MAX_PAGE_BYTES = 1 << 20
# Ours are under 100 characters; anything much longer is not worth decoding.
MAX_PAGE_TOKEN_LEN = 1024
# The listing ListSessions page tokens belong to (pagetokens.py).
LIST_TOKEN_KIND = "sessions"
US = 1_000_000
# A page token's numbers must fit the database's BIGINT.
_MAX_BIGINT = 2**63 - 1

Violations = list[tuple[str, str]]
REVOKE_REASONS = (
    None,
    EndReason.LOGOUT,
    EndReason.ADMIN,
    EndReason.SUPERSEDED,
    EndReason.REFRESH_TOKEN_REUSE,
)


@dataclass(frozen=True)
class CreateRequest:
    subject_id: str
    reference: str = ""
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)
    metadata_size: int = 0
    ttl_us: int | None = None
    request_id: str = ""
    reuse_existing: bool = False
    pending: bool = False
    client: ClientInfo = dataclasses.field(default_factory=ClientInfo)
    # The calling API key ("" in open mode): a request_id is the caller's own.
    caller_key: str = ""

    def idempotency_id(self) -> str:
        """The stored key of request_id, scoped to the calling API key, so
        another caller repeating a known request_id never sees this answer."""
        if not self.caller_key:
            return self.request_id
        digest = hashlib.sha256(self.request_id.encode()).hexdigest()[:32]
        return f"{self.caller_key}:{digest}"

    def fingerprint(self) -> str:
        """What a retry with the same request_id must repeat."""
        material = json.dumps(
            [self.subject_id, self.reference, self.pending, self.reuse_existing],
            separators=(",", ":"),
        )
        return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class ListRequest:
    subject_id: str = ""
    reference: str = ""
    states: tuple[State | None, ...] = ()
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True)
class ListQuery:
    subject_id: str
    reference: str
    states: tuple[State, ...]
    size: int
    after: tuple[int, str] | None
    # What a page token is bound to besides the tenant: these exact filters.
    filter_key: str

    @staticmethod
    def cursor(create_us: int, session_id: str) -> dict[str, Any]:
        """What a page token carries: the last session listed."""
        return {"c": create_us, "s": session_id}


# (page_token, filter_key) -> the cursor it carries, or None when this server
# did not issue it for the caller's tenant and these filters.
OpenPageToken = Callable[[str, str], dict[str, Any] | None]


def _id(field: str, value: str, *, required: bool, out: Violations) -> None:
    if not value:
        if required:
            out.append((field, "is required"))
        return
    if len(value) > MAX_ID_LEN:
        out.append((field, f"must be at most {MAX_ID_LEN} characters"))
    elif not ID_PATTERN.fullmatch(value):
        out.append((field, "may contain only A-Z a-z 0-9 @ . + _ : -"))


def _len(field: str, value: str, limit: int, out: Violations) -> None:
    if len(value) > limit:
        out.append((field, f"must be at most {limit} characters"))
    elif "\x00" in value:
        # PostgreSQL text cannot hold U+0000: refused here, on every database,
        # rather than failing inside the store as INTERNAL.
        out.append((field, "must not contain U+0000"))


def _secret(field: str, value: str, prefix: str, out: Violations) -> None:
    if not value:
        out.append((field, "is required"))
    elif len(value) > MAX_SECRET_LEN:
        out.append((field, f"must be at most {MAX_SECRET_LEN} characters"))
    elif not value.startswith(prefix):
        out.append((field, f"must start with {prefix!r}"))


def _metadata(field: str, size: int, value: Any, out: Violations) -> None:
    if size > MAX_METADATA_BYTES:
        out.append((field, f"is {size} bytes serialized; the limit is {MAX_METADATA_BYTES}"))
        return
    depth, keys = _shape(value)
    if depth > MAX_METADATA_DEPTH:
        out.append((field, f"nests {depth} levels deep; the limit is {MAX_METADATA_DEPTH}"))
    if keys > MAX_METADATA_KEYS:
        out.append((field, f"has {keys} keys in all; the limit is {MAX_METADATA_KEYS}"))


def _shape(value: Any) -> tuple[int, int]:
    """(nesting depth of objects and lists, keys in all objects)."""
    if isinstance(value, dict):
        inner = [_shape(v) for v in value.values()]
        return 1 + max((d for d, _ in inner), default=0), len(value) + sum(k for _, k in inner)
    if isinstance(value, list):
        inner = [_shape(v) for v in value]
        return 1 + max((d for d, _ in inner), default=0), sum(k for _, k in inner)
    return 0, 0


def _raise_if(violations: Violations) -> None:
    if violations:
        raise invalid_argument(violations)


def _session_id(value: str, out: Violations, field: str = "session_id") -> None:
    if not value:
        out.append((field, "is required"))
    _len(field, value, MAX_ID_LEN, out)


def _revoke_reason(reason: EndReason | None, out: Violations) -> None:
    if reason not in REVOKE_REASONS:
        out.append(
            (
                "reason",
                "must be LOGOUT, ADMIN, SUPERSEDED or REFRESH_TOKEN_REUSE "
                "(expiry and termination have their own RPCs)",
            )
        )


def create(req: CreateRequest, default_ttl_s: int, max_ttl_s: int) -> int:
    """Checks a create; returns the session lifetime in microseconds. A ttl
    above the cap is an error, not silently shortened."""
    v: Violations = []
    _id("subject_id", req.subject_id, required=True, out=v)
    _id("reference", req.reference, required=False, out=v)
    _metadata("metadata", req.metadata_size, req.metadata, v)
    ttl = min(default_ttl_s, max_ttl_s) * US if req.ttl_us is None else req.ttl_us
    if req.ttl_us is not None and req.ttl_us <= 0:
        v.append(("ttl", "must be positive"))
    elif req.ttl_us is not None and req.ttl_us > max_ttl_s * US:
        v.append(("ttl", f"must be at most {max_ttl_s} seconds"))
    _len("request_id", req.request_id, MAX_ID_LEN, v)
    for name in ("user_agent", "ip_address", "device_name"):
        _len(f"client.{name}", getattr(req.client, name), MAX_CLIENT_FIELD_LEN, v)
    _raise_if(v)
    return ttl


def session_id(value: str) -> None:
    v: Violations = []
    _session_id(value, v)
    _raise_if(v)


def subject_id(value: str) -> None:
    v: Violations = []
    _id("subject_id", value, required=True, out=v)
    _raise_if(v)


def handoff_code(value: str) -> None:
    v: Violations = []
    _secret("handoff_code", value, HANDOFF_PREFIX, v)
    _raise_if(v)


def refresh_token(value: str) -> None:
    v: Violations = []
    _secret("refresh_token", value, REFRESH_PREFIX, v)
    _raise_if(v)


def access_token(value: str) -> bool:
    """Raises when missing; False when too long to be one of ours (MALFORMED)."""
    if not value:
        raise invalid_argument([("access_token", "is required")])
    return len(value) <= MAX_ACCESS_TOKEN_LEN


def revoke(session: str, reason: EndReason | None) -> None:
    v: Violations = []
    _session_id(session, v)
    _revoke_reason(reason, v)
    _raise_if(v)


def revoke_many(
    subject: str, reference: str, except_session: str, reason: EndReason | None
) -> None:
    v: Violations = []
    _id("subject_id", subject, required=False, out=v)
    _id("reference", reference, required=False, out=v)
    _len("except_session_id", except_session, MAX_ID_LEN, v)
    if not subject and not reference:
        v.append(("subject_id", "subject_id or reference is required"))
    _revoke_reason(reason, v)
    _raise_if(v)


def update_metadata(session: str, size: int, value: Any) -> None:
    v: Violations = []
    _session_id(session, v)
    _metadata("metadata", size, value, v)
    _raise_if(v)


def terminate(subject: str, reason: TerminationReason | None, error_code: str) -> TerminationReason:
    v: Violations = []
    _id("subject_id", subject, required=True, out=v)
    if reason is None:
        v.append(("reason", "must be TERMINATION_REASON_BANNED or TERMINATION_REASON_DELETED"))
    _id("error_code", error_code, required=False, out=v)
    _raise_if(v)
    assert reason is not None
    return reason


def watch(subject: str, session: str, reference: str, start_revision: int) -> None:
    v: Violations = []
    _id("subject_id", subject, required=False, out=v)
    _id("session_id", session, required=False, out=v)
    _id("reference", reference, required=False, out=v)
    if start_revision < 0:
        v.append(("start_revision", "must be 0 (from now) or a revision >= 1"))
    _raise_if(v)


def list_query(req: ListRequest, open_token: OpenPageToken) -> ListQuery:
    v: Violations = []
    _id("subject_id", req.subject_id, required=False, out=v)
    _id("reference", req.reference, required=False, out=v)
    if any(s is None for s in req.states):
        v.append(("states", "SESSION_STATE_UNSPECIFIED is not a state to filter by"))
    if req.page_size < 0:
        v.append(("page_size", "must not be negative"))
    size = min(req.page_size, MAX_PAGE_SIZE) if req.page_size > 0 else DEFAULT_PAGE_SIZE
    states = tuple(sorted({s for s in req.states if s is not None}))
    filter_key = json.dumps(
        [req.subject_id, req.reference, [s.value for s in states]], separators=(",", ":")
    )
    after = None
    if len(req.page_token) > MAX_PAGE_TOKEN_LEN:
        v.append(("page_token", "is not a token this server issued"))
    elif req.page_token:
        after = _page_cursor(open_token(req.page_token, filter_key), v)
    _raise_if(v)
    return ListQuery(req.subject_id, req.reference, states, size, after, filter_key)


def estimated_session_bytes(metadata: dict[str, Any]) -> int:
    """A bound on one session's serialized size for callers that cannot
    measure their own encoding: protobuf's Struct takes up to ~6 bytes per
    byte of compact JSON (a list of small numbers); the other fields less
    than 4 KiB."""
    return 4096 + 6 * len(json.dumps(metadata, separators=(",", ":")))


def _page_cursor(cursor: dict[str, Any] | None, v: Violations) -> tuple[int, str] | None:
    """A cursor only opens from a token this server issued (under its HMAC);
    its values are still checked, as they go to the database."""
    create_us = cursor.get("c") if cursor else None
    session = cursor.get("s") if cursor else None
    if (
        not isinstance(create_us, int)
        or not isinstance(session, str)
        or not 0 <= create_us <= _MAX_BIGINT
        or len(session) > MAX_ID_LEN
    ):
        v.append(
            (
                "page_token",
                "is not a token this server issued for this tenant and these filters "
                "(a page token works only with the filters of the list it came from)",
            )
        )
        return None
    return create_us, session
