"""ManagedSession against a live server: login, persistence across a
restart (a new object over the same file), each stored-session rule, the
end of a session by revocation or subject termination, and logout."""

from __future__ import annotations

import asyncio
import json
import stat
import threading

from sessionauthority import ManagedSession, SessionAuthorityClient
from sessionauthority.managed import State
from sessionauthority.tokenstore import FileTokenStore


def managed(target: str, path, subject: str = "m-1", reference: str = "web") -> ManagedSession:  # type: ignore[no-untyped-def]
    return ManagedSession(
        SessionAuthorityClient(target),
        subject,
        reference=reference,
        persist=True,
        store=FileTokenStore(path),
    )


async def test_persists_across_a_restart_and_each_rule_drops_a_stored_session(h, tmp_path):
    path = tmp_path / "session.json"

    def run() -> None:
        first = managed(h.target, path)
        first.login()
        assert first.state is State.ESTABLISHED and first.is_persisted()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        first.close()

        # A restart: a new object over the same file takes the session up.
        again = managed(h.target, path)
        assert again.restore()
        assert again.session_id == first.session_id
        with SessionAuthorityClient(h.target) as client:
            assert client.validate_session(again.access_token).valid
        again.close()

        for who, ref, why in (("m-2", "web", "OTHER_SUBJECT"), ("m-1", "app", "OTHER_REFERENCE")):
            other = managed(h.target, path, who, ref)
            assert not other.restore()
            assert other.change.reason == f"STORED_SESSION_{why}"
            assert not path.exists()  # dropped
            FileTokenStore(path).save(json.loads(_record(first)))

        record = json.loads(_record(first))
        record["session_expire"] = 1
        FileTokenStore(path).save(record)
        stale = managed(h.target, path)
        assert not stale.restore()
        assert stale.change.reason == "STORED_SESSION_EXPIRED"

    await asyncio.wait_for(asyncio.to_thread(run), 30)


def _record(session: ManagedSession) -> str:
    return json.dumps(session._record)


async def test_revocation_and_termination_end_it_with_the_reason(h, tmp_path):
    def run() -> None:
        with SessionAuthorityClient(h.target) as admin:
            revoked = managed(h.target, tmp_path / "a.json", "m-3")
            revoked.login()
            admin.revoke_session(revoked.session_id, reason="ADMIN")
            revoked.renew_now()
            assert revoked.state is State.TERMINATED
            assert revoked.change.reason == "SESSION_REVOKED"
            assert not revoked.is_persisted()

            banned = managed(h.target, tmp_path / "b.json", "m-4")
            changes = []
            banned.add_observer(lambda s, c: changes.append((c.state, c.reason, c.error_code)))
            banned.login()
            admin.terminate_subject("m-4", reason="BANNED", error_code="TOS-3")
            banned.renew_now()
            assert changes[-1] == (State.TERMINATED, "SESSION_TERMINATED", "TOS-3")

    await asyncio.wait_for(asyncio.to_thread(run), 30)


async def test_logout_revokes_and_forgets(h, tmp_path):
    path = tmp_path / "c.json"

    def run() -> None:
        session = managed(h.target, path, "m-5")
        session.login()
        sid = session.session_id
        session.logout()
        assert session.state is State.NOT_LOGGED_IN and session.change.reason == "LOGGED_OUT"
        assert not path.exists()
        with SessionAuthorityClient(h.target) as client:
            assert client.get_session(sid).end_reason == 1  # END_REASON_LOGOUT

    await asyncio.wait_for(asyncio.to_thread(run), 30)


async def test_renews_by_itself_before_the_access_token_expires(make_server, tmp_path):
    # Short access tokens (3 s) and a 2 s lead: the first renewal is due at
    # once, and each one hands out a token that works.
    h = await make_server(access_token_ttl_seconds=3)

    def run() -> None:
        renewed = threading.Event()
        session = ManagedSession(SessionAuthorityClient(h.target), "m-6", lead_time=2.0)
        session.add_observer(lambda s, c: c.reason == "RENEWED" and renewed.set())
        session.login()
        first = session.access_token
        assert renewed.wait(5), "no renewal"
        session.wait_idle(5)
        assert session.access_token != first and session.state is State.ESTABLISHED
        with SessionAuthorityClient(h.target) as client:
            assert client.validate_session(session.access_token).valid
        session.close()

    await asyncio.wait_for(asyncio.to_thread(run), 30)
