"""Reads: each is one statement, on an index, compiled once. On PostgreSQL
each is one await on the pool; on SQLite a point lookup (`one`, `scalar`)
runs inline and a read of many rows (`all`: history, lists) on a reader
thread, so a long one never stalls the event loop (readers.py). They see
every acknowledged write: the writer answers only after COMMIT, and nothing
here is cached."""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from ..domain import LIVE_STATES, Event, Session, State, Subject
from ..inputs import ListQuery
from . import outbox, statements
from .outbox import LIVE
from .repository import idle_cutoff
from .rows import session_from_row, subject_from_row
from .sql import Sql


class Reader(Protocol):
    async def one(self, sql: Sql, **params: Any) -> Any: ...
    async def all(self, sql: Sql, **params: Any) -> list[Any]: ...
    async def scalar(self, sql: Sql, **params: Any) -> Any: ...
    async def close(self) -> None: ...
    def connections(self) -> tuple[int, int]: ...  # (open, in use)


_SESSION = Sql("SELECT * FROM sessions WHERE session_id = :session_id AND tenant = :tenant")
_ALIVE = "(expire_us > :now AND last_active_us > :idle_cutoff)"


async def session(reader: Reader, tenant: str, session_id: str) -> Session | None:
    row = await reader.one(_SESSION, session_id=session_id, tenant=tenant)
    return session_from_row(row) if row else None


def _state_clause(state: State) -> str:
    if state in LIVE_STATES:
        return f"(state = '{state.value}' AND {_ALIVE})"
    if state is State.EXPIRED:
        return f"(state = 'EXPIRED' OR ({LIVE} AND NOT {_ALIVE}))"
    return f"state = '{state.value}'"


@cache
def _list_sql(by_subject: bool, by_reference: bool, states: tuple[State, ...], paged: bool) -> Sql:
    where = ["tenant = :tenant"]
    if by_subject:
        where.append("subject_id = :subject_id")
    if by_reference:
        where.append("reference = :reference")
    if states:
        where.append("(" + " OR ".join(_state_clause(s) for s in states) + ")")
    if paged:
        where.append(
            "(create_us > :after_us OR (create_us = :after_us AND session_id > :after_id))"
        )
    return Sql(
        "SELECT * FROM sessions WHERE "
        + " AND ".join(where)
        + " ORDER BY create_us, session_id LIMIT :limit"
    )


async def list_sessions(
    reader: Reader, tenant: str, q: ListQuery, now: int, idle_us: int
) -> tuple[list[Session], bool]:
    """One page (raw rows, not yet lazily expired) and whether more follow."""
    sql = _list_sql(bool(q.subject_id), bool(q.reference), q.states, q.after is not None)
    after_us, after_id = q.after or (0, "")
    rows = await reader.all(
        sql,
        tenant=tenant,
        subject_id=q.subject_id,
        reference=q.reference,
        now=now,
        idle_cutoff=idle_cutoff(now, idle_us),
        after_us=after_us,
        after_id=after_id,
        limit=q.size + 1,
    )
    return [session_from_row(r) for r in rows[: q.size]], len(rows) > q.size


async def current_revision(reader: Reader) -> int:
    return int(await reader.scalar(outbox.CURRENT_REVISION))


async def compact_revision(reader: Reader) -> int:
    return int(await reader.scalar(outbox.COMPACT_REVISION))


async def events_after(reader: Reader, revision: int, limit: int) -> list[Event]:
    return outbox.events(await reader.all(outbox.EVENTS_AFTER, after=revision, limit=limit))


async def history(
    reader: Reader, tenant: str, after: int, upto: int, key_name: str, key: str, limit: int
) -> list[Event]:
    """One tenant's events with after < revision <= upto, oldest first,
    narrowed by one watch filter (the most selective one given)."""
    rows = await reader.all(
        outbox.HISTORY[key_name], tenant=tenant, after=after, upto=upto, key=key, limit=limit
    )
    return outbox.events(rows)


async def due_exists(reader: Reader, now: int, idle_us: int) -> bool:
    for column in ("expire_us", "last_active_us") if idle_us else ("expire_us",):
        params = {"now": now, "idle_cutoff": idle_cutoff(now, idle_us), "limit": 1}
        if await reader.one(outbox.DUE_IDS[column], **params) is not None:
            return True
    return False


async def subject_with_count(
    reader: Reader, tenant: str, subject_id: str, now: int, idle_us: int
) -> Subject | None:
    row = await reader.one(
        statements.SUBJECT_WITH_COUNT,
        tenant=tenant,
        subject_id=subject_id,
        now=now,
        idle_cutoff=idle_cutoff(now, idle_us),
    )
    return None if row is None else subject_from_row(row, row["session_count"])


# What RevokeSessions ends, read once before any chunk runs: by id then,
# each chunk costs its own rows only, whatever index the filter has.
_REVOKE_TARGETS = {
    (s, r): Sql(
        "SELECT session_id FROM sessions WHERE tenant = :tenant AND "
        + LIVE
        + (" AND subject_id = :subject_id" if s else "")
        + (" AND reference = :reference" if r else "")
        + " AND session_id <> :except_id ORDER BY create_us, session_id"
    )
    for s in (False, True)
    for r in (False, True)
}


async def live_session_ids(
    reader: Reader, tenant: str, subject_id: str, reference: str, except_id: str
) -> list[str]:
    """Live sessions of this subject and/or reference, but one, oldest first."""
    rows = await reader.all(
        _REVOKE_TARGETS[(bool(subject_id), bool(reference))],
        tenant=tenant,
        subject_id=subject_id,
        reference=reference,
        except_id=except_id,
    )
    return [r["session_id"] for r in rows]
