"""The statements of the session flows' repository (repository.py), built
from the SQLModel tables (models.py: the one list of every column) with
SQLAlchemy Core, and compiled once per driver (sql.py)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy import delete as delete_from

# Both dialects compile PostgreSQL's INSERT ... ON CONFLICT: SQLite has the
# same clause.
from sqlalchemy.dialects.postgresql import insert as upsert

from ..models import IdempotencyRow, RateBucketRow, RefreshTokenRow, SessionRow, SubjectRow
from .sql import Sql

subjects: Any = SubjectRow.__table__
sessions: Any = SessionRow.__table__
tokens: Any = RefreshTokenRow.__table__
requests: Any = IdempotencyRow.__table__
buckets: Any = RateBucketRow.__table__

# As text for the statements still written as SQL (reads.py, outbox.py).
LIVE = "state IN ('PENDING', 'ACTIVE')"


def _p(name: str) -> Any:
    return bindparam(name)


def live(table: Any = sessions) -> ColumnElement[bool]:
    # Literals, not parameters: the partial index and the planner see them.
    return table.c.state.in_([literal_column("'PENDING'"), literal_column("'ACTIVE'")])


def _by(table: Any, *names: str) -> ColumnElement[bool]:
    return and_(*(table.c[n] == _p(n) for n in names))


# -- subjects
ENSURE_SUBJECT = Sql(
    upsert(subjects)
    .values(
        tenant=_p("tenant"),
        subject_id=_p("subject_id"),
        state=literal_column("'ACTIVE'"),
        error_code=literal_column("''"),
        create_us=_p("now"),
        update_us=_p("now"),
    )
    .on_conflict_do_nothing(index_elements=["tenant", "subject_id"])
)
LOCK_SUBJECT = Sql(select(subjects).where(_by(subjects, "tenant", "subject_id")).with_for_update())
SET_SUBJECT_STATE = Sql(
    update(subjects)
    .where(_by(subjects, "tenant", "subject_id"))
    .values(
        state=_p("state"),
        termination_reason=_p("reason"),
        error_code=_p("error_code"),
        update_us=_p("now"),
    )
)
_x = sessions.alias("x")
# A subject with how many of its sessions are live right now, in one read.
SUBJECT_WITH_COUNT = Sql(
    select(
        subjects,
        select(func.count())
        .where(
            _x.c.tenant == subjects.c.tenant,
            _x.c.subject_id == subjects.c.subject_id,
            live(_x),
            _x.c.expire_us > _p("now"),
            _x.c.last_active_us > _p("idle_cutoff"),
        )
        .scalar_subquery()
        .label("session_count"),
    ).where(_by(subjects, "tenant", "subject_id"))
)

# -- sessions
# Every column but the handoff hash, which only set_handoff writes.
SESSION_COLUMNS = [c.name for c in sessions.columns if c.name != "handoff_hash"]
INSERT_SESSION = Sql(insert(sessions).values({c: _p(c) for c in SESSION_COLUMNS}))
# The revision is set as the batch commits (engine.py).
UPDATE_SESSION = Sql(
    update(sessions)
    .where(sessions.c.session_id == _p("session_id"))
    .values({c: _p(c) for c in SESSION_COLUMNS if c not in ("session_id", "revision")})
)
LOCK_SESSION = Sql(select(sessions).where(_by(sessions, "session_id", "tenant")).with_for_update())
HANDOFF_HASH = Sql(select(sessions.c.handoff_hash).where(_by(sessions, "session_id")))
SET_HANDOFF = Sql(update(sessions).where(_by(sessions, "session_id")).values(handoff_hash=_p("h")))
BY_HANDOFF = Sql(
    select(sessions)
    .where(sessions.c.handoff_hash == _p("h"), sessions.c.tenant == _p("tenant"))
    .with_for_update()
)
REUSABLE = Sql(
    select(sessions)
    .where(
        _by(sessions, "tenant", "subject_id", "reference", "state"),
        sessions.c.expire_us > _p("now"),
        sessions.c.last_active_us > _p("idle_cutoff"),
    )
    .order_by(sessions.c.create_us.desc())
    .limit(1)
    .with_for_update()
)
LIVE_OF_SUBJECT = Sql(
    select(sessions)
    .where(_by(sessions, "tenant", "subject_id"), live())
    .order_by(sessions.c.create_us)
    .with_for_update()
)
TOUCH = Sql(
    update(sessions)
    .where(
        sessions.c.session_id == _p("session_id"),
        sessions.c.state == literal_column("'ACTIVE'"),
        sessions.c.last_active_us < _p("now"),
    )
    .values(last_active_us=_p("now"))
)
# Sessions past their deadline, one statement per index: (state, expire_us)
# and, with an idle timeout, (state, last_active_us). An OR of the two
# would scan the table.
_DUE_WHERE = {
    "expire_us": sessions.c.expire_us <= _p("now"),
    "last_active_us": sessions.c.last_active_us <= _p("idle_cutoff"),
}


def _due(by: str, *columns: Any) -> Any:
    return (
        select(*columns).where(live(), _DUE_WHERE[by]).order_by(sessions.c[by]).limit(_p("limit"))
    )


DUE_IDS = {by: Sql(_due(by, sessions.c.session_id)) for by in _DUE_WHERE}
DUE_LOCKED = {by: Sql(_due(by, sessions).with_for_update(skip_locked=True)) for by in _DUE_WHERE}


@cache
def lock_ids(n: int) -> Sql:
    """n sessions by id, locked in id order (two chunks that meet never
    wait on each other in opposite orders)."""
    return Sql(
        select(sessions)
        .where(
            sessions.c.tenant == _p("tenant"),
            sessions.c.session_id.in_([_p(f"id{i}") for i in range(n)]),
        )
        .order_by(sessions.c.session_id)
        .with_for_update()
    )


# -- refresh tokens
TOKEN_COLUMNS = [c.name for c in tokens.columns]
INSERT_TOKEN = Sql(
    insert(tokens).values(
        {c: _p(c) for c in TOKEN_COLUMNS if c not in ("rotated_us", "successor_sealed")}
    )
)
# The token and its session in one read; on PostgreSQL both rows locked.
TOKEN_WITH_SESSION = Sql(
    select(sessions, *(tokens.c[c].label(f"t_{c}") for c in TOKEN_COLUMNS))
    .select_from(tokens.join(sessions, sessions.c.session_id == tokens.c.session_id))
    .where(tokens.c.token_hash == _p("h"), tokens.c.tenant == _p("tenant"))
    .with_for_update()
)
TOKEN = Sql(select(tokens).where(tokens.c.token_hash == _p("h")))
ROTATED = Sql(
    update(tokens)
    .where(tokens.c.token_hash == _p("h"))
    .values(rotated_us=_p("now"), successor_sealed=_p("sealed"))
)
SUPERSEDE = Sql(
    update(tokens)
    .where(tokens.c.session_id == _p("session_id"), tokens.c.rotated_us.is_(None))
    .values(superseded=_p("yes"))
)
TOP_GENERATION = Sql(
    select(func.max(tokens.c.generation)).where(tokens.c.session_id == _p("session_id"))
)

# -- idempotency
FIND_REQUEST = Sql(select(requests).where(_by(requests, "tenant", "request_id")))
DROP_REQUEST = Sql(delete_from(requests).where(_by(requests, "tenant", "request_id")))
RECORD_REQUEST = Sql(
    insert(requests).values(
        tenant=_p("tenant"),
        request_id=_p("request_id"),
        fingerprint=_p("fingerprint"),
        session_id=_p("session_id"),
        response_sealed=_p("sealed"),
        reused=_p("reused"),
        expire_us=_p("expire_us"),
    )
)

# -- rate limits
_BUCKET_KEY = ("scope", "window", "tenant", "caller", "subject_id")


@cache
def take_rate_tokens(n: int) -> Sql:
    """One statement takes a token from every bucket at once (one round trip
    on PostgreSQL); RETURNING gives each bucket's new time."""
    rows = [
        {**{c: _p(f"{c}{i}") for c in _BUCKET_KEY}, "tat_us": _p(f"first{i}")} for i in range(n)
    ]
    statement = upsert(buckets).values(rows)
    now = _p("now")
    # An absent (or full) bucket starts from now; the interval is carried in
    # the row as first - now so one statement serves all.
    later = case((buckets.c.tat_us > now, buckets.c.tat_us), else_=now)
    return Sql(
        statement.on_conflict_do_update(
            index_elements=[buckets.c[c] for c in _BUCKET_KEY],
            set_={"tat_us": later + statement.excluded.tat_us - now},
        ).returning(buckets.c.scope, buckets.c.window, buckets.c.tat_us)
    )
