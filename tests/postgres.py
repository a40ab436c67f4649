"""A throwaway PostgreSQL server for the tests: its own data directory and
port, fsync off, deleted afterwards. `make test` installs PostgreSQL when the
machine has none (see scripts/ensure_postgres.sh)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "pg_ctl").exists():
            return candidate
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise RuntimeError("PostgreSQL is not installed: run `make test`, which installs it")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.bin = _bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="sa-pg-"))
        self.port = _free_port()
        self.user = "sa"
        # initdb refuses to run as root; run the server as the postgres user then.
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql://{self.user}@127.0.0.1:{self.port}"

    def _run(self, *argv: str) -> None:
        subprocess.run([*self.run_as, *argv], check=True, capture_output=True)

    def start(self) -> None:
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", self.user)
        self.resume()

    def resume(self) -> None:
        """Starts the server on its existing data (after `halt`)."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-o", options, "-l",
            str(self.dir / "log"), "-w", "start",
        )  # fmt: skip

    def halt(self) -> None:
        """Stops the server, keeping its data: an outage."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop")

    def stop(self) -> None:
        try:
            self._run(
                str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"
            )
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def new_database_sync(self) -> str:
        """new_database for synchronous fixtures, which have no event loop."""
        name = "t" + uuid.uuid4().hex[:16]
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
            name,
        )  # fmt: skip
        return f"{self.url}/{name}"

    async def new_database(self) -> str:
        name = "t" + uuid.uuid4().hex[:16]
        async with await psycopg.AsyncConnection.connect(
            self.url + "/postgres", autocommit=True
        ) as conn:
            await conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.url}/{name}"
