"""Session Authority's Python client: the generated stubs (`sessionauthority.v1`)
and, on top of them, `SessionAuthorityClient` / `AsyncSessionAuthorityClient`,
typed errors (`sessionauthority.errors`) and a resuming `watch()`."""

from __future__ import annotations

from .client import AsyncSessionAuthorityClient, SessionAuthorityClient, Tls
from .errors import SessionAuthorityError

__all__ = [
    "AsyncSessionAuthorityClient",
    "SessionAuthorityClient",
    "SessionAuthorityError",
    "Tls",
]
