"""Create rate limits become token buckets (rate_buckets); the fixed
windows (rate_windows) go. Dropping the windows forgets at most a minute's
or a day's counts, which only makes the limits briefly more lenient.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("rate_buckets"):
        op.create_table(
            "rate_buckets",
            sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
            sa.Column("window", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
            sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
            sa.Column("caller", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
            sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
            sa.Column("tat_us", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("scope", "window", "tenant", "caller", "subject_id"),
        )
        op.create_index("ix_rate_buckets_tat_us", "rate_buckets", ["tat_us"], unique=False)
    if inspector.has_table("rate_windows"):
        op.drop_table("rate_windows")


def downgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("window", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "subject_id", "window"),
    )
    op.drop_index("ix_rate_buckets_tat_us", table_name="rate_buckets")
    op.drop_table("rate_buckets")
