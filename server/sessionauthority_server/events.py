"""Watch fan-out. Events this process commits come straight from the store
after COMMIT (no read-back); one tailer per process reads what other
processes commit (woken at once by PostgreSQL NOTIFY, with a 1 s poll as the
fallback and SQLite's only way). Either way each event goes, in revision
order, to the streams indexed under its session, subject or reference (as
etcd's watcherSetByKey), not to every stream.

A stream registers with the hub *before* it reads history, so every event is
either at or below the revision it registered at (history) or above it (live
queue): nothing is missed and nothing is sent twice. Each stream has a
bounded queue; a stream whose queue overflows is ended with
RESOURCE_EXHAUSTED, never skipped, and the others never wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from . import errors
from .domain import Event
from .outage import OutageLog
from .store import Store
from .store.notify import CommitListener
from .store.peers import PeerWaker
from .subscription import Filter, Progress, Subscription

__all__ = ["Filter", "Hub", "Progress", "Subscription"]

log = logging.getLogger("sessionauthority.events")

TAIL_BATCH = 1000


class Hub:
    def __init__(
        self,
        store: Store,
        *,
        queue_size: int,
        max_streams: int,
        progress_interval: float,
        poll_interval: float = 1.0,
        max_streams_per_owner: int = 1000,
    ) -> None:
        self.store = store
        self.queue_size = queue_size
        self.max_streams = max_streams
        self.max_streams_per_owner = max_streams_per_owner
        self._per_owner: dict[str, int] = {}
        self.progress_interval = progress_interval
        self.poll_interval = poll_interval
        self.tail_revision = 0
        self._subs: set[Subscription] = set()
        self._index: dict[tuple[str, str, str, str], set[Subscription]] = {}
        self._wake = asyncio.Event()
        # The tailer and subscribers catching it up must not dispatch twice.
        self._drain_lock = asyncio.Lock()
        self._closed = False
        self._drained = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener = store.commit_listener(self._heard)
        # The newest revision known to be committed (ours, or another
        # replica's by its notice): the tailer's lag is the distance to it.
        self.head_revision = 0
        # Called with each batch dispatched to the streams (metrics).
        self.on_dispatch: Callable[[list[Event]], None] | None = None
        self._listener_task: asyncio.Task[None] | None = None
        self._outage = OutageLog(log, "event tailer")

    def _heard(self, revision: int) -> None:
        self.head_revision = max(self.head_revision, revision)
        self._wake.set()

    @property
    def lag_revisions(self) -> int:
        return max(0, self.head_revision - self.tail_revision)

    @property
    def listener(self) -> CommitListener | PeerWaker | None:
        """What hears other replicas' commits (PostgreSQL), for readiness."""
        return self._listener

    @property
    def stream_count(self) -> int:
        return len(self._subs)

    def streams_by_types(self) -> dict[str, int]:
        """Open streams by the types they asked for ("" for every type), as
        "EXPIRED,REVOKED,TERMINATED". Read from the metrics thread: a copy."""
        counts: dict[str, int] = {}
        for sub in list(self._subs):
            key = ",".join(sorted(sub.filter.types))
            counts[key] = counts.get(key, 0) + 1
        return counts

    async def start(self) -> None:
        self.tail_revision = await self.store.current_revision()
        self.store.listen(self.publish)
        self._task = asyncio.create_task(self._run(), name="event-tailer")
        if self._listener is not None:
            self._listener_task = asyncio.create_task(self._listener.run(), name="commit-listener")

    def publish(self, events: list[Event]) -> None:
        """A batch this process committed, in revision order. Dispatched at
        once when it follows what the hub has seen; after a gap (another
        process committed in between) the tailer reads the table instead."""
        fresh = [e for e in events if e.revision > self.tail_revision]
        if not fresh:
            return
        if self._drain_lock.locked() or fresh[0].revision != self.tail_revision + 1:
            self._wake.set()
            return
        self._dispatch(fresh)

    def _dispatch(self, events: list[Event]) -> None:
        if not events:
            return
        if self.on_dispatch is not None:
            self.on_dispatch(events)
        index = self._index
        for event in events:
            s, tenant = event.session, event.tenant
            for etype in ("", event.type):
                for key in (
                    ("session_id", tenant, s.session_id, etype),
                    ("subject_id", tenant, s.subject_id, etype),
                    ("reference", tenant, s.reference, etype),
                    ("", tenant, "", etype),
                ):
                    for sub in index.get(key, ()):
                        sub.offer(event)
            self.tail_revision = event.revision
        self.head_revision = max(self.head_revision, self.tail_revision)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, flt: Filter, start_revision: int, owner: str = ""
    ) -> AsyncIterator[Subscription]:
        """`owner`: the caller's API key; each may hold `max_streams_per_owner`
        streams, so one client cannot take every stream from the rest."""
        # Catch the tail up first, so "from now" means after every change
        # committed before this call, not after what the tailer last saw.
        await self._drain()
        # Checked after the await, so concurrent subscribers cannot overshoot.
        if self._closed:
            raise errors.shutting_down(start_revision)
        if len(self._subs) >= self.max_streams:
            raise errors.too_many_watches(self.max_streams)
        held = self._per_owner.get(owner, 0)
        if owner and held >= self.max_streams_per_owner:
            raise errors.too_many_watches_for_caller(self.max_streams_per_owner)
        self._per_owner[owner] = held + 1
        sub = Subscription(self, flt, start_revision, self.queue_size)
        sub.registered_at = self.tail_revision
        keys = flt.keys()
        self._subs.add(sub)
        for key in keys:
            self._index.setdefault(key, set()).add(sub)
        self._drained.clear()
        try:
            yield sub
        finally:
            sub.close()
            self._subs.discard(sub)
            left = self._per_owner.get(owner, 1) - 1
            if left:
                self._per_owner[owner] = left
            else:
                self._per_owner.pop(owner, None)
            for key in keys:
                subs = self._index.get(key)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._index[key]
            if not self._subs:
                self._drained.set()

    async def close(self, wait_seconds: float) -> None:
        """Ends every stream with a final progress and UNAVAILABLE, waits up
        to `wait_seconds` for them to go, then stops tailing."""
        self._closed = True
        for sub in list(self._subs):
            sub.end(errors.shutting_down(sub.bookmark() + 1), final_progress=True)
        if self._subs:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_seconds):
                    await self._drained.wait()
        for task in (self._listener_task, self._task):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self._drain()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The next wake or poll retries from the same revision.
                self._outage.failed(exc)
                await asyncio.sleep(min(self.poll_interval, 1.0))
            else:
                self._outage.ok()

    async def _drain(self) -> None:
        async with self._drain_lock:
            await self._drain_locked()

    async def _drain_locked(self) -> None:
        while True:
            events = await self.store.events_after(self.tail_revision, TAIL_BATCH)
            self._dispatch(events)
            if len(events) < TAIL_BATCH:
                return
