"""Idempotency records: a retried create answers with the first result."""

from __future__ import annotations

from .. import errors
from ..codec import create_answer_bytes, create_answer_from_bytes
from ..domain import LIVE_STATES, CreateResult, State
from ..policy import effective
from ..tokens import secret_hash
from .context import US, Context
from .engine import Tx
from .rows import session_from_row
from .sql import Sql

_FIND = Sql("SELECT * FROM idempotency WHERE tenant = :tenant AND request_id = :request_id")
_DROP = Sql("DELETE FROM idempotency WHERE tenant = :tenant AND request_id = :request_id")
_RECORD = Sql(
    "INSERT INTO idempotency (tenant, request_id, fingerprint, session_id, response_sealed,"
    " reused, expire_us) VALUES (:tenant, :request_id, :fingerprint, :session_id, :sealed,"
    " :reused, :expire_us)"
)
PURGE = Sql("DELETE FROM idempotency WHERE expire_us <= :now")
_SESSION = Sql("SELECT * FROM sessions WHERE session_id = :session_id")
_TOKEN_STATE = Sql("SELECT rotated_us, superseded FROM refresh_tokens WHERE token_hash = :h")


def _aad(tenant: str, request_id: str) -> str:
    return f"{tenant}/{request_id}"


def replay(
    tx: Tx, ctx: Context, tenant: str, request_id: str, fingerprint: str
) -> CreateResult | None:
    """The first answer for this request_id, or None if there is none."""
    row = tx.one(_FIND, tenant=tenant, request_id=request_id)
    if row is None:
        return None
    if row["expire_us"] <= tx.now:
        tx.run(_DROP, tenant=tenant, request_id=request_id)
        return None
    if row["fingerprint"] != fingerprint:
        raise errors.invalid_argument(
            [("request_id", "was already used for a create with other parameters")]
        )
    session_row = tx.one(_SESSION, session_id=row["session_id"])
    assert session_row is not None
    plain = ctx.sealer.open(bytes(row["response_sealed"]), aad=_aad(tenant, request_id))
    tokens, handoff = create_answer_from_bytes(plain)
    session = effective(session_from_row(session_row), tx.now, ctx.idle_us)
    # The first answer's secrets go back only while they still work: a
    # refresh token that has rotated (or a used handoff code) would hand
    # whoever replays the request a way to take over or kill the session.
    live = session.state in LIVE_STATES
    if tokens is not None and not (live and _unrotated(tx, tokens.refresh_token)):
        tokens = None
    if handoff and not (
        session.state is State.PENDING and session_row["handoff_hash"] == secret_hash(handoff)
    ):
        handoff = ""
    return CreateResult(session, tokens, handoff, bool(row["reused"]), replayed=True)


def _unrotated(tx: Tx, refresh_token: str) -> bool:
    row = tx.one(_TOKEN_STATE, h=secret_hash(refresh_token))
    return row is not None and row["rotated_us"] is None and not row["superseded"]


def record(
    tx: Tx, ctx: Context, tenant: str, request_id: str, fingerprint: str, result: CreateResult
) -> None:
    tx.run(
        _RECORD,
        tenant=tenant,
        request_id=request_id,
        fingerprint=fingerprint,
        session_id=result.session.session_id,
        sealed=ctx.sealer.seal(
            create_answer_bytes(result.tokens, result.handoff_code), aad=_aad(tenant, request_id)
        ),
        reused=result.reused,
        expire_us=tx.now + ctx.settings.idempotency_ttl_seconds * US,
    )
