"""A validator in the spirit of etcd's robustness tests.

Several writers change sessions at random (create, renew, revoke, terminate,
expire) while several watchers disconnect and resume at random revisions.
Afterwards the events table is the ground truth, and every stream segment
must be:
- ordered and unique: event revisions strictly increase;
- reliable: every matching event in the range the segment covered arrived;
- resumable: the first event after (re)starting at R is the first match >= R;
- bookmarkable: no event at or below a progress revision already sent.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import grpc
from google.protobuf import duration_pb2
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import subject_service_pb2 as sub_pb

WAIT = 10.0
SUBJECTS = [f"rb{i}" for i in range(4)]
REFERENCES = ["", "web", "app"]


@dataclass
class Segment:
    filter: dict[str, str]
    start_revision: int
    messages: list[tuple[str, int, int, str]] = field(default_factory=list)  # kind, rev, type, sid


async def writer(h, rng: random.Random, ops: int) -> None:
    refresh: list[str] = []
    sessions: list[str] = []
    for _ in range(ops):
        op = rng.choice(["create", "create", "renew", "revoke", "revoke_many", "terminate", "tick"])
        try:
            if op == "create":
                ttl = rng.choice([1, 3600])
                r = await h.sessions.CreateSession(
                    pb.CreateSessionRequest(
                        subject_id=rng.choice(SUBJECTS),
                        reference=rng.choice(REFERENCES),
                        ttl=duration_pb2.Duration(seconds=ttl),
                    )
                )
                refresh.append(r.tokens.refresh_token)
                sessions.append(r.session.session_id)
            elif op == "renew" and refresh:
                token = rng.choice(refresh)
                r = await h.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=token))
                refresh.append(r.tokens.refresh_token)
            elif op == "revoke" and sessions:
                await h.sessions.RevokeSession(
                    pb.RevokeSessionRequest(session_id=rng.choice(sessions))
                )
            elif op == "revoke_many":
                await h.sessions.RevokeSessions(
                    pb.RevokeSessionsRequest(subject_id=rng.choice(SUBJECTS))
                )
            elif op == "terminate":
                subject = rng.choice(SUBJECTS)
                await h.subjects.TerminateSubject(
                    sub_pb.TerminateSubjectRequest(
                        subject_id=subject,
                        reason=sub_pb.TERMINATION_REASON_BANNED,
                        error_code="RB",
                    )
                )
                await h.subjects.ReinstateSubject(
                    sub_pb.ReinstateSubjectRequest(subject_id=subject)
                )
            elif op == "tick":
                h.clock.advance(1)  # short sessions pass their deadline; the reaper ends them
        except grpc.aio.AioRpcError as exc:
            # Refusals are fine (reused tokens, ended sessions, banned subjects);
            # a crash or an internal error is not.
            assert exc.code() not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), exc


async def watcher(
    h, rng: random.Random, flt: dict[str, str], done: asyncio.Event, segments: list[Segment]
) -> None:
    next_revision = 0
    while True:
        final = done.is_set()
        if final:
            target = await h.app.store.current_revision()
        # Resume where we were, or jump to a random revision (a fresh client
        # with a stored bookmark, or one starting from now).
        choice = rng.random()
        if choice < 0.2:
            start = 0
        elif choice < 0.4:
            # Never past head + 1: that is REVISION_AHEAD (test_watch.py).
            start = rng.randint(1, max(1, next_revision))
        else:
            start = next_revision
        seg = Segment(flt, start)
        segments.append(seg)
        call = h.sessions.WatchSessions(pb.WatchSessionsRequest(start_revision=start, **flt))
        budget = rng.randint(1, 30)
        try:
            while final or budget > 0:
                msg = await asyncio.wait_for(call.read(), WAIT)
                if msg is grpc.aio.EOF:
                    break
                budget -= 1
                if msg.WhichOneof("kind") == "event":
                    e = msg.event
                    seg.messages.append(("event", e.revision, e.type, e.session.session_id))
                    next_revision = e.revision + 1
                else:
                    seg.messages.append(("progress", msg.progress.revision, 0, ""))
                    next_revision = max(next_revision, msg.progress.revision + 1)
                    if final and msg.progress.revision >= target:
                        break
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, exc  # too slow: resume
        finally:
            call.cancel()
        if final:
            return


def matches(flt: dict[str, str], ev) -> bool:
    s = ev.session
    return all(getattr(s, "subject_id" if k == "subject_id" else k) == v for k, v in flt.items())


async def test_watch_streams_are_ordered_reliable_resumable_bookmarkable(make_server):
    h = await make_server(
        watch_queue_size=16,
        watch_progress_interval_seconds=0.1,
        create_rate_per_minute=100_000,
        create_rate_per_day=100_000,
        reaper_interval_seconds=0.05,
    )
    rng = random.Random(20261124)
    filters = [{}, {}, {"subject_id": "rb1"}, {"reference": "web"}, {"subject_id": "rb2"}]
    done = asyncio.Event()
    segments: list[Segment] = []
    watchers = [
        asyncio.create_task(watcher(h, random.Random(rng.random()), f, done, segments))
        for f in filters
    ]
    await asyncio.gather(*(writer(h, random.Random(rng.random()), 80) for _ in range(4)))
    # Let the reaper finish expiring whatever the last tick made due.
    h.clock.advance(2)
    while await h.app.manager.expire_due():
        pass
    done.set()
    await asyncio.wait_for(asyncio.gather(*watchers), 60)

    truth = await h.app.store.events_after(0, 1_000_000)
    assert [e.revision for e in truth] == list(range(1, len(truth) + 1))  # nothing compacted
    assert {e.type for e in truth} >= {"CREATED", "RENEWED", "REVOKED", "TERMINATED", "EXPIRED"}
    by_rev = {e.revision: e for e in truth}
    delivered = 0
    for seg in segments:
        msgs = seg.messages
        if not msgs:
            continue
        assert msgs[0][0] == "progress", seg
        first_progress = msgs[0][1]
        events = [m for m in msgs if m[0] == "event"]
        revs = [m[1] for m in events]
        assert revs == sorted(set(revs)), f"ordered/unique: {seg}"
        highest_progress = -1
        for kind, rev, _, _ in msgs:
            if kind == "progress":
                assert rev >= highest_progress, f"progress went back: {seg}"
                highest_progress = rev
            else:
                assert rev > highest_progress, f"bookmarkable: event {rev} after progress: {seg}"
        for _, rev, etype, sid in events:
            truth_ev = by_rev[rev]
            assert matches(seg.filter, truth_ev), f"event {rev} does not match {seg.filter}"
            assert truth_ev.session.session_id == sid
            assert pb.SessionEventType.Name(etype) == f"SESSION_EVENT_TYPE_{truth_ev.type}"
        covered_to = max(m[1] for m in msgs)
        low = seg.start_revision if seg.start_revision else first_progress + 1
        expected = [
            e.revision for e in truth if low <= e.revision <= covered_to and matches(seg.filter, e)
        ]
        assert revs == expected, f"reliable/resumable: {seg.filter} from {low}"
        delivered += len(revs)
    assert len(segments) > 20 and delivered > len(truth)
