"""One event, many streams: each stream gets the whole event, byte for byte
the same, and the server encodes it once for all of them (services/fanout.py),
including streams whose filters differ."""

from __future__ import annotations

import asyncio

from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import Watch, create

STREAMS = 40


async def test_an_event_is_encoded_once_for_every_stream(h):
    watches = [Watch(h.sessions) for _ in range(STREAMS)]
    watches += [Watch(h.sessions, subject_id="fan") for _ in range(STREAMS // 2)]
    await asyncio.gather(*(w.progress() for w in watches))
    encoder = h.app.event_encoder
    assert encoder is not None

    created = await create(h, subject="fan")
    before = encoder.encoded
    revoked = await h.sessions.RevokeSession(
        pb.RevokeSessionRequest(session_id=created.session.session_id)
    )
    heard = await asyncio.gather(*(w.events(2) for w in watches))

    for created_event, revoked_event in heard:
        assert created_event.session.session_id == created.session.session_id
        assert revoked_event.revision == revoked.session.revision
        assert revoked_event.session == revoked.session
    # The revoke went to 60 streams under two filters: encoded once (a busy
    # loop may have let the created event's encoding land after `before`).
    assert 1 <= encoder.encoded - before <= 2
    for w in watches:
        w.cancel()


async def test_streams_that_start_from_history_get_the_same_events(h):
    first = await create(h, subject="old")
    await h.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=first.session.session_id))
    live = Watch(h.sessions)
    await live.progress()
    replay = [Watch(h.sessions, start_revision=first.session.revision) for _ in range(5)]
    histories = await asyncio.gather(*(w.events(2) for w in replay))
    assert all(hist == histories[0] for hist in histories)
    assert [e.session.subject_id for e in histories[0]] == ["old", "old"]
    later = await create(h, subject="new")
    assert (await live.event()).revision == later.session.revision
    for w in [live, *replay]:
        w.cancel()
