"""Writes BENCHMARKS.md and bench/benchmark.png from a run's results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import fanout, report_yardstick, workers

TARGETS = {"ValidateSession": 0.6, "CreateSession": 0.35, "RenewSession": 0.35}


def _ratio(results: dict[str, Any], op: str, conc: int) -> float:
    m = results["matrix"]
    return float(m[f"{op}@{conc}"]["rps"] / m[f"Health/Check@{conc}"]["rps"])


def write(
    runs: list[dict[str, Any]],
    root: Path,
    seconds: float,
    machine: str,
    took: float,
    cpus: int = 2,
) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (bench/run.py): the server runs in its own process"
        " (`session-authority serve`), the load comes from other processes"
        f" (bench/drive.py), {seconds:g} s per cell: h2load (nghttp2, one thread) sends"
        " one pre-encoded gRPC frame for the RPCs whose request never changes"
        " (Health/Check, Validate and Get of one stored session, Create without a request"
        " id), and raw-bytes grpc clients (hand-encoded requests, replies not decoded; one"
        " process at concurrency 1, four otherwise) drive Renew and Revoke. Each cell's"
        " grpc-status is checked with one call of its own afterwards (h2load counts only"
        " HTTP statuses). Concurrency is calls in flight: h2load spreads them over up to"
        " four connections. Ratios are against the same server's"
        " `grpc.health.v1.Health/Check` at the same concurrency in the same run, so they"
        " compare across machines; generator CPU is the load generator's own, in cores.",
        "",
        f"Machine: {machine}. Whole run: {took / 60:.1f} min.",
        "",
    ]
    for r in runs:
        lines += [f"## {r['backend']}", "",
                  "| RPC | concurrency | requests/s | x Health/Check | p50 ms | p99 ms | errors"
                  " | generator | generator CPU |",
                  "|---|---:|---:|---:|---:|---:|---:|---|---:|"]  # fmt: skip
        for key, cell in r["matrix"].items():
            op, conc = key.split("@")
            ratio = _ratio(r, op, int(conc))
            lines.append(
                f"| {op} | {conc} | {cell['rps']:.0f} | {ratio:.2f} | {cell['p50_ms']:.1f} "
                f"| {cell['p99_ms']:.1f} | {cell['errors']} | {cell.get('generator', '')}"
                f" | {cell.get('generator_cpu', 0):.2f} |"
            )
        if "yardstick" in r:
            lines += report_yardstick.yardstick(r)
        if "open_loop" in r:
            lines += report_yardstick.open_loop(r)
        vs = r["validate_scale"]
        small, big = vs["small"], vs["big"]
        s_ratio = small["ValidateSession"]["rps"] / small["Health/Check"]["rps"]
        b_ratio = big["ValidateSession"]["rps"] / big["Health/Check"]["rps"]
        fan, idle = r["fan_out"], r["idle"]
        lines += [
            "",
            f"- Validate at concurrency 32 with 10³ stored sessions: {s_ratio:.2f}x Health/Check"
            f" (p99 {small['ValidateSession']['p99_ms']:.1f} ms); with 10⁶ (seeded in bulk in"
            f" {vs['seed_seconds']:.0f} s): {b_ratio:.2f}x"
            f" (p99 {big['ValidateSession']['p99_ms']:.1f} ms):"
            f" {100 * (b_ratio - s_ratio) / s_ratio:+.0f} %.",
            "- Revoke heard by 1000"
            f" watchers: {fan['deliveries']} of {fan['expected']} deliveries; each delivery"
            f" p50 {fan['p50_ms']:.1f} ms, p99 {fan['p99_ms']:.1f} ms; the last watcher of a"
            f" revoke p99 {fan['last_p99_ms']:.1f} ms (from sending RevokeSession; one revoke"
            f" every {fanout.GAP * 1000:.0f} ms, nothing else changing). Revoked back to back,"
            f" the streams got {fan.get('messages_per_s', 0):,.0f} messages/s"
            f" ({fan.get('saturated_deliveries', 0)} of {fan.get('saturated_expected', 0)}).",
            f"- {idle['streams']} idle watch streams: server RSS {idle['rss_before_mib']:.0f} →"
            f" {idle['rss_mib']:.0f} MiB.",
        ]
        if "verifier" in r:
            v = r["verifier"]
            lines.append(
                f"- LocalVerifier (Python SDK, one thread, pinned to one CPU with the server on"
                f" the other{'s' if v.get('cpus', 2) > 2 else ''}): {v['warm_per_s']:.0f}"
                f" verifications/s for tokens seen before; {v['cold_per_s']:.0f}/s checking each"
                f" token's signature, against {v['ed25519_per_s']:.0f}/s for one bare Ed25519"
                f" verification with libsodium on this CPU"
                f" ({v['cold_per_s'] / v['ed25519_per_s']:.0%} of that ceiling;"
                f" OpenSSL's, through `cryptography`:"
                f" {v.get('ed25519_openssl_per_s', 0):.0f}/s); a token is refused locally"
                f" {v['refusal_p50_ms']:.1f} ms (p50),"
                f" {v['refusal_p99_ms']:.1f} ms (p99) after RevokeSession returns."
            )
        if "verifier_ts" in r:
            v = r["verifier_ts"]
            lines.append(
                f"- LocalVerifier (TypeScript client, Node {v.get('node', '')}, one thread, pinned"
                f" the same way): {v['warm_per_s']:.0f} verifications/s for tokens seen before;"
                f" {v['cold_per_s']:.0f}/s checking each token's signature, against"
                f" {v['ed25519_per_s']:.0f}/s for one bare `crypto.verify` Ed25519 on this CPU"
                f" ({v['cold_per_s'] / v['ed25519_per_s']:.0%} of that ceiling); refused"
                f" {v['refusal_p50_ms']:.1f} ms (p50), {v['refusal_p99_ms']:.1f} ms (p99) after"
                f" RevokeSession returns."
            )
        for key, language, bare, warm_target in (
            ("verifier_go", "Go", "`crypto/ed25519`", 1_000_000),
            ("verifier_java", "Java", 'JDK `Signature("Ed25519")`', 500_000),
        ):
            if key in r:
                lines.append(_verifier_row(r[key], language, bare, warm_target))
        if "cold_start" in r:
            c = r["cold_start"]
            lines.append(
                f"- LocalVerifier cold start against {c['events']:,} events of history and"
                f" {c['ended']:,} sessions ended within a token's lifetime: ready in"
                f" {c['ready_s']:.2f} s (snapshot, then a watch of ending events from its"
                f" revision; the target is under 2 s). Before the snapshot it replayed the"
                f" whole history from revision 1: 121 s, and never once history was compacted."
            )
        if "replicas" in r:
            rep = r["replicas"]
            cross = rep["cross"]
            how = "LISTEN/NOTIFY" if r["backend"] == "postgresql" else "a datagram"
            lines += [
                f"- Cross-replica: a revoke on replica A heard by a watcher on replica B"
                f" ({how}), over {cross['deliveries'] // 4} revokes:"
                f" p50 {cross['p50_ms']:.1f} ms, p99 {cross['p99_ms']:.1f} ms"
                f" ({cross['deliveries']} of {cross['expected']} deliveries).",
                "- Two replicas against one, concurrency 32 spread over both (same machine,"
                " same database): "
                + "; ".join(
                    f"{op} {rep['two'][op]['rps']:.0f}/s ({rep['ratio_to_one'][op]:.2f}x one)"
                    for op in rep["two"]
                )
                + ".",
            ]
        if "workers" in r:
            lines += workers.report_lines(r["workers"])
        lines += [
            "",
            "Targets (issue: storage engine), at concurrency 32: "
            + "; ".join(f"{op} {_ratio(r, op, 32):.2f}x (≥ {t}x)" for op, t in TARGETS.items())
            + ". Latency targets: the open-loop table above.",
            "",
        ]
    lines += ["![throughput and p99 against concurrency](bench/benchmark.png)", ""]
    lines += report_yardstick.anchors(runs, cpus)
    # What the profiles say about the targets (written by hand, kept beside the code).
    analysis = root / "bench" / "ANALYSIS.md"
    if analysis.exists():
        lines += [analysis.read_text().rstrip(), ""]
    (root / "BENCHMARKS.md").write_text("\n".join(lines))
    _plot(runs, root / "bench" / "benchmark.png")


def _plot(runs: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(runs), 2, figsize=(11, 4 * len(runs)), squeeze=False)
    for row, r in enumerate(runs):
        ops = list(dict.fromkeys(k.split("@")[0] for k in r["matrix"]))
        for op in ops:
            concs = sorted(int(k.split("@")[1]) for k in r["matrix"] if k.startswith(op + "@"))
            cells = [r["matrix"][f"{op}@{c}"] for c in concs]
            axes[row][0].plot(concs, [c["rps"] for c in cells], marker="o", label=op)
            axes[row][1].plot(concs, [c["p99_ms"] for c in cells], marker="o", label=op)
        for col, title in enumerate(("requests/s", "p99 latency (ms)")):
            ax = axes[row][col]
            ax.set_xscale("log", base=2)
            ax.set_xlabel("concurrent clients")
            ax.set_title(f"{r['backend']}: {title}")
            ax.grid(True, alpha=0.3)
        axes[row][1].set_yscale("log")
        axes[row][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def _verifier_row(v: dict, language: str, bare: str, warm_target: int) -> str:
    cold_share = v["cold_per_s"] / v["ed25519_per_s"]
    warm_met = "met" if v["warm_per_s"] >= warm_target else "missed"
    return (
        f"- LocalVerifier ({language} client{', ' + v['runtime'] if v.get('runtime') else ''},"
        f" one thread, pinned the same way): {v['warm_per_s']:.0f} verifications/s for tokens"
        f" seen before (target {warm_target:,}/s: {warm_met});"
        f" {v['cold_per_s']:.0f}/s checking each token's signature, against"
        f" {v['ed25519_per_s']:.0f}/s for one bare {bare} verification on this CPU"
        f" ({cold_share:.0%} of that ceiling; target 70 %:"
        f" {'met' if cold_share >= 0.7 else 'missed'}); refused {v['refusal_p50_ms']:.1f} ms"
        f" (p50), {v['refusal_p99_ms']:.1f} ms (p99) after RevokeSession returns (target p99"
        f" < 50 ms: {'met' if v['refusal_p99_ms'] < 50 else 'missed'})."
    )
