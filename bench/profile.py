"""Profile the server under one RPC's load with py-spy (what BENCHMARKS.md cites).

    .venv/bin/python -m bench.profile CreateSession postgresql  # -> bench/profiles/*.txt
    PROFILE_FLAGS=--gil .venv/bin/python -m bench.profile ValidateSession sqlite

The server runs in its own process as in `make bench`; py-spy samples it for the
whole load (32 calls in flight, from bench/drive.py's generators) and the
collapsed stacks are summed into the functions that own the most samples,
inclusive and exclusive.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sessionauthority_server.store.database import parse_url
from sessionauthority_server.store.schema import migrate as create_schema

from .run import REAL_SESSIONS, ROOT, Server, load, real_sessions

SECONDS = 8.0
# --idle: every thread's waits too; --gil: only what holds the GIL.
FLAGS = os.environ.get("PROFILE_FLAGS", "--idle").split()


def summarise(collapsed: Path, top: int = int(os.environ.get("PROFILE_TOP", "25"))) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += n
        exclusive[frames[-1]] += n
    out = [f"{total} samples", "", "inclusive:"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    out += ["", "exclusive:"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in exclusive.most_common(top)]
    return "\n".join(out)


def profile(op: str, backend: str, url: str, tmp: Path) -> str:
    dialect, target = parse_url(url)
    create_schema(dialect, target)
    server = Server(url)
    try:
        seed_file = tmp / "seed.json"
        data = asyncio.run(real_sessions(server.target, REAL_SESSIONS))
        data["revocable"] = data["session_ids"]
        seed_file.write_text(json.dumps(data))
        collapsed = tmp / "stacks.txt"
        spy = subprocess.Popen(
            [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw",
             "--nonblocking", "--threads", *FLAGS, "-r", "200",
             "-d", str(int(SECONDS)), "-p", str(server.proc.pid), "-o", str(collapsed)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        r = load(server.target, op, 32, str(seed_file), SECONDS)
        spy.wait(60)
    finally:
        server.stop()
    head = f"{op} on {backend}, concurrency 32: {r['rps']:.0f}/s p99 {r['p99_ms']:.1f} ms"
    return head + "\n" + summarise(collapsed)


def main() -> None:
    op, backend = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        if backend == "sqlite":
            text = profile(op, backend, f"sqlite:///{tmp / 'p.db'}", tmp)
        else:
            from tests.postgres import ThrowawayPostgres

            pg = ThrowawayPostgres()
            pg.start()
            try:
                text = profile(op, backend, asyncio.run(pg.new_database()), tmp)
            finally:
                pg.stop()
    out = ROOT / "bench" / "profiles" / f"{op}-{backend}.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
