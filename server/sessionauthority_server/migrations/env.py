"""Alembic environment: always run by the server itself (`schema.py`) on a
connection it hands over, never from an alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from sessionauthority_server import models  # noqa: F401  (registers the tables)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite cannot ALTER most things: batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
