"""Replicas on one database: a change committed on one reaches watchers on
another at once (LISTEN/NOTIFY on PostgreSQL, a datagram between the
processes on one SQLite file), also after the listening connection is
killed or a peer's socket is left behind. The tailer's poll is set to a
minute here, so only a wake-up (or the catch-up after a reconnect) can
deliver in time."""

from __future__ import annotations

import asyncio
import os
import socket
import time

import psycopg
import pytest
from google.protobuf import duration_pb2
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import WAIT, Watch, create

T = pb.SessionEventType
SLOW_POLL = {"watch_poll_interval_seconds": 60.0}


def exists(path: str) -> bool:
    return os.path.exists(path)


async def replicas(make_server, n: int = 2, **settings):
    servers = [await make_server(**SLOW_POLL, **settings) for _ in range(n)]
    for s in servers:
        await asyncio.wait_for(s.app.hub.listener.connected.wait(), WAIT)
    return servers


async def timed_event(w: Watch) -> tuple[pb.SessionEvent, float]:
    started = time.monotonic()
    event = await w.event()
    return event, time.monotonic() - started


async def test_a_revoke_on_one_replica_reaches_a_watcher_on_another_at_once(make_server):
    a, b = await replicas(make_server)
    w = Watch(b.sessions, subject_id="u1")
    await w.progress()
    r = await create(a, subject="u1")
    created, _ = await timed_event(w)
    assert created.session.session_id == r.session.session_id
    for _ in range(5):
        r = await create(a, subject="u1")
        assert (await w.event()).type == T.SESSION_EVENT_TYPE_CREATED
        started = time.monotonic()
        await a.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=r.session.session_id))
        revoked = await w.event()
        assert revoked.type == T.SESSION_EVENT_TYPE_REVOKED
        assert time.monotonic() - started < 1.0  # a notice, not the minute's poll
    w.cancel()


async def _kill_listeners(database_url: str) -> int:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'session-authority-listener'"
        )
        return len(await cur.fetchall())


@pytest.mark.postgres_only
async def test_killing_the_listener_loses_and_repeats_nothing(make_server):
    a, b = await replicas(make_server)
    w = Watch(b.sessions, subject_id="u1")
    await w.progress()
    listener = b.app.hub.listener
    assert await _kill_listeners(b.app.store.settings.database_url) == 2

    # Committed while B may have nobody listening: the catch-up read after
    # the reconnect delivers them (the poll would take a minute).
    during = [(await create(a, subject="u1")).session.session_id for _ in range(3)]
    got = [(await w.event()).session.session_id for _ in range(3)]
    assert got == during
    await asyncio.wait_for(listener.connected.wait(), WAIT)
    assert listener.reconnects >= 1

    # Back to notices: each change arrives at once, exactly once.
    after = []
    for _ in range(3):
        sid = (await create(a, subject="u1")).session.session_id
        event, took = await timed_event(w)
        assert event.session.session_id == sid and took < 1.0
        after.append(sid)
    marker = (await create(b, subject="u1")).session.session_id
    assert (await w.event()).session.session_id == marker  # nothing repeated before it
    w.cancel()


async def test_two_reapers_expire_each_session_exactly_once(make_server):
    a, b = await replicas(make_server, reaper_interval_seconds=0.05)
    w = Watch(a.sessions, subject_id="due")
    await w.progress()
    ids = set()
    for i in range(40):
        r = await create([a, b][i % 2], subject="due", ttl=duration_pb2.Duration(seconds=60))
        ids.add(r.session.session_id)
    assert len([await w.event() for _ in range(40)]) == 40  # the creates
    for replica in (a, b):
        replica.clock.advance(61)  # both reapers now see all 40 as due
    expired = [await w.event() for _ in range(40)]
    assert {e.type for e in expired} == {T.SESSION_EVENT_TYPE_EXPIRED}
    assert {e.session.session_id for e in expired} == ids  # each once
    # Nothing more: the next event is a marker, not a second EXPIRED.
    marker = await create(b, subject="due")
    assert (await w.event()).session.session_id == marker.session.session_id
    w.cancel()


@pytest.mark.sqlite_only
async def test_a_socket_left_by_a_killed_process_is_removed_and_costs_nothing(make_server):
    a, b = await replicas(make_server)
    directory = a.app.store.db.peers.directory
    # What a process killed with -9 leaves: a socket file nobody is bound to.
    stale = os.path.join(directory, "999999-0")
    left = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    left.bind(stale)
    left.close()
    os.utime(directory)  # as a new entry does: the senders list the directory again
    w = Watch(b.sessions, subject_id="u1")
    await w.progress()
    r = await create(a, subject="u1")
    event, took = await timed_event(w)
    assert event.session.session_id == r.session.session_id and took < 1.0
    assert not exists(stale)
    w.cancel()


@pytest.mark.sqlite_only
async def test_a_lost_wakeup_costs_latency_never_an_event(make_server):
    # B's socket is gone (as if every datagram to it were lost): only B's
    # own poll can deliver, and it delivers everything, once, in order.
    a = await make_server(watch_poll_interval_seconds=60.0)
    b = await make_server(watch_poll_interval_seconds=0.2)
    for s in (a, b):
        await asyncio.wait_for(s.app.hub.listener.connected.wait(), WAIT)
    os.unlink(b.app.store.db.peers.path)
    w = Watch(b.sessions, subject_id="u1")
    await w.progress()
    made = [(await create(a, subject="u1")).session.session_id for _ in range(3)]
    assert [(await w.event()).session.session_id for _ in range(3)] == made
    marker = (await create(b, subject="u1")).session.session_id
    assert (await w.event()).session.session_id == marker
    w.cancel()


@pytest.mark.sqlite_only
async def test_a_stopped_server_leaves_no_socket(make_server):
    a = await make_server()
    await asyncio.wait_for(a.app.hub.listener.connected.wait(), WAIT)
    path = a.app.store.db.peers.path
    assert exists(path)
    await a.app.stop(0)
    assert not exists(path)
