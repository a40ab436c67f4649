"""What must hold in the database after any sequence of calls, so no call
ever leaves a half-written change behind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sessionauthority_server.store import schema
from sessionauthority_server.store.database import parse_url


@contextmanager
def connect(database_url: str) -> Iterator[Any]:
    engine = sa.create_engine(schema._engine_url(*parse_url(database_url)))
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def execute(conn: Any, query: str) -> Any:
    return conn.execute(sa.text(query))


def every_value(database_url: str) -> str:
    """Every row of every table as text, for checking what is not stored."""
    with connect(database_url) as conn:
        tables = sa.inspect(conn).get_table_names()
        return "\n".join(
            repr(row) for name in tables for row in execute(conn, f'SELECT * FROM "{name}"')
        )


def replay_matches_table(database_url: str) -> None:
    """Revisions are contiguous, and the events replay to the sessions table."""
    with connect(database_url) as conn:
        revs = [r[0] for r in execute(conn, "SELECT revision FROM events ORDER BY revision")]
        assert revs == list(range(1, len(revs) + 1)), "revisions have a gap"
        last: dict[str, tuple[object, int]] = {}
        for sid, payload, rev in execute(
            conn, "SELECT session_id, payload, revision FROM events ORDER BY revision"
        ):
            last[sid] = (json.loads(payload)["state"], rev)
        rows = {
            r[0]: (r[1], r[2])
            for r in execute(conn, "SELECT session_id, state, revision FROM sessions")
        }
    assert set(rows) == set(last)
    for sid, state_and_revision in last.items():
        assert state_and_revision == rows[sid], sid


def no_half_written_rows(database_url: str) -> None:
    """Every change is whole: each session began with CREATED, has its
    subject, and every token or idempotency record points at a session."""
    replay_matches_table(database_url)
    with connect(database_url) as conn:
        first = {
            sid: kind
            for sid, kind in execute(
                conn,
                "SELECT session_id, type FROM events e WHERE revision = "
                "(SELECT min(revision) FROM events WHERE session_id = e.session_id)",
            )
        }
        assert set(first.values()) <= {"CREATED"}, first
        orphans = {
            "session without subject": "SELECT count(*) FROM sessions s WHERE NOT EXISTS "
            "(SELECT 1 FROM subjects u WHERE u.tenant = s.tenant AND u.subject_id = s.subject_id)",
            "refresh token without session": "SELECT count(*) FROM refresh_tokens t WHERE NOT "
            "EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = t.session_id)",
            "idempotency without session": "SELECT count(*) FROM idempotency i WHERE NOT EXISTS "
            "(SELECT 1 FROM sessions s WHERE s.session_id = i.session_id)",
            "active session without token": "SELECT count(*) FROM sessions s WHERE state = "
            "'ACTIVE' AND NOT EXISTS (SELECT 1 FROM refresh_tokens t "
            "WHERE t.session_id = s.session_id)",
        }
        for what, query in orphans.items():
            assert execute(conn, query).fetchone()[0] == 0, what
