"""What the conformance runner stands up for the clients: one database, the
real server as a process on a fixed port (plaintext), a TLS and an mTLS
server on the same database, API keys for two tenants and a revoked one,
and a control endpoint through which a case asks for what only an operator
can do (restart the server, compact history, restore a backup, rotate the
signing key, read the server's stream metrics)."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from .pki import write_pki

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "sessionauthority_server.cli"]
ENCRYPTION_KEY = "c2Vzc2lvbi1hdXRob3JpdHktdGVzdC1rZXktMzJieXQ"
TENANT, OTHER_TENANT = "conformance", "conformance-other"
SETTINGS = {
    "CREATE_RATE_PER_MINUTE": "5",  # rich_errors meets it on its 6th create
    "REFRESH_REUSE_GRACE_SECONDS": "1",
    "ACCESS_TOKEN_TTL_SECONDS": "6",  # forgeries waits for one to expire
    "WATCH_PROGRESS_INTERVAL_SECONDS": "0.5",
    "SHUTDOWN_GRACE_SECONDS": "1",
    "ENCRYPTION_KEY": ENCRYPTION_KEY,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`session-authority serve` in its own process."""

    def __init__(self, url: str, port: int, extra: dict[str, str] | None = None) -> None:
        env = {**os.environ, **{f"SESSION_AUTHORITY_{k}": v for k, v in SETTINGS.items()}}
        env.update(extra or {})
        self.proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--database-url", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = re.search(r"serving on \S+:(\d+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(match.group(1))
        self.target = f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def _cli(url: str, *args: str) -> str:
    env = {**os.environ, "SESSION_AUTHORITY_ENCRYPTION_KEY": ENCRYPTION_KEY}
    out = subprocess.run(
        [*CLI, *args[:1], "--database-url", url, *args[1:]],
        capture_output=True, text=True, check=True, env=env, cwd=ROOT,
    )  # fmt: skip
    return out.stdout


def _new_key(url: str, tenant: str) -> tuple[str, str]:
    lines = _cli(url, "api-keys", "create", "--tenant", tenant).strip().splitlines()
    key_id = lines[0].split()[1]
    return key_id, lines[-1]


class Sql:
    """The runner's own connection to the database, for what a backup
    restore or a retention pass does to the rows."""

    def __init__(self, url: str) -> None:
        self.url = url

    def run(self, statements: list[tuple[str, dict[str, Any]]]) -> None:
        if self.url.startswith("sqlite:///"):
            db = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
            with db:
                for sql, params in statements:
                    db.execute(sql, params)
            db.close()
            return
        import psycopg

        with psycopg.connect(self.url) as conn:
            for sql, params in statements:
                conn.execute(re.sub(r":(\w+)", r"%(\1)s", sql), params)
            conn.commit()

    def scalar(self, sql: str) -> int:
        if self.url.startswith("sqlite:///"):
            db = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
            try:
                return int(db.execute(sql).fetchone()[0])
            finally:
                db.close()
        import psycopg

        with psycopg.connect(self.url) as conn:
            row = conn.execute(sql).fetchone()
            assert row is not None
            return int(row[0])


HEAD = "SELECT value FROM counters WHERE name = 'revision'"


class Cluster:
    def __init__(self, url: str, workdir: Path) -> None:
        self.url, self.sql, self.workdir = url, Sql(url), workdir
        _cli(url, "migrate")
        _, self.api_key = _new_key(url, TENANT)
        _, self.other_api_key = _new_key(url, OTHER_TENANT)
        revoked_id, self.revoked_api_key = _new_key(url, TENANT)
        _cli(url, "api-keys", "revoke", revoked_id)
        self.pki = write_pki(workdir)
        self.port, self.metrics_port, self.http_port = free_port(), free_port(), free_port()
        self.main: Server | None = None
        self.start()
        pem = {"TLS_CERT": str(self.pki["server_cert"]), "TLS_KEY": str(self.pki["server_key"])}
        self.tls = Server(url, 0, {f"SESSION_AUTHORITY_{k}": v for k, v in pem.items()})
        mtls = {**pem, "TLS_CLIENT_CA": str(self.pki["ca"])}
        self.mtls = Server(url, 0, {f"SESSION_AUTHORITY_{k}": v for k, v in mtls.items()})
        self.control = _Control(self)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def http_target(self) -> str:
        """The main server's HTTP port (Connect), beside its gRPC one."""
        return f"127.0.0.1:{self.http_port}"

    def client_args(self) -> list[str]:
        return [
            "--target", self.target, "--api-key", self.api_key,
            "--other-api-key", self.other_api_key, "--revoked-api-key", self.revoked_api_key,
            "--tls-target", f"localhost:{self.tls.port}",
            "--mtls-target", f"localhost:{self.mtls.port}",
            "--ca", str(self.pki["ca"]), "--cert", str(self.pki["client_cert"]),
            "--key", str(self.pki["client_key"]), "--control", self.control.url,
        ]  # fmt: skip

    # -- what the control endpoint does

    def start(self) -> None:
        metrics = {
            "SESSION_AUTHORITY_METRICS_PORT": str(self.metrics_port),
            "SESSION_AUTHORITY_HTTP_PORT": str(self.http_port),
        }
        for _ in range(50):  # the port may linger a moment after a stop
            try:
                self.main = Server(self.url, self.port, metrics)
                return
            except RuntimeError:
                time.sleep(0.1)
        raise RuntimeError("the server did not restart on its port")

    def stop(self) -> None:
        if self.main is not None:
            self.main.stop()
            self.main = None

    def restart(self, writes: int, subject: str, compact: bool) -> dict[str, Any]:
        """Stops the server, commits `writes` create+revoke pairs through
        another one (the clients cannot reach it), optionally compacts all
        history, and starts the server again on its port."""
        self.stop()
        made: list[dict[str, Any]] = []
        if writes:
            side = Server(self.url, 0)
            try:
                made = _create_and_revoke(side.target, self.api_key, subject, writes)
            finally:
                side.stop()
        out: dict[str, Any] = {"sessions": made}
        if compact:
            out.update(self.compact())
        self.start()
        return out

    def compact(self) -> dict[str, Any]:
        """What retention does once every event is older than it."""
        head = self.sql.scalar(HEAD)
        self.sql.run(
            [
                ("DELETE FROM events WHERE revision <= :head", {"head": head}),
                (
                    "UPDATE counters SET value = :v WHERE name = 'compact_revision'",
                    {"v": head + 1},
                ),
            ]
        )
        return {"compact_revision": head + 1}

    def rewind(self, to: int) -> dict[str, Any]:
        """What restoring a backup taken at revision `to` does."""
        self.stop()
        self.sql.run(
            [
                ("DELETE FROM events WHERE revision > :to", {"to": to}),
                ("DELETE FROM sessions WHERE revision > :to", {"to": to}),
                ("UPDATE counters SET value = :to WHERE name = 'revision'", {"to": to}),
            ]
        )
        self.start()
        return {"head_revision": to}

    def rotate(self) -> dict[str, Any]:
        self.stop()  # a restart signs with the new key at once (else within a minute)
        out = _cli(self.url, "keys", "rotate")
        self.start()
        return {"said": out.strip()}

    def head(self) -> dict[str, Any]:
        return {"head_revision": self.sql.scalar(HEAD)}

    def metrics(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics") as r:
            text = r.read().decode()
        streams = {
            m.group(1): float(m.group(2))
            for m in re.finditer(r'watch_streams_by_types\{types="([^"]*)"\} (\S+)', text)
        }
        rpcs = sum(
            float(m.group(1)) for m in re.finditer(r"^sessionauthority_rpc_total\{.*\} (\S+)$",
                                                  text, re.M)
        )  # fmt: skip
        return {"streams_by_types": streams, "rpcs": rpcs}

    def close(self) -> None:
        self.control.close()
        for server in (self.main, self.tls, self.mtls):
            if server is not None:
                server.stop()


def _create_and_revoke(target: str, key: str, subject: str, n: int) -> list[dict[str, Any]]:
    from sessionauthority import SessionAuthorityClient

    made = []
    with SessionAuthorityClient(target, api_key=key) as client:
        for _ in range(n):
            r = client.create_session(subject)
            revoked = client.revoke_session(r.session.session_id)
            made.append(
                {
                    "session_id": r.session.session_id,
                    "access_token": r.tokens.access_token,
                    "revisions": [r.session.revision, revoked.revision],
                }
            )
    return made


class _Control:
    """POST /restart?writes=N&subject=S&compact=1, /stop, /start, /compact,
    /rewind?to=R, /rotate; GET /head, /metrics. Answers JSON."""

    def __init__(self, cluster: Cluster) -> None:
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                actions = {
                    "/restart": lambda: cluster.restart(
                        int(q.get("writes", "0")), q.get("subject", "x"), q.get("compact") == "1"
                    ),
                    "/stop": lambda: (cluster.stop(), {})[1],
                    "/start": lambda: (cluster.start(), {})[1],
                    "/compact": cluster.compact,
                    "/rewind": lambda: cluster.rewind(int(q["to"])),
                    "/rotate": cluster.rotate,
                    "/head": cluster.head,
                    "/metrics": cluster.metrics,
                }
                try:
                    with lock:
                        body, code = json.dumps(actions[url.path]()).encode(), 200
                except Exception as exc:  # the case fails; the runner goes on
                    body, code = json.dumps({"error": repr(exc)}).encode(), 500
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
