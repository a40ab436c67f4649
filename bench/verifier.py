"""LocalVerifier in the bench: verifications per second on one thread (warm:
tokens seen before; cold: each token's signature checked once), and how long
after RevokeSession returns the verifier refuses the session's token."""

from __future__ import annotations

import time

from sessionauthority import LocalVerifier, SessionAuthorityClient

REVOKES = 100


def measure(target: str, tokens: list[str], seconds: float) -> dict[str, float]:
    with LocalVerifier(target) as verifier, SessionAuthorityClient(target) as client:
        assert verifier.wait_ready(30), "the verifier did not catch up"
        cold_started = time.perf_counter()
        for token in tokens:
            assert verifier.verify(token).reason in ("", "SESSION_REVOKED")
        cold = len(tokens) / (time.perf_counter() - cold_started)
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for token in tokens:
                verifier.verify(token)
            count += len(tokens)
        warm = count / (time.perf_counter() - started)
        delays = []
        for i in range(REVOKES):
            created = client.create_session(f"verifier-{i}")
            token = created.tokens.access_token
            assert verifier.verify(token).valid or verifier.verify(token).reason == "UNKNOWN"
            client.revoke_session(created.session.session_id)
            sent = time.perf_counter()
            while verifier.verify(token).reason != "SESSION_REVOKED":
                time.sleep(0.0002)
            delays.append(time.perf_counter() - sent)
    delays.sort()
    return {
        "warm_per_s": warm,
        "cold_per_s": cold,
        "refusal_p50_ms": delays[len(delays) // 2] * 1000,
        "refusal_p99_ms": delays[int(len(delays) * 0.99)] * 1000,
    }
