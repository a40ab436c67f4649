"""The statements of the session flows' repository (repository.py), by
table. `{for_update}` / `{skip_locked}` mark row locks (see sql.py)."""

from __future__ import annotations

from functools import cache

from .sql import Sql

LIVE = "state IN ('PENDING', 'ACTIVE')"

# -- subjects
ENSURE_SUBJECT = Sql(
    "INSERT INTO subjects (tenant, subject_id, state, error_code, create_us, update_us) "
    "VALUES (:tenant, :subject_id, 'ACTIVE', '', :now, :now) "
    "ON CONFLICT (tenant, subject_id) DO NOTHING"
)
LOCK_SUBJECT = Sql(
    "SELECT * FROM subjects WHERE tenant = :tenant AND subject_id = :subject_id {for_update}"
)
SET_SUBJECT_STATE = Sql(
    "UPDATE subjects SET state = :state, termination_reason = :reason, error_code = :error_code,"
    " update_us = :now WHERE tenant = :tenant AND subject_id = :subject_id"
)
# A subject with how many of its sessions are live right now, in one read.
SUBJECT_WITH_COUNT = Sql(
    "SELECT s.*, (SELECT count(*) FROM sessions x WHERE x.tenant = s.tenant AND "
    "x.subject_id = s.subject_id AND x." + LIVE + " AND "
    "x.expire_us > :now AND x.last_active_us > :idle_cutoff) AS session_count "
    "FROM subjects s WHERE s.tenant = :tenant AND s.subject_id = :subject_id"
)

# -- sessions
_SESSION_COLUMNS = [
    "session_id", "tenant", "subject_id", "reference", "state", "metadata_json", "create_us",
    "expire_us", "last_renew_us", "last_active_us", "end_us", "end_reason", "error_code",
    "revision", "user_agent", "ip_address", "device_name",
]  # fmt: skip
INSERT_SESSION = Sql(
    f"INSERT INTO sessions ({', '.join(_SESSION_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in _SESSION_COLUMNS)})"
)
UPDATE_SESSION = Sql(
    "UPDATE sessions SET "
    + ", ".join(f"{c} = :{c}" for c in _SESSION_COLUMNS if c not in ("session_id", "revision"))
    + " WHERE session_id = :session_id"
)
LOCK_SESSION = Sql(
    "SELECT * FROM sessions WHERE session_id = :session_id AND tenant = :tenant {for_update}"
)
HANDOFF_HASH = Sql("SELECT handoff_hash FROM sessions WHERE session_id = :session_id")
SET_HANDOFF = Sql("UPDATE sessions SET handoff_hash = :h WHERE session_id = :session_id")
BY_HANDOFF = Sql("SELECT * FROM sessions WHERE handoff_hash = :h AND tenant = :tenant {for_update}")
REUSABLE = Sql(
    "SELECT * FROM sessions WHERE tenant = :tenant AND subject_id = :subject_id AND "
    "reference = :reference AND state = :state AND expire_us > :now AND "
    "last_active_us > :idle_cutoff ORDER BY create_us DESC LIMIT 1 {for_update}"
)
LIVE_OF_SUBJECT = Sql(
    "SELECT * FROM sessions WHERE tenant = :tenant AND subject_id = :subject_id AND "
    + LIVE
    + " ORDER BY create_us {for_update}"
)
TOUCH = Sql(
    "UPDATE sessions SET last_active_us = :now WHERE session_id = :session_id"
    " AND state = 'ACTIVE' AND last_active_us < :now"
)
# Sessions past their deadline, one statement per index: (state, expire_us)
# and, with an idle timeout, (state, last_active_us). An OR of the two
# would scan the table.
DUE = {
    "expire_us": "SELECT {} FROM sessions WHERE " + LIVE + " AND expire_us <= :now "
    "ORDER BY expire_us LIMIT :limit",
    "last_active_us": "SELECT {} FROM sessions WHERE " + LIVE + " AND last_active_us <= "
    ":idle_cutoff ORDER BY last_active_us LIMIT :limit",
}
DUE_LOCKED = {k: Sql(v.format("*") + " {skip_locked}") for k, v in DUE.items()}


@cache
def lock_ids(n: int) -> Sql:
    """n sessions by id, locked in id order (two chunks that meet never
    wait on each other in opposite orders)."""
    ids = ", ".join(f":id{i}" for i in range(n))
    return Sql(
        f"SELECT * FROM sessions WHERE tenant = :tenant AND session_id IN ({ids})"
        " ORDER BY session_id {for_update}"
    )


# -- refresh tokens
INSERT_TOKEN = Sql(
    "INSERT INTO refresh_tokens (token_hash, tenant, session_id, generation, create_us,"
    " expire_us, superseded) VALUES (:token_hash, :tenant, :session_id, :generation,"
    " :create_us, :expire_us, :superseded)"
)
# The token and its session in one read; on PostgreSQL both rows locked.
TOKEN_WITH_SESSION = Sql(
    "SELECT s.*, t.token_hash AS t_token_hash, t.generation AS t_generation,"
    " t.create_us AS t_create_us, t.expire_us AS t_expire_us, t.rotated_us AS t_rotated_us,"
    " t.successor_sealed AS t_successor_sealed, t.superseded AS t_superseded"
    " FROM refresh_tokens t JOIN sessions s ON s.session_id = t.session_id"
    " WHERE t.token_hash = :h AND t.tenant = :tenant {for_update}"
)
TOKEN = Sql("SELECT * FROM refresh_tokens WHERE token_hash = :h")
ROTATED = Sql(
    "UPDATE refresh_tokens SET rotated_us = :now, successor_sealed = :sealed WHERE token_hash = :h"
)
SUPERSEDE = Sql(
    "UPDATE refresh_tokens SET superseded = :yes WHERE session_id = :session_id"
    " AND rotated_us IS NULL"
)
TOP_GENERATION = Sql("SELECT max(generation) FROM refresh_tokens WHERE session_id = :session_id")

# -- idempotency
FIND_REQUEST = Sql("SELECT * FROM idempotency WHERE tenant = :tenant AND request_id = :request_id")
DROP_REQUEST = Sql("DELETE FROM idempotency WHERE tenant = :tenant AND request_id = :request_id")
RECORD_REQUEST = Sql(
    "INSERT INTO idempotency (tenant, request_id, fingerprint, session_id, response_sealed,"
    " reused, expire_us) VALUES (:tenant, :request_id, :fingerprint, :session_id, :sealed,"
    " :reused, :expire_us)"
)

# -- rate limits
_BUCKET_COLUMNS = ("scope", "window", "tenant", "caller", "subject_id")


@cache
def take_rate_tokens(n: int) -> Sql:
    """One statement takes a token from every bucket at once (one round trip
    on PostgreSQL); RETURNING gives each bucket's new time."""
    rows = ", ".join(
        "(" + ", ".join(f":{c}{i}" for c in (*_BUCKET_COLUMNS, "first")) + ")" for i in range(n)
    )
    # An absent (or full) bucket starts from now; the interval is carried
    # in the row as first - now so one statement serves all.
    return Sql(
        'INSERT INTO rate_buckets (scope, "window", tenant, caller, subject_id, tat_us) '
        f"VALUES {rows} "
        'ON CONFLICT (scope, "window", tenant, caller, subject_id) DO UPDATE SET '
        "tat_us = (CASE WHEN rate_buckets.tat_us > :now THEN rate_buckets.tat_us "
        "ELSE :now END) + excluded.tat_us - :now "
        'RETURNING scope, "window", tat_us'
    )
