"""One line when a background loop loses the database, one when it is back,
and at most one a minute in between: an outage must be visible in the log,
not bury it (a loop retries every half second)."""

from __future__ import annotations

import logging
import time

from .errors import DomainError


class OutageLog:
    def __init__(self, log: logging.Logger, what: str, every_seconds: float = 60.0) -> None:
        self._log = log
        self._what = what
        self._every = every_seconds
        self._since: float | None = None
        self._last = 0.0

    def failed(self, exc: BaseException, *, connection_only: bool = False) -> None:
        """`connection_only`: the loop does nothing but hold a connection, so
        any failure is the database being away."""
        now = time.monotonic()
        if not connection_only and not isinstance(exc, (DomainError, OSError, TimeoutError)):
            # Not the database being away: a bug, with its traceback.
            self._log.error("%s failed; retrying", self._what, exc_info=exc)
        elif self._since is None or now - self._last >= self._every:
            why = exc.message if isinstance(exc, DomainError) else type(exc).__name__
            self._log.warning("%s failed (%s); retrying", self._what, why)
            self._last = now
        if self._since is None:
            self._since = now

    def ok(self) -> None:
        if self._since is not None:
            self._log.warning(
                "%s works again after %.1f s", self._what, time.monotonic() - self._since
            )
            self._since = None
