"""The outbox: every state change writes its session row and its event in
the same unit of work; revisions, history reads and compaction.

Nothing else writes the sessions table's state or the events table, so the
events replay to the sessions table exactly.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .. import policy
from ..domain import LIVE_STATES, EndReason, Event, EventType, Session
from .engine import Tx
from .rows import event_from_row, session_from_row, session_values
from .sql import Sql

_COLUMNS = [
    "session_id", "tenant", "subject_id", "reference", "state", "metadata_json", "create_us",
    "expire_us", "last_renew_us", "last_active_us", "end_us", "end_reason", "error_code",
    "revision", "user_agent", "ip_address", "device_name",
]  # fmt: skip
INSERT_SESSION = Sql(
    f"INSERT INTO sessions ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
)
UPDATE_SESSION = Sql(
    "UPDATE sessions SET "
    + ", ".join(f"{c} = :{c}" for c in _COLUMNS if c != "session_id")
    + " WHERE session_id = :session_id"
)
LIVE = "state IN ('PENDING', 'ACTIVE')"
CURRENT_REVISION = Sql("SELECT value FROM counters WHERE name = 'revision'")
COMPACT_REVISION = Sql("SELECT value FROM counters WHERE name = 'compact_revision'")
EVENTS_AFTER = Sql("SELECT * FROM events WHERE revision > :after ORDER BY revision LIMIT :limit")
_HISTORY = (
    "SELECT * FROM events WHERE tenant = :tenant AND revision > :after AND revision <= :upto {} "
    "ORDER BY revision LIMIT :limit"
)
HISTORY = {
    "": Sql(_HISTORY.format("")),
    "subject_id": Sql(_HISTORY.format("AND subject_id = :key")),
    "session_id": Sql(_HISTORY.format("AND session_id = :key")),
    "reference": Sql(_HISTORY.format("AND reference = :key")),
}
_NEWEST_OLD = Sql("SELECT max(revision) FROM events WHERE create_us < :cutoff")
_DELETE_OLD = Sql("DELETE FROM events WHERE revision <= :upto")
_SET_COMPACT = Sql(
    "UPDATE counters SET value = :value WHERE name = 'compact_revision' AND value < :value"
)
# Sessions past their deadline, one statement per index: (state, expire_us)
# and, with an idle timeout, (state, last_active_us). An OR of the two
# would scan the table.
_DUE = {
    "expire_us": "SELECT {} FROM sessions WHERE " + LIVE + " AND expire_us <= :now "
    "ORDER BY expire_us LIMIT :limit",
    "last_active_us": "SELECT {} FROM sessions WHERE " + LIVE + " AND last_active_us <= "
    ":idle_cutoff ORDER BY last_active_us LIMIT :limit",
}
DUE_IDS = {k: Sql(v.format("session_id")) for k, v in _DUE.items()}
_DUE_LOCKED = {k: Sql(v.format("*") + " {skip_locked}") for k, v in _DUE.items()}


def idle_cutoff(now_us: int, idle_us: int) -> int:
    """Sessions last active at or before this are idle-expired; -1 when the
    idle timeout is off (computed here so SQL never does arithmetic on
    parameters, which the drivers type differently)."""
    return now_us - idle_us if idle_us else -1


def emit(tx: Tx, before: Session | None, after: Session, etype: EventType) -> Session:
    """Writes the session row and records its event; the revision is
    provisional until the batch commits (see engine.py)."""
    policy.check_transition(before.state if before else None, etype, after.state)
    after = dataclasses.replace(after, revision=tx.provisional_revision())
    tx.run(INSERT_SESSION if before is None else UPDATE_SESSION, **session_values(after))
    tx.record(Event(after.revision, after.tenant, etype, after, tx.now))
    return after


def settle(tx: Tx, s: Session, idle_us: int) -> tuple[Session, bool]:
    """Writes a lazy expiry as a real transition. Returns (session, changed)."""
    reason = policy.deadline_passed(s, tx.now, idle_us)
    if reason is None:
        return s, False
    return emit(tx, s, policy.as_expired(s, reason, idle_us), EventType.EXPIRED), True


_CLEAR_HANDOFF = Sql("UPDATE sessions SET handoff_hash = NULL WHERE session_id = :session_id")


def end(tx: Tx, s: Session, reason: EndReason, error_code: str) -> Session:
    """Ends a live session (revoke, terminate); its handoff code dies with it."""
    after, etype = policy.ended(s, reason, error_code, tx.now)
    tx.run(_CLEAR_HANDOFF, session_id=s.session_id)
    return emit(tx, s, after, etype)


def expire_due(tx: Tx, idle_us: int, limit: int) -> int:
    """EXPIRED for live sessions past their deadline. Rows come locked with
    SKIP LOCKED on PostgreSQL (SQLite has one writer), and each is checked
    again here, so two reapers never expire one session twice."""
    count = 0
    cutoff = idle_cutoff(tx.now, idle_us)
    for column in ("expire_us", "last_active_us") if idle_us else ("expire_us",):
        for row in tx.all(_DUE_LOCKED[column], now=tx.now, idle_cutoff=cutoff, limit=limit):
            s = session_from_row(row)
            if s.state in LIVE_STATES and count < limit:
                count += settle(tx, s, idle_us)[1]
    return count


def compact(tx: Tx, cutoff_us: int) -> int:
    """Deletes events older than the cutoff; returns the compact revision
    (every event at or after it is still in the table)."""
    newest_old = tx.scalar(_NEWEST_OLD, cutoff=cutoff_us)
    if newest_old is not None:
        tx.run(_DELETE_OLD, upto=newest_old)
        tx.run(_SET_COMPACT, value=newest_old + 1)
    return int(tx.scalar(COMPACT_REVISION))


def events(rows: list[Any]) -> list[Event]:
    return [event_from_row(r) for r in rows]
