"""Races over the real gRPC surface: concurrent renewals of one token; units
batched together."""

from __future__ import annotations

import asyncio
import threading

import grpc
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority_server.callers import DEFAULT_TENANT
from sessionauthority_server.domain import State, TerminationReason
from sessionauthority_server.errors import DomainError
from sessionauthority_server.inputs import CreateRequest
from sessionauthority_server.sessions.manager import SessionManager

from .helpers import create, meta


async def test_sixteen_concurrent_renewals_give_one_successor(h):
    s = await create(h)
    token = s.tokens.refresh_token
    results = await asyncio.gather(
        *(h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=token)) for _ in range(16))
    )
    pairs = {(r.tokens.access_token, r.tokens.refresh_token) for r in results}
    assert len(pairs) == 1
    assert all(r.session.state == spb.SESSION_STATE_ACTIVE for r in results)
    current = await h.sessions.GetSession(pb.GetSessionRequest(session_id=s.session.session_id))
    assert current.session.state == spb.SESSION_STATE_ACTIVE
    events = await h.app.store.events_after(0)
    assert [e.type for e in events] == ["CREATED", "RENEWED"]
    # The successor works once, as any refresh token does.
    successor = results[0].tokens.refresh_token
    again = await h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=successor))
    assert again.session.state == spb.SESSION_STATE_ACTIVE


async def test_one_request_id_raced_across_subjects(h):
    # Same request_id, different subjects, all at once: one wins; the others
    # are told the id was used with other parameters, never INTERNAL.
    calls = [
        h.sessions.CreateSession(pb.CreateSessionRequest(subject_id=f"race-{i}", request_id="dup"))
        for i in range(8)
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)
    ok = [r for r in results if isinstance(r, pb.CreateSessionResponse)]
    failed = [r for r in results if not isinstance(r, pb.CreateSessionResponse)]
    assert len(ok) == 1
    assert all(e.code() == grpc.StatusCode.INVALID_ARGUMENT for e in failed)


async def test_a_batch_sees_its_earlier_units_writes(h):
    # Units queued behind a slow one run as one batch, in order; on
    # PostgreSQL their first reads are made ahead, at the batch's start. A
    # renew after its session's revoke, a create after its subject's
    # termination, and a second renew of one token must each see the
    # earlier unit's write, as they would unbatched.
    doomed = await create(h, subject="batched-1")
    twice = await create(h, subject="batched-2")
    await create(h, subject="batched-3")
    manager = SessionManager(h.app.store)
    tenant = DEFAULT_TENANT
    gate = threading.Event()
    slow = asyncio.ensure_future(h.app.store.db.writer.write(lambda tx: gate.wait(5)))
    await asyncio.sleep(0.05)
    calls = [
        manager.revoke(tenant, doomed.session.session_id, None),
        manager.renew(tenant, doomed.tokens.refresh_token),
        manager.terminate_subject(tenant, "batched-3", TerminationReason.BANNED, ""),
        manager.create_session(tenant, CreateRequest(subject_id="batched-3")),
        manager.renew(tenant, twice.tokens.refresh_token),
        manager.renew(tenant, twice.tokens.refresh_token),
    ]
    tasks = [asyncio.ensure_future(c) for c in calls]
    await asyncio.sleep(0.05)
    gate.set()
    await slow
    revoked, renewed, terminated, created, first, second = await asyncio.gather(
        *tasks, return_exceptions=True
    )
    assert revoked.state is State.REVOKED and terminated[1] == 1
    assert isinstance(renewed, DomainError) and renewed.reason == "SESSION_REVOKED"
    assert isinstance(created, DomainError) and created.reason == "SUBJECT_TERMINATED"
    # The same token twice inside the grace window: the same successor pair.
    assert first[1] == second[1]


async def test_a_read_after_large_reads_ahead_gets_its_own_rows(h):
    # A batch mixing a unit with no read ahead (the key rotation, first)
    # and renews whose rows, read ahead with 8 KB of metadata each, outgrow
    # PostgreSQL's output buffer, so results come back while units still
    # send: every unit's reads still get their own rows.
    made = [
        await h.sessions.CreateSession(
            pb.CreateSessionRequest(subject_id=f"big-{i}", metadata=meta(x="y" * 8000))
        )
        for i in range(12)
    ]
    manager = SessionManager(h.app.store)
    gate = threading.Event()
    slow = asyncio.ensure_future(h.app.store.db.writer.write(lambda tx: gate.wait(5)))
    await asyncio.sleep(0.05)
    tasks = [asyncio.ensure_future(h.app.store.rotate_signing_key())]
    tasks += [
        asyncio.ensure_future(manager.renew(DEFAULT_TENANT, m.tokens.refresh_token)) for m in made
    ]
    await asyncio.sleep(0.05)
    gate.set()
    await slow
    kid, *renewed = await asyncio.gather(*tasks)
    assert kid and all(s.state is State.ACTIVE for s, _ in renewed)
