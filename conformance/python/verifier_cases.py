"""The Python SDK's LocalVerifier and ManagedSession conformance cases (see
conformance/CASES.md)."""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sessionauthority import LocalVerifier, ManagedSession, errors
from sessionauthority.tokenstore import FileTokenStore

from .core_cases import Observed, client, control


def until(check: Callable[[], bool], seconds: float) -> float:
    """Seconds until `check()` holds; fails past the deadline."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, "not within the deadline"
        time.sleep(0.002)
    return time.monotonic() - started


@contextmanager
def verifier(args: argparse.Namespace, **kw: float) -> Iterator[LocalVerifier]:
    kw.setdefault("fail_closed_after", 10.0)
    with LocalVerifier(args.target, api_key=args.api_key, **kw) as v:
        assert v.wait_ready(15), v.error
        yield v


def verifier_offline(args: argparse.Namespace) -> Observed:
    with client(args) as c, verifier(args) as v:
        token = c.create_session(f"{args.prefix}-off").tokens.access_token
        before = control(args, "/metrics", "GET")["rpcs"]
        assert all(v.verify(token).valid for _ in range(1000))
        after = control(args, "/metrics", "GET")["rpcs"]
    assert after == before, (before, after)
    return {"verifications": 1000, "rpcs_meanwhile": after - before}


def verifier_revoked(args: argparse.Namespace) -> Observed:
    with client(args) as c, verifier(args) as v:
        r = c.create_session(f"{args.prefix}-rev")
        assert v.verify(r.tokens.access_token).valid
        c.revoke_session(r.session.session_id)
        took = until(lambda: v.verify(r.tokens.access_token).reason == "SESSION_REVOKED", 1.0)
    return {"latency_ms": round(took * 1000, 2)}


def verifier_revoked_before_start(args: argparse.Namespace) -> Observed:
    with client(args) as c:
        r = c.create_session(f"{args.prefix}-early")
        c.revoke_session(r.session.session_id)
        with verifier(args) as v:
            reason = v.verify(r.tokens.access_token).reason
    assert reason == "SESSION_REVOKED", reason
    return {"reason": reason}


def verifier_terminated(args: argparse.Namespace) -> Observed:
    subject = f"{args.prefix}-term"
    with client(args) as c, verifier(args) as v:
        r = c.create_session(subject)
        assert v.verify(r.tokens.access_token).valid
        c.terminate_subject(subject, reason="BANNED", error_code="CONF_BAN")
        try:
            took = until(
                lambda: v.verify(r.tokens.access_token).reason == "SESSION_TERMINATED", 1.0
            )
        finally:
            c.reinstate_subject(subject)
    return {"latency_ms": round(took * 1000, 2)}


def verifier_fail_closed(args: argparse.Namespace) -> Observed:
    with client(args) as c, verifier(args, fail_closed_after=2.0) as v:
        token = c.create_session(f"{args.prefix}-closed").tokens.access_token
        assert v.verify(token).valid
        control(args, "/stop")
        try:
            took = until(lambda: v.verify(token).reason == "UNKNOWN", 5.0)
        finally:
            control(args, "/start")
        assert v.wait_ready(15), "not ready again after the server came back"
    return {"unknown_after_s": round(took, 2)}


def verifier_key_rotation(args: argparse.Namespace) -> Observed:
    with verifier(args) as v:
        with client(args) as c:
            old = c.create_session(f"{args.prefix}-rot").tokens.access_token
        control(args, "/rotate")
        with client(args) as c:
            new = _after_restart(
                lambda: c.create_session(f"{args.prefix}-rot2")
            ).tokens.access_token
        kids = {_header(t)["kid"] for t in (old, new)}
        assert len(kids) == 2, kids
        assert v.wait_ready(15)
        assert v.verify(new).valid, v.verify(new)
        assert v.verify(old).valid, v.verify(old)
    return {"kids": sorted(kids)}


def _after_restart(call: Callable[[], Any]) -> Any:
    """`call`, retried on UNAVAILABLE for a few seconds, as a caller would
    just after a restart: gRPC shares one connection per target within a
    process, and the verifier's may still be in its reconnect backoff (up
    to 2 s) from the outage, failing new calls at once until it reconnects."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return call()
        except errors.Unavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def verifier_forgeries(args: argparse.Namespace) -> Observed:
    with client(args) as c, verifier(args) as v:
        token = c.create_session(f"{args.prefix}-forge").tokens.access_token
        with client(args, api_key=args.other_api_key) as other:
            foreign = other.create_session(f"{args.prefix}-forge").tokens.access_token
        jwk = json.loads(c.get_jwks().jwks_json)["keys"][0]
        head, body, sig = token.split(".")
        flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
        none = f"{_b64(json.dumps({'alg': 'none', 'kid': jwk['kid']}).encode())}.{body}."
        hs_head = _b64(json.dumps({"alg": "HS256", "kid": jwk["kid"], "typ": "JWT"}).encode())
        hs_sig = hmac.new(jwk["x"].encode(), f"{hs_head}.{body}".encode(), hashlib.sha256)
        hs256 = f"{hs_head}.{body}.{_b64(hs_sig.digest())}"
        unknown = _b64(json.dumps({"alg": "EdDSA", "kid": "k_unknown"}).encode())
        seen = {
            "changed_byte": v.verify(f"{head}.{body}.{flipped}").reason,
            "alg_none": v.verify(none).reason,
            "hs256": v.verify(hs256).reason,
            "unknown_kid": v.verify(f"{unknown}.{body}.{sig}").reason,
            "other_audience": v.verify(foreign).reason,
        }
        time.sleep(7)  # the server's tokens live 6 s: let this one expire
        seen["expired"] = v.verify(token).reason
    assert all(seen.values()), seen  # every one refused with a reason
    assert seen["changed_byte"] == "BAD_SIGNATURE" and seen["unknown_kid"] == "BAD_SIGNATURE"
    assert seen["expired"] == "TOKEN_EXPIRED", seen
    return {"reasons": seen}


