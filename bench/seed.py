"""Bulk-seeds sessions straight into the database (not through the server),
so Validate can be measured against a million stored sessions."""

from __future__ import annotations

import sqlite3
import time

COLUMNS = (
    "session_id, tenant, subject_id, reference, state, metadata_json, create_us, expire_us,"
    " last_renew_us, last_active_us, error_code, revision, user_agent, ip_address, device_name"
)


def rows(start: int, count: int, prefix: str) -> list[tuple[object, ...]]:
    now = time.time_ns() // 1000
    day = 86_400_000_000
    return [
        (f"ses_{prefix}{i}", "default", f"seed-{i % 50_000}", "", "ACTIVE", "{}", now,
         now + 7 * day, now, now, "", 0, "", "", "")
        for i in range(start, start + count)
    ]  # fmt: skip


def seed(dialect: str, target: str, count: int, prefix: str, chunk: int = 50_000) -> float:
    """Inserts `count` ACTIVE sessions `ses_{prefix}{i}`; returns seconds taken."""
    t0 = time.perf_counter()
    if dialect == "sqlite":
        db = sqlite3.connect(target, timeout=60)
        with db:
            for start in range(0, count, chunk):
                db.executemany(
                    f"INSERT INTO sessions ({COLUMNS}) VALUES ({', '.join('?' * 15)})",
                    rows(start, min(chunk, count - start), prefix),
                )
        db.close()
    else:
        import psycopg

        with psycopg.connect(target) as conn, conn.cursor() as cur:
            with cur.copy(f"COPY sessions ({COLUMNS}) FROM STDIN") as copy:
                for start in range(0, count, chunk):
                    for row in rows(start, min(chunk, count - start), prefix):
                        copy.write_row(row)
            conn.commit()
            # What autovacuum does for a table that grew: without fresh
            # statistics the server's cached plans still think it is empty.
            conn.execute("ANALYZE sessions")
            conn.commit()
    return time.perf_counter() - t0
