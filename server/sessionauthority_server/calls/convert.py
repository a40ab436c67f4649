"""Domain <-> proto messages. The only module below the servicers that knows
both worlds; everything else speaks one of them."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2, timestamp_pb2
from sessionauthority.v1 import session_pb2, session_service_pb2, subject_service_pb2

from .. import domain, errors

STATE_TO_PB = {s: session_pb2.SessionState.Value(f"SESSION_STATE_{s.value}") for s in domain.State}
STATE_FROM_PB = {v: k for k, v in STATE_TO_PB.items()}
END_TO_PB = {r: session_pb2.EndReason.Value(f"END_REASON_{r.value}") for r in domain.EndReason}
END_FROM_PB = {v: k for k, v in END_TO_PB.items()}
EVENT_TO_PB = {
    t: session_service_pb2.SessionEventType.Value(f"SESSION_EVENT_TYPE_{t.value}")
    for t in domain.EventType
}
EVENT_FROM_PB = {v: k for k, v in EVENT_TO_PB.items()}
INVALID_TO_PB = {
    r: session_service_pb2.InvalidReason.Value(f"INVALID_REASON_{r.value}")
    for r in domain.InvalidReason
}
SUBJECT_STATE_TO_PB = {
    s: subject_service_pb2.SubjectState.Value(f"SUBJECT_STATE_{s.value}")
    for s in domain.SubjectState
}
TERMINATION_TO_PB = {
    r: subject_service_pb2.TerminationReason.Value(f"TERMINATION_REASON_{r.value}")
    for r in domain.TerminationReason
}
TERMINATION_FROM_PB = {v: k for k, v in TERMINATION_TO_PB.items()}


def timestamp(us: int | None) -> timestamp_pb2.Timestamp | None:
    if us is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromMicroseconds(us)
    return ts


def struct_to_dict(value: struct_pb2.Struct, field: str = "metadata") -> dict[str, Any]:
    try:
        return json_format.MessageToDict(value)
    except ValueError:
        # A Struct can hold what JSON cannot (NaN, Infinity, a Value with no
        # kind); such metadata could never be stored or sent back as JSON.
        raise errors.invalid_argument(
            [(field, "must be JSON: finite numbers, and every value set")]
        ) from None


def dict_to_struct(value: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


def session(s: domain.Session) -> session_pb2.Session:
    return session_pb2.Session(
        session_id=s.session_id,
        subject_id=s.subject_id,
        reference=s.reference,
        state=STATE_TO_PB[s.state],
        metadata=dict_to_struct(s.metadata),
        create_time=timestamp(s.create_us),
        expire_time=timestamp(s.expire_us),
        last_renew_time=timestamp(s.last_renew_us),
        last_active_time=timestamp(s.last_active_us),
        end_time=timestamp(s.end_us),
        end_reason=END_TO_PB[s.end_reason] if s.end_reason else 0,
        error_code=s.error_code,
        revision=s.revision,
        client=session_pb2.ClientInfo(
            user_agent=s.client.user_agent,
            ip_address=s.client.ip_address,
            device_name=s.client.device_name,
        ),
    )


def tokens(t: domain.TokenPair | None) -> session_pb2.TokenPair | None:
    if t is None:
        return None
    return session_pb2.TokenPair(
        access_token=t.access_token,
        access_token_expire_time=timestamp(t.access_expire_us),
        refresh_token=t.refresh_token,
        refresh_token_expire_time=timestamp(t.refresh_expire_us),
    )


def subject(s: domain.Subject) -> subject_service_pb2.Subject:
    return subject_service_pb2.Subject(
        subject_id=s.subject_id,
        state=SUBJECT_STATE_TO_PB[s.state],
        termination_reason=(TERMINATION_TO_PB[s.termination_reason] if s.termination_reason else 0),
        error_code=s.error_code,
        create_time=timestamp(s.create_us),
        session_count=s.session_count,
    )


def event(e: domain.Event) -> session_service_pb2.WatchSessionsResponse:
    return session_service_pb2.WatchSessionsResponse(
        event=session_service_pb2.SessionEvent(
            revision=e.revision,
            type=EVENT_TO_PB[e.type],
            session=session(e.session),
            occur_time=timestamp(e.occur_us),
        )
    )


def progress(revision: int) -> session_service_pb2.WatchSessionsResponse:
    return session_service_pb2.WatchSessionsResponse(
        progress=session_service_pb2.WatchProgress(revision=revision)
    )


def ended_page(page: domain.EndedPage) -> session_service_pb2.ListEndedSessionsResponse:
    return session_service_pb2.ListEndedSessionsResponse(
        sessions=[
            session_service_pb2.EndedSession(
                session_id=e.session_id,
                subject_id=e.subject_id,
                state=STATE_TO_PB[e.state],
                end_reason=END_TO_PB[e.end_reason] if e.end_reason else 0,
                end_time=timestamp(e.end_us),
                error_code=e.error_code,
            )
            for e in page.sessions
        ],
        revision=page.revision,
        since=timestamp(page.since_us),
        next_page_token=page.next_page_token,
    )
