"""Rows <-> domain objects. Rows are read by column name (sqlite3.Row,
and psycopg dict rows both allow it)."""

from __future__ import annotations

import json
from typing import Any

from ..codec import session_from_payload, session_payload
from ..domain import (
    ClientInfo,
    EndReason,
    Event,
    EventType,
    Session,
    State,
    Subject,
    SubjectState,
    TerminationReason,
)

__all__ = ["event_from_row", "session_from_row", "session_payload", "session_values"]


def session_from_row(row: Any) -> Session:
    return Session(
        session_id=row["session_id"],
        tenant=row["tenant"],
        subject_id=row["subject_id"],
        reference=row["reference"],
        state=State(row["state"]),
        metadata=json.loads(row["metadata_json"]),
        create_us=row["create_us"],
        expire_us=row["expire_us"],
        last_renew_us=row["last_renew_us"],
        last_active_us=row["last_active_us"],
        end_us=row["end_us"],
        end_reason=EndReason(row["end_reason"]) if row["end_reason"] else None,
        error_code=row["error_code"],
        revision=row["revision"],
        client=ClientInfo(row["user_agent"], row["ip_address"], row["device_name"]),
    )


def session_values(s: Session) -> dict[str, Any]:
    return {
        "session_id": s.session_id,
        "tenant": s.tenant,
        "subject_id": s.subject_id,
        "reference": s.reference,
        "state": s.state.value,
        "metadata_json": json.dumps(s.metadata, separators=(",", ":"), sort_keys=True),
        "create_us": s.create_us,
        "expire_us": s.expire_us,
        "last_renew_us": s.last_renew_us,
        "last_active_us": s.last_active_us,
        "end_us": s.end_us,
        "end_reason": s.end_reason.value if s.end_reason else None,
        "error_code": s.error_code,
        "revision": s.revision,
        "user_agent": s.client.user_agent,
        "ip_address": s.client.ip_address,
        "device_name": s.client.device_name,
    }


def event_from_row(row: Any) -> Event:
    return Event(
        row["revision"],
        row["tenant"],
        EventType(row["type"]),
        session_from_payload(row["payload"], row["revision"]),
        row["create_us"],
    )


def subject_from_row(row: Any, session_count: int) -> Subject:
    return Subject(
        tenant=row["tenant"],
        subject_id=row["subject_id"],
        state=SubjectState(row["state"]),
        termination_reason=(
            TerminationReason(row["termination_reason"]) if row["termination_reason"] else None
        ),
        error_code=row["error_code"],
        create_us=row["create_us"],
        session_count=session_count,
    )
