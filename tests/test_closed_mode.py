"""Closed stays closed (CONTRACT.md amendment): once any API key has existed
in a database, open mode does not return, whatever is revoked or restarted.
Keys are made and revoked by the real command line, in another process, as
an operator would; servers are real ones over the same database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import grpc
from sessionauthority.v1 import session_pb2
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority_server.store.engine import Tx
from sessionauthority_server.store.sql import Sql

from .conftest import TEST_ENCRYPTION_KEY
from .helpers import WAIT, error_reason, expect_error

CLI = str(Path(sys.executable).parent / "session-authority")
_DROP_COUNTER = Sql("DELETE FROM counters WHERE name = 'api_keys_ever'")
_DROP_KEYS = Sql("DELETE FROM api_keys")


async def api_keys(url: str, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        CLI,
        "api-keys",
        "--database-url",
        url,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "SESSION_AUTHORITY_ENCRYPTION_KEY": TEST_ENCRYPTION_KEY},
    )
    out, err = await asyncio.wait_for(proc.communicate(), WAIT * 4)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def new_key(url: str, tenant: str) -> tuple[str, list[tuple[str, str]]]:
    lines = (await api_keys(url, "create", "--tenant", tenant)).strip().splitlines()
    key_id = lines[0].split()[1]  # "created key_... for tenant ..."
    return key_id, [("authorization", f"Bearer {lines[-1]}")]


async def keyless_refused(h) -> None:
    err = await expect_error(
        h.sessions.ListSessions(pb.ListSessionsRequest()), grpc.StatusCode.UNAUTHENTICATED
    )
    assert error_reason(err) == "API_KEY_MISSING"


def drop(sql: Sql):
    def unit(tx: Tx) -> None:
        tx.run(sql)

    return unit


async def test_revoking_every_key_leaves_open_mode_off(make_server):
    h = await make_server()
    url = h.app.store.db.url
    await h.sessions.ListSessions(pb.ListSessionsRequest())  # open: a fresh database
    key_id, key = await new_key(url, "default")
    made = await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="alice"), metadata=key)
    sid = made.session.session_id
    await api_keys(url, "revoke", key_id)
    h.clock.advance(6)  # past the key cache and the open-mode recheck

    # Without a restart: this server last saw a keyless call while open.
    await keyless_refused(h)
    err = await expect_error(
        h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=sid)),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert error_reason(err) == "API_KEY_MISSING"
    # After a restart: a new server on the same database, no key live.
    restarted = await make_server()
    await keyless_refused(restarted)
    err = await expect_error(
        restarted.sessions.ListSessions(pb.ListSessionsRequest(), metadata=key),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert error_reason(err) == "API_KEY_INVALID"

    # The way back in is a new key; the session the keyless calls tried is untouched.
    _, fresh = await new_key(url, "default")
    restarted.clock.advance(6)
    got = await restarted.sessions.GetSession(pb.GetSessionRequest(session_id=sid), metadata=fresh)
    assert got.session.state == session_pb2.SESSION_STATE_ACTIVE


async def test_open_replicas_close_when_another_process_makes_a_key(make_server):
    replicas = [await make_server(), await make_server()]
    for r in replicas:
        await r.sessions.ListSessions(pb.ListSessionsRequest())  # open, remembered for 1 s
    await new_key(replicas[0].app.store.db.url, "acme")
    for r in replicas:
        r.clock.advance(2)  # past the open-mode recheck
        await keyless_refused(r)


async def test_either_proof_keeps_a_database_closed(make_server):
    h = await make_server()
    url = h.app.store.db.url
    write = h.app.store.db.writer.write
    key_id, _ = await new_key(url, "acme")
    await api_keys(url, "revoke", key_id)

    # A database from a release before the counter: only a revoked row.
    await write(drop(_DROP_COUNTER))
    await keyless_refused(await make_server())

    # The counter alone, the rows gone (purged by hand, say).
    key_id, _ = await new_key(url, "acme")
    await api_keys(url, "revoke", key_id)
    await write(drop(_DROP_KEYS))
    await keyless_refused(await make_server())

    # Neither: the database is as new, so open mode is back; this is what
    # shows each proof above was what kept it closed.
    await write(drop(_DROP_COUNTER))
    await (await make_server()).sessions.ListSessions(pb.ListSessionsRequest())
