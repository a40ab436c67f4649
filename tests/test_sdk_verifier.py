"""LocalVerifier against a live server: offline checks that hear a revoke
within a second, remember revocations from before they started, fail closed
when the server goes quiet, and follow a signing-key rotation."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sessionauthority import LocalVerifier, SessionAuthorityClient
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import create

LIVE = {"watch_progress_interval_seconds": 0.2}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def until(check, seconds: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until `check()` is true; fails past `seconds`."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, "not within the deadline"
        time.sleep(0.002)
    return time.monotonic() - started


async def test_a_revoke_is_refused_locally_within_a_second(make_server):
    h = await make_server(**LIVE)

    def run() -> float:
        with SessionAuthorityClient(h.target) as client:
            before = client.create_session("v-0")
            client.revoke_session(before.session.session_id)
            with LocalVerifier(h.target, fail_closed_after=2) as verifier:
                assert verifier.wait_ready()
                # Revoked before the verifier started: its history says so.
                assert verifier.verify(before.tokens.access_token).reason == "SESSION_REVOKED"
                live = client.create_session("v-1")
                ok = verifier.verify(live.tokens.access_token)
                assert ok.valid and ok.subject_id == "v-1"
                assert ok.session_id == live.session.session_id
                client.revoke_session(live.session.session_id)
                return until(
                    lambda: verifier.verify(live.tokens.access_token).reason == "SESSION_REVOKED",
                    1.0,
                )

    took = await asyncio.wait_for(asyncio.to_thread(run), 30)
    assert took < 1.0


async def test_no_answer_before_the_whole_history_is_in(make_server):
    """A stream from revision 1 opens with progress 0, then replays history:
    the verifier must not answer until it has reached the head it probed,
    or a token revoked late in history would pass while the replay runs."""
    h = await make_server(**LIVE)
    made = []
    for start in range(0, 1200, 200):
        made += await asyncio.gather(*(create(h, f"hist-{i}") for i in range(start, start + 200)))
    for start in range(0, len(made), 200):
        await asyncio.gather(
            *(
                h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
                for r in made[start : start + 200]
            )
        )
    last = made[-1].tokens.access_token  # its revoke is the newest event

    def first_answer() -> str:
        with LocalVerifier(h.target) as verifier:
            deadline = time.monotonic() + 30
            while (reason := verifier.verify(last).reason) == "UNKNOWN":
                assert time.monotonic() < deadline, "never caught up"
                time.sleep(0.001)  # a busy loop would hold the GIL the stream needs
            assert verifier.revision >= made[-1].session.revision
            return reason

    assert await asyncio.to_thread(first_answer) == "SESSION_REVOKED"


async def test_forged_and_garbage_tokens(make_server):
    h = await make_server(**LIVE)

    def run() -> None:
        with SessionAuthorityClient(h.target) as client:
            real = client.create_session("v-2").tokens.access_token
        with LocalVerifier(h.target) as verifier:
            assert verifier.wait_ready()
            claims = jwt.decode(real, options={"verify_signature": False})
            kid = jwt.get_unverified_header(real)["kid"]
            forged = jwt.encode(
                claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid}
            )
            assert verifier.verify(forged).reason == "BAD_SIGNATURE"
            assert verifier.verify("not a token").reason == "MALFORMED"
            head, body, sig = real.split(".")
            other = jwt.encode({**claims, "sub": "v-other"}, "k" * 32, algorithm="HS256")
            raw = base64.urlsafe_b64decode(sig + "==")
            for bad in (
                f"{head}.{other.split('.')[1]}.{sig}",  # the real signature, another body
                f"{head}.{body}.{sig[:-4]}",  # a short signature
                f"{head}.{body}.{b64(raw + b'x')}",  # a long one
                f"{head}.{body}.{b64(raw[:32] + bytes(32))}",
                f"{b64(json.dumps({'alg': 'EdDSA', 'kid': 'nope'}).encode())}.{body}.{sig}",
            ):
                assert verifier.verify(bad).reason == "BAD_SIGNATURE", bad
            for bad in (
                other,  # HS256
                f"{b64(json.dumps({'alg': 'none', 'kid': kid}).encode())}.{body}.",
                f"{head}.{body}",
            ):
                assert verifier.verify(bad).reason == "MALFORMED", bad
            assert verifier.verify(real).valid

    await asyncio.wait_for(asyncio.to_thread(run), 30)


async def test_fails_closed_when_the_server_stops(make_server):
    h = await make_server(**LIVE)
    token = (await asyncio.to_thread(_create, h.target, "v-3")).tokens.access_token
    verifier = LocalVerifier(h.target, fail_closed_after=1.0)
    await asyncio.to_thread(verifier.start)
    try:
        assert await asyncio.to_thread(verifier.wait_ready)
        assert verifier.verify(token).valid
        await h.app.stop(0)
        took = await asyncio.to_thread(until, lambda: verifier.verify(token).reason == "UNKNOWN", 5)
        assert took < 3
    finally:
        await asyncio.to_thread(verifier.close)


async def test_a_new_signing_key_is_fetched_on_first_sight(make_server):
    h = await make_server(**LIVE)
    verifier = LocalVerifier(h.target)
    await asyncio.to_thread(verifier.start)
    try:
        assert await asyncio.to_thread(verifier.wait_ready)
        old = await asyncio.to_thread(_create, h.target, "v-4")
        await h.app.store.rotate_signing_key()
        new = await asyncio.to_thread(_create, h.target, "v-4")
        old_kid = jwt.get_unverified_header(old.tokens.access_token)["kid"]
        assert jwt.get_unverified_header(new.tokens.access_token)["kid"] != old_kid
        assert verifier.verify(old.tokens.access_token).valid
        await asyncio.sleep(1.01)  # the verifier refetches keys at most once a second
        # Off the event loop: the refetch is a blocking call to this loop's server.
        assert (await asyncio.to_thread(verifier.verify, new.tokens.access_token)).valid
    finally:
        await asyncio.to_thread(verifier.close)


def _create(target: str, subject: str):  # type: ignore[no-untyped-def]
    with SessionAuthorityClient(target) as client:
        return client.create_session(subject)
