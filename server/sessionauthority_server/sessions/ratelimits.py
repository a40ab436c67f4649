"""Create rate limits, held in the database so they hold across replicas.

Each limit is a token bucket kept as one timestamp (GCRA): the time at
which the bucket will be full again. A create moves it one interval
(span / limit) later; the create is refused when that puts it more than one
span ahead of now. So `limit` creates may come at once, then one per
interval: no fixed window whose edge lets through twice the limit, and no
lockout that outlasts the load that caused it.

Buckets (each on only when its limit is > 0):
- subject: per tenant, calling API key and subject, per minute and per day.
  Keyed by caller too, so one caller flooding a subject exhausts only its
  own budget: the real login service, with its own key, still gets through.
- caller: per API key (open mode has none), so one caller cannot take the
  whole service's write capacity.
- global: all creates together, a last guard for the database.
"""

from __future__ import annotations

from .. import errors
from ..config import Settings
from .repository import US, RateBucket, Repository

_SPANS = {"minute": 60 * US, "day": 86400 * US}


def buckets(settings: Settings, tenant: str, caller: str, subject_id: str) -> list[RateBucket]:
    wanted = [
        ("subject", "minute", tenant, caller, subject_id, settings.create_rate_per_minute),
        ("subject", "day", tenant, caller, subject_id, settings.create_rate_per_day),
        ("global", "minute", "", "", "", settings.global_create_rate_per_minute),
    ]
    if caller:
        wanted.append(("caller", "minute", "", caller, "", settings.caller_create_rate_per_minute))
    return [
        RateBucket(scope, window, t, c, s, _SPANS[window], limit)
        for scope, window, t, c, s, limit in wanted
        if limit > 0
    ]


def take(repo: Repository, settings: Settings, tenant: str, caller: str, subject_id: str) -> None:
    """Takes one create from each bucket; over a limit, raises
    RESOURCE_EXHAUSTED with the wait until it would fit (the unit of work
    then rolls back, so a refused create costs none)."""
    chosen = buckets(settings, tenant, caller, subject_id)
    if not chosen:
        return
    got = repo.take_rate_tokens(chosen)
    worst: tuple[int, RateBucket] | None = None
    for b in chosen:
        over = got[(b.scope, b.window)] - repo.now - b.span_us
        if over > 0 and (worst is None or over > worst[0]):
            worst = (over, b)
    if worst is not None:
        over, b = worst
        raise errors.rate_limited(b.scope, b.window, subject_id, b.limit, max(over / US, 0.001))
