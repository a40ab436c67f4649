"""The reaper: turns sessions past their deadline into real EXPIRED
transitions (with their events) and trims event history past retention.

Every replica runs one. Expiry is already lazy in every RPC; the reaper makes
it visible to watchers within the contract's 2 s, and the store guarantees
that two reapers never expire one session twice.
"""

from __future__ import annotations

import asyncio
import logging
import time

from .outage import OutageLog
from .sessions.manager import SessionManager

log = logging.getLogger("sessionauthority.reaper")

BATCH = 500


class Reaper:
    def __init__(
        self,
        manager: SessionManager,
        *,
        interval: float,
        compact_interval: float,
        rotation: float = 0,
    ) -> None:
        self.manager = manager
        self.store = manager.store
        self.interval = interval
        self.compact_interval = compact_interval
        self.rotation = rotation
        self._outage = OutageLog(log, "reaper pass")

    async def run(self) -> None:
        next_compact = time.monotonic()
        while True:
            # A pass every interval, the first one interval after start (the
            # server is serving by then; lazy expiry covers the gap).
            await asyncio.sleep(self.interval)
            try:
                while await self.manager.expire_due(BATCH) == BATCH:
                    pass
                if time.monotonic() >= next_compact:
                    await self.store.compact()
                    next_compact = time.monotonic() + self.compact_interval
                    # Signing keys: rotate when due (one replica wins), and
                    # pick up a rotation another replica made.
                    if self.rotation:
                        await self.store.rotate_signing_key(if_older_than_s=self.rotation)
                    else:
                        await self.store.reload_keys_if_stale()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A busy or briefly unreachable database: try again next tick.
                self._outage.failed(exc)
            else:
                self._outage.ok()
