"""`serve --workers 2` against one worker, on the same database in the same
run: Health/Check, Validate, Create and Renew at concurrency 32, and a revoke
heard by 1,000 watchers whose connections the kernel spread over both
workers (so about half the deliveries cross from one worker to the other).

The generators open many connections here (BENCH_H2_CONNECTIONS,
BENCH_RAW_CONNECTIONS): SO_REUSEPORT spreads connections, not calls, and
four connections can land 3 to 1.

`python -m bench.workers [sqlite|postgresql]` runs it alone and prints JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

OPS = ("Health/Check", "ValidateSession", "CreateSession", "RenewSession")
WORKERS = 2
CONNECTIONS = "16"


def measure(url: str, seed_file: str, single: dict[str, Any]) -> dict[str, Any]:
    """`single`: the one-worker cells at concurrency 32 of the same run."""
    from . import drive, fanout, run

    os.environ["BENCH_H2_CONNECTIONS"] = os.environ["BENCH_RAW_CONNECTIONS"] = CONNECTIONS
    server = run.Server(url, workers=WORKERS)
    try:
        cells = {op: drive.load(server.target, op, 32, seed_file) for op in OPS}
        fan = asyncio.run(fanout.fan_out(server.target))
    finally:
        del os.environ["BENCH_H2_CONNECTIONS"], os.environ["BENCH_RAW_CONNECTIONS"]
        server.stop()
    return {
        "workers": WORKERS,
        "cells": cells,
        "ratio_to_one": {op: cells[op]["rps"] / single[op]["rps"] for op in OPS if op in single},
        "fan_out": fan,
    }


def report_lines(w: dict[str, Any]) -> list[str]:
    fan = w["fan_out"]
    return [
        f"- `serve --workers {w['workers']}` against one worker, concurrency 32 over 16"
        " connections per generator: "
        + "; ".join(
            f"{op} {w['cells'][op]['rps']:.0f}/s ({w['ratio_to_one'].get(op, 0):.2f}x one)"
            for op in w["cells"]
        )
        + ".",
        f"- With {w['workers']} workers, a revoke heard by 1,000 watchers spread over both"
        f" (about half of them hear it from the other worker, by the wake-up between"
        f" processes): p50 {fan['p50_ms']:.1f} ms, p99 {fan['p99_ms']:.1f} ms, last watcher"
        f" p99 {fan['last_p99_ms']:.1f} ms ({fan['deliveries']} of {fan['expected']}"
        " deliveries).",
    ]


def main() -> None:
    from sessionauthority_server.store.database import parse_url
    from sessionauthority_server.store.schema import migrate

    from . import drive, fanout, run

    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        pg = None
        if backend == "sqlite":
            url = f"sqlite:///{tmp / 'bench.db'}"
        else:
            from tests.postgres import ThrowawayPostgres

            pg = ThrowawayPostgres()
            pg.start()
            url = asyncio.run(pg.new_database())
        try:
            migrate(*parse_url(url))
            one = run.Server(url)
            try:
                data = asyncio.run(run.real_sessions(one.target, run.REAL_SESSIONS))
                seed_file = str(tmp / "seed.json")
                Path(seed_file).write_text(json.dumps(data))
                single = {op: drive.load(one.target, op, 32, seed_file) for op in OPS}
                fan_one = asyncio.run(fanout.fan_out(one.target))
            finally:
                one.stop()
            out = measure(url, seed_file, single)
        finally:
            if pg is not None:
                pg.stop()
    out["single"] = {op: single[op]["rps"] for op in OPS}
    out["fan_out_one"] = fan_one
    print(json.dumps({k: v for k, v in out.items() if k != "cells"}, indent=1, default=str))
    print("\n".join(report_lines(out)))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
