"""h2load (nghttp2) as the load generator for RPCs with a fixed request: one
pre-encoded gRPC frame sent as every request's body. It is C and event
driven, so a single thread of it outruns a one-process grpc.aio server; its
CPU is measured on every run to show it."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2
from sessionauthority.v1 import session_service_pb2 as pb

from .frames import grpc_frame, parse_h2load, parse_log, percentile

SERVICE = "/sessionauthority.v1.SessionService/"
HEALTH = "/grpc.health.v1.Health/Check"
HEADERS = ["-H", "content-type: application/grpc", "-H", "te: trailers"]


def requests(seed: dict) -> dict[str, tuple[str, bytes]]:
    """Each fixed-body RPC's path and protobuf request. Validate and Get read
    one stored session; Create has no request id, so every call is a new
    session (all for one subject: the bench sets no per-subject cap)."""
    return {
        "Health/Check": (HEALTH, health_pb2.HealthCheckRequest().SerializeToString()),
        "ValidateSession": (
            SERVICE + "ValidateSession",
            pb.ValidateSessionRequest(access_token=seed["access_tokens"][0]).SerializeToString(),
        ),
        "GetSession": (
            SERVICE + "GetSession",
            pb.GetSessionRequest(session_id=seed["session_ids"][0]).SerializeToString(),
        ),
        "CreateSession": (
            SERVICE + "CreateSession",
            pb.CreateSessionRequest(subject_id="h2load").SerializeToString(),
        ),
    }


def binary() -> str:
    found = shutil.which("h2load")
    if not found:
        raise RuntimeError("h2load not found: run scripts/ensure_h2load.sh (make bench does)")
    return found


def shape(conc: int) -> tuple[int, int]:
    """(connections, streams per connection) for `conc` calls in flight: a
    few connections, as a pool of clients would open, never one per call."""
    conns = min(conc, int(os.environ.get("BENCH_H2_CONNECTIONS", "4")))
    return conns, max(1, conc // conns)


def grpc_status(target: str, path: str, message: bytes) -> str:
    """h2load counts HTTP statuses, and a failed RPC is still HTTP 200 with
    its error in the trailers: one call with grpc itself says which it is."""
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(path)
        try:
            call(message, timeout=10)
        except grpc.RpcError as e:
            return str(e.code().name)  # type: ignore[attr-defined]
    return "OK"


def start(
    target: str, path: str, message: bytes, conc: int, seconds: float, rate: float, work: Path
) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """`rate`: calls/s offered in all (h2load's --rps is per connection), or
    0 for as fast as the server answers."""
    body, log, out = work / "body.bin", work / "h2load.log", work / "h2load.out"
    body.write_bytes(grpc_frame(message))
    conns, streams = shape(conc)
    cmd = [binary(), "-t", "1", "-c", str(conns), "-m", str(streams), "-D", f"{seconds:g}"]
    if rate:
        cmd += ["--rps", f"{rate / conns:.3f}"]
    cmd += ["-d", str(body), *HEADERS, "--log-file", str(log), f"http://{target}{path}"]
    with out.open("wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
    return proc, log, out


def finish(proc: subprocess.Popen[bytes], log: Path, out: Path) -> dict:
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    summary = parse_h2load(out.read_text())
    lat = parse_log(log.read_text()) if log.exists() else []
    return {**summary, "lat": lat, "cpu_s": _cpu(usage)}


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def run(
    targets: list[str], op: str, seed: dict, conc: int, seconds: float, rate: float = 0.0
) -> dict:
    """One cell: `conc` calls in flight (or `rate` calls/s) spread over
    `targets`, one h2load each; then one call's grpc-status on each target."""
    path, message = requests(seed)[op]
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for i, target in enumerate(targets):
            work = Path(tmp) / str(i)
            work.mkdir()
            share = max(1, conc // len(targets))
            runs.append(start(target, path, message, share, seconds, rate / len(targets), work))
        outs = [finish(*r) for r in runs]
    statuses = sorted({grpc_status(t, path, message) for t in targets})
    lat = sorted(x for o in outs for x in o["lat"])
    elapsed = max(o["elapsed"] for o in outs)
    return {
        "rps": sum(o["succeeded"] for o in outs) / elapsed,
        # h2load's "failed" already includes its "errored" and non-2xx responses.
        "errors": sum(o["failed"] for o in outs),
        "p50_ms": percentile(lat, 0.5) * 1000,
        "p99_ms": percentile(lat, 0.99) * 1000,
        "generator": "h2load",
        "generator_cpu": sum(o["cpu_s"] for o in outs) / elapsed,
        "grpc_status": ",".join(statuses),
    }
