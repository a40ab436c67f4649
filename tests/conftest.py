"""Fixtures: a real server on a loopback port over a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from sessionauthority.v1 import session_service_pb2_grpc, subject_service_pb2_grpc
from sessionauthority_server.app import App, create_server
from sessionauthority_server.config import Settings
from sessionauthority_server.store import system_clock

from .postgres import ThrowawayPostgres


class FakeClock:
    """Wall clock plus an offset the test moves forward (never back)."""

    def __init__(self) -> None:
        self.offset_us = 0

    def __call__(self) -> int:
        return system_clock() + self.offset_us

    def advance(self, seconds: float) -> None:
        self.offset_us += int(seconds * 1_000_000)


@dataclass
class Harness:
    app: App
    channel: grpc.aio.Channel
    sessions: session_service_pb2_grpc.SessionServiceStub
    subjects: subject_service_pb2_grpc.SubjectServiceStub
    clock: FakeClock
    db_path: Path
    target: str


ServerFactory = Callable[..., Any]


# Modules whose tests also run against PostgreSQL (the rest exercise the
# command line, README or client helpers, where the backend does not matter).
POSTGRES_MODULES = {
    "test_sessions",
    "test_tokens",
    "test_revoke",
    "test_subjects",
    "test_watch",
    "test_watch_robustness",
    "test_concurrency",
    "test_standard_services",
    "test_auth",
    "test_store_contract",
    "test_rate_limits",
    "test_replicas",
    "test_metrics",
    "test_sdk_client",
    "test_sdk_verifier",
    "test_managed_live",
    "test_verifier_snapshot",
    "test_verifier_protocol",
    "test_closed_mode",
    "test_watch_fairness",
    "test_revoke_many",
    "test_list_pages",
}
# Any fixed 32-byte key: PostgreSQL has no file to keep a generated one beside.
TEST_ENCRYPTION_KEY = "c2Vzc2lvbi1hdXRob3JpdHktdGVzdC1rZXktMzJieXQ"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Runs each server test on SQLite and on PostgreSQL, except where only
    SQLite makes sense. Deselected, not skipped: nothing is silently left out."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_pg = callspec is not None and callspec.params.get("make_server") == "postgresql"
        on_sqlite = callspec is not None and callspec.params.get("make_server") == "sqlite"
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if on_pg and (module not in POSTGRES_MODULES or item.get_closest_marker("sqlite_only")):
            drop.append(item)
        elif on_sqlite and item.get_closest_marker("postgres_only"):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
async def make_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ServerFactory]:
    started: list[Harness] = []
    pg_url = ""
    if request.param == "postgresql":
        pg_url = await request.getfixturevalue("postgres").new_database()

    async def factory(db_name: str = "sa.db", **overrides: Any) -> Harness:
        # Every server of one test shares one database, as replicas would.
        db_path = tmp_path / db_name
        if pg_url:
            overrides.setdefault("encryption_key", TEST_ENCRYPTION_KEY)
        settings = Settings(
            database_url=pg_url or f"sqlite:///{db_path}",
            host="127.0.0.1",
            port=0,
            **overrides,
        )
        clock = FakeClock()
        app = await create_server(settings, clock=clock, address="127.0.0.1:0")
        target = f"127.0.0.1:{app.port}"
        channel = grpc.aio.insecure_channel(target)
        h = Harness(
            app,
            channel,
            session_service_pb2_grpc.SessionServiceStub(channel),
            subject_service_pb2_grpc.SubjectServiceStub(channel),
            clock,
            db_path,
            target,
        )
        started.append(h)
        return h

    yield factory
    for h in started:
        await h.channel.close()
        await h.app.stop(0)


@pytest.fixture
async def h(make_server: ServerFactory) -> Harness:
    return await make_server()
