"""A real server on its own event loop in a thread, so synchronous stubs
(and Hypothesis, which is synchronous) can drive it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from sessionauthority_server.app import App, create_server
from sessionauthority_server.config import Settings

from .conftest import FakeClock, backend_settings


class ServerThread:
    def __init__(self, database_url: str, http: bool = False, **overrides: Any) -> None:
        self.clock = FakeClock()
        self.database_url = database_url
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        settings = Settings(
            database_url=database_url, **{**backend_settings(database_url), **overrides}
        )
        self.app: App = self._run(
            create_server(
                settings,
                clock=self.clock,
                address="127.0.0.1:0",
                http_address="127.0.0.1:0" if http else None,
            )
        )
        self.target = f"127.0.0.1:{self.app.port}"
        self.http_url = f"http://127.0.0.1:{self.app.http.port}" if self.app.http else ""

    def _run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def stop(self) -> None:
        self._run(self.app.stop(0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
