"""Units of work and the batching writer.

A write is a unit of work: a plain synchronous function `unit(tx, *args)`
that reads what it needs, checks the rules, writes rows and emits events
through `tx`. Callers hand it over once (`await engine.write(unit, ...)`);
it runs whole on the writer thread, which owns the write connection.

Group commit: the writer takes every unit waiting in its queue, runs each
inside its own SAVEPOINT of one transaction, and COMMITs once: one fsync
(SQLite) or one commit round trip (PostgreSQL) for the batch. A unit that
raises rolls back its savepoint and fails only its caller.

Deadlocks: a batch holds every unit's row locks until COMMIT, so two
replicas' batches can lock the same subjects in opposite orders even though
each unit follows the one lock order (subject, session, refresh token).
PostgreSQL then aborts one; its writer rolls the whole batch back and runs
each of its units again in a transaction of its own, where that order holds.

Revisions are assigned last. A unit's events wait in its outbox, each with
its ordinal in the batch; the batch's final statement bumps the revision
counter once, inserts the events and sets each touched session row's
revision (base + the ordinal of its last event), and then the transaction
commits. The unit's caller learns the revisions of the sessions it saved
with its result (`write_saving`). On PostgreSQL the counter row's lock is thus
held from that statement to COMMIT, not across the batch, and revision order
is still commit order: whoever takes the counter after us waits for our
commit.

Lanes: on PostgreSQL the writer may run several threads ("lanes"), each
with its own connection, taking batches from the one queue: a batch spends
most of its time waiting on round trips, so another lane's batch runs
meanwhile. They serialise only where they must: on the rows they both lock,
and on the counter row, whose lock the final statement holds to COMMIT, so
revision order stays commit order. SQLite has one lane (one writer per file).

Reads ahead: on PostgreSQL a unit's read waits for everything sent before
it, so a batch whose units each read once would wait once per unit. A unit
may declare its first read (`Ahead`); a shared batch sends all of those
right after BEGIN, and each unit then takes its row from there: one round
trip for every unit's read. A row taken ahead is stale if an earlier unit
of the batch wrote it since, so each write marks what it touched
(`Tx.wrote`, and every event's session) and such a row is read again.

After COMMIT, in one callback on the event loop, the batch's events go to
the subscribers (the watch hub) and then every caller's future resolves, so
a watcher on this process has an event queued before its writer is answered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import DomainError, storage_unavailable
from ..outage import OutageLog
from .tx import Ahead, Connection, Pending, Tx, last_ordinals

log = logging.getLogger("sessionauthority.store")

T = TypeVar("T")
MAX_BATCH = 256
Clock = Callable[[], int]


@dataclasses.dataclass
class _Job:
    unit: Callable[..., Any]
    args: tuple[Any, ...]
    future: asyncio.Future[Any]
    saving: bool = False
    ahead: Ahead | None = None
    sent: Any = None
    result: Any = None
    error: BaseException | None = None
    events: list[Pending] = dataclasses.field(default_factory=list)


_STOP = object()


class _Lane:
    """One writer thread and the connection it owns."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.conn: Connection | None = None
        self.thread: threading.Thread | None = None


