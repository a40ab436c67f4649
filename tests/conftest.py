"""Fixtures: a real server on a loopback port over a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from sessionauthority.v1 import session_service_pb2_grpc, subject_service_pb2_grpc
from sessionauthority_server.app import App, create_server
from sessionauthority_server.config import Settings
from sessionauthority_server.store import system_clock


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


@pytest.fixture
async def make_server(tmp_path: Path) -> AsyncIterator[ServerFactory]:
    started: list[Harness] = []

    async def factory(db_name: str = "sa.db", **overrides: Any) -> Harness:
        db_path = tmp_path / db_name
        settings = Settings(
            database_url=f"sqlite:///{db_path}",
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
