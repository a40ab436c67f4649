"""The README's examples, run exactly as written against a real server:
the Python blocks as scripts, the `buf curl` blocks through a shell."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from .http_client import read_envelope, stop

# What is checked is the README's text, run as written; every call it makes
# runs on both databases in the modules that test that call.
pytestmark = pytest.mark.backend_independent


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


async def test_sdk_example_runs_as_written(make_server):
    h = await make_server(watch_progress_interval_seconds=0.2)
    (example,) = blocks("python", "LocalVerifier(target)")
    out = await run(sys.executable, "-c", example, env={"SESSION_AUTHORITY_TARGET": h.target})
    assert "valid True subject user-42" in out
    assert "renew after logout: SESSION_REVOKED LOGOUT" in out


async def test_managed_session_example_runs_as_written(h):
    (example,) = blocks("python", "ManagedSession(client")
    out = await run(sys.executable, "-c", example, env={"SESSION_AUTHORITY_TARGET": h.target})
    assert "state ESTABLISHED" in out
    assert "persisted True" in out
    assert "restored True True" in out
    assert "after logout NOT_LOGGED_IN LOGGED_OUT persisted False" in out


async def test_buf_curl_examples_run_as_written(h):
    create, validate, renew, revoke = [b for b in blocks("sh", "buf curl") if "initdb" not in b]
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


async def test_running_at_scale_runs_as_written(postgres):
    """The two-replica walk-through, with its ports and paths moved out of
    the way of anything else on the machine."""
    (block,) = blocks("sh", "initdb")
    # Not pytest's tmp_path: PostgreSQL's own user must be able to reach it.
    tmp_path = Path(tempfile.mkdtemp(prefix="sa-readme-"))
    os.chmod(tmp_path, 0o755)
    ports = {p: str(_free_port()) for p in ("5433", "50051", "50052", "9151", "9152")}
    script = block.replace("/tmp/sa-pg", str(tmp_path / "pg"))
    for old, new in ports.items():
        script = script.replace(old, new)
    if os.geteuid() == 0:  # as the README says for root
        for tool in ("initdb", "pg_ctl"):
            script = script.replace(f"$PG/{tool}", f"runuser -u postgres -- $PG/{tool}")
        script = f"mkdir -p {tmp_path}/pg && chown postgres {tmp_path}/pg\n" + script
    out_file = tmp_path / "out"
    watch_out = tmp_path / "watch.out"
    script = (
        "set -e\ntrap 'kill $(jobs -p) 2>/dev/null; wait; "
        + ("runuser -u postgres -- " if os.geteuid() == 0 else "")
        + f"$PG/pg_ctl -D {tmp_path}/pg -m immediate stop >/dev/null' EXIT\n"
        + script
        # Wait (bounded) for the watcher on B to print the revocation.
        + f"for i in $(seq 100); do grep -q REVOKED {watch_out} && break; sleep 0.1; done\n"
    ).replace("--from-revision 1 &", f"--from-revision 1 > {watch_out} &")
    proc = await asyncio.create_subprocess_exec(
        "bash", "-c", script, cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_path)},
        stdout=out_file.open("w"), stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert await asyncio.wait_for(proc.wait(), WAIT) == 0, out_file.read_text()
        watched = watch_out.read_text()
        assert "CREATED" in watched and "REVOKED" in watched, watched
        assert "sessionauthority_tailer_lag_seconds" in out_file.read_text()
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _free_port() -> int:
    """A free port below the kernel's ephemeral range, so that no server
    started elsewhere on port 0 can take it between here and the script's
    bind (a replica that cannot bind leaves the script waiting for it)."""
    import random
    import socket

    while True:
        port = random.randint(20_000, 32_000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


async def test_http_curl_examples_run_as_written(make_server):
    """The "HTTP and JSON" section: every curl block, as written, against a
    real server's HTTP port (only the address moves)."""
    h = await make_server(http=True)
    create, validate, revoke, error, watch = blocks("sh", "127.0.0.1:8080")
    (shown_error,) = [b for b in blocks("json", '"code"') if "ses_missing" in b]
    values: dict[str, str] = {}

    def command(block: str) -> str:
        text = block.replace("http://127.0.0.1:8080", h.http_url)
        for name, value in values.items():
            text = text.replace(f"<{name}>", value)
        assert "<" not in text, text
        return text

    async def curl(block: str) -> dict:
        return json.loads(await run("bash", "-c", command(block)))

    created = await curl(create)
    assert created["session"]["subjectId"] == "user-42"
    values["ACCESS_TOKEN"] = created["tokens"]["accessToken"]
    values["SESSION_ID"] = created["session"]["sessionId"]
    assert (await curl(validate))["valid"] is True

    # The watch, started before the revocation it must show.
    proc = await asyncio.create_subprocess_exec(
        "bash", "-c", command(watch), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        flags, first = await read_envelope(proc.stdout)
        assert flags == 0 and "progress" in first
        revoked = await curl(revoke)
        assert revoked["session"]["endReason"] == "END_REASON_LOGOUT"
        _flags, message = await read_envelope(proc.stdout)
        assert message["event"]["type"] == "SESSION_EVENT_TYPE_REVOKED"
        assert message["event"]["session"]["sessionId"] == values["SESSION_ID"]
    finally:
        await stop(proc, group=True)

    # The error body, exactly as the README shows it.
    assert await curl(error) == json.loads(shown_error)
