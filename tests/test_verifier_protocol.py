"""The LocalVerifier's protocol against live servers: a token of another
tenant never verifies (nor in a plain JWT library set up as the README
says), a verifier starts from the snapshot when history is compacted, takes
a new snapshot when its resume lands in compacted history or the server's
revision went back (a restored database), and watches ending events only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import jwt
import pytest
from sessionauthority import LocalVerifier, SessionAuthorityClient
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority_server import restore
from sessionauthority_server.app import App, create_server
from sessionauthority_server.store.sql import Sql

from .helpers import Watch, add_key, error_reason
from .test_metrics import free_port, scrape

LIVE = {"watch_progress_interval_seconds": 0.2}
WAIT = 15.0


def until(check: Callable[[], bool], seconds: float = WAIT) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, "not within the deadline"
        time.sleep(0.005)
    return time.monotonic() - started


def _key(metadata: list[tuple[str, str]]) -> str:
    return metadata[0][1].removeprefix("Bearer ")


async def _restart(h, port: int) -> App:
    """A new server on the same database and port, as a restart would be."""
    return await create_server(h.app.store.settings, address=f"127.0.0.1:{port}")


async def test_another_tenants_token_never_verifies(make_server):
    h = await make_server(**LIVE)
    a, b = _key(await add_key(h, "tenant-a")), _key(await add_key(h, "tenant-b"))

    def run() -> None:
        with (
            SessionAuthorityClient(h.target, api_key=a) as client_a,
            SessionAuthorityClient(h.target, api_key=b) as client_b,
            LocalVerifier(h.target, api_key=a, fail_closed_after=5) as verifier,
        ):
            assert verifier.wait_ready()
            assert verifier.tenant == "tenant-a"
            mine = client_a.create_session("alice")
            theirs = client_b.create_session("alice")
            assert verifier.verify(mine.tokens.access_token).valid
            foreign = verifier.verify(theirs.tokens.access_token)
            assert (foreign.valid, foreign.reason) == (False, "SESSION_NOT_FOUND")
            client_b.revoke_session(theirs.session.session_id)
            assert not verifier.verify(theirs.tokens.access_token).valid
            # The README's offline recipe, with tenant A's JWKS, issuer and audience.
            jwks = client_a.get_jwks()
            keys = jwt.PyJWKSet.from_json(jwks.jwks_json)

            def recipe(token: str) -> dict[str, object]:
                kid = jwt.get_unverified_header(token)["kid"]
                return jwt.decode(
                    token,
                    keys[kid].key,
                    algorithms=["EdDSA"],
                    issuer=jwks.issuer,
                    audience=jwks.audience,
                    leeway=60,  # clock skew between servers (add_key moved ours on)
                    options={"require": ["exp", "iss", "aud", "sub", "sid", "tnt"]},
                )

            assert recipe(mine.tokens.access_token)["tnt"] == "tenant-a"
            with pytest.raises(jwt.InvalidAudienceError):
                recipe(theirs.tokens.access_token)

    await asyncio.wait_for(asyncio.to_thread(run), 60)


async def test_a_new_verifier_starts_from_the_snapshot_when_history_is_compacted(make_server):
    h = await make_server(event_retention_seconds=60, **LIVE)

    def prepare() -> pb.CreateSessionResponse:
        with SessionAuthorityClient(h.target) as client:
            revoked = client.create_session("gone")
            client.revoke_session(revoked.session.session_id)
            return revoked

    revoked = await asyncio.to_thread(prepare)
    h.clock.advance(120)
    await asyncio.to_thread(lambda: SessionAuthorityClient(h.target).create_session("later"))
    compact = await h.app.store.compact()
    assert compact > revoked.session.revision  # a replay from revision 1 is OUT_OF_RANGE

    def run() -> None:
        with LocalVerifier(h.target, fail_closed_after=5) as verifier:
            assert verifier.wait_ready(), verifier.error
            assert verifier.snapshots == 1
            assert verifier.verify(revoked.tokens.access_token).reason == "SESSION_REVOKED"

    await asyncio.wait_for(asyncio.to_thread(run), 60)


async def test_a_resume_into_compacted_history_takes_a_new_snapshot(make_server):
    h = await make_server(event_retention_seconds=60, **LIVE)
    port = h.app.port
    verifier = LocalVerifier(h.target, fail_closed_after=30)
    await asyncio.to_thread(verifier.start)
    apps: list[App] = []
    try:
        assert await asyncio.to_thread(verifier.wait_ready)
        await h.app.stop(0)
        # Meanwhile, elsewhere: a revoke, then time passes and it is compacted.
        other = await create_server(h.app.store.settings, clock=h.clock, address="127.0.0.1:0")
        apps.append(other)
        target = f"127.0.0.1:{other.port}"

        def writes() -> pb.CreateSessionResponse:
            with SessionAuthorityClient(target) as client:
                gone = client.create_session("gone")
                client.revoke_session(gone.session.session_id)
                return gone

        gone = await asyncio.to_thread(writes)
        h.clock.advance(120)
        await asyncio.to_thread(lambda: SessionAuthorityClient(target).create_session("x"))
        assert await other.store.compact() > verifier.revision + 1
        await other.stop(0)
        apps.append(await _restart(h, port))
        await asyncio.to_thread(until, lambda: verifier.snapshots == 2 and verifier.healthy)
        assert verifier.verify(gone.tokens.access_token).reason == "SESSION_REVOKED"
        assert verifier.error is None
    finally:
        await asyncio.to_thread(verifier.close)
        for app in apps:
            await app.stop(0)


_REWIND = [
    Sql("DELETE FROM events WHERE revision > :to"),
    Sql("UPDATE counters SET value = :to WHERE name = 'revision'"),
    Sql("DELETE FROM sessions WHERE revision > :to"),
]


def _rewind(tx, to: int) -> None:  # type: ignore[no-untyped-def]
    """What restoring a backup taken at revision `to` does to the rows."""
    for sql in _REWIND:
        tx.run(sql, to=to)


async def test_a_server_whose_revision_went_back_gets_a_new_snapshot(make_server):
    h = await make_server(**LIVE)
    port = h.app.port
    with SessionAuthorityClient(h.target) as client:
        kept = await asyncio.to_thread(client.create_session, "kept")
    backup = await h.app.store.current_revision()
    verifier = LocalVerifier(h.target, fail_closed_after=30)
    await asyncio.to_thread(verifier.start)
    apps: list[App] = []
    try:
        assert await asyncio.to_thread(verifier.wait_ready)

        def after_backup() -> None:
            with SessionAuthorityClient(h.target) as c:
                for i in range(5):
                    c.create_session(f"lost-{i}")
            until(lambda: verifier.revision >= backup + 5)

        await asyncio.to_thread(after_backup)
        seen = verifier.revision
        await h.app.store.db.writer.write(_rewind, backup)
        await h.app.stop(0)
        apps.append(await _restart(h, port))

        def after_restore() -> float:
            until(lambda: verifier.snapshots == 2 and verifier.healthy)
            assert verifier.revision < seen  # it follows the restored server now
            with SessionAuthorityClient(h.target) as c:
                # Lands at a revision the verifier had already passed: a
                # resume from its old revision would never hear of it.
                revoked = c.revoke_session(kept.session.session_id)
            assert revoked.revision <= seen
            return until(
                lambda: verifier.verify(kept.tokens.access_token).reason == "SESSION_REVOKED", 2
            )

        await asyncio.wait_for(asyncio.to_thread(after_restore), 60)
    finally:
        await asyncio.to_thread(verifier.close)
        for app in apps:
            await app.stop(0)


async def test_the_verifier_watches_only_the_events_that_end_sessions(make_server):
    port = free_port()
    h = await make_server(metrics_port=port, **LIVE)
    verifier = LocalVerifier(h.target, fail_closed_after=5)
    await asyncio.to_thread(verifier.start)
    try:
        assert await asyncio.to_thread(verifier.wait_ready)
        samples = await scrape(port)
    finally:
        await asyncio.to_thread(verifier.close)
    by_types = {
        labels: value
        for (name, labels), value in samples.items()
        if name == "sessionauthority_watch_streams_by_types" and value
    }
    assert by_types == {(("types", "EXPIRED,REVOKED,TERMINATED"),): 1.0}


def test_revisions_bump_marks_history_compacted(database_url):
    import subprocess
    import sys

    url = database_url
    cli = [sys.executable, "-m", "sessionauthority_server.cli"]
    subprocess.run([*cli, "migrate", "--database-url", url], check=True, capture_output=True)
    out = subprocess.run(
        [*cli, "revisions", "--database-url", url, "bump", "--bump-revision", "1000"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "revision 0 -> 1000; history before revision 1001 is compacted" in out
    bad = subprocess.run(
        [*cli, "revisions", "--database-url", url, "bump", "--bump-revision", "0"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2


async def test_after_a_bump_an_old_resume_is_compacted_and_new_writes_follow(make_server):
    h = await make_server()
    port = h.app.port
    with SessionAuthorityClient(h.target) as client:
        await asyncio.to_thread(client.create_session, "before")
    seen = await h.app.store.current_revision()
    await h.app.stop(0)
    app = await _restart(h, port)
    try:
        before, after, compact = await app.store.db.writer.write(restore.bump, 1000, True)
        assert (before, after, compact) == (seen, seen + 1000, seen + 1001)
        await app.stop(0)
        app = await _restart(h, port)
        w = Watch(h.sessions, start_revision=seen + 1)
        err = await w.error()
        assert error_reason(err) == "REVISION_COMPACTED"
        live = Watch(h.sessions, start_revision=seen + 1001)
        assert await live.progress() == seen + 1000
        with SessionAuthorityClient(h.target) as client:
            made = await asyncio.to_thread(client.create_session, "after")
        assert made.session.revision == seen + 1001
        assert (await live.event()).revision == seen + 1001
        live.cancel()
    finally:
        await app.stop(0)
