"""Renew (rotation, grace, theft), revoke, metadata, ban and reinstate,
expiry, and every row of the transition table, decided by the manager's
flows over the in-memory repository."""

from __future__ import annotations

import dataclasses

import pytest
from sessionauthority_server import policy
from sessionauthority_server.domain import EndReason, EventType, State, TerminationReason
from sessionauthority_server.errors import DomainError
from sessionauthority_server.sessions import ending, renew
from sessionauthority_server.sessions.lifecycle import change
from sessionauthority_server.tokens import secret_hash

from .rules_fixtures import Rules, refused

# No database at all: the in-memory repository.
pytestmark = pytest.mark.backend_independent


def test_a_renew_rotates_the_refresh_token() -> None:
    r = Rules()
    out = r.create()
    r.clock.advance(1)
    s, pair = r.run(renew.renew, secret_hash(out.tokens.refresh_token))
    assert pair.refresh_token != out.tokens.refresh_token
    assert s.last_renew_us == r.clock.now and r.events()[-1] == ("RENEWED", "ACTIVE")
    assert r.store.state.tokens[secret_hash(pair.refresh_token)].generation == 2


def test_a_retry_inside_the_grace_window_gets_the_same_pair() -> None:
    r = Rules(refresh_reuse_grace_seconds=10)
    out = r.create()
    _, first = r.run(renew.renew, secret_hash(out.tokens.refresh_token))
    r.clock.advance(9)
    _, again = r.run(renew.renew, secret_hash(out.tokens.refresh_token))
    assert again == first
    assert [t for t, _ in r.events()] == ["CREATED", "RENEWED"]


def test_a_renew_after_the_grace_window_is_theft_and_ends_the_session() -> None:
    r = Rules(refresh_reuse_grace_seconds=10)
    out = r.create()
    _, newer = r.run(renew.renew, secret_hash(out.tokens.refresh_token))
    r.clock.advance(11)
    with refused("REFRESH_TOKEN_REUSED"):
        r.run(renew.renew, secret_hash(out.tokens.refresh_token))
    s = r.session(out.session.session_id)
    assert s.state is State.REVOKED and s.end_reason is EndReason.REFRESH_TOKEN_REUSE
    with refused("SESSION_REVOKED"):  # the thief's pair dies with it, and so does the owner's
        r.run(renew.renew, secret_hash(newer.refresh_token))


def test_unknown_and_other_tenants_refresh_tokens_are_invalid() -> None:
    r = Rules()
    out = r.create()
    with refused("REFRESH_TOKEN_INVALID"):
        r.run(renew.renew, secret_hash("nope"))
    r.tenant = "other"
    with refused("REFRESH_TOKEN_INVALID"):
        r.run(renew.renew, secret_hash(out.tokens.refresh_token))


def test_a_renew_past_the_session_deadline_writes_the_expiry_and_refuses() -> None:
    r = Rules()
    out = r.create(ttl_us=5_000_000)
    r.clock.advance(6)
    with refused("SESSION_EXPIRED"):
        r.run(renew.renew, secret_hash(out.tokens.refresh_token))
    assert r.events()[-1] == ("EXPIRED", "EXPIRED")
    assert r.session(out.session.session_id).end_us == out.session.expire_us


def test_revoke_is_idempotent_and_defaults_to_logout() -> None:
    r = Rules()
    sid = r.create().session.session_id
    s = r.run(ending.revoke, sid, None)
    assert s.state is State.REVOKED and s.end_reason is EndReason.LOGOUT
    assert r.run(ending.revoke, sid, EndReason.ADMIN) == r.session(sid)
    assert [t for t, _ in r.events()] == ["CREATED", "REVOKED"]
    with refused("SESSION_NOT_FOUND"):
        r.run(ending.revoke, "ses_missing", None)


