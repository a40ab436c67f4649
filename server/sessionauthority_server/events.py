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
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from . import errors, policy
from .domain import Event, EventType
from .errors import DomainError
from .outage import OutageLog
from .store import Store
from .store.notify import CommitListener

log = logging.getLogger("sessionauthority.events")

TAIL_BATCH = 1000
HISTORY_PAGE = 500


@dataclass(frozen=True)
class Filter:
    tenant: str
    subject_id: str = ""
    session_id: str = ""
    reference: str = ""
    # Empty: every type.
    types: frozenset[EventType] = frozenset()

    def keys(self) -> list[tuple[str, str, str, str]]:
        """The most selective filter given, once per wanted type (or once
        with "" for every type): the stream is indexed under these, so an
        event of a type it does not want never reaches it."""
        name, value = "", ""
        for field in ("session_id", "subject_id", "reference"):
            if getattr(self, field):
                name, value = field, getattr(self, field)
                break
        return [(name, self.tenant, value, t) for t in (sorted(self.types) or [""])]

    def matches(self, event: Event) -> bool:
        s = event.session
        return (
            event.tenant == self.tenant
            and (not self.types or event.type in self.types)
            and (not self.subject_id or s.subject_id == self.subject_id)
            and (not self.session_id or s.session_id == self.session_id)
            and (not self.reference or s.reference == self.reference)
        )


@dataclass(frozen=True)
class Progress:
    revision: int


class Subscription:
    """One watch stream's view of the hub: its queue, its bookmark, and why
    it ended if the hub ended it."""

    def __init__(self, hub: Hub, flt: Filter, start_revision: int, queue_size: int) -> None:
        self.hub = hub
        self.filter = flt
        self.start_revision = start_revision
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(queue_size)
        self.registered_at = 0
        # Highest revision the client is known to hold everything up to.
        self.sent = 0
        self.error: DomainError | None = None
        self.final_progress = False
        # While history is replayed, the hub's tail says nothing of what
        # this stream has sent.
        self.replaying = False
        self._ended = asyncio.Event()
        # One waiter for the stream's life, raced against each write, rather
        # than a new task per message.
        self._ended_waiter: asyncio.Future[bool] | None = None

    # -- called by the hub (synchronously, in revision order)

    def offer(self, event: Event) -> None:
        if self.error is not None or not self.filter.matches(event):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.end(errors.watch_overflow(self.sent + 1))

    def end(self, error: DomainError, *, final_progress: bool = False) -> None:
        if self.error is not None:
            return
        self.error = error
        self.final_progress = final_progress
        self._ended.set()
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)  # wakes a reader waiting on an empty queue

    # -- called by the stream

    def bookmark(self) -> int:
        """Everything matching at or below this revision has been sent: when
        the queue is empty, that holds for every revision the hub has seen."""
        if self.queue.empty() and not self.replaying:
            return max(self.sent, self.hub.tail_revision)
        return self.sent

    async def items(self) -> AsyncIterator[Event | Progress]:
        store = self.hub.store
        if self.start_revision > self.registered_at + 1:
            # Past what this replica has seen: it may only lag (another
            # replica just committed), or the database went back in time.
            head = max(self.registered_at, await store.current_revision())
            if self.start_revision > head + 1:
                raise errors.revision_ahead(self.start_revision, head)
        first = policy.first_progress(self.start_revision, self.registered_at)
        self.sent = first
        yield Progress(first)
        if self.start_revision and self.start_revision <= self.registered_at:
            compact = await store.compact_revision()
            if self.start_revision < compact:
                raise errors.history_compacted(self.start_revision, compact)
            cursor = self.start_revision - 1
            key_name, tenant, key, _ = self.filter.keys()[0]
            self.replaying = True
            while cursor < self.registered_at:
                page = await store.history(
                    tenant, cursor, self.registered_at, key_name, key, HISTORY_PAGE
                )
                # Retention deletes a prefix of the table; if it now starts
                # above our cursor, rows this page should have had may be gone.
                compact = await store.compact_revision()
                if compact > cursor + 1:
                    raise errors.history_compacted(cursor + 1, compact)
                for event in page:
                    if not self.filter.matches(event):
                        continue
                    self._raise_if_ended()
                    yield event
                    self.sent = event.revision
                cursor = page[-1].revision if len(page) == HISTORY_PAGE else self.registered_at
            self._raise_if_ended()
            self.sent = max(self.sent, self.registered_at)
            self.replaying = False
            yield Progress(self.sent)  # caught up: live from here
        interval = self.hub.progress_interval
        while True:
            if self.error is not None:
                if self.final_progress:
                    yield Progress(self.bookmark())
                self._raise_if_ended()
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow
                # a cancellation that lands as its awaitable completes.
                async with asyncio.timeout(interval):
                    item = await self.queue.get()
            except TimeoutError:
                mark = self.bookmark()
                self.sent = mark
                yield Progress(mark)
                continue
            if item is None or item.revision < self.start_revision:
                continue
            if self.error is not None and not self.final_progress:
                raise self.error
            yield item
            self.sent = item.revision

    async def send(self, write: Awaitable[None]) -> None:
        """Awaits one write, unless the hub ends the stream first: a client
        that stopped reading blocks the write forever on flow control."""
        if self._ended_waiter is None:
            self._ended_waiter = asyncio.ensure_future(self._ended.wait())
        write_task = asyncio.ensure_future(write)
        # If this stream is cancelled as the write fails (the client left),
        # nobody awaits the task: take its error here so asyncio does not
        # log it as lost.
        write_task.add_done_callback(_retrieve)
        try:
            await asyncio.wait(
                {write_task, self._ended_waiter}, return_when=asyncio.FIRST_COMPLETED
            )
            if write_task.done() or self.final_progress:
                # Shutting down ends only idle waits: a write under way may finish.
                await write_task
                return
        finally:
            if not write_task.done():
                write_task.cancel()
        assert self.error is not None
        raise self.error

    def close(self) -> None:
        if self._ended_waiter is not None:
            self._ended_waiter.cancel()

    def _raise_if_ended(self) -> None:
        if self.error is None:
            return
        if self.error.reason == "SERVER_SHUTTING_DOWN":
            # The resume hint counts what was actually sent by now, not what
            # the hub had seen when it asked the stream to end.
            raise errors.shutting_down(self.bookmark() + 1)
        raise self.error


def _retrieve(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()


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
    def listener(self) -> CommitListener | None:
        """What hears other replicas' commits (PostgreSQL), for readiness."""
        return self._listener

    @property
    def stream_count(self) -> int:
        return len(self._subs)

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
