"""The README's examples, run exactly as written against a real server:
the Python blocks as scripts, the `buf curl` blocks through a shell."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
WAIT = 60.0


def blocks(lang: str, containing: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(README) if kind == lang and containing in body]


async def run(*argv: str, env: dict[str, str] | None = None) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), WAIT)
    assert proc.returncode == 0, f"{argv}\n{out.decode()}\n{err.decode()}"
    return out.decode()


async def test_python_examples_run_as_written(h):
    quickstart, watcher = blocks("python", "import grpc")
    env = {"SESSION_AUTHORITY_TARGET": h.target}
    out = await run(sys.executable, "-c", quickstart, env=env)
    assert "created ses_" in out
    assert "state SESSION_STATE_REVOKED" in out
    assert "after logout: INVALID_REASON_SESSION_REVOKED" in out
    assert "renew after logout: UNAUTHENTICATED" in out

    out = await run(sys.executable, "-c", watcher, env=env)
    lines = out.splitlines()
    assert lines[0].split()[1] == "SESSION_EVENT_TYPE_CREATED"
    assert lines[-1].split()[1] == "SESSION_EVENT_TYPE_REVOKED"


async def test_buf_curl_examples_run_as_written(h):
    create, validate, renew, revoke = blocks("sh", "buf curl")
    values: dict[str, str] = {}

    async def curl(block: str) -> dict:
        command = block.replace("http://127.0.0.1:50051", f"http://{h.target}")
        for name, value in values.items():
            command = command.replace(f"<{name}>", value)
        assert "<" not in command, command
        return json.loads(await run("bash", "-c", command))

    created = await curl(create)
    values["ACCESS_TOKEN"] = created["tokens"]["accessToken"]
    values["REFRESH_TOKEN"] = created["tokens"]["refreshToken"]
    values["SESSION_ID"] = created["session"]["sessionId"]
    assert created["session"]["state"] == "SESSION_STATE_ACTIVE"

    assert (await curl(validate))["valid"] is True
    renewed = await curl(renew)
    assert renewed["tokens"]["refreshToken"] != values["REFRESH_TOKEN"]
    revoked = await curl(revoke)
    assert revoked["session"]["state"] == "SESSION_STATE_REVOKED"
    assert revoked["session"]["endReason"] == "END_REASON_LOGOUT"

    # As the README says: the old access token is now invalid, reason REVOKED.
    after = await curl(validate)
    assert after.get("valid", False) is False
    assert after["invalidReason"] == "INVALID_REASON_SESSION_REVOKED"