def test_a_chunk_revokes_only_what_is_still_live() -> None:
    r = Rules()
    ids = [r.create(f"u{i}").session.session_id for i in range(3)]
    r.run(ending.revoke, ids[1], None)
    assert r.run(ending.revoke_chunk, [*ids, "ses_gone"], EndReason.ADMIN) == [ids[0], ids[2]]


def test_metadata_changes_only_on_a_live_session() -> None:
    r = Rules()
    sid = r.create().session.session_id
    assert r.run(ending.update_metadata, sid, {"a": 1}).metadata == {"a": 1}
    r.run(ending.revoke, sid, None)
    with refused("SESSION_REVOKED"):
        r.run(ending.update_metadata, sid, {"a": 2})
    assert r.session(sid).metadata == {"a": 1}


def test_a_ban_terminates_every_live_session_with_the_error_code() -> None:
    r = Rules()
    ids = [r.create("u1").session.session_id for _ in range(2)]
    other = r.create("u2").session.session_id
    subject, count = r.run(ending.terminate, "u1", TerminationReason.BANNED, "E_BAN")
    assert count == 2 and subject.session_count == 0 and subject.error_code == "E_BAN"
    for sid in ids:
        s = r.session(sid)
        assert (s.state, s.end_reason, s.error_code) == (
            State.TERMINATED,
            EndReason.SUBJECT_BANNED,
            "E_BAN",
        )
    assert r.session(other).state is State.ACTIVE
    back = r.run(ending.reinstate, "u1")
    assert back.termination_reason is None and r.session(ids[0]).state is State.TERMINATED
    with refused("SUBJECT_NOT_FOUND"):
        r.run(ending.reinstate, "never-seen")


def test_expiry_by_the_clock_and_by_idleness() -> None:
    r = Rules(idle_timeout_seconds=30)
    short = r.create("a", ttl_us=5_000_000).session.session_id
    idle = r.create("b").session.session_id
    assert r.store.run(ending.expire_due, 100)[0] == 0
    r.clock.advance(6)
    assert r.store.run(ending.expire_due, 100)[0] == 1
    assert r.session(short).end_reason is EndReason.EXPIRED
    r.clock.advance(30)
    assert r.store.run(ending.expire_due, 100)[0] == 1
    assert r.session(idle).end_reason is EndReason.IDLE_TIMEOUT
    assert r.store.run(ending.expire_due, 100)[0] == 0


TARGET = {
    EventType.CREATED: None,
    EventType.STARTED: State.ACTIVE,
    EventType.RENEWED: State.ACTIVE,
    EventType.METADATA_UPDATED: None,
    EventType.REVOKED: State.REVOKED,
    EventType.EXPIRED: State.EXPIRED,
    EventType.TERMINATED: State.TERMINATED,
}


@pytest.mark.parametrize("event", list(policy.TRANSITIONS))
@pytest.mark.parametrize("before", [None, *State])
def test_every_transition_is_written_only_where_the_table_allows(
    event: EventType, before: State | None
) -> None:
    r = Rules()
    s = r.create(pending=before is State.PENDING).session
    if before is not None and before is not s.state:
        s = dataclasses.replace(s, state=before)
        r.store.state.sessions[s.session_id] = s
    allowed_from, _ = policy.TRANSITIONS[event]
    if event is EventType.CREATED:
        after_state, legal = State.ACTIVE, before is None
    else:
        after_state = TARGET[event] or (before or State.ACTIVE)
        legal = before in allowed_from
    old = None if before is None else s
    new = dataclasses.replace(s, session_id="ses_new") if before is None else s
    after = dataclasses.replace(new, state=after_state)
    count = len(r.store.state.events)
    if legal:
        r.store.run(lambda repo, deps, tenant: change(repo, old, after, event), "acme")
        assert len(r.store.state.events) == count + 1
        assert r.store.state.events[-1].type is event
    else:
        with pytest.raises(DomainError):
            r.store.run(lambda repo, deps, tenant: change(repo, old, after, event), "acme")
        assert len(r.store.state.events) == count
