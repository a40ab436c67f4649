"""`ManagedSession`: one login that looks after itself. It renews its access
token a lead time before it expires, lets a handler postpone a renewal,
backs off (with jitter) while the server is away, reports every change to
observers, and can persist itself in a `TokenStore` across restarts.

    from sessionauthority import ManagedSession, SessionAuthorityClient
    from sessionauthority.tokenstore import FileTokenStore

    client = SessionAuthorityClient("127.0.0.1:50051")
    session = ManagedSession(client, "user-42", reference="web",
                             persist=True, store=FileTokenStore("session.json"))
    session.add_observer(lambda s, change: print(change.state, change.reason))
    if not session.restore():
        session.login()
    headers = {"authorization": f"Bearer {session.access_token}"}
    ...
    session.logout()

States: NOT_LOGGED_IN, ESTABLISHING, ESTABLISHED, TOKEN_EXPIRED (renewal is
overdue: the access token no longer works, the session may), TERMINATED
(the session is over: `reason` and `error_code` say why).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from . import errors
from .client import SessionAuthorityClient
from .tokenstore import MemoryTokenStore, TokenStore


class State(StrEnum):
    NOT_LOGGED_IN = "NOT_LOGGED_IN"
    ESTABLISHING = "ESTABLISHING"
    ESTABLISHED = "ESTABLISHED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TERMINATED = "TERMINATED"


@dataclass(frozen=True)
class Change:
    state: State
    # Why, when it is not obvious: RENEWED, POSTPONED, LOGGED_OUT, the
    # server's reason (SESSION_REVOKED, REFRESH_TOKEN_REUSED, ...), or
    # STORED_SESSION_* for a stored session that was dropped.
    reason: str = ""
    error_code: str = ""


Observer = Callable[["ManagedSession", Change], None]


class TimeSource(Protocol):
    """What schedules renewals (grpc_testing's fake time fits, for tests)."""

    def time(self) -> float: ...
    def call_in(self, behavior: Callable[[], None], delay: float) -> Any: ...


class RealTime:
    def time(self) -> float:
        return time.time()

    def call_in(self, behavior: Callable[[], None], delay: float) -> threading.Timer:
        timer = threading.Timer(max(0.0, delay), behavior)
        timer.daemon = True
        timer.start()
        return timer


# Answers after which the same refresh token will never work again.
_FINAL = (errors.SessionEnded, errors.RefreshTokenInvalid, errors.RefreshTokenReused,
          errors.RefreshTokenSuperseded)  # fmt: skip


class ManagedSession:
    def __init__(
        self,
        client: SessionAuthorityClient,
        subject_id: str,
        *,
        reference: str = "",
        lead_time: float = 60.0,
        postpone_delay: float = 600.0,
        renewal_handler: Callable[[ManagedSession], bool] | None = None,
        persist: bool = False,
        store: TokenStore | None = None,
        time_source: TimeSource | None = None,
        rng: random.Random | None = None,
        backoff: tuple[float, float] = (1.0, 300.0),
    ) -> None:
        """`renewal_handler(session)` is asked before each renewal; False
        postpones it by `postpone_delay` seconds. `backoff`: first and
        largest wait between failed renewals (each jittered 0.5x to 1.5x)."""
        self.client = client
        self.subject_id = subject_id
        self.reference = reference
        self.lead_time = lead_time
        self.postpone_delay = postpone_delay
        self.renewal_handler = renewal_handler
        self.persist = persist
        self.store: TokenStore = store if store is not None else MemoryTokenStore()
        self._time = time_source or RealTime()
        self._rng = rng or random.Random()
        self._backoff = backoff
        self._failures = 0
        self._lock = threading.RLock()
        self._observers: list[Observer] = []
        self._timer: Any = None
        self._expiry_timer: Any = None
        self._workers: list[threading.Thread] = []
        self._record: dict[str, Any] | None = None
        self.change = Change(State.NOT_LOGGED_IN)

    # -- what callers read

    @property
    def state(self) -> State:
        """ESTABLISHED reads as TOKEN_EXPIRED once the access token has
        expired (a renewal postponed or failing past it)."""
        state = self.change.state
        if state is State.ESTABLISHED and 0 < self.expiration_epoch <= self._time.time():
            return State.TOKEN_EXPIRED
        return state

    @property
    def access_token(self) -> str:
        return self._record["access_token"] if self._record else ""

    @property
    def session_id(self) -> str:
        return self._record["session_id"] if self._record else ""

    @property
    def expiration_epoch(self) -> float:
        """When the access token expires, in seconds since the epoch (0: none)."""
        return float(self._record["access_expire"]) if self._record else 0.0

    def add_observer(self, observer: Observer) -> None:
        self._observers.append(observer)

    # -- logging in and out

    def login(self, **create_kwargs: Any) -> None:
        """Creates the session (kwargs as `client.create_session`)."""
        self._set(Change(State.ESTABLISHING))
        try:
            created = self.client.create_session(
                self.subject_id, reference=self.reference, **create_kwargs
            )
        except errors.SessionAuthorityError as exc:
            self._set(Change(State.NOT_LOGGED_IN, exc.reason, exc.metadata.get("error_code", "")))
            raise
        self._take(created.session, created.tokens, Change(State.ESTABLISHED))

    def restore(self) -> bool:
        """Takes up the stored session if it is still good for this subject
        and reference; otherwise drops it (observers hear why). True if taken."""
        record = self.store.load() if self.persist else None
        if record is None:
            return False
        why = self._unusable(record)
        if why:
            self.store.clear()
            self._set(Change(State.NOT_LOGGED_IN, f"STORED_SESSION_{why}"))
            return False
        with self._lock:
            self._record = record
        if record["access_expire"] <= self._time.time() + self.lead_time:
            self._set(Change(State.TOKEN_EXPIRED, "RESTORED"))
            self._schedule(0)
        else:
            self._set(Change(State.ESTABLISHED, "RESTORED"))
            self._schedule_renewal()
        return True

    def logout(self) -> None:
        """Revokes the session, then forgets it (stored copy included)."""
        session_id = self.session_id
        self._cancel(expiry_too=True)
        if session_id:
            try:
                self.client.revoke_session(session_id, reason="LOGOUT")
            except errors.NotFound:
                pass  # already gone: forgetting it is all that is left
        self.unpersist()
        with self._lock:
            self._record = None
        self._set(Change(State.NOT_LOGGED_IN, "LOGGED_OUT"))

    def close(self) -> None:
        """Stops renewing (the session stays, and stays stored)."""
        self._cancel(expiry_too=True)

    def is_persisted(self) -> bool:
        return self.persist and self.store.load() is not None

    def unpersist(self) -> None:
        self.store.clear()

    def renew_now(self) -> None:
        self._renew()

    # -- internals

    def _unusable(self, record: dict[str, Any]) -> str:
        now = self._time.time()
        if record.get("subject_id") != self.subject_id:
            return "OTHER_SUBJECT"
        if record.get("reference", "") != self.reference:
            return "OTHER_REFERENCE"
        if min(record.get("refresh_expire", 0), record.get("session_expire", 0)) <= now:
            return "EXPIRED"
        return ""

    def _take(self, session: Any, tokens: Any, change: Change) -> None:
        record = {
            "subject_id": self.subject_id,
            "reference": self.reference,
            "session_id": session.session_id,
            "session_expire": session.expire_time.seconds,
            "access_token": tokens.access_token,
            "access_expire": tokens.access_token_expire_time.seconds,
            "refresh_token": tokens.refresh_token,
            "refresh_expire": tokens.refresh_token_expire_time.seconds,
        }
        with self._lock:
            self._record = record
            self._failures = 0
        if self.persist:
            self.store.save(record)
        self._set(change)
        self._schedule_renewal()
        self._schedule_expiry()

    def _schedule_expiry(self) -> None:
        """Observers hear TOKEN_EXPIRED the moment the access token runs out
        (a renewal postponed or failing past it)."""
        with self._lock:
            if self._expiry_timer is not None:
                self._expiry_timer.cancel()
            delay = self.expiration_epoch - self._time.time()
            self._expiry_timer = self._time.call_in(
                lambda: self._hand_off(lambda: self._mark_if_expired("ACCESS_TOKEN_EXPIRED")),
                max(0.0, delay),
            )

    def _schedule_renewal(self) -> None:
        due = self.expiration_epoch - self.lead_time - self._time.time()
        self._schedule(max(0.0, due))

    def _schedule(self, delay: float) -> None:
        with self._lock:
            self._cancel()
            self._timer = self._time.call_in(self._fire, delay)

    def _fire(self) -> None:
        self._hand_off(self._due)

    def _hand_off(self, work: Callable[[], None]) -> None:
        # A timer only hands over: the work runs on a thread of its own, so a
        # time source that waits for its callbacks is never held up by a
        # network call or an observer, and the work may schedule the next one.
        worker = threading.Thread(target=work, name="managed-session", daemon=True)
        with self._lock:
            self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    def wait_idle(self, timeout: float | None = None) -> None:
        """Waits for work under way (a renewal) to finish (tests, shutdown)."""
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            if worker is not threading.current_thread():
                worker.join(timeout)

    def _cancel(self, expiry_too: bool = False) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if expiry_too and self._expiry_timer is not None:
                self._expiry_timer.cancel()
                self._expiry_timer = None

    def _due(self) -> None:
        if self.change.state not in (State.ESTABLISHED, State.TOKEN_EXPIRED):
            return
        if self.renewal_handler is not None and not self.renewal_handler(self):
            self._mark_if_expired("POSTPONED")
            self._schedule(self.postpone_delay)
            return
        self._renew()

    def _renew(self) -> None:
        record = self._record
        if record is None:
            return
        try:
            renewed = self.client.renew_session(record["refresh_token"])
        except _FINAL as exc:
            self._end(exc)
            return
        except errors.SessionAuthorityError:
            # Away for now (unavailable, a deadline): try again, later each time.
            with self._lock:
                self._failures += 1
                first, most = self._backoff
                wait = min(most, first * 2 ** (self._failures - 1))
            self._mark_if_expired("RENEWAL_FAILED")
            self._schedule(wait * self._rng.uniform(0.5, 1.5))
            return
        self._take(renewed.session, renewed.tokens, Change(State.ESTABLISHED, "RENEWED"))

    def _mark_if_expired(self, reason: str) -> None:
        if self.change.state is State.ESTABLISHED and self.state is State.TOKEN_EXPIRED:
            self._set(Change(State.TOKEN_EXPIRED, reason))

    def _end(self, exc: errors.SessionAuthorityError) -> None:
        self._cancel(expiry_too=True)
        self.unpersist()
        code = exc.metadata.get("error_code", "")
        self._set(Change(State.TERMINATED, exc.reason, code))

    def _set(self, change: Change) -> None:
        with self._lock:
            self.change = change
        for observer in list(self._observers):
            observer(self, change)
