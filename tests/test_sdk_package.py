"""The client distribution stands alone: it declares only gRPC and protobuf
(PyNaCl for the verifier), and the SDK imports and works with every server
dependency made unimportable."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

# About what the client distribution imports, not what the server stores.
pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parent.parent
SERVER_ONLY = ["sqlalchemy", "sqlmodel", "psycopg", "aiosqlite", "alembic",
               "pydantic_settings", "prometheus_client", "sessionauthority_server"]  # fmt: skip


def test_the_client_declares_no_server_dependency():
    project = tomllib.loads((ROOT / "clients/python/pyproject.toml").read_text())["project"]
    names = {d.split("[")[0].split(">")[0].split("=")[0].strip() for d in project["dependencies"]}
    assert names == {"grpcio", "grpcio-status", "protobuf", "googleapis-common-protos"}
    assert project["name"] == "session-authority-client"


async def test_the_sdk_works_without_the_server_packages(h):
    # Block every server-only module, then use the SDK against a live server.
    script = (
        "import sys\n"
        f"for name in {SERVER_ONLY!r}:\n"
        "    sys.modules[name] = None\n"
        "from sessionauthority import SessionAuthorityClient, ManagedSession, LocalVerifier\n"
        "with SessionAuthorityClient(sys.argv[1]) as c:\n"
        "    r = c.create_session('pkg-1')\n"
        "    print('valid', c.validate_session(r.tokens.access_token).valid)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "clients/python")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, h.target, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().strip() == "valid True"
