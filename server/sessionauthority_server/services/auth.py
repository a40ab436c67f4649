"""Who is calling: one server interceptor authenticates every call (streams
included) by `authorization: Bearer sak_...`, checks the method's scope, and
hands the caller (tenant, scopes, key id) to the servicers.

Open mode (CONTRACT.md): while no API key has ever existed in the database
and the server listens on loopback, a call without a key is the `default`
tenant with every scope. Once any key has existed, every call needs one,
even after every key is revoked or the server restarts: otherwise revoking
the last key would hand the `default` tenant's sessions to any local
process.

Health and reflection stay open: load balancers probe them, and they reveal
only the schema, which `protos/` publishes anyway."""

from __future__ import annotations

import contextvars
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc

from .. import errors
from ..errors import DomainError
from ..store import apikeys
from ..store.reads import Reader
from ..tokens import b64url, secret_hash
from .status import to_status

DEFAULT_TENANT = "default"
KEY_PREFIX = "sak_"
ALL_SCOPES = "*"
SCOPES = (
    "sessions.write",
    "sessions.read",
    "sessions.validate",
    "sessions.watch",
    "subjects.admin",
    ALL_SCOPES,
)
_SESSIONS = "/sessionauthority.v1.SessionService/"
_SUBJECTS = "/sessionauthority.v1.SubjectService/"
METHOD_SCOPES: dict[str, str] = {
    **{
        _SESSIONS + m: "sessions.write"
        for m in (
            "CreateSession",
            "StartSession",
            "RenewSession",
            "RevokeSession",
            "RevokeSessions",
            "UpdateSessionMetadata",
        )
    },
    _SESSIONS + "GetSession": "sessions.read",
    _SESSIONS + "ListSessions": "sessions.read",
    _SESSIONS + "ValidateSession": "sessions.validate",
    _SESSIONS + "GetJwks": "sessions.validate",
    _SESSIONS + "WatchSessions": "sessions.watch",
    # The list half of list-then-watch: what a watch from revision 1 would show.
    _SESSIONS + "ListEndedSessions": "sessions.watch",
    **{_SUBJECTS + m: "subjects.admin" for m in ("GetSubject", "TerminateSubject")},
    _SUBJECTS + "ReinstateSubject": "subjects.admin",
}
OPEN_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
# A revoked key stops working on every replica within this long.
KEY_CACHE_SECONDS = 5.0
# How often open mode asks the database whether a key has existed yet.
OPEN_MODE_RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Caller:
    tenant: str
    scopes: frozenset[str]
    key_id: str  # "" in open mode

    def allows(self, scope: str) -> bool:
        return ALL_SCOPES in self.scopes or scope in self.scopes


OPEN_CALLER = Caller(DEFAULT_TENANT, frozenset({ALL_SCOPES}), "")
CALLER: contextvars.ContextVar[Caller] = contextvars.ContextVar("caller", default=OPEN_CALLER)


def new_api_key() -> tuple[str, str]:
    """(key id, key): the id names the key in lists and revokes; the key is
    256 random bits and is stored only as its hash."""
    return "key_" + secrets.token_hex(6), KEY_PREFIX + b64url(secrets.token_bytes(32))


def parse_scopes(scopes: list[str]) -> str:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    return " ".join(sorted(set(scopes))) or ALL_SCOPES


log = logging.getLogger("sessionauthority.auth")


class Authenticator:
    def __init__(self, reader: Reader, open_mode_allowed: bool, clock: Callable[[], float]) -> None:
        self._reader = reader
        self._clock = clock
        self._open_mode_allowed = open_mode_allowed
        self._keys: dict[str, tuple[float, Caller | None]] = {}
        self._open_checked_at = -1e18
        self._open = open_mode_allowed

    async def open_mode(self) -> bool:
        # Only "open" is cached, and only for a second, so a replica closes
        # soon after another process makes the first key; "closed" is final,
        # as it is in the database.
        if not self._open:
            return False
        now = self._clock()
        if now - self._open_checked_at >= OPEN_MODE_RECHECK_SECONDS:
            self._open = not await apikeys.ever_existed(self._reader)
            self._open_checked_at = now
        return self._open

    async def caller(self, metadata: Any) -> Caller:
        header = ""
        for key, value in metadata or ():
            if key == "authorization":
                header = value if isinstance(value, str) else ""
                break
        if not header:
            if self._open_mode_allowed and await self.open_mode():
                return OPEN_CALLER
            raise errors.unauthenticated(
                "API_KEY_MISSING", "send `authorization: Bearer <API key>`"
            )
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key.startswith(KEY_PREFIX) or len(key) > 128:
            raise errors.unauthenticated("API_KEY_INVALID", "not a valid API key")
        digest = secret_hash(key)
        now = self._clock()
        cached = self._keys.get(digest)
        if cached is None or now - cached[0] >= KEY_CACHE_SECONDS:
            row = await apikeys.by_hash(self._reader, digest)
            found = (
                None
                if row is None
                else Caller(row["tenant"], frozenset(row["scopes"].split()), row["key_id"])
            )
            if len(self._keys) > 10_000:
                self._keys.clear()
            cached = (now, found)
            self._keys[digest] = cached
        if cached[1] is None:
            raise errors.unauthenticated("API_KEY_INVALID", "not a valid API key")
        return cached[1]