def verifier_cold_start_after_compaction(args: argparse.Namespace) -> Observed:
    with client(args) as c:
        r = c.create_session(f"{args.prefix}-cold")
        c.revoke_session(r.session.session_id)
    compact = control(args, "/compact")["compact_revision"]
    with verifier(args) as v:
        reason = v.verify(r.tokens.access_token).reason
        assert reason == "SESSION_REVOKED", reason
        return {"compact_revision": compact, "snapshots": v.snapshots}


def verifier_compacted_resume(args: argparse.Namespace) -> Observed:
    with verifier(args, fail_closed_after=30.0) as v:
        first = v.snapshots
        done = control(args, f"/restart?writes=2&subject={args.prefix}-away&compact=1")
        until(lambda: v.snapshots > first and v.healthy, 20.0)
        reasons = [v.verify(s["access_token"]).reason for s in done["sessions"]]
    assert reasons == ["SESSION_REVOKED"] * 2, reasons
    return {"snapshots": v.snapshots, "reasons": reasons}


def verifier_other_tenant(args: argparse.Namespace) -> Observed:
    with client(args, api_key=args.other_api_key) as other, verifier(args) as v:
        r = other.create_session(f"{args.prefix}-alice")
        before = v.verify(r.tokens.access_token)
        other.revoke_session(r.session.session_id)
        after = v.verify(r.tokens.access_token)
    assert not before.valid and not after.valid, (before, after)
    return {"before": before.reason, "after": after.reason}


def verifier_rewind(args: argparse.Namespace) -> Observed:
    with client(args) as c:
        kept = c.create_session(f"{args.prefix}-kept")
    backup = control(args, "/head", "GET")["head_revision"]
    with verifier(args, fail_closed_after=30.0) as v:
        with client(args) as c:
            for _ in range(3):
                c.create_session(f"{args.prefix}-lost")
        until(lambda: v.revision >= backup + 3, 5.0)
        seen, first = v.revision, v.snapshots
        control(args, f"/rewind?to={backup}")
        until(lambda: v.snapshots > first and v.healthy, 20.0)
        with client(args) as c:
            revoked = c.revoke_session(kept.session.session_id)
        assert revoked.revision <= seen, (revoked.revision, seen)
        took = until(lambda: v.verify(kept.tokens.access_token).reason == "SESSION_REVOKED", 2.0)
    return {"latency_ms": round(took * 1000, 2), "revision_seen": seen, "restored": backup}


def verifier_only_endings(args: argparse.Namespace) -> Observed:
    with verifier(args):
        streams = control(args, "/metrics", "GET")["streams_by_types"]
    live = {k: n for k, n in streams.items() if n}
    assert live == {"EXPIRED,REVOKED,TERMINATED": 1.0}, live
    return {"streams_by_types": live}


def managed_session(args: argparse.Namespace) -> Observed:
    subject = f"{args.prefix}-managed"
    states: list[str] = []
    store = FileTokenStore(str(Path(tempfile.mkdtemp()) / "session.json"))
    with client(args) as c:
        device = ManagedSession(c, subject, persist=True, store=store, lead_time=3.0)
        device.add_observer(lambda _s, ch: states.append(f"{ch.state}:{ch.reason}"))
        device.login()
        device.wait_idle(10)
        first_token = device.access_token
        until(lambda: any(s.endswith(":RENEWED") for s in states), 10.0)
        assert device.access_token != first_token
        again = ManagedSession(c, subject, persist=True, store=store)
        assert again.restore() and again.session_id == device.session_id
        ended: list[str] = []
        again.add_observer(lambda _s, ch: ended.append(f"{ch.state}:{ch.reason}:{ch.error_code}"))
        c.terminate_subject(subject, reason="BANNED", error_code="CONF_BAN")
        try:
            again.renew_now()
            again.wait_idle(10)
            until(lambda: any(e.startswith("TERMINATED") for e in ended), 10.0)
        finally:
            c.reinstate_subject(subject)
        again.unpersist()
        persisted = again.is_persisted()
        device.close()
        again.close()
    assert states[:2] == ["ESTABLISHING:", "ESTABLISHED:"], states
    assert "TERMINATED:SESSION_TERMINATED:CONF_BAN" in ended, ended
    assert not persisted
    return {"states": states[:3], "terminated": ended[-1]}


def _header(token: str) -> dict[str, str]:
    raw = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))  # type: ignore[no-any-return]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
