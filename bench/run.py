"""`make bench`: the server in its own process, load from other processes
(h2load, or raw-bytes grpc clients: bench/drive.py), on SQLite and on a
throwaway PostgreSQL. Every rate is also given as a ratio to the same
server's grpc.health.v1.Health/Check in the same run, so the numbers compare
across machines, and Health/Check itself against a bare grpc.aio server, so
the load generator is shown not to be the limit. Writes BENCHMARKS.md and
bench/benchmark.png.

    make bench                                  # both databases
    BENCH_SECONDS=5 BENCH_BACKENDS=sqlite make bench
    BENCH_YARDSTICK_ONLY=1 make bench           # the yardstick and open loop only, printed
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority_server.store.database import parse_url
from sessionauthority_server.store.schema import migrate

from . import cold_start, drive, report, verifier, workers
from .drive import SECONDS, load
from .fanout import fan_out, watchers
from .seed import seed

BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
CONCURRENCY = (1, 32, 128)
OPS = (
    "Health/Check",
    "ValidateSession",
    "GetSession",
    "CreateSession",
    "RenewSession",
    "RevokeSession",
)
REAL_SESSIONS = 1000
SEEDED = 1_000_000
IDLE_STREAMS = 10_000
ROOT = Path(__file__).resolve().parent.parent
YARDSTICK_ONLY = bool(os.environ.get("BENCH_YARDSTICK_ONLY"))
ENCRYPTION_KEY = "c2Vzc2lvbi1hdXRob3JpdHktdGVzdC1rZXktMzJieXQ"


class Server:
    def __init__(self, url: str, workers: int = 1) -> None:
        env = {
            **os.environ,
            "SESSION_AUTHORITY_CREATE_RATE_PER_MINUTE": "0",
            "SESSION_AUTHORITY_CREATE_RATE_PER_DAY": "0",
            "SESSION_AUTHORITY_MAX_WATCH_STREAMS": str(IDLE_STREAMS + 100),
            "SESSION_AUTHORITY_ENCRYPTION_KEY": ENCRYPTION_KEY,
        }
        cmd = [sys.executable, "-m", "sessionauthority_server.cli", "serve", "--port", "0"]
        cmd += ["--workers", str(workers)]
        self.proc = subprocess.Popen(
            [*cmd, "--database-url", url], stdout=subprocess.PIPE, env=env, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = re.search(r"serving on \S+:(\d+)", line)
        if not match:
            raise RuntimeError(f"server did not start: {line!r}")
        self.target = f"127.0.0.1:{match.group(1)}"

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


async def real_sessions(target: str, n: int) -> dict[str, list[str]]:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = pb_grpc.SessionServiceStub(channel)
        made = []
        for start in range(0, n, 100):
            made += await asyncio.gather(
                *(
                    stub.CreateSession(pb.CreateSessionRequest(subject_id=f"real-{i}"))
                    for i in range(start, min(n, start + 100))
                )
            )
    return {
        "access_tokens": [r.tokens.access_token for r in made],
        "session_ids": [r.session.session_id for r in made],
    }


async def idle_streams(server: Server) -> dict[str, float]:
    before = server.rss_mib()
    per = IDLE_STREAMS // 4
    procs = [await watchers(server.target, per) for _ in range(4)]
    for p in procs:
        assert p.stdout is not None
        await p.stdout.readline()
    during = server.rss_mib()
    for p in procs:
        await p.communicate(b"0\n")
    return {"streams": IDLE_STREAMS, "rss_before_mib": before, "rss_mib": during}


def bench_backend(backend: str, url: str, tmp: Path, database_pid: int | None = None) -> dict:
    dialect, target = parse_url(url)
    migrate(dialect, target)
    server = Server(url)
    out: dict = {"backend": backend, "matrix": {}, "validate_scale": {}}
    try:
        seed_file = str(tmp / f"seed-{backend}.json")
        data = asyncio.run(real_sessions(server.target, REAL_SESSIONS))
        data["revocable"] = [f"ses_s{i}" for i in range(SEEDED)]
        Path(seed_file).write_text(json.dumps(data))
        print(f"[{backend}] yardstick: Health/Check against a bare grpc.aio server", flush=True)
        out["yardstick"] = yard = drive.yardstick(server.target, seed_file)
        echo, ours, by_raw = (yard[k]["rps"] for k in ("echo", "server", "raw_echo"))
        print(f"[{backend}] echo {echo:.0f}/s, server {ours:.0f}/s ({yard['ratio']:.0%}),"
              f" raw clients on echo {by_raw:.0f}/s", flush=True)  # fmt: skip
        if YARDSTICK_ONLY:
            out["open_loop"] = drive.open_loop(server.target, seed_file, yard["server"]["rps"])
            return out
        print(f"[{backend}] Validate at 10^3 stored sessions", flush=True)
        small = {op: load(server.target, op, 32, seed_file) for op in OPS[:2]}
        print(f"[{backend}] seeding {SEEDED} sessions", flush=True)
        seconds = seed(dialect, target, SEEDED, "s")
        big = {op: load(server.target, op, 32, seed_file) for op in OPS[:2]}
        out["validate_scale"] = {"small": small, "big": big, "seed_seconds": seconds}
        for op in OPS:
            for conc in CONCURRENCY:
                r = load(server.target, op, conc, seed_file)
                out["matrix"][f"{op}@{conc}"] = r
                print(f"[{backend}] {op:<16} c={conc:<4} {r['rps']:>8.0f}/s "
                      f"p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms "
                      f"errors {r['errors']} generator CPU {r['generator_cpu']:.2f}"
                      f" {r.get('grpc_status', '')}", flush=True)  # fmt: skip
        out["open_loop"] = drive.open_loop(server.target, seed_file, yard["server"]["rps"])
        for op, r in out["open_loop"]["rows"].items():
            print(f"[{backend}] open loop {op:<16} {r['offered']:.0f}/s offered,"
                  f" {r['rps']:.0f}/s done, p50 {r['p50_ms']:.1f} ms"
                  f" p99 {r['p99_ms']:.1f} ms", flush=True)  # fmt: skip
        out["fan_out"] = asyncio.run(fan_out(server.target))
        print(f"[{backend}] fan-out {out['fan_out']}", flush=True)
        out["idle"] = asyncio.run(idle_streams(server))
        print(f"[{backend}] idle streams {out['idle']}", flush=True)
        # The same measurement for each client's LocalVerifier.
        for key, name in verifier.PROGRAMS.items():
            program = verifier.program(name)
            out[key] = verifier.measure(
                server.target,
                data["access_tokens"],
                SECONDS,
                [server.proc.pid] + ([database_pid] if database_pid else []),
                tmp,
                program=program,
            )
            print(f"[{backend}] LocalVerifier {name} {out[key]}", flush=True)
        out["replicas"] = replicas(server, url, seed_file, out["matrix"])
        print(f"[{backend}] replicas {out['replicas']}", flush=True)
        single = {op: out["matrix"][f"{op}@32"] for op in workers.OPS}
        out["workers"] = workers.measure(url, seed_file, single)
        print(f"[{backend}] workers {out['workers']['ratio_to_one']}", flush=True)
    finally:
        server.stop()
    return out


def verifier_cold_start(url: str) -> dict:
    """A fresh database seeded with a week's worth of history and ended
    sessions, its own server, and one LocalVerifier started against it."""
    dialect, target = parse_url(url)
    migrate(dialect, target)
    seconds = cold_start.seed(dialect, target)
    server = Server(url)
    try:
        child = subprocess.run(
            [sys.executable, "-m", "bench.cold_start", server.target],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    finally:
        server.stop()
    return {**json.loads(child.stdout), "seed_seconds": seconds}


def replicas(a: Server, url: str, seed_file: str, single: dict) -> dict:
    """A second replica on the same PostgreSQL: a revoke on A heard by
    watchers on B, and writes spread over both against A alone."""
    b = Server(url)
    try:
        crossing = asyncio.run(fan_out(a.target, watch_target=b.target, n_watchers=4))
        both = {}
        for op in ("Health/Check", "CreateSession", "RenewSession", "ValidateSession"):
            both[op] = load([a.target, b.target], op, 32, seed_file)
        return {
            "cross": crossing,
            "two": both,
            "ratio_to_one": {op: both[op]["rps"] / single[f"{op}@32"]["rps"] for op in both},
        }
    finally:
        b.stop()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    results = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for backend in BACKENDS:
            if backend == "sqlite":
                results.append(bench_backend(backend, f"sqlite:///{tmp / 'bench.db'}", tmp))
                if YARDSTICK_ONLY:
                    continue
                cold = verifier_cold_start(f"sqlite:///{tmp / 'cold.db'}")
            else:
                from tests.postgres import ThrowawayPostgres

                pg = ThrowawayPostgres()
                pg.start()
                try:
                    url = asyncio.run(pg.new_database())
                    # The postmaster: its children are pinned away from the verifier too.
                    postmaster = int((pg.dir / "data" / "postmaster.pid").read_text().split()[0])
                    results.append(bench_backend(backend, url, tmp, postmaster))
                    if YARDSTICK_ONLY:
                        continue
                    cold = verifier_cold_start(asyncio.run(pg.new_database()))
                finally:
                    pg.stop()
            results[-1]["cold_start"] = cold
            print(f"[{backend}] LocalVerifier cold start {cold}", flush=True)
    if YARDSTICK_ONLY:
        print(json.dumps(results, indent=1, default=lambda v: None))
        return
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    try:
        report.write(
            results, ROOT, SECONDS, machine, time.perf_counter() - started, os.cpu_count() or 1
        )
    except Exception:
        # A whole run's figures are worth keeping even when their report breaks.
        print(json.dumps(results, default=lambda v: None))
        raise
    print((ROOT / "BENCHMARKS.md").read_text())


if __name__ == "__main__":
    main()
