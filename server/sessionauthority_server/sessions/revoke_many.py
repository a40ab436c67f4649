"""RevokeSessions: the one flow of several units of work. One unbounded unit
would hold the writer, and with it every tenant's writes, for as long as it
takes; so it ends REVOKE_CHUNK sessions per unit, each committed before the
next is queued."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable

from .. import errors
from ..domain import EndReason

log = logging.getLogger("sessionauthority.sessions")

# Sessions per unit of work of RevokeSessions: some 50 ms of writer time on
# SQLite, so other writes get in at least that often during a revocation.
REVOKE_CHUNK = 500
# At most this many ids in a RevokeSessions reply (the count is always whole).
REPLY_IDS = 1000


@dataclasses.dataclass(frozen=True)
class Revoked:
    count: int
    session_ids: list[str]  # the first REPLY_IDS of them, oldest first
    truncated: bool


# The chosen sessions' ids, then one chunk ended per call (returning the ids
# it ended).
Targets = Callable[[], Awaitable[list[str]]]
Chunk = Callable[[list[str], EndReason | None], Awaitable[list[str]]]
# Revocations whose caller went away: held so they run to the end.
_DETACHED: set[asyncio.Future[Revoked]] = set()


async def revoke_all(targets: Targets, chunk: Chunk, reason: EndReason | None) -> Revoked:
    """Ends every matching session that is live when the call begins (one
    read, off the writer), REVOKE_CHUNK per unit of work.

    It runs to the end even when the caller goes away: a deadline passing
    half way must not leave alive sessions the caller meant to end. If a
    chunk fails after others committed, the error says so: its ErrorInfo
    metadata `revoked_count` is how many this call ended (they stay ended);
    a retry ends the rest and counts only those."""
    task = asyncio.ensure_future(_revoke_chunks(targets, chunk, reason))
    _DETACHED.add(task)
    task.add_done_callback(_forget)
    return await asyncio.shield(task)


def _forget(task: asyncio.Future[Revoked]) -> None:
    _DETACHED.discard(task)
    # Retrieved here so an error nobody awaits any more is logged once.
    if not task.cancelled() and task.exception() is not None:
        log.info("RevokeSessions failed: %s", task.exception())


async def _revoke_chunks(targets: Targets, chunk: Chunk, reason: EndReason | None) -> Revoked:
    ids_to_end = await targets()
    count, ids = 0, list[str]()
    for start in range(0, len(ids_to_end), REVOKE_CHUNK):
        try:
            ended = await chunk(ids_to_end[start : start + REVOKE_CHUNK], reason)
        except Exception as exc:
            if count == 0:
                raise  # nothing committed: the error is the whole answer
            raise _incomplete(exc, count) from exc
        count += len(ended)
        ids.extend(ended[: max(REPLY_IDS - len(ids), 0)])
    return Revoked(count, ids, count > len(ids))


def _incomplete(exc: Exception, count: int) -> errors.DomainError:
    """The failure of a later chunk, saying what earlier ones committed."""
    if isinstance(exc, errors.DomainError):
        base = exc
    else:
        log.error("a RevokeSessions chunk failed", exc_info=exc)
        base = errors.storage_unavailable(type(exc).__name__)
    return dataclasses.replace(
        base,
        message=f"revoking stopped ({base.reason}) after {count} sessions had been revoked; "
        "those stay revoked: retry to revoke the rest",
        metadata={**base.metadata, "revoked_count": str(count)},
    )