class Writer:
    """The writer threads (lanes): each owns a write connection and runs units in batches."""

    def __init__(
        self,
        connect: Callable[[], Connection],
        dialect: str,
        clock: Clock,
        retryable: tuple[type[BaseException], ...],
        conflicts: tuple[type[BaseException], ...],
        on_events: Callable[[list[Pending], int], None],
        lanes: int = 1,
        unattributed: tuple[type[BaseException], ...] = (),
    ) -> None:
        self._connect = connect
        self._dialect = dialect
        self._clock = clock
        self._retryable = retryable
        self._conflicts = conflicts
        # Driver errors a unit's own statements can raise (a unique key, a
        # value out of range): in a shared pipelined batch, not yet its own.
        self._unattributed = (*retryable, *unattributed)
        self.on_events = on_events
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lanes = [_Lane(f"store-writer-{i}") for i in range(lanes)]
        self.batches = 0
        # Called on a writer thread with each batch's unit count (metrics).
        self.on_batch: Callable[[int], None] | None = None
        self._outage = OutageLog(log, "writing to the database")

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for lane in self._lanes:
            lane.conn = self._connect()
        for lane in self._lanes:
            lane.thread = threading.Thread(
                target=self._run, args=(lane,), name=lane.name, daemon=True
            )
            lane.thread.start()

    async def write(self, unit: Callable[..., T], *args: Any) -> T:
        assert self._loop is not None, "writer not started"
        future: asyncio.Future[T] = self._loop.create_future()
        self._queue.put(_Job(unit, args, future))
        return await future

    async def write_saving(
        self, unit: Callable[..., T], *args: Any, ahead: Ahead | None = None
    ) -> tuple[T, dict[str, int]]:
        """`write`, and the revision each row the unit saved an event for
        got, by key. `ahead`: the unit's first read, which a batch may make
        ahead of the unit (see the module's docstring)."""
        assert self._loop is not None, "writer not started"
        future: asyncio.Future[tuple[T, dict[str, int]]] = self._loop.create_future()
        self._queue.put(_Job(unit, args, future, saving=True, ahead=ahead))
        return await future

    async def stop(self) -> None:
        running = [lane for lane in self._lanes if lane.thread is not None]
        for _ in running:
            self._queue.put(_STOP)
        for lane in running:
            assert lane.thread is not None
            await asyncio.to_thread(lane.thread.join)
            lane.thread = None

    # -- the writer thread

    def _run(self, lane: _Lane) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            batch: list[_Job] = [item]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            try:
                self._run_batch(lane, batch)
            except BaseException as exc:
                # A lane must outlive any bug, and no caller may wait forever.
                log.exception("writer lane %s failed a batch", lane.name)
                assert self._loop is not None
                for job in batch:
                    job.error, job.events = exc, []
                self._loop.call_soon_threadsafe(self._deliver, batch, [], 0)
            if stop:
                break
        if lane.conn is not None:
            lane.conn.close()

    def _run_batch(self, lane: _Lane, batch: list[_Job], attempt: int = 1) -> None:
        events: list[Pending] = []
        base = 0
        try:
            conn = lane.conn or self._reconnect(lane)
            conn.begin()
            # Pipelined and shared: no unit waits for its own writes, so a
            # driver error cannot say whose it is; the batch then runs again
            # unit by unit (below), where it can.
            shared = conn.pipelined and len(batch) > 1
            for job in batch:
                a = job.ahead
                job.sent = conn.send(a.sql, a.params) if shared and a is not None else None
            written: set[str] = set()
            for job in batch:
                self._run_unit(conn, job, len(events) + 1, shared, written)
                events.extend(job.events)
            base = conn.commit(events)
            self._outage.ok()
        except (*self._conflicts, *self._unattributed) as exc:
            self._discard_connection(lane)
            if attempt < 3 and (len(batch) > 1 or isinstance(exc, self._conflicts)):
                log.info("write batch of %d rolled back (%s); running it again", len(batch), exc)
                for job in batch:
                    job.result, job.error, job.events = None, None, []
                if len(batch) == 1:
                    self._run_batch(lane, batch, attempt + 1)
                else:
                    for job in batch:
                        self._run_batch(lane, [job], attempt + 1)
                return
            for job in batch:
                job.error, job.events = storage_unavailable(type(exc).__name__), []
            events = []
        except Exception as exc:
            # The transaction as a whole failed (lost connection, disk full):
            # nothing of it was kept, so every caller is told to retry.
            self._outage.failed(exc, connection_only=True)
            self._discard_connection(lane)
            error = storage_unavailable(type(exc).__name__)
            for job in batch:
                if job.error is None or not isinstance(job.error, DomainError):
                    job.error = error
                job.events = []
            events = []
        self.batches += 1
        if self.on_batch is not None:
            self.on_batch(len(batch))
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._deliver, batch, events, base)

    def _run_unit(
        self, conn: Connection, job: _Job, first_ordinal: int, shared: bool, written: set[str]
    ) -> None:
        for attempt in (1, 2):
            sent, job.sent = job.sent, None
            ahead = None if sent is None or job.ahead is None else (job.ahead, sent)
            tx = Tx(conn, self._dialect, self._clock(), first_ordinal, written, ahead)
            conn.savepoint()
            try:
                job.result = job.unit(tx, *job.args)
                # Alone, a pipelined unit's queued writes report here.
                conn.release(settle=not shared)
            except self._conflicts:
                raise  # the batch as a whole goes again
            except self._retryable as exc:
                if shared:
                    raise  # whose? the batch runs again unit by unit
                conn.rollback_to_savepoint(settle=True)
                # A unique key another connection committed a moment ago: run
                # the unit once more, and it now sees that row.
                if attempt == 2:
                    job.error = exc
                continue
            except BaseException as exc:
                if shared and isinstance(exc, self._unattributed):
                    raise
                # Shared, the rollback is queued behind this unit's writes;
                # if an earlier write failed, the batch's flush reports it.
                conn.rollback_to_savepoint(settle=not shared)
                job.error = exc
                return
            job.events = tx.outbox
            return

    def _reconnect(self, lane: _Lane) -> Connection:
        lane.conn = self._connect()
        return lane.conn

    def _discard_connection(self, lane: _Lane) -> None:
        conn, lane.conn = lane.conn, None
        if conn is None:
            return
        try:
            conn.rollback()
            lane.conn = conn
        except Exception:
            try:
                conn.close()
            except Exception:
                log.debug("closing a broken write connection failed", exc_info=True)

    # -- back on the event loop

    def _deliver(self, batch: list[_Job], events: list[Pending], base: int) -> None:
        if events:
            try:
                self.on_events(events, base)
            except Exception:
                log.exception("delivering committed events failed")
        for job in batch:
            if job.future.done():
                continue  # the caller went away; its unit committed anyway
            if job.error is not None:
                # A domain error is an answer; anything else is a bug to log.
                if not isinstance(job.error, (DomainError, *self._retryable)):
                    log.error("unit %s failed", job.unit.__name__, exc_info=job.error)
                job.future.set_exception(job.error)
            elif job.saving:
                revisions = {k: base + o for k, o in last_ordinals(job.events).items()}
                job.future.set_result((job.result, revisions))
            else:
                job.future.set_result(job.result)
