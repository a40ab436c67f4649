"""Token pairs: minting (access JWT + opaque refresh token, stored as a hash),
rotation on renew with a grace window, and theft detection."""

from __future__ import annotations

import dataclasses

from .. import errors, policy
from ..codec import token_pair_bytes, token_pair_from_bytes
from ..domain import LIVE_STATES, EndReason, EventType, Session, TokenPair
from ..tokens import new_refresh_token, secret_hash, sign_access_token, tenant_audience
from .context import Context
from .engine import Tx
from .outbox import emit, end, settle
from .rows import session_from_row
from .sql import Sql

_INSERT = Sql(
    "INSERT INTO refresh_tokens (token_hash, tenant, session_id, generation, create_us,"
    " expire_us, superseded) VALUES (:token_hash, :tenant, :session_id, :generation, :now,"
    " :expire_us, :superseded)"
)
_FIND = Sql("SELECT session_id FROM refresh_tokens WHERE token_hash = :h AND tenant = :tenant")
_LOCK = Sql("SELECT * FROM refresh_tokens WHERE token_hash = :h {for_update}")
_LOCK_SESSION = Sql("SELECT * FROM sessions WHERE session_id = :session_id {for_update}")
_ROTATED = Sql(
    "UPDATE refresh_tokens SET rotated_us = :now, successor_sealed = :sealed WHERE token_hash = :h"
)
_SUPERSEDE = Sql(
    "UPDATE refresh_tokens SET superseded = :yes WHERE session_id = :session_id"
    " AND rotated_us IS NULL"
)
_TOP_GENERATION = Sql("SELECT max(generation) FROM refresh_tokens WHERE session_id = :session_id")
FORGET_SUCCESSORS = Sql(
    "UPDATE refresh_tokens SET successor_sealed = NULL"
    " WHERE successor_sealed IS NOT NULL AND rotated_us < :before"
)


def mint(tx: Tx, ctx: Context, s: Session, generation: int) -> TokenPair:
    refresh = new_refresh_token()
    tx.run(
        _INSERT,
        token_hash=secret_hash(refresh),
        tenant=s.tenant,
        session_id=s.session_id,
        generation=generation,
        now=tx.now,
        expire_us=s.expire_us,
        superseded=False,
    )
    access_exp = policy.access_expiry_us(tx.now, ctx.settings.access_token_ttl_seconds, s.expire_us)
    access = sign_access_token(
        ctx.keys.active,
        issuer=ctx.settings.issuer,
        audience=tenant_audience(ctx.settings.audience, s.tenant),
        tenant=s.tenant,
        subject_id=s.subject_id,
        session_id=s.session_id,
        now_us=tx.now,
        expire_us=access_exp,
    )
    return TokenPair(access, access_exp, refresh, s.expire_us)


def mint_next(tx: Tx, ctx: Context, s: Session) -> TokenPair:
    """A pair one generation past the session's newest."""
    top = tx.scalar(_TOP_GENERATION, session_id=s.session_id)
    return mint(tx, ctx, s, (top or 0) + 1)


def supersede(tx: Tx, session_id: str) -> None:
    """Every unrotated refresh token of the session now fails as SUPERSEDED."""
    tx.run(_SUPERSEDE, session_id=session_id, yes=True)


def renew(tx: Tx, ctx: Context, tenant: str, token_hash: str) -> tuple[Session, TokenPair]:
    found = tx.one(_FIND, h=token_hash, tenant=tenant)
    if found is None:
        raise errors.unauthenticated("REFRESH_TOKEN_INVALID", "unknown refresh token")
    # Lock order: session, then token.
    srow = tx.one(_LOCK_SESSION, session_id=found["session_id"])
    row = tx.one(_LOCK, h=token_hash)
    assert srow is not None and row is not None
    s, _ = settle(tx, session_from_row(srow), ctx.idle_us)
    if s.state not in LIVE_STATES:
        tx.fail_after_commit(policy.ended_error(s))
        return s, _NO_PAIR
    if row["superseded"]:
        raise errors.unauthenticated(
            "REFRESH_TOKEN_SUPERSEDED",
            "refresh token was replaced by a newer create for this session",
            session_id=s.session_id,
        )
    if tx.now >= row["expire_us"]:
        raise errors.unauthenticated(
            "REFRESH_TOKEN_EXPIRED", "refresh token expired", session_id=s.session_id
        )
    if row["rotated_us"] is not None:
        sealed = row["successor_sealed"]
        if tx.now - row["rotated_us"] <= ctx.grace_us and sealed is not None:
            # A retry, or a concurrent renewal: the same successor pair.
            return s, token_pair_from_bytes(ctx.sealer.open(bytes(sealed), aad=token_hash))
        end(tx, s, EndReason.REFRESH_TOKEN_REUSE, "")
        tx.fail_after_commit(
            errors.unauthenticated(
                "REFRESH_TOKEN_REUSED",
                "refresh token was already used; the session is revoked",
                session_id=s.session_id,
            )
        )
        return s, _NO_PAIR
    after = emit(
        tx,
        s,
        dataclasses.replace(s, last_renew_us=tx.now, last_active_us=tx.now),
        EventType.RENEWED,
    )
    pair = mint(tx, ctx, after, row["generation"] + 1)
    tx.run(
        _ROTATED,
        h=token_hash,
        now=tx.now,
        sealed=ctx.sealer.seal(token_pair_bytes(pair), aad=token_hash),
    )
    return after, pair


_NO_PAIR = TokenPair("", 0, "", 0)
