"""Session Authority's Python client: the generated stubs (`sessionauthority.v1`)
and, on top of them, `SessionAuthorityClient` / `AsyncSessionAuthorityClient`,
typed errors (`sessionauthority.errors`), a resuming `watch()` and
`LocalVerifier` (offline token checks; needs PyNaCl, imported on first use)."""

from __future__ import annotations

from .client import AsyncSessionAuthorityClient, SessionAuthorityClient, Tls
from .errors import SessionAuthorityError
from .managed import ManagedSession

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .verifier import LocalVerifier, Verification


def __getattr__(name: str) -> object:
    # PyNaCl is needed only by LocalVerifier: import it only when asked for.
    if name in ("LocalVerifier", "Verification"):
        from . import verifier

        return getattr(verifier, name)
    raise AttributeError(name)


__all__ = [
    "AsyncSessionAuthorityClient",
    "LocalVerifier",
    "ManagedSession",
    "SessionAuthorityClient",
    "SessionAuthorityError",
    "Tls",
    "Verification",
]
