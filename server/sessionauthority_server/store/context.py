"""What units of work need besides their transaction: settings, the sealer
for secrets at rest, and the signing keys."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..tokens import Sealer
from .keys import KeyRing

US = 1_000_000


@dataclass(frozen=True)
class Context:
    settings: Settings
    sealer: Sealer
    keys: KeyRing

    @property
    def idle_us(self) -> int:
        return self.settings.idle_timeout_seconds * US

    @property
    def grace_us(self) -> int:
        return self.settings.refresh_reuse_grace_seconds * US
