"""The Python SDK's conformance cases that need no LocalVerifier (see
conformance/CASES.md). Each takes the parsed arguments and returns what it
observed; a failed check raises."""

from __future__ import annotations

import argparse
import json
import queue
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from sessionauthority import SessionAuthorityClient, Tls, errors
from sessionauthority.v1 import session_pb2 as spb

Observed = dict[str, Any]


def control(args: argparse.Namespace, path: str, method: str = "POST") -> dict[str, Any]:
    req = urllib.request.Request(
        args.control + path, method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def client(args: argparse.Namespace, **kw: Any) -> SessionAuthorityClient:
    kw.setdefault("api_key", args.api_key)
    return SessionAuthorityClient(kw.pop("target", args.target), **kw)


def expect(exc_type: type[BaseException], call: Any, *a: Any, **kw: Any) -> Any:
    try:
        call(*a, **kw)
    except exc_type as exc:
        return exc
    raise AssertionError(f"expected {exc_type.__name__}")


def lifecycle(args: argparse.Namespace) -> Observed:
    with client(args) as c:
        subject = f"{args.prefix}-life"
        r = c.create_session(subject, reference="ref")
        v = c.validate_session(
            r.tokens.access_token, expected_subject_id=subject, expected_reference="ref"
        )
        assert v.valid and v.session.subject_id == subject and v.session.reference == "ref", v
        renewed = c.renew_session(r.tokens.refresh_token)
        assert renewed.tokens.refresh_token != r.tokens.refresh_token
        c.revoke_session(r.session.session_id)
        err = expect(errors.SessionRevoked, c.renew_session, renewed.tokens.refresh_token)
        assert err.reason == "SESSION_REVOKED", err.reason
    return {"rotated": True, "after_revoke": err.reason}


def rich_errors(args: argparse.Namespace) -> Observed:
    with client(args) as c:
        bad = expect(errors.InvalidArgument, c.create_session, "has space")
        fields = [f for f, _ in bad.field_violations]
        assert "subject_id" in fields, fields
        subject = f"{args.prefix}-rate"
        limited = None
        for _ in range(6):
            try:
                c.create_session(subject)
            except errors.RateLimited as exc:
                limited = exc
                break
        assert limited is not None and limited.reason == "RATE_LIMITED"
        assert limited.retry_after and limited.retry_after > 0, limited.retry_after
        missing = expect(errors.NotFound, c.get_session, "ses_doesnotexist0000")
        assert missing.reason == "SESSION_NOT_FOUND", missing.reason
    return {"violations": fields, "retry_after": limited.retry_after, "not_found": missing.reason}


def refresh_reuse(args: argparse.Namespace) -> Observed:
    with client(args) as c:
        r = c.create_session(f"{args.prefix}-reuse")
        c.renew_session(r.tokens.refresh_token)
        time.sleep(1.5)  # past the server's 1 s grace window: time must pass
        err = expect(errors.RefreshTokenReused, c.renew_session, r.tokens.refresh_token)
        assert err.metadata.get("session_id") == r.session.session_id, err.metadata
        s = c.get_session(r.session.session_id)
        assert s.state == spb.SESSION_STATE_REVOKED
        assert s.end_reason == spb.END_REASON_REFRESH_TOKEN_REUSE
    return {"reason": err.reason, "session_id": err.metadata.get("session_id")}


def subject_terminated(args: argparse.Namespace) -> Observed:
    with client(args) as c:
        subject = f"{args.prefix}-ban"
        r = c.create_session(subject)
        c.terminate_subject(subject, reason="BANNED", error_code="CONF_BAN")
        try:
            s = c.get_session(r.session.session_id)
            assert s.state == spb.SESSION_STATE_TERMINATED and s.error_code == "CONF_BAN", s
            err = expect(errors.SubjectTerminated, c.create_session, subject)
            assert err.error_code == "CONF_BAN", err.error_code
        finally:
            c.reinstate_subject(subject)
    return {"reason": err.reason, "error_code": err.error_code}


def api_key(args: argparse.Namespace) -> Observed:
    with SessionAuthorityClient(args.target) as anonymous:
        missing = expect(errors.Unauthenticated, anonymous.get_jwks)
    with client(args) as c:
        c.get_jwks()
    with client(args, api_key=args.revoked_api_key) as c:
        revoked = expect(errors.Unauthenticated, c.get_jwks)
    assert (missing.reason, revoked.reason) == ("API_KEY_MISSING", "API_KEY_INVALID")
    return {"missing": missing.reason, "revoked": revoked.reason}


def tls(args: argparse.Namespace) -> Observed:
    ca = Path(args.ca).read_bytes()
    with client(args, target=args.tls_target, tls=Tls(root_certificates=ca)) as c:
        c.get_jwks()
    return {"connected": True}


def mtls(args: argparse.Namespace) -> Observed:
    ca = Path(args.ca).read_bytes()
    mine = Tls(
        root_certificates=ca,
        certificate_chain=Path(args.cert).read_bytes(),
        private_key=Path(args.key).read_bytes(),
    )
    with client(args, target=args.mtls_target, tls=mine) as c:
        c.get_jwks()
    with client(args, target=args.mtls_target, tls=Tls(root_certificates=ca), timeout=5) as c:
        refused = expect(errors.SessionAuthorityError, c.get_jwks)
    return {"with_certificate": True, "without": refused.code().name}


def watch_resume(args: argparse.Namespace) -> Observed:
    subject = f"{args.prefix}-watch"
    heard: queue.Queue[Any] = queue.Queue()
    ready = threading.Event()
    with client(args) as c:

        def follow() -> None:
            try:
                for event in c.watch(subject_id=subject, on_progress=lambda _: ready.set()):
                    heard.put(event)
            except Exception as exc:  # the channel closed at the end
                heard.put(exc)

        threading.Thread(target=follow, daemon=True).start()
        assert ready.wait(10), "no first progress"
        first = c.create_session(subject)
        c.revoke_session(first.session.session_id)
        got = [heard.get(timeout=10) for _ in range(2)]
        assert got[1].session.session_id == first.session.session_id
        # The same subject filter covers the sessions made while we were away.
        done = control(args, f"/restart?writes=3&subject={subject}")
        made = [s["session_id"] for s in done["sessions"]]
        later = [heard.get(timeout=20) for _ in range(6)]
        revisions = [e.revision for e in later]
        assert revisions == sorted(set(revisions)), revisions
        expected = [r for s in done["sessions"] for r in s["revisions"]]
        assert revisions == expected, (revisions, expected)
        assert [e.session.session_id for e in later[1::2]] == made
    return {"revisions": revisions}


def watch_compacted(args: argparse.Namespace) -> Observed:
    compact = control(args, "/compact")["compact_revision"]
    with client(args) as c:
        try:
            for _ in c.watch(start_revision=1):
                raise AssertionError("an event from compacted history")
        except errors.HistoryCompacted as exc:
            assert exc.compact_revision == compact, (exc.compact_revision, compact)
            return {"compact_revision": exc.compact_revision}
    raise AssertionError("the watch ended without HistoryCompacted")
