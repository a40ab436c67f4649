"""Fixtures: a real server on a loopback port over a real database, SQLite
or PostgreSQL (each test that takes one runs on both)."""

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
    db_path: Path  # SQLite's file (on PostgreSQL, never created)
    target: str
    database_url: str
    # "http://127.0.0.1:PORT" when the server was made with http=True.
    http_url: str = ""


ServerFactory = Callable[..., Any]


BACKENDS = ["sqlite", "postgresql"]
# Any fixed 32-byte key: PostgreSQL has no file to keep a generated one beside.
TEST_ENCRYPTION_KEY = "c2Vzc2lvbi1hdXRob3JpdHktdGVzdC1rZXktMzJieXQ"


def backend_settings(database_url: str) -> dict[str, str]:
    """What a server needs besides the URL on this database."""
    if database_url.startswith("postgresql"):
        return {"encryption_key": TEST_ENCRYPTION_KEY}
    return {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that takes a database runs on SQLite and on PostgreSQL,
    unless marked otherwise (see the markers in pyproject.toml). Deselected,
    not skipped: the run's summary counts what was left out, and a new
    module gets both databases without anyone having to remember a list."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        if backend == "postgresql" and (
            item.get_closest_marker("sqlite_only") or item.get_closest_marker("backend_independent")
        ):
            drop.append(item)
        elif backend == "sqlite" and item.get_closest_marker("postgres_only"):
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


# Module scope, so module-scoped servers (Hypothesis suites) get both too;
# pytest then runs a module's SQLite tests before its PostgreSQL ones.
@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A fresh, empty database of this test's backend."""
    if backend == "postgresql":
        return str(request.getfixturevalue("postgres").new_database_sync())
    return f"sqlite:///{tmp_path / 'sa.db'}"


@pytest.fixture(scope="module")
def module_database_url(
    request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A fresh database shared by one module's tests (for module-scoped servers)."""
    if backend == "postgresql":
        return str(request.getfixturevalue("postgres").new_database_sync())
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sa.db'}"


@pytest.fixture
async def make_server(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> AsyncIterator[ServerFactory]:
    started: list[Harness] = []
    pg_url = ""
    if backend == "postgresql":
        pg_url = await request.getfixturevalue("postgres").new_database()

    async def factory(db_name: str = "sa.db", http: bool = False, **overrides: Any) -> Harness:
        # Every server of one test shares one database, as replicas would.
        db_path = tmp_path / db_name
        if pg_url:
            overrides.setdefault("encryption_key", TEST_ENCRYPTION_KEY)
        url = pg_url or f"sqlite:///{db_path}"
        settings = Settings(
            database_url=url,
            host="127.0.0.1",
            port=0,
            **overrides,
        )
        clock = FakeClock()
        app = await create_server(
            settings,
            clock=clock,
            address="127.0.0.1:0",
            http_address="127.0.0.1:0" if http else None,
        )
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
            url,
            f"http://127.0.0.1:{app.http.port}" if app.http else "",
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
