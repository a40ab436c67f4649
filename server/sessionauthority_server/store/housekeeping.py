"""Periodic clean-up in one unit of work: events past retention (compaction),
idempotency records and rate buckets whose time has passed, and sealed
successor pairs once their grace window is over."""

from __future__ import annotations

from . import outbox
from .sql import Sql
from .tx import Tx

_PURGE_REQUESTS = Sql("DELETE FROM idempotency WHERE expire_us <= :now")
_PURGE_BUCKETS = Sql("DELETE FROM rate_buckets WHERE tat_us <= :now")
_FORGET_SUCCESSORS = Sql(
    "UPDATE refresh_tokens SET successor_sealed = NULL"
    " WHERE successor_sealed IS NOT NULL AND rotated_us < :before"
)


def run(tx: Tx, cutoff_us: int, grace_us: int) -> int:
    """Returns the compact revision."""
    compact = outbox.compact(tx, cutoff_us)
    tx.run(_PURGE_REQUESTS, now=tx.now)
    tx.run(_PURGE_BUCKETS, now=tx.now)
    tx.run(_FORGET_SUCCESSORS, before=tx.now - grace_us)
    return compact
