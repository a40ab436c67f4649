"""The LocalVerifier's view of which sessions have ended: a snapshot, then a
watch of ending events (list, then watch, as Kubernetes informers do).

1. ListEndedSessions: at one revision R, every session of this tenant that
   ended recently enough that a token of it may still be unexpired, paged.
2. WatchSessions from R + 1, for REVOKED, EXPIRED and TERMINATED only,
   resumed by revision across reconnects.
3. Answers count ("healthy") only once the stream has reached the head
   revision probed after the snapshot, and only while it keeps talking.
4. A resume into compacted history, a server whose head is below what this
   feed has seen (a database restored from a backup), or a REVISION_AHEAD
   answer: fail closed, take a new snapshot. Never skip.
"""

from __future__ import annotations

import threading
import time

import grpc

from .client import SessionAuthorityClient
from .errors import HistoryCompacted, RevisionAhead, SessionAuthorityError, from_rpc_error
from .v1 import session_pb2 as spb
from .v1 import session_service_pb2 as pb

ENDED = {
    spb.SESSION_STATE_REVOKED: "SESSION_REVOKED",
    spb.SESSION_STATE_TERMINATED: "SESSION_TERMINATED",
    spb.SESSION_STATE_EXPIRED: "SESSION_EXPIRED",
}
ENDING_EVENTS = (
    pb.SESSION_EVENT_TYPE_REVOKED,
    pb.SESSION_EVENT_TYPE_EXPIRED,
    pb.SESSION_EVENT_TYPE_TERMINATED,
)
SNAPSHOT_PAGE = 5000
# Errors a new snapshot cannot fix: the caller's key or arguments.
_FATAL = frozenset(
    {
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)


class Rewound(Exception):
    """The server's head went below a revision this feed has seen."""


class _Closed(Exception):
    pass


class RevocationFeed:
    def __init__(
        self, client: SessionAuthorityClient, *, fail_closed_after: float, window_seconds: float
    ) -> None:
        self._client = client
        self._fail_closed_after = fail_closed_after
        self._window = window_seconds
        self._ended: dict[str, tuple[str, float]] = {}  # session_id -> (reason, ended at)
        self._heard = 0.0  # monotonic time of the last message; 0: not caught up
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.revision = 0
        self.snapshots = 0  # how many snapshots were taken (the first, then re-snapshots)
        self.error: Exception | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-verifier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def healthy(self) -> bool:
        heard = self._heard
        return heard > 0 and time.monotonic() - heard < self._fail_closed_after

    def ended(self, session_id: str) -> str | None:
        """SESSION_REVOKED / _TERMINATED / _EXPIRED, or None if not ended."""
        found = self._ended.get(session_id)
        return found[0] if found else None

    # -- the loop: snapshot, follow, and again when the stream cannot go on

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            self._heard = 0.0  # fail closed until the new snapshot has caught up
            try:
                self._follow(self._snapshot())
                return
            except (_Closed, grpc.RpcError, SessionAuthorityError, ValueError) as exc:
                # ValueError: the channel was closed under the thread (close()).
                if self._stop.is_set() or isinstance(exc, _Closed | ValueError):
                    return
                typed = exc if isinstance(exc, SessionAuthorityError) else from_rpc_error(exc)
                if typed.code() in _FATAL:
                    self.error = typed
                    return
                if isinstance(typed, HistoryCompacted | RevisionAhead):
                    backoff = 0.1  # the server is there: snapshot again at once
            except Rewound:
                backoff = 0.1
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 5.0)
        self._heard = 0.0

    def _snapshot(self) -> int:
        ended: dict[str, tuple[str, float]] = {}
        token, revision = "", -1
        while True:
            page = self._client.sessions.ListEndedSessions(
                pb.ListEndedSessionsRequest(page_size=SNAPSHOT_PAGE, page_token=token),
                **{**self._client._kw(), "timeout": 30.0},
            )
            if revision >= 0 and page.revision != revision:
                raise Rewound  # pages of one snapshot share one revision
            revision = int(page.revision)
            for s in page.sessions:
                ended[s.session_id] = (ENDED.get(s.state, "SESSION_REVOKED"), s.end_time.seconds)
            token = page.next_page_token
            if not token:
                break
        self._ended = ended
        self.revision = revision
        self.snapshots += 1
        return revision

    def _follow(self, snapshot_revision: int) -> None:
        # Answers count only once the stream has reached the head probed
        # now: a stream from history opens with start - 1, not the head.
        target = [self._head()]
        if 0 <= target[0] < snapshot_revision:
            raise Rewound

        def on_progress(revision: int) -> None:
            if revision < self.revision:
                raise Rewound
            self.revision = revision
            if target[0] < 0:
                target[0] = self._head()
            if 0 <= target[0] <= revision:
                self._heard = time.monotonic()
                self._forget_old()

        def on_reconnect(error: grpc.RpcError, next_revision: int) -> None:
            if self._stop.is_set():
                raise _Closed
            target[0] = self._head()
            if 0 <= target[0] < self.revision:
                raise Rewound

        for event in self._client.watch(
            start_revision=snapshot_revision + 1,
            event_types=ENDING_EVENTS,
            on_progress=on_progress,
            on_reconnect=on_reconnect,
            idle_timeout_seconds=self._fail_closed_after,
        ):
            self._apply(event)
            on_progress(event.revision)
            if self._stop.is_set():
                return

    def _head(self) -> int:
        try:
            return self._client.current_revision()
        except (grpc.RpcError, SessionAuthorityError, ValueError):
            return -1

    def _apply(self, event: pb.SessionEvent) -> None:
        reason = ENDED.get(event.session.state)
        if reason is None:
            return
        ended_at = event.occur_time.seconds
        if time.time() - ended_at <= self._window:
            self._ended[event.session.session_id] = (reason, ended_at)

    def _forget_old(self) -> None:
        if len(self._ended) < 100_000:
            return
        cutoff = time.time() - self._window
        for sid in [s for s, (_, at) in self._ended.items() if at < cutoff]:
            del self._ended[sid]
