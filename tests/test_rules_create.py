"""Create, replay, reuse, the per-subject cap, rate limits and StartSession,
decided by the manager's flows over the in-memory repository."""

from __future__ import annotations

import pytest
from sessionauthority_server.domain import EndReason, State, TerminationReason
from sessionauthority_server.sessions import create, ending, renew
from sessionauthority_server.tokens import secret_hash

from .rules_fixtures import Rules, refused

# No database at all: the in-memory repository.
pytestmark = pytest.mark.backend_independent


def test_a_create_writes_an_active_session_its_event_and_a_pair() -> None:
    r = Rules()
    out = r.create(metadata={"k": "v"})
    assert out.session.state is State.ACTIVE and out.tokens is not None and not out.reused
    assert r.events() == [("CREATED", "ACTIVE")]
    assert r.session(out.session.session_id).revision == 1
    assert out.tokens.access_expire_us <= out.session.expire_us


def test_a_pending_create_gives_a_handoff_code_and_no_pair() -> None:
    r = Rules()
    out = r.create(pending=True)
    assert out.session.state is State.PENDING and out.tokens is None and out.handoff_code
    started, pair = r.run(create.start, out.handoff_code)
    assert started.state is State.ACTIVE and pair.refresh_token
    assert r.events() == [("CREATED", "PENDING"), ("STARTED", "ACTIVE")]
    with refused("HANDOFF_CODE_INVALID"):
        r.run(create.start, out.handoff_code)  # single use


def test_starting_a_pending_session_past_its_deadline_writes_the_expiry_and_refuses() -> None:
    r = Rules()
    out = r.create(pending=True, ttl_us=5_000_000)
    r.clock.advance(6)
    with refused("SESSION_EXPIRED"):
        r.run(create.start, out.handoff_code)
    assert r.events()[-1] == ("EXPIRED", "EXPIRED")
    assert r.store.state.handoffs == {}


def test_a_repeated_request_id_replays_the_first_answer() -> None:
    r = Rules()
    first = r.create(request_id="req-1")
    again = r.create(request_id="req-1")
    assert again.replayed and again.session.session_id == first.session.session_id
    assert again.tokens == first.tokens
    assert len(r.store.state.sessions) == 1
    with refused("INVALID_ARGUMENT"):
        r.create(request_id="req-1", reference="other")


def test_a_replay_withholds_a_refresh_token_that_has_rotated() -> None:
    r = Rules()
    first = r.create(request_id="req-1")
    r.run(renew.renew, secret_hash(first.tokens.refresh_token))
    again = r.create(request_id="req-1")
    assert again.replayed and again.tokens is None


def test_reuse_gives_the_live_session_a_new_pair_and_supersedes_the_old() -> None:
    r = Rules()
    first = r.create(reference="phone", reuse_existing=True)
    second = r.create(reference="phone", reuse_existing=True)
    assert second.reused and second.session.session_id == first.session.session_id
    assert r.events() == [("CREATED", "ACTIVE"), ("RENEWED", "ACTIVE")]
    with refused("REFRESH_TOKEN_SUPERSEDED"):
        r.run(renew.renew, secret_hash(first.tokens.refresh_token))
    r.run(renew.renew, secret_hash(second.tokens.refresh_token))


def test_the_per_subject_cap_ends_the_oldest_as_superseded() -> None:
    r = Rules(max_sessions_per_subject=2)
    ids = []
    for _ in range(3):
        ids.append(r.create().session.session_id)
        r.clock.advance(1)
    assert r.session(ids[0]).end_reason is EndReason.SUPERSEDED
    assert [r.session(i).state for i in ids[1:]] == [State.ACTIVE, State.ACTIVE]


def test_over_the_rate_limit_nothing_is_written() -> None:
    r = Rules(create_rate_per_minute=2)
    r.create()
    r.create()
    before = len(r.store.state.sessions)
    with refused("RATE_LIMITED"):
        r.create()
    assert len(r.store.state.sessions) == before
    r.clock.advance(31)  # one interval later, one more fits
    r.create()


def test_a_banned_subject_gets_no_session_and_nothing_is_written() -> None:
    r = Rules()
    r.run(ending.terminate, "u1", TerminationReason.BANNED, "E_BAN")
    before = dict(r.store.state.sessions)
    with refused("SUBJECT_TERMINATED"):
        r.create("u1")
    assert r.store.state.sessions == before
    r.run(ending.reinstate, "u1")
    assert r.create("u1").session.state is State.ACTIVE
