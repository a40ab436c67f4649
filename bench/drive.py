"""Which load generator drives which RPC, and the checks that it is not
what limits a row.

Fixed-body RPCs (Health/Check, Validate and Get of one stored session,
Create without a request id) go through h2load (bench/h2.py); RPCs whose
request changes per call (Renew, Revoke) through raw-bytes grpc clients
(bench/raw.py) in RAW_PROCS processes. Each generator is also pointed at a
bare grpc.aio server (bench/echo.py) in the same run: that rate is what
grpc.aio can do on this machine, the ceiling the server's rows are read
against."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from . import h2
from .frames import percentile

SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
ROOT = Path(__file__).resolve().parent.parent
RAW_PROCS = 4
FIXED = ("Health/Check", "ValidateSession", "GetSession", "CreateSession")
# Each raw process gets its own slice of the seeded sessions (RevokeSession)
# and its own subjects (RenewSession), across every cell of a run.
_workers = itertools.count()
# Issue 22's latency targets at an open-loop rate of half Health/Check's capacity.
OPEN_LOOP_P99_MS = {"ValidateSession": 10.0, "CreateSession": 25.0, "RenewSession": 25.0}


class Echo:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.echo"], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.proc.stdout is not None
        match = re.search(r"serving on (\S+)", self.proc.stdout.readline())
        if not match:
            raise RuntimeError("bench.echo did not start")
        self.target = match.group(1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def raw(
    targets: list[str], op: str, conc: int, seed_file: str, seconds: float, rate: float = 0.0
) -> dict:
    procs = 1 if conc == 1 else RAW_PROCS
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.raw",
                targets[w % len(targets)],
                op,
                str(max(1, conc // procs)),
                str(seconds),
                seed_file,
                str(next(_workers)),
                str(rate / procs),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for w in range(procs)
    ]
    outs = [json.loads(p.communicate()[0]) for p in runs]
    lat = sorted(x for o in outs for x in o["lat"])
    elapsed = max(o["elapsed"] for o in outs)
    return {
        "rps": sum(o["count"] - o["errors"] for o in outs) / elapsed,
        "errors": sum(o["errors"] for o in outs),
        "skipped": sum(o["skipped"] for o in outs),
        "p50_ms": percentile(lat, 0.5) * 1000,
        "p99_ms": percentile(lat, 0.99) * 1000,
        "generator": f"raw x{procs}",
        "generator_cpu": sum(o["cpu_s"] for o in outs) / elapsed,
        # The busiest process: near 1.0 would mean a client, not the server, was the limit.
        "generator_cpu_max": max(o["cpu_s"] / o["elapsed"] for o in outs),
    }


def load(
    target: str | list[str], op: str, conc: int, seed_file: str, seconds: float = SECONDS
) -> dict:
    """One closed-loop cell: `conc` calls always in flight. `target`: one
    server, or replicas the load is spread over."""
    targets = [target] if isinstance(target, str) else target
    if op in FIXED:
        return h2.run(targets, op, json.loads(Path(seed_file).read_text()), conc, seconds)
    return raw(targets, op, conc, seed_file, seconds)


def yardstick(target: str, seed_file: str, seconds: float = SECONDS) -> dict:
    """Health/Check on the server against the bare echo server, both through
    h2load at concurrency 32, alternated twice (the best of each, as the
    machine's other work only ever lowers a rate); then the raw clients on
    the echo server, their own ceiling."""
    echo = Echo()
    try:
        seed = json.loads(Path(seed_file).read_text())
        cells: dict[str, list[dict]] = {"echo": [], "server": []}
        for _ in range(2):
            cells["echo"].append(h2.run([echo.target], "Health/Check", seed, 32, seconds))
            cells["server"].append(h2.run([target], "Health/Check", seed, 32, seconds))
        best = {k: max(v, key=lambda c: c["rps"]) for k, v in cells.items()}
        raw_echo = raw([echo.target], "Health/Check", 32, seed_file, seconds)
    finally:
        echo.stop()
    return {
        "echo": best["echo"],
        "server": best["server"],
        "ratio": best["server"]["rps"] / best["echo"]["rps"],
        "raw_echo": raw_echo,
    }


def open_loop(target: str, seed_file: str, capacity: float, seconds: float = SECONDS) -> dict:
    """Latency at a fixed offered rate, half of Health/Check's capacity: calls
    start on schedule whether or not earlier ones have returned (up to 256 in
    flight), so the latency is the server's at that rate, not Little's law
    applied to a fixed number of clients."""
    rate = capacity / 2
    seed = json.loads(Path(seed_file).read_text())
    rows = {}
    for op in ("Health/Check", "ValidateSession", "CreateSession"):
        rows[op] = h2.run([target], op, seed, 256, seconds, rate=rate)
    rows["RenewSession"] = raw([target], "RenewSession", 256, seed_file, seconds, rate=rate)
    for op, row in rows.items():
        row["offered"] = rate
        # Fell behind: fewer calls completed than were offered.
        row["kept_up"] = row["rps"] >= 0.95 * rate
        if op in OPEN_LOOP_P99_MS:
            row["target_ms"] = OPEN_LOOP_P99_MS[op]
            row["met"] = row["kept_up"] and row["p99_ms"] < OPEN_LOOP_P99_MS[op]
    return {"rate": rate, "rows": rows}
