"""The verifier's snapshot (list, then watch): at one revision R, every
session of a tenant that ended recently enough that a token of it may still
be unexpired. A verifier lists it, then watches from R + 1.

Why one revision holds across pages without a long transaction: R is read
first, as the committed value of the revision counter. Revision order is
commit order (the counter's row lock), so every change at or below R has
committed by then, and an ended session never changes again: the rows with
`revision <= R` are the same set on every page, however long the paging
takes. A session that ends after R has a revision above R and comes on the
watch instead, so nothing is missed and nothing is counted twice."""

from __future__ import annotations

from ..domain import EndedPage, EndedSession, EndReason, State
from ..errors import invalid_argument
from ..pagetokens import PageTokens
from . import outbox
from .reads import Reader
from .sql import Sql

KIND = "ended-sessions"
DEFAULT_PAGE = 1000
MAX_PAGE = 5000
_BIG = 2**63 - 1
# Clocks of the server that minted a token and the verifier that reads it
# differ a little; a session stays in the snapshot this much longer.
SKEW_US = 60_000_000

_FIRST = Sql(
    "SELECT session_id, subject_id, state, end_reason, end_us, error_code FROM sessions"
    " WHERE tenant = :tenant AND end_us >= :since AND revision <= :upto"
    " ORDER BY end_us, session_id LIMIT :limit"
)
_NEXT = Sql(
    "SELECT session_id, subject_id, state, end_reason, end_us, error_code FROM sessions"
    " WHERE tenant = :tenant AND revision <= :upto"
    " AND (end_us > :after_us OR (end_us = :after_us AND session_id > :after_id))"
    " ORDER BY end_us, session_id LIMIT :limit"
)


def _size(page_size: int) -> int:
    if page_size < 0:
        raise invalid_argument([("page_size", "must not be negative")])
    return min(page_size or DEFAULT_PAGE, MAX_PAGE)


async def ended_page(
    reader: Reader,
    tokens: PageTokens,
    tenant: str,
    page_size: int,
    page_token: str,
    now_us: int,
    window_us: int,
) -> EndedPage:
    """`window_us`: the longest an access token lives; sessions that ended
    before now - window - skew have no unexpired token left."""
    size = _size(page_size)
    if page_token:
        cursor = tokens.open(page_token, KIND, tenant, "")
        try:
            assert cursor is not None
            upto, since = int(cursor["r"]), int(cursor["since"])
            after_us, after_id = int(cursor["e"]), str(cursor["s"])
        except (AssertionError, KeyError, TypeError, ValueError):
            raise invalid_argument(
                [("page_token", "is not a token this server issued to this tenant")]
            ) from None
        rows = await reader.all(
            _NEXT, tenant=tenant, upto=upto, after_us=after_us, after_id=after_id, limit=size + 1
        )
    else:
        upto = int(await reader.scalar(outbox.CURRENT_REVISION))
        since = now_us - window_us - SKEW_US
        rows = await reader.all(_FIRST, tenant=tenant, since=since, upto=upto, limit=size + 1)
    page = [
        EndedSession(
            r["session_id"],
            r["subject_id"],
            State(r["state"]),
            EndReason(r["end_reason"]) if r["end_reason"] else None,
            int(r["end_us"]),
            r["error_code"],
        )
        for r in rows[:size]
    ]
    token = ""
    if len(rows) > size:
        last = page[-1]
        token = tokens.issue(
            KIND, tenant, "", {"r": upto, "since": since, "e": last.end_us, "s": last.session_id}
        )
    return EndedPage(page, upto, since, token)
