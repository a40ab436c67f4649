"""Create rate limits, held in the database so they hold across replicas.

Each limit is a token bucket kept as one timestamp (GCRA): `tat_us`, the
time at which the bucket will be full again. A create moves it one interval
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

from dataclasses import dataclass

from .. import errors
from ..config import Settings
from .context import US
from .engine import Tx
from .sql import Sql

_COLUMNS = ("scope", "window", "tenant", "caller", "subject_id")
PURGE = Sql("DELETE FROM rate_buckets WHERE tat_us <= :now")


@dataclass(frozen=True, slots=True)
class Bucket:
    scope: str
    window: str
    tenant: str
    caller: str
    subject_id: str
    span_us: int
    limit: int

    @property
    def interval_us(self) -> int:
        # Rounded up, so a burst never gets past `limit`.
        return -(-self.span_us // self.limit)


_SPANS = {"minute": 60 * US, "day": 86400 * US}


def buckets(settings: Settings, tenant: str, caller: str, subject_id: str) -> list[Bucket]:
    wanted = [
        ("subject", "minute", tenant, caller, subject_id, settings.create_rate_per_minute),
        ("subject", "day", tenant, caller, subject_id, settings.create_rate_per_day),
        ("global", "minute", "", "", "", settings.global_create_rate_per_minute),
    ]
    if caller:
        wanted.append(("caller", "minute", "", caller, "", settings.caller_create_rate_per_minute))
    return [
        Bucket(scope, window, t, c, s, _SPANS[window], limit)
        for scope, window, t, c, s, limit in wanted
        if limit > 0
    ]


_statements: dict[int, Sql] = {}


def _upsert(n: int) -> Sql:
    """One statement takes a token from every bucket at once (one round trip
    on PostgreSQL); RETURNING gives each bucket's new time."""
    if n not in _statements:
        rows = ", ".join(
            "(" + ", ".join(f":{c}{i}" for c in (*_COLUMNS, "first")) + ")" for i in range(n)
        )
        # An absent (or full) bucket starts from now; the interval is
        # carried in the row as first - now so one statement serves all.
        _statements[n] = Sql(
            'INSERT INTO rate_buckets (scope, "window", tenant, caller, subject_id, tat_us) '
            f"VALUES {rows} "
            'ON CONFLICT (scope, "window", tenant, caller, subject_id) DO UPDATE SET '
            "tat_us = (CASE WHEN rate_buckets.tat_us > :now THEN rate_buckets.tat_us "
            "ELSE :now END) + excluded.tat_us - :now "
            'RETURNING scope, "window", tat_us'
        )
    return _statements[n]


def take(tx: Tx, settings: Settings, tenant: str, caller: str, subject_id: str) -> None:
    """Takes one create from each bucket; over a limit, raises
    RESOURCE_EXHAUSTED with the wait until it would fit (the unit's
    savepoint then gives the tokens back, so a refused create costs none)."""
    chosen = buckets(settings, tenant, caller, subject_id)
    if not chosen:
        return
    params: dict[str, object] = {"now": tx.now}
    for i, b in enumerate(chosen):
        params.update(
            {
                f"scope{i}": b.scope,
                f"window{i}": b.window,
                f"tenant{i}": b.tenant,
                f"caller{i}": b.caller,
                f"subject_id{i}": b.subject_id,
                f"first{i}": tx.now + b.interval_us,
            }
        )
    got = {(r["scope"], r["window"]): r["tat_us"] for r in tx.all(_upsert(len(chosen)), **params)}
    worst: tuple[int, Bucket] | None = None
    for b in chosen:
        over = got[(b.scope, b.window)] - tx.now - b.span_us
        if over > 0 and (worst is None or over > worst[0]):
            worst = (over, b)
    if worst is not None:
        over, b = worst
        raise errors.rate_limited(b.scope, b.window, subject_id, b.limit, max(over / US, 0.001))
