"""A unit of work's view of its batch's transaction (`Tx`), what the writer
needs of a dialect's connection, and the events a unit queues. See
engine.py for how batches run, and for reads ahead."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Protocol

from .sql import Sql

Row = Any


@dataclasses.dataclass(slots=True)
class Pending:
    """An event waiting in a unit's outbox for its revision: `row` is the
    events table's row but the revision, `key` the session row it belongs
    to, `event` whatever the subscribers get (resolved by `on_events`)."""

    ordinal: int
    key: str
    row: dict[str, Any]
    event: Any


@dataclasses.dataclass(frozen=True, slots=True)
class Ahead:
    """A unit's first read, to be made ahead: `keys` names what the row
    read depends on, in the terms `Tx.wrote` and events use."""

    sql: Sql
    params: dict[str, Any]
    keys: Callable[[Row], tuple[str, ...]]


class Connection(Protocol):
    """What the writer needs of a dialect's write connection."""

    # PostgreSQL sends writes without waiting for them (pipeline mode);
    # `settle` then waits for what was sent, and raises its error.
    pipelined: bool

    def begin(self) -> None: ...
    def savepoint(self) -> None: ...
    def release(self, settle: bool) -> None: ...
    def rollback_to_savepoint(self, settle: bool) -> None: ...
    def one(self, sql: Sql, params: dict[str, Any]) -> Any: ...
    def all(self, sql: Sql, params: dict[str, Any]) -> list[Any]: ...
    def scalar(self, sql: Sql, params: dict[str, Any]) -> Any: ...
    def run(self, sql: Sql, params: dict[str, Any]) -> None: ...
    def send(self, sql: Sql, params: dict[str, Any]) -> Any: ...
    def received(self, handle: Any) -> Any: ...
    def commit(self, events: list[Pending]) -> int:
        """Writes the batch's events and revisions, commits, and returns
        the revision base (0 with no events)."""
        ...

    def rollback(self) -> None: ...
    def close(self) -> None: ...


class Tx:
    """A unit of work's handle on the batch's transaction."""

    def __init__(
        self,
        conn: Connection,
        dialect: str,
        now: int,
        first_ordinal: int,
        written: set[str] | None = None,
        ahead: tuple[Ahead, Any] | None = None,
    ) -> None:
        self._conn = conn
        self.dialect = dialect
        self.now = now
        self.outbox: list[Pending] = []
        self._next_ordinal = first_ordinal
        # What the batch's units wrote so far (shared by them all).
        self._written = set() if written is None else written
        self._ahead = ahead

    def one(self, sql: Sql, **params: Any) -> Row | None:
        row = self.read_ahead(sql, **params)
        return row if row is not None else self._conn.one(sql, params)

    def read_ahead(self, sql: Sql, **params: Any) -> Row | None:
        """This read's row if it was made ahead and still holds, else None
        (then read it). Only the unit's first read may be: later, its own
        writes may have changed the row."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0].sql is sql and ahead[0].params == params:
            row = self._conn.received(ahead[1])
            # No row: read again, so a row an earlier unit made is seen.
            if row is not None and self._written.isdisjoint(ahead[0].keys(row)):
                return row
        return None

    def all(self, sql: Sql, **params: Any) -> list[Row]:
        return self._conn.all(sql, params)

    def scalar(self, sql: Sql, **params: Any) -> Any:
        return self._conn.scalar(sql, params)

    def run(self, sql: Sql, **params: Any) -> None:
        """A write whose result the unit does not read (PostgreSQL may send
        it without waiting; its error surfaces by the unit's end)."""
        self._conn.run(sql, params)

    def wrote(self, key: str) -> None:
        """Marks `key` written: a later unit's row read ahead that depends on
        it is read again."""
        self._written.add(key)

    def add_event(self, key: str, row: dict[str, Any], event: Any) -> None:
        """Queues an event for the row `key`; its revision comes at commit."""
        self._written.add(key)
        self.outbox.append(Pending(self._next_ordinal, key, row, event))
        self._next_ordinal += 1


def last_ordinals(events: list[Pending]) -> dict[str, int]:
    """Each touched row's last event in the batch: its revision to be."""
    return {e.key: e.ordinal for e in events}
