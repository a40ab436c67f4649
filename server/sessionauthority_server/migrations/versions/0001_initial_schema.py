"""The schema as it stood before migrations (release 0.1).

Every step checks first, so this also adopts a database that an earlier
release created with `create_all`: whatever it lacks is added, nothing it
holds is touched.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create_table(name: str, *columns: Any) -> None:
    if not sa.inspect(op.get_bind()).has_table(name):
        op.create_table(name, *columns)


def _create_index(table: str, name: str, columns: list[str], unique: bool) -> None:
    existing = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table)}
    if name not in existing:
        op.create_index(name, table, columns, unique=unique)


def upgrade() -> None:
    _create_table(
        "api_keys",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("scopes", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("create_us", sa.BigInteger(), nullable=False),
        sa.Column("revoke_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
        sa.UniqueConstraint("key_hash"),
    )
    _create_table(
        "counters",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    _create_table(
        "events",
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("payload", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("create_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("revision"),
    )
    _create_index("events", "ix_events_create_us", ["create_us"], unique=False)
    _create_index("events", "ix_events_tenant_revision", ["tenant", "revision"], unique=False)
    _create_index(
        "events", "ix_events_tenant_session", ["tenant", "session_id", "revision"], unique=False
    )
    _create_index(
        "events", "ix_events_tenant_subject", ["tenant", "subject_id", "revision"], unique=False
    )

    _create_table(
        "idempotency",
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("response_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("reused", sa.Boolean(), nullable=False),
        sa.Column("expire_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "request_id"),
    )
    _create_index("idempotency", "ix_idempotency_expire_us", ["expire_us"], unique=False)

    _create_table(
        "rate_windows",
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("window", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "subject_id", "window"),
    )
    _create_table(
        "refresh_tokens",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("create_us", sa.BigInteger(), nullable=False),
        sa.Column("expire_us", sa.BigInteger(), nullable=False),
        sa.Column("rotated_us", sa.BigInteger(), nullable=True),
        sa.Column("successor_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    _create_index("refresh_tokens", "ix_refresh_tokens_session_id", ["session_id"], unique=False)

    _create_table(
        "sessions",
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("metadata_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("create_us", sa.BigInteger(), nullable=False),
        sa.Column("expire_us", sa.BigInteger(), nullable=False),
        sa.Column("last_renew_us", sa.BigInteger(), nullable=False),
        sa.Column("last_active_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=True),
        sa.Column("end_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("ip_address", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("device_name", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("handoff_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("session_id"),
        sa.UniqueConstraint("handoff_hash"),
    )
    _create_index("sessions", "ix_sessions_state_active", ["state", "last_active_us"], unique=False)
    _create_index("sessions", "ix_sessions_state_expire", ["state", "expire_us"], unique=False)
    _create_index(
        "sessions", "ix_sessions_tenant_create", ["tenant", "create_us", "session_id"], unique=False
    )
    _create_index("sessions", "ix_sessions_tenant_reference", ["tenant", "reference"], unique=False)
    _create_index(
        "sessions",
        "ix_sessions_tenant_subject",
        ["tenant", "subject_id", "create_us"],
        unique=False,
    )

    _create_table(
        "signing_keys",
        sa.Column("kid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("private_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("public_x", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("create_us", sa.BigInteger(), nullable=False),
        sa.Column("retire_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    _create_table(
        "subjects",
        sa.Column("tenant", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("termination_reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("create_us", sa.BigInteger(), nullable=False),
        sa.Column("update_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "subject_id"),
    )
    counters = sa.table("counters", sa.column("name"), sa.column("value"))
    for name in ("revision", "compact_revision"):
        found = (
            op.get_bind().execute(sa.select(counters.c.name).where(counters.c.name == name)).first()
        )
        if found is None:
            op.bulk_insert(counters, [{"name": name, "value": 0}])


def downgrade() -> None:
    raise NotImplementedError("the first schema has nothing to go back to")
