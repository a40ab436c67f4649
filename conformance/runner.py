"""The conformance runner: stands up the real server (SQLite; the watch and
verifier cases on PostgreSQL too), runs every case of CASES.md with every
client's program, writes RESULTS.md, and fails on any red cell. A client
that lacks a case, or whose program is missing, is red, never skipped.

    python -m conformance.runner          # make conformance
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .cluster import ROOT, Cluster

HERE = Path(__file__).resolve().parent


def _java_classpath() -> str:
    built = ROOT / "clients/java/build/classpath"
    if not built.exists():
        return ""  # not built: every Java case fails, as a missing program should
    return ":".join(
        str(ROOT / p) if not p.startswith("/") else p for p in built.read_text().strip().split(":")
    )


CLIENTS = {
    "Python": [sys.executable, "-m", "conformance.python.program"],
    "TypeScript": ["node", str(ROOT / "clients/typescript/dist/conformance/program.js")],
    "Go": [str(ROOT / "clients/go/bin/conformance")],
    # Built by scripts/build_java.sh (make conformance): TLS needs its copy of
    # netty-tcnative, found through java.library.path.
    "Java": [
        "java",
        f"-Djava.library.path={ROOT / 'clients/java/build/native'}",
        "-cp",
        _java_classpath(),
        "sessionauthority.conformance.Main",
    ],
}
# The HTTP transport: a client speaking Connect (HTTP/1.1, JSON) to the
# server's HTTP port runs the cases that are about the API itself (not the
# gRPC port's TLS servers or the LocalVerifier's own connection).
HTTP_CLIENTS = {"TypeScript/Connect": [*CLIENTS["TypeScript"], "--protocol", "connect"]}
HTTP_CASES = (
    "lifecycle",
    "rich_errors",
    "refresh_reuse",
    "subject_terminated",
    "api_key",
    "watch_resume",
    "watch_compacted",
)
# Cases a client does not offer at all (no such API in it): not run, shown
# as such in RESULTS.md, and not counted as failures.
NOT_OFFERED: dict[str, set[str]] = {}
TIMEOUT_S = 90


def cases() -> list[str]:
    """The case names, in CASES.md's order (the runner's order too: the
    cases that restore a backup run late)."""
    return re.findall(r"^\| `(\w+)` \|", (HERE / "CASES.md").read_text(), re.M)


def on_postgres(case: str) -> bool:
    return case.startswith(("watch_", "verifier_"))


def run_case(cluster: Cluster, client: str, case: str, backend: str) -> dict[str, Any]:
    if cluster.main is None:
        cluster.start()  # a case that failed between /stop and /start
    prefix = f"{client[:2].lower()}-{backend[:2]}-{case.replace('_', '-')}"
    args = cluster.client_args()
    if client in HTTP_CLIENTS:
        prefix = "h" + prefix
        args[args.index("--target") + 1] = cluster.http_target
    program = HTTP_CLIENTS.get(client) or CLIENTS[client]
    command = [*program, "--case", case, *args, "--prefix", prefix]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT)
    except (subprocess.TimeoutExpired, FileNotFoundError) as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    try:
        observed: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except ValueError:
        observed = {}
    observed["ok"] = done.returncode == 0 and observed.get("ok") is True
    observed["seconds"] = round(time.monotonic() - started, 1)
    if not observed["ok"]:
        observed.setdefault("error", f"exit {done.returncode}")
        observed["stderr"] = done.stderr[-3000:]
    return observed


def run_backend(backend: str, url: str, workdir: Path, results: dict[str, Any]) -> None:
    cluster = Cluster(url, workdir)
    everyone = [*CLIENTS, *HTTP_CLIENTS]
    wanted = os.environ.get("CONFORMANCE_CLIENTS", ",".join(everyone)).split(",")
    try:
        for client in [c for c in everyone if c in wanted]:
            for case in cases():
                if backend != "SQLite" and not on_postgres(case):
                    continue
                if client in HTTP_CLIENTS and case not in HTTP_CASES:
                    continue
                if case in NOT_OFFERED.get(client, ()):
                    print(f"conformance {backend:<10} {client:<10} {case:<38} not offered")
                    continue
                got = run_case(cluster, client, case, backend)
                results[f"{case}|{client}|{backend}"] = got
                mark = "ok" if got["ok"] else "FAILED"
                print(f"conformance {backend:<10} {client:<10} {case:<38} {mark}", flush=True)
                if not got["ok"]:
                    print(f"  {got.get('error')}\n{got.get('stderr', '')}", flush=True)
    finally:
        cluster.close()


def write_results(results: dict[str, Any]) -> None:
    columns = [(c, b) for c in CLIENTS for b in ("SQLite", "PostgreSQL")]
    head = " | ".join(f"{c} ({b})" for c, b in columns)
    lines = [
        "# Conformance results",
        "",
        "Written by `conformance/runner.py` (`make conformance`, and `make test`);",
        "the cases are in `CASES.md`. ✅ passed, ❌ failed or missing, · not run on",
        "that database (only the watch and verifier cases run on both), — not",
        "offered by that client (runner.py's NOT_OFFERED).",
        "",
        f"| case | {head} |",
        "|---|" + "---|" * len(columns),
    ]
    for case in cases():
        cells = []
        for client, backend in columns:
            got = results.get(f"{case}|{client}|{backend}")
            cell = "·" if got is None else ("✅" if got["ok"] else "❌")
            if case in NOT_OFFERED.get(client, ()) and (backend == "SQLite" or on_postgres(case)):
                cell = "—"
            if got and got.get("latency_ms") is not None:
                cell += f" {got['latency_ms']} ms"
            cells.append(cell)
        lines.append(f"| `{case}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Over HTTP (the Connect protocol, HTTP/1.1 and JSON, on the HTTP port)",
        "",
        "| case | "
        + " | ".join(f"{c} ({b})" for c in HTTP_CLIENTS for b in ("SQLite", "PostgreSQL"))
        + " |",
        "|---|" + "---|" * (2 * len(HTTP_CLIENTS)),
    ]
    for case in HTTP_CASES:
        cells = []
        for client in HTTP_CLIENTS:
            for backend in ("SQLite", "PostgreSQL"):
                got = results.get(f"{case}|{client}|{backend}")
                cells.append("·" if got is None else ("✅" if got["ok"] else "❌"))
        lines.append(f"| `{case}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Latencies are from the call that ended the session returning to the",
        "local verifier refusing its token (`verifier_revoked`, `verifier_terminated`,",
        "`verifier_rewind`; the contract is under a second).",
        "",
    ]
    (HERE / "RESULTS.md").write_text("\n".join(lines))


def main() -> int:
    sys.path.insert(0, str(ROOT))
    backends = os.environ.get("CONFORMANCE_BACKENDS", "sqlite,postgresql").split(",")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        if "sqlite" in backends:
            (tmp / "sqlite").mkdir()
            run_backend("SQLite", f"sqlite:///{tmp / 'sqlite' / 'sa.db'}", tmp / "sqlite", results)
        if "postgresql" in backends:
            from tests.postgres import ThrowawayPostgres

            pg = ThrowawayPostgres()
            pg.start()
            try:
                (tmp / "pg").mkdir()
                run_backend("PostgreSQL", asyncio.run(pg.new_database()), tmp / "pg", results)
            finally:
                pg.stop()
    write_results(results)
    passed = sum(1 for r in results.values() if r["ok"])
    failed = len(results) - passed
    print(f"conformance: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
