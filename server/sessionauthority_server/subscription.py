"""One watch stream's side of the fan-out: its filter (indexed by the hub
under the most selective field, once per wanted event type), its bounded
queue, its bookmark, and the history replay that precedes live events.
See events.py for the hub that feeds it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import errors, policy
from .domain import Event, EventType
from .errors import DomainError

if TYPE_CHECKING:
    from .events import Hub

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
        # The stream's task while it is inside a write: the hub cancels it
        # there to end a stream whose client stopped reading.
        self._writing: asyncio.Task[object] | None = None
        self._cut_short = False

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
        if self._writing is not None and not final_progress:
            # A write blocked by flow control waits for a client that may
            # never read again. Shutting down ends only idle waits: a write
            # under way may finish.
            self._cut_short = True
            self._writing.cancel()
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
                if self.queue.empty():
                    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow
                    # a cancellation that lands as its awaitable completes.
                    async with asyncio.timeout(interval):
                        item = await self.queue.get()
                else:
                    item = self.queue.get_nowait()  # no timer per message under load
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
        that stopped reading blocks the write forever on flow control. The
        write is awaited in this task (no task or waiter per message); the
        hub cancels the task to cut it short, and that cancellation, and
        only that one, becomes the stream's error."""
        task = asyncio.current_task()
        self._writing = task
        try:
            await write
        except asyncio.CancelledError:
            if self._cut_short and task is not None and task.uncancel() == 0:
                self._cut_short = False
                assert self.error is not None
                raise self.error from None
            raise
        finally:
            self._writing = None

    def close(self) -> None:
        self._writing = None

    def _raise_if_ended(self) -> None:
        if self.error is None:
            return
        if self.error.reason == "SERVER_SHUTTING_DOWN":
            # The resume hint counts what was actually sent by now, not what
            # the hub had seen when it asked the stream to end.
            raise errors.shutting_down(self.bookmark() + 1)
        raise self.error
