"""Who is calling, for every transport: an API key (`authorization: Bearer
sak_...`) names a tenant and scopes; each method needs one scope. The gRPC
interceptor (services/auth.py) and the Connect interceptor (http/connect.py)
both ask `authorize`, so the two transports cannot disagree on who may call
what.

Open mode (CONTRACT.md): while no API key has ever existed in the database
and the server listens on loopback, a call without a key is the `default`
tenant with every scope. Once any key has existed, every call needs one,
even after every key is revoked or the server restarts: otherwise revoking
the last key would hand the `default` tenant's sessions to any local
process."""

from __future__ import annotations

import contextvars
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import errors
from .store import apikeys
from .store.reads import Reader
from .tokens import b64url, secret_hash

DEFAULT_TENANT = "default"
KEY_PREFIX = "sak_"
ALL_SCOPES = "*"
SCOPES = (
    "sessions.write",
    "sessions.read",
    "sessions.validate",
    "sessions.watch",
    "subjects.admin",
    "console",
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
# The operator console (/console/ on the HTTP port): a `console` key may call
# ApiKeyService, and the other methods the console's pages use, so an
# operator needs one key, not one per scope. It is an administrator's scope
# for its tenant: it can mint keys of any scope there.
CONSOLE = "console"
_API_KEYS = "/sessionauthority.v1.ApiKeyService/"
API_KEY_METHOD_SCOPES: dict[str, str] = {
    _API_KEYS + m: CONSOLE for m in ("ListApiKeys", "CreateApiKey", "RevokeApiKey")
}
CONSOLE_METHODS = frozenset(
    {
        _SESSIONS + "GetSession",
        _SESSIONS + "ListSessions",
        _SESSIONS + "RevokeSession",
        _SESSIONS + "RevokeSessions",
        _SESSIONS + "WatchSessions",
        _SUBJECTS + "GetSubject",
        _SUBJECTS + "TerminateSubject",
        _SUBJECTS + "ReinstateSubject",
        *API_KEY_METHOD_SCOPES,
    }
)
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

    async def caller(self, metadata: Iterable[tuple[str, object]] | None) -> Caller:
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

    def forget(self, key_id: str) -> None:
        """Drops a revoked key from this replica's cache at once (the others
        drop it within KEY_CACHE_SECONDS)."""
        for digest, (_, found) in list(self._keys.items()):
            if found is not None and found.key_id == key_id:
                del self._keys[digest]


async def authorize(
    auth: Authenticator, metadata: Iterable[tuple[str, object]] | None, method: str
) -> Caller:
    """The caller of `method` ("/package.Service/Method"), or the DomainError
    to refuse it with: UNAUTHENTICATED, PERMISSION_DENIED for a missing scope,
    UNAVAILABLE when the key store cannot be read (retryable, never UNKNOWN)."""
    try:
        caller = await auth.caller(metadata)
    except errors.DomainError:
        raise
    except Exception as exc:
        log.warning("authenticating %s failed: %s", method, type(exc).__name__)
        raise errors.storage_unavailable(type(exc).__name__) from None
    scope = METHOD_SCOPES.get(method) or API_KEY_METHOD_SCOPES.get(method, ALL_SCOPES)
    if not caller.allows(scope) and not (method in CONSOLE_METHODS and caller.allows(CONSOLE)):
        raise errors.permission_denied(scope, method.rsplit("/", 1)[-1])
    return caller
