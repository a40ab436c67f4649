"""The events table: every state change's event is written in the same
unit of work as its session row (repository.py's `save`; the writer's
batch assigns revisions at commit, engine.py), so the events replay to the
sessions table exactly. Here: revisions, history reads and compaction.
"""

from __future__ import annotations

from typing import Any

from ..domain import Event
from .rows import event_from_row
from .sql import Sql
from .statements import DUE_IDS, LIVE
from .tx import Tx

__all__ = ["DUE_IDS", "LIVE", "compact", "events"]

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
