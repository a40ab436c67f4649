"""Indexes for reads that scanned: watch history narrowed by reference
(events: tenant, reference, revision), the verifier's snapshot of recent
endings (sessions: tenant, end_us, session_id) and ListSessions by state
(sessions: tenant, state, create_us, session_id).

Each step checks first, as in 0001, so a database that already has an
index (made by hand ahead of the upgrade, say) keeps it.

PostgreSQL: a plain CREATE INDEX, inside the migration's one transaction
(schema.py), holds a SHARE lock on its table while it builds, so writes to
events and sessions wait until the upgrade commits (reads go on). That is
accepted for this release: the build is a single pass over each table
(seconds for millions of rows). CREATE INDEX CONCURRENTLY would not block
writes, but cannot run inside a transaction; an operator with a large table
can run the three statements below CONCURRENTLY beforehand, and this
migration then finds them and skips them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = [
    ("events", "ix_events_tenant_reference", ["tenant", "reference", "revision"]),
    ("sessions", "ix_sessions_tenant_end", ["tenant", "end_us", "session_id"]),
    ("sessions", "ix_sessions_tenant_state", ["tenant", "state", "create_us", "session_id"]),
]


def _existing(table: str) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade() -> None:
    for table, name, columns in INDEXES:
        if name not in _existing(table):
            op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        if name in _existing(table):
            op.drop_index(name, table_name=table)
