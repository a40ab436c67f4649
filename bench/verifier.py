"""LocalVerifier in the bench, in its own process pinned to one CPU while the
server is pinned to another, so "per second on one core" means that.

- warm: tokens seen before (the common case: an access token is checked on
  every request it rides on for its whole life);
- cold: each token's signature checked (a verifier whose cache holds one
  token), beside the rate at which this CPU checks one Ed25519 signature with
  nothing around it, with libsodium (what the verifier uses: the ceiling cold
  verification cannot pass) and with OpenSSL through `cryptography`;
- refusal: how long after RevokeSession returns the verifier refuses the
  session's token.

    python -m bench.verifier TARGET TOKENS_JSON SECONDS   # prints JSON
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from nacl.bindings import crypto_sign_open

REVOKES = 100


ROOT = Path(__file__).resolve().parent.parent
PYTHON = [sys.executable, "-m", "bench.verifier"]
# The TypeScript client's program (clients/typescript/bench/verifier.ts), built by npm.
TYPESCRIPT = ["node", str(ROOT / "clients/typescript/dist/bench/verifier.js")]
# The Go client's (clients/go/src/sessionauthority/cmd/verifierbench), built
# by scripts/build_go.sh.
GO = [str(ROOT / "clients/go/bin/verifierbench")]
# The Java client's (clients/java/bench), built by scripts/build_java.sh,
# which writes the class path and the TLS library beside the classes.
JAVA_BUILD = ROOT / "clients/java/build"
# Every client's program, by the key its figures go under in the results;
# each prints the same JSON.
PROGRAMS = {
    "verifier": "PYTHON",
    "verifier_ts": "TYPESCRIPT",
    "verifier_go": "GO",
    "verifier_java": "JAVA",
}


def program(name: str) -> list[str]:
    if name == "JAVA":
        classpath = (JAVA_BUILD / "classpath").read_text().strip()
        return [
            "java",
            f"-Djava.library.path={JAVA_BUILD / 'native'}",
            "-cp",
            ":".join(str(ROOT / p) if not p.startswith("/") else p for p in classpath.split(":")),
            "sessionauthority.bench.VerifierBench",
        ]
    return {"PYTHON": PYTHON, "TYPESCRIPT": TYPESCRIPT, "GO": GO}[name]


def measure(
    target: str,
    tokens: list[str],
    seconds: float,
    server_pids: list[int],
    tmp: Path,
    program: list[str] = PYTHON,
) -> dict[str, float]:
    """Runs the measurement in a child pinned to the last CPU, with every
    thread of the server processes (and their children: PostgreSQL's
    backends, autovacuum, checkpointer) moved to the others meanwhile.
    `program` is the client's: Python's (this module) or TypeScript's; both
    print the same JSON."""
    cpus = sorted(os.sched_getaffinity(0))
    mine, theirs = {cpus[-1]}, set(cpus[:-1]) or {cpus[-1]}
    token_file = tmp / "verifier-tokens.json"
    token_file.write_text(json.dumps(tokens))
    _pin(server_pids, theirs)
    try:
        child = subprocess.run(
            [*program, target, str(token_file), str(seconds)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            preexec_fn=lambda: os.sched_setaffinity(0, mine),
        )
    finally:
        _pin(server_pids, set(cpus))
    result: dict[str, float] = json.loads(child.stdout)
    result["cpus"] = len(cpus)
    return result


def _pin(roots: list[int], cpus: set[int]) -> None:
    # sched_setaffinity on a pid moves only that thread: move each thread of
    # each process in the trees.
    for pid in _tree(roots):
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                os.sched_setaffinity(int(task.name), cpus)
            except (ProcessLookupError, PermissionError):
                pass  # a thread that ended meanwhile


def _tree(roots: list[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The parent pid is the second field after the ")" closing the name.
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += children.get(pid, [])
    return found


def run(target: str, tokens: list[str], seconds: float) -> dict[str, float]:
    from sessionauthority import LocalVerifier, SessionAuthorityClient

    result = {
        "ed25519_per_s": _ed25519_rate(seconds),
        "ed25519_openssl_per_s": _ed25519_openssl_rate(seconds),
    }
    with LocalVerifier(target, cache_size=1) as verifier:
        assert verifier.wait_ready(60), "the verifier did not catch up"
        result["cold_per_s"] = _rate(verifier.verify, tokens, seconds)
    with LocalVerifier(target) as verifier, SessionAuthorityClient(target) as client:
        assert verifier.wait_ready(60), "the verifier did not catch up"
        result["warm_per_s"] = _rate(verifier.verify, tokens, seconds)
        delays = []
        for i in range(REVOKES):
            created = client.create_session(f"verifier-{i}")
            token = created.tokens.access_token
            assert verifier.verify(token).valid
            client.revoke_session(created.session.session_id)
            sent = time.perf_counter()
            while verifier.verify(token).reason != "SESSION_REVOKED":
                time.sleep(0.0002)
            delays.append(time.perf_counter() - sent)
    delays.sort()
    result["refusal_p50_ms"] = delays[len(delays) // 2] * 1000
    result["refusal_p99_ms"] = delays[int(len(delays) * 0.99)] * 1000
    return result


def _rate(verify: object, tokens: list[str], seconds: float) -> float:
    assert callable(verify)
    for token in tokens[:200]:  # warm the interpreter and the CPU's clock
        verify(token)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for token in tokens:
            outcome = verify(token)
        assert outcome.reason in ("", "SESSION_REVOKED"), outcome
        count += len(tokens)
    return count / (time.perf_counter() - started)


def _ed25519_rate(seconds: float) -> float:
    from nacl.signing import SigningKey

    key = SigningKey.generate()
    signed = bytes(key.sign(os.urandom(300)))  # signature + about a token's signed part
    public = bytes(key.verify_key)
    return _calls_per_second(lambda: crypto_sign_open(signed, public), seconds)


def _ed25519_openssl_rate(seconds: float) -> float:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    message = os.urandom(300)  # about a token's signed part
    signature = key.sign(message)
    public = key.public_key()
    return _calls_per_second(lambda: public.verify(signature, message), seconds)


def _calls_per_second(call: Callable[[], object], seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(500):
            call()
        count += 500
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    target, token_file, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    print(json.dumps(run(target, json.loads(Path(token_file).read_text()), seconds)))
