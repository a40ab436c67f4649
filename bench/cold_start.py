"""A LocalVerifier's cold start against a database a week in: 10^6 events
of history and 10^5 sessions that ended within an access token's lifetime.
The verifier lists the ended sessions (a snapshot at one revision) and
watches from there, so neither the history nor compaction is in its way.

    python -m bench.cold_start TARGET     # prints JSON: ready_s, ended
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time

EVENTS = 1_000_000
ENDED = 100_000
_EVENT_COLUMNS = "revision, tenant, session_id, subject_id, reference, type, payload, create_us"
_SESSION_COLUMNS = (
    "session_id, tenant, subject_id, reference, state, metadata_json, create_us, expire_us,"
    " last_renew_us, last_active_us, end_us, end_reason, error_code, revision, user_agent,"
    " ip_address, device_name"
)


def _payload(now: int) -> str:
    from sessionauthority_server.codec import session_payload
    from sessionauthority_server.domain import Session, State

    s = Session(
        "ses_h", "default", "u", "", State.ACTIVE, {}, now, now, now, now, None, None, "", 0
    )
    return session_payload(s)


def _events(now: int) -> list[tuple[object, ...]]:
    payload = _payload(now)
    # Old history first (renewals of live sessions), ending with the revokes.
    return [
        (r, "default", f"ses_h{r % 50_000}", f"h-{r % 50_000}", "", "RENEWED", payload, now)
        for r in range(1, EVENTS + 1)
    ]


def _sessions(now: int) -> list[tuple[object, ...]]:
    window = 800_000_000  # within the default 900 s access-token lifetime
    return [
        (f"ses_e{i}", "default", f"e-{i}", "", "REVOKED", "{}", now - window, now + 86_400_000_000,
         now - window, now - window, now - window + i * (window // ENDED), "LOGOUT", "",
         EVENTS - ENDED + i + 1, "", "", "")
        for i in range(ENDED)
    ]  # fmt: skip


def seed(dialect: str, target: str) -> float:
    """History and ended sessions straight into the database (servers
    stopped), the counter at the newest revision; returns seconds taken."""
    t0 = time.perf_counter()
    now = time.time_ns() // 1000
    tables = (
        ("events", _EVENT_COLUMNS, _events(now)),
        ("sessions", _SESSION_COLUMNS, _sessions(now)),
    )
    if dialect == "sqlite":
        db = sqlite3.connect(target, timeout=60)
        with db:
            for table, columns, rows in tables:
                marks = ", ".join("?" * len(rows[0]))
                db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
            db.execute("UPDATE counters SET value = ? WHERE name = 'revision'", (EVENTS,))
        db.close()
    else:
        import psycopg

        with psycopg.connect(target) as conn, conn.cursor() as cur:
            for table, columns, rows in tables:
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            cur.execute("UPDATE counters SET value = %s WHERE name = 'revision'", (EVENTS,))
            conn.commit()
            conn.execute("ANALYZE")
            conn.commit()
    return time.perf_counter() - t0


def run(target: str) -> dict[str, float]:
    from sessionauthority import LocalVerifier

    started = time.perf_counter()
    verifier = LocalVerifier(target, fail_closed_after=30)
    verifier.start()
    try:
        assert verifier.wait_ready(120), verifier.error
        ready = time.perf_counter() - started
        ended = sum(1 for i in range(ENDED) if verifier._feed.ended(f"ses_e{i}"))
    finally:
        verifier.close()
    return {"ready_s": ready, "ended": ended, "events": EVENTS}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
