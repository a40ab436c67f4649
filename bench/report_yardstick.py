"""BENCHMARKS.md's yardstick, open-loop latency and anchors sections."""

from __future__ import annotations

from typing import Any

# What the systems a user would pick instead publish (issue 22), per vCPU
# where the source gives a machine size: (what, their figure, their setup,
# their rate per vCPU (low, high), our RPC).
ANCHORS = (
    ("Keycloak", "refresh-token grants", "120/s per vCPU", (120.0, 120.0), "RenewSession"),
    (
        "Zitadel",
        "session creations",
        "607/s on 2 to 7 containers of 6 vCPU",
        (607 / 42, 607 / 12),
        "CreateSession",
    ),
    (
        "Ory Hydra",
        "token introspections",
        "7,934/s on a 2-CPU runner, in-memory storage",
        (7934 / 2, 7934 / 2),
        "ValidateSession",
    ),
)


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def yardstick(r: dict[str, Any]) -> list[str]:
    y = r["yardstick"]
    echo, server, raw_echo = y["echo"], y["server"], y["raw_echo"]
    lines = [
        "",
        "Yardstick: a bare grpc.aio server (bench/echo.py: only grpc.health.v1.Health, one"
        " process, no interceptors) through the same h2load at concurrency 32 answered"
        f" {echo['rps']:.0f} Health/Check calls/s; this server {server['rps']:.0f}/s,"
        f" {y['ratio']:.0%} of it (target ≥ 90 %: {_met(y['ratio'] >= 0.9)}; best of two"
        " alternated cells each). h2load's own CPU meanwhile:"
        f" {echo['generator_cpu']:.2f} and {server['generator_cpu']:.2f} of a core"
        f" (one thread). The raw-bytes clients that drive Renew and Revoke"
        f" ({raw_echo['generator']} processes) reach {raw_echo['rps']:.0f}/s on the same"
        f" echo server, using {raw_echo['generator_cpu']:.2f} cores in all and at most"
        f" {raw_echo['generator_cpu_max']:.2f} of a core in one process.",
    ]
    m = r.get("matrix", {})
    raw_rows = [(k, c) for k, c in m.items() if str(c.get("generator", "")).startswith("raw")]
    if raw_rows:
        busiest = max(c["generator_cpu_max"] for _, c in raw_rows)
        top = max(c["rps"] for _, c in raw_rows)
        lines[-1] += (
            f" Their rows below reach at most {top:.0f}/s"
            f" ({top / raw_echo['rps']:.0%} of that ceiling), the busiest client process"
            f" at {busiest:.2f} of a core: they are not the limit, though on 2 cores their"
            " CPU is taken from the server's."
        )
    return lines


def open_loop(r: dict[str, Any]) -> list[str]:
    o = r["open_loop"]
    lines = [
        "",
        f"Latency at a fixed offered rate, half of the Health/Check capacity above"
        f" ({o['rate']:.0f} calls/s; open loop: calls start on schedule whether or not"
        " earlier ones returned, at most 256 in flight; h2load `--rps`, Renew from the raw"
        " clients, timed from when each call was due):",
        "",
        "| RPC | offered/s | completed/s | p50 ms | p99 ms | target p99 | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for op, row in o["rows"].items():
        target = f"< {row['target_ms']:g} ms" if "target_ms" in row else ""
        if "met" in row:
            verdict = _met(row["met"])
        else:
            verdict = "" if row["kept_up"] else "fell behind"
        if "met" in row and not row["kept_up"]:
            verdict += " (fell behind the offered rate)"
        lines.append(
            f"| {op} | {row['offered']:.0f} | {row['rps']:.0f} | {row['p50_ms']:.1f}"
            f" | {row['p99_ms']:.1f} | {target} | {verdict} |"
        )
    return lines


def anchors(runs: list[dict[str, Any]], cpus: int) -> list[str]:
    lines = [
        "## Against what others publish",
        "",
        f"Ours per vCPU: the best row of the matrix above divided by this machine's {cpus}"
        " cores, which the server, its database and the load generator all share (theirs"
        " are the figures as published, not rerun here).",
        "",
        "| system | what | published | theirs per vCPU | "
        + " | ".join(f"ours per vCPU, {r['backend']}" for r in runs)
        + " |",
        "|---|---|---|---:|" + "---:|" * len(runs),
    ]
    for name, what, published, (low, high), op in ANCHORS:
        theirs = f"{low:,.0f}" if low == high else f"{low:,.0f}-{high:,.0f}"
        ours = []
        for r in runs:
            rates = [c["rps"] for k, c in r["matrix"].items() if k.startswith(op + "@")]
            per = max(rates) / cpus
            ours.append(f"{per:,.0f} ({op}, {per / high:.1f}x)")
        lines.append(f"| {name} | {what} | {published} | {theirs} | " + " | ".join(ours) + " |")
    lines += [
        "",
        "The goal (issue 22): ten times the first two per vCPU, and more than Hydra's"
        " introspections on the same kind of 2-core machine with a real database. The"
        " multiple is against the highest of their per-vCPU figures.",
        "",
    ]
    return lines