def _refusal(handler: grpc.RpcMethodHandler, error: DomainError) -> grpc.RpcMethodHandler:
    status = to_status(error)

    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(status.code, status.details, status.trailing_metadata)

    return _rebuild(handler, refuse)


def _rebuild(
    handler: grpc.RpcMethodHandler, behavior: Any, deserializer: Any = None
) -> grpc.RpcMethodHandler:
    kwargs = {
        "request_deserializer": deserializer or handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(behavior, **kwargs)
    return grpc.unary_unary_rpc_method_handler(behavior, **kwargs)


class _Unreadable:
    """What a request that does not parse becomes, so the method can answer
    INVALID_ARGUMENT instead of gRPC's UNKNOWN with a logged traceback."""

    def __init__(self, why: str) -> None:
        self.why = why


_unreadable_logged_at = -1e18


def _guarded(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
    deserialize = handler.request_deserializer
    inner = handler.unary_unary or handler.unary_stream

    def read(data: bytes) -> Any:
        try:
            return deserialize(data)
        except Exception as exc:
            return _Unreadable(type(exc).__name__)

    async def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
        if isinstance(request, _Unreadable):
            global _unreadable_logged_at
            now = time.monotonic()
            if now - _unreadable_logged_at >= 60:  # one line a minute, whatever the flood
                _unreadable_logged_at = now
                log.warning("unreadable request to %s (%s)", method, request.why)
            error = errors.invalid_argument([("request", "is not a valid protobuf message")])
            status = to_status(error)
            await context.abort(status.code, status.details, status.trailing_metadata)
        return await inner(request, context)

    return _rebuild(handler, behavior, read)


def _as(handler: grpc.RpcMethodHandler, caller: Caller) -> grpc.RpcMethodHandler:
    inner = handler.unary_unary or handler.unary_stream

    async def behavior(request: Any, context: grpc.aio.ServicerContext) -> Any:
        CALLER.set(caller)
        return await inner(request, context)

    return _rebuild(handler, behavior)


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, auth: Authenticator) -> None:
        self._auth = auth
        self._guarded: dict[str, grpc.RpcMethodHandler] = {}
        # Callers are few and long-lived: build each (method, caller) handler once.
        self._acting: dict[tuple[str, Caller], grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        method = details.method  # type: ignore[attr-defined]
        if handler is None or method.startswith(OPEN_PREFIXES):
            return handler
        if handler.request_streaming:
            return handler  # none of ours; left as grpc serves it
        guarded = self._guarded.get(method)
        if guarded is None:
            guarded = self._guarded[method] = _guarded(handler, method)
        handler = guarded
        try:
            caller = await self._auth.caller(details.invocation_metadata)  # type: ignore[attr-defined]
            scope = METHOD_SCOPES.get(method, ALL_SCOPES)
            if not caller.allows(scope):
                raise errors.permission_denied(scope, method.rsplit("/", 1)[-1])
        except DomainError as exc:
            return _refusal(handler, exc)
        except Exception as exc:
            # The key store is unreachable: retryable, and never UNKNOWN.
            log.warning("authenticating %s failed: %s", method, type(exc).__name__)
            return _refusal(handler, errors.storage_unavailable(type(exc).__name__))
        # The open caller is the default: nothing to hand over.
        if caller is OPEN_CALLER:
            return handler
        acting = self._acting.get((method, caller))
        if acting is None:
            if len(self._acting) > 10_000:
                self._acting.clear()
            acting = self._acting[(method, caller)] = _as(handler, caller)
        return acting
