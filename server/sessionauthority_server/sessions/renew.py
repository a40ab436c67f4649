"""Renewing: the refresh token rotates on every use. A retry inside the
grace window gets the same successor pair; any other second use is theft
and ends the session."""

from __future__ import annotations

import dataclasses

from .. import errors, policy
from ..codec import token_pair_bytes, token_pair_from_bytes
from ..domain import LIVE_STATES, EndReason, EventType, Session, TokenPair
from .lifecycle import change, end, settle
from .pairs import mint
from .repository import Deps, Lookahead, Refusal, Repository

Renewed = tuple[Session, TokenPair] | Refusal


def lookahead(tenant: str, token_hash: str) -> Lookahead:
    """renew's first read."""
    return Lookahead("refresh_token_for_update", (tenant, token_hash))


def renew(repo: Repository, deps: Deps, tenant: str, token_hash: str) -> Renewed:
    found = repo.refresh_token_for_update(tenant, token_hash)
    if found is None:
        raise errors.unauthenticated("REFRESH_TOKEN_INVALID", "unknown refresh token")
    token, s = found
    s, _ = settle(repo, s, deps.idle_us)
    if s.state not in LIVE_STATES:
        return Refusal(policy.ended_error(s))
    if token.superseded:
        raise errors.unauthenticated(
            "REFRESH_TOKEN_SUPERSEDED",
            "refresh token was replaced by a newer create for this session",
            session_id=s.session_id,
        )
    if repo.now >= token.expire_us:
        raise errors.unauthenticated(
            "REFRESH_TOKEN_EXPIRED", "refresh token expired", session_id=s.session_id
        )
    if token.rotated_us is not None:
        # Used before. Within the grace window with its successor still
        # kept, it is a retry or a concurrent renewal: the same pair again.
        in_grace = repo.now - token.rotated_us <= deps.grace_us
        if in_grace and token.successor_sealed is not None:
            kept = deps.sealer.open(token.successor_sealed, aad=token_hash)
            return s, token_pair_from_bytes(kept)
        # After the window, whoever holds it is not the session's owner (or
        # the owner's token was stolen): the session ends, and both lose it.
        end(repo, s, EndReason.REFRESH_TOKEN_REUSE, "")
        return Refusal(
            errors.unauthenticated(
                "REFRESH_TOKEN_REUSED",
                "refresh token was already used; the session is revoked",
                session_id=s.session_id,
            )
        )
    after = change(
        repo,
        s,
        dataclasses.replace(s, last_renew_us=repo.now, last_active_us=repo.now),
        EventType.RENEWED,
    )
    pair = mint(repo, deps, after, token.generation + 1)
    repo.mark_rotated(
        token_hash, repo.now, deps.sealer.seal(token_pair_bytes(pair), aad=token_hash)
    )
    return after, pair
