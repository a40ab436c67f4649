"""The schema's version, kept by Alembic migrations (`../migrations/`).

Run on start (unless MIGRATE_ON_START is off) and by `session-authority
migrate`. On PostgreSQL the whole upgrade is one transaction under an
advisory lock, so replicas starting at once take turns: the first upgrades,
the rest find the schema at head. A database whose version this code does
not know (written by a newer release) is refused rather than guessed at.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text

from .dialects import configure_sqlite

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Alembic says "Context impl ..." on every connection; what was migrated is
# logged once by the caller instead.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
# Any number; replicas starting at once take turns migrating.
_LOCK = 7_141_592


class SchemaError(RuntimeError):
    """The database's schema cannot be used by this code as it is."""


@dataclass(frozen=True)
class SchemaState:
    before: str | None
    after: str | None
    head: str


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head() -> str:
    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None
    return found


def _engine_url(dialect: str, target: str) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{target}"
    return target.replace("postgresql://", "postgresql+psycopg://", 1)


def migrate(dialect: str, target: str, *, upgrade: bool = True) -> SchemaState:
    """Brings the schema to head (or, with upgrade=False, only checks that it
    is there). Raises SchemaError for a newer or (unupgraded) older one."""
    if dialect == "sqlite":
        # WAL is a property of the file: set it before anything else opens it.
        first = sqlite3.connect(target, isolation_level=None)
        try:
            configure_sqlite(first)
        finally:
            first.close()
    engine = create_engine(
        _engine_url(dialect, target),
        connect_args={"timeout": 15} if dialect == "sqlite" else {},
    )
    script = ScriptDirectory.from_config(_config())
    target_head = head()
    try:
        with engine.begin() as conn:
            if dialect != "sqlite":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
            before = MigrationContext.configure(conn).get_current_revision()
            known = {s.revision for s in script.walk_revisions()}
            if before is not None and before not in known:
                raise SchemaError(
                    f"the database schema is at {before}, newer than this release knows "
                    f"(its newest is {target_head}); run a release at least as new"
                )
            if before != target_head:
                if not upgrade:
                    raise SchemaError(
                        f"the database schema is at {before or 'nothing'}, this release "
                        f"needs {target_head}: run `session-authority migrate`"
                    )
                command.upgrade(_config(conn), "head")
            after = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    return SchemaState(before, after, target_head)
