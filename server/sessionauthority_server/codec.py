"""Stored formats, each with a format version, written and read only here.

Event payloads stay in the events table for the whole retention period and
sealed token pairs for the grace window and the idempotency window, so a
field renamed in the code must never change what is on disk: every field is
spelled out below, not derived from a dataclass. A reader accepts every
version ever written (version 0 is the unversioned layout of the first
release, which was `dataclasses.asdict` of the same classes).
"""

from __future__ import annotations

import json
from typing import Any

from .domain import ClientInfo, EndReason, Session, State, TokenPair

SESSION_FORMAT = 1
TOKENS_FORMAT = 1
_COMPACT = {"separators": (",", ":")}


class CodecError(ValueError):
    pass


def session_payload(s: Session) -> str:
    """The session after a change, as an event carries it. The revision is
    the event's own revision column, so it is not repeated here."""
    return json.dumps(
        {
            "v": SESSION_FORMAT,
            "session_id": s.session_id,
            "tenant": s.tenant,
            "subject_id": s.subject_id,
            "reference": s.reference,
            "state": s.state.value,
            "metadata": s.metadata,
            "create_us": s.create_us,
            "expire_us": s.expire_us,
            "last_renew_us": s.last_renew_us,
            "last_active_us": s.last_active_us,
            "end_us": s.end_us,
            "end_reason": s.end_reason.value if s.end_reason else None,
            "error_code": s.error_code,
            "client": [s.client.user_agent, s.client.ip_address, s.client.device_name],
        },
        **_COMPACT,
    )


def session_from_payload(text: str, revision: int) -> Session:
    raw: dict[str, Any] = json.loads(text)
    version = raw.get("v", 0)
    if version == 0:
        client = ClientInfo(**raw["client"])
    elif version == 1:
        client = ClientInfo(*raw["client"])
    else:
        raise CodecError(f"session payload format {version} is newer than this server")
    return Session(
        session_id=raw["session_id"],
        tenant=raw["tenant"],
        subject_id=raw["subject_id"],
        reference=raw["reference"],
        state=State(raw["state"]),
        metadata=raw["metadata"],
        create_us=raw["create_us"],
        expire_us=raw["expire_us"],
        last_renew_us=raw["last_renew_us"],
        last_active_us=raw["last_active_us"],
        end_us=raw["end_us"],
        end_reason=EndReason(raw["end_reason"]) if raw["end_reason"] else None,
        error_code=raw["error_code"],
        revision=revision,
        client=client,
    )


def _pair_fields(p: TokenPair) -> list[Any]:
    return [p.access_token, p.access_expire_us, p.refresh_token, p.refresh_expire_us]


def _pair_from(raw: Any) -> TokenPair:
    if isinstance(raw, list):
        return TokenPair(raw[0], int(raw[1]), raw[2], int(raw[3]))
    # Version 0: a dict, itself sometimes JSON inside a string.
    if isinstance(raw, str):
        raw = json.loads(raw)
    return TokenPair(
        raw["access_token"],
        int(raw["access_expire_us"]),
        raw["refresh_token"],
        int(raw["refresh_expire_us"]),
    )


def token_pair_bytes(pair: TokenPair) -> bytes:
    """Plaintext of a sealed successor pair (sealed by the caller)."""
    return json.dumps({"v": TOKENS_FORMAT, "pair": _pair_fields(pair)}, **_COMPACT).encode()


def token_pair_from_bytes(data: bytes) -> TokenPair:
    raw = json.loads(data)
    version = raw.get("v", 0)
    if version == 0:
        return _pair_from(raw)
    if version == 1:
        return _pair_from(raw["pair"])
    raise CodecError(f"token pair format {version} is newer than this server")


def create_answer_bytes(tokens: TokenPair | None, handoff_code: str) -> bytes:
    """Plaintext of a create's sealed first answer (for request_id replays)."""
    return json.dumps(
        {
            "v": TOKENS_FORMAT,
            "pair": _pair_fields(tokens) if tokens else None,
            "handoff_code": handoff_code,
        },
        **_COMPACT,
    ).encode()


def create_answer_from_bytes(data: bytes) -> tuple[TokenPair | None, str]:
    raw = json.loads(data)
    version = raw.get("v", 0)
    if version == 0:
        pair = raw.get("tokens")
    elif version == 1:
        pair = raw.get("pair")
    else:
        raise CodecError(f"create answer format {version} is newer than this server")
    return (_pair_from(pair) if pair else None), raw.get("handoff_code") or ""
