"""Token pairs: an access JWT that never outlives its session, and an
opaque refresh token of which only the hash is stored."""

from __future__ import annotations

from .. import policy
from ..domain import Session, TokenPair
from ..tokens import new_refresh_token, secret_hash, sign_access_token, tenant_audience
from .repository import Deps, RefreshToken, Repository


def mint(repo: Repository, deps: Deps, s: Session, generation: int) -> TokenPair:
    refresh = new_refresh_token()
    repo.add_refresh_token(
        RefreshToken(
            token_hash=secret_hash(refresh),
            tenant=s.tenant,
            session_id=s.session_id,
            generation=generation,
            create_us=repo.now,
            expire_us=s.expire_us,
        )
    )
    settings = deps.settings
    access_exp = policy.access_expiry_us(repo.now, settings.access_token_ttl_seconds, s.expire_us)
    access = sign_access_token(
        deps.keys.active,
        issuer=settings.issuer,
        audience=tenant_audience(settings.audience, s.tenant),
        tenant=s.tenant,
        subject_id=s.subject_id,
        session_id=s.session_id,
        now_us=repo.now,
        expire_us=access_exp,
    )
    return TokenPair(access, access_exp, refresh, s.expire_us)


def mint_next(repo: Repository, deps: Deps, s: Session) -> TokenPair:
    """A pair one generation past the session's newest."""
    return mint(repo, deps, s, repo.top_generation(s.session_id) + 1)


NO_PAIR = TokenPair("", 0, "", 0)
