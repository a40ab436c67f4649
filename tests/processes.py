"""Servers in their own processes, as operators run them (`session-authority
serve`), for tests that need a crash or more than one replica."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys

WAIT = 20.0


class ServerProcess:
    def __init__(self, proc: asyncio.subprocess.Process, target: str) -> None:
        self.proc = proc
        self.target = target

    async def stop(self) -> int:
        """SIGTERM (drains in-flight calls); the exit code."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), WAIT)

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()


async def start_server(database_url: str, **settings: str) -> ServerProcess:
    """`serve` on a free loopback port; settings as SESSION_AUTHORITY_<NAME>."""
    env = {**os.environ}
    env.update({f"SESSION_AUTHORITY_{k.upper()}": v for k, v in settings.items()})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sessionauthority_server.cli",
        "serve",
        "--port",
        "0",
        "--database-url",
        database_url,
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), WAIT)).decode()
    match = re.search(r"serving on (\S+):(\d+)", line)
    assert match, line
    return ServerProcess(proc, f"127.0.0.1:{match.group(2)}")
