"""The session manager's flows over the in-memory repository: no database,
no transport, a clock the test moves."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from sessionauthority_server.config import Settings
from sessionauthority_server.domain import Session
from sessionauthority_server.errors import DomainError
from sessionauthority_server.inputs import CreateRequest
from sessionauthority_server.sessions import create
from sessionauthority_server.sessions.repository import Deps, Refusal
from sessionauthority_server.store.memory import MemoryStore
from sessionauthority_server.tokens import Sealer, SigningKey, generate_signing_key

US = 1_000_000
T0 = 1_800_000_000 * US


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * US)


@dataclass
class Keys:
    active: SigningKey


class Rules:
    """One tenant's view of a MemoryStore, with the flows' inputs filled in."""

    def __init__(self, **settings: Any) -> None:
        self.clock = Clock()
        base: dict[str, Any] = {"create_rate_per_minute": 0, "create_rate_per_day": 0}
        self.settings = Settings(**{**base, **settings})
        deps = Deps(self.settings, Sealer(os.urandom(32)), Keys(generate_signing_key()[0]))
        self.store = MemoryStore(deps, self.clock)
        self.tenant = "acme"

    def run(self, flow: Any, *args: Any) -> Any:
        """The flow's answer, as the manager gives it: a Refusal raised
        after its writes stand."""
        result, _ = self.store.run(flow, self.tenant, *args)
        if isinstance(result, Refusal):
            raise result.error
        return result

    def create(self, subject: str = "u1", **fields: Any) -> Any:
        ttl_us = fields.pop("ttl_us", self.settings.session_ttl_seconds * US)
        return self.run(create.create, CreateRequest(subject_id=subject, **fields), ttl_us)

    def session(self, session_id: str) -> Session:
        return self.store.state.sessions[session_id]

    def events(self) -> list[tuple[str, str]]:
        return [(e.type.value, e.session.state.value) for e in self.store.state.events]


def refused(reason: str) -> Any:
    """pytest.raises for a DomainError with this reason."""
    return pytest.raises(DomainError, match=f" {reason}:")
