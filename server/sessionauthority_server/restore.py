"""`session-authority revisions bump`: run after restoring a database from a
backup, before any server serves it (etcd's `etcdutl snapshot restore
--bump-revision --mark-compacted`).

A restored database's revision counter goes back to the backup's. Clients
that saw later revisions (watchers, LocalVerifiers) would resume from a
revision the server reaches again only with *other* events, and skip those.
Moving the counter far past anything a client may have seen makes every
such resume land below the head, and marking everything before it
compacted makes every one of them re-list (HistoryCompacted) instead of
trusting history that no longer matches what they hold."""

from __future__ import annotations

import argparse

from .config import Settings
from .store.outbox import COMPACT_REVISION, CURRENT_REVISION
from .store.sql import Sql
from .store.tx import Tx

# A billion: far past the writes any deployment makes between a backup and
# its restore, and still nothing next to int64.
DEFAULT_BUMP = 1_000_000_000
_BUMP = Sql("UPDATE counters SET value = value + :by WHERE name = 'revision'")
_MARK = Sql("UPDATE counters SET value = :value WHERE name = 'compact_revision' AND value < :value")


def bump(tx: Tx, by: int, mark_compacted: bool) -> tuple[int, int, int]:
    """(revision before, revision after, compact revision after)."""
    before = int(tx.scalar(CURRENT_REVISION))
    tx.run(_BUMP, by=by)
    after = before + by
    if mark_compacted:
        # A resume from anything at or below the new head is compacted; only
        # what commits from now on (after + 1 ...) is history.
        tx.run(_MARK, value=after + 1)
    return before, after, int(tx.scalar(COMPACT_REVISION))


async def run(args: argparse.Namespace, settings: Settings) -> int:
    from .admin import opened

    if args.by <= 0:
        print("session-authority: --bump-revision must be positive")
        return 2
    async with opened(settings) as db:
        before, after, compact = await db.writer.write(bump, args.by, args.mark_compacted)
    print(f"revision {before} -> {after}; history before revision {compact} is compacted")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("revisions", help="after a restore from backup: move the revision on")
    p.add_argument("--database-url", help="sqlite:///PATH or postgresql://...")
    actions = p.add_subparsers(dest="action", required=True)
    b = actions.add_parser(
        "bump", help="move the revision counter past what clients may have seen (servers stopped)"
    )
    b.add_argument(
        "--bump-revision",
        dest="by",
        type=int,
        default=DEFAULT_BUMP,
        help=f"how far to move the counter (default {DEFAULT_BUMP:,})",
    )
    b.add_argument(
        "--mark-compacted",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="mark all history up to the new head compacted, so clients re-list (default on)",
    )
