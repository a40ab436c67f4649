"""Hypothesis state machine over the real gRPC surface: random sequences of
create / start / renew / revoke / reuse / terminate / reinstate / expire.

A model predicts every session's state; after each step the server must
agree (so no illegal transition happens and terminal states never change),
and the events table must replay to the sessions table with contiguous
revisions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc
import pytest
from google.protobuf import duration_pb2
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority.v1 import subject_service_pb2 as sub_pb
from sessionauthority.v1 import subject_service_pb2_grpc as sub_grpc

from .invariants import no_half_written_rows
from .server_thread import ServerThread

SUBJECTS = ["sm-a", "sm-b", "sm-c"]
LIVE = {"PENDING", "ACTIVE"}
US = 1_000_000


@pytest.fixture(scope="module")
def server(module_database_url: str) -> Iterator[ServerThread]:
    s = ServerThread(
        module_database_url,
        create_rate_per_minute=1_000_000,
        create_rate_per_day=1_000_000,
    )
    yield s
    s.stop()


@dataclass
class Model:
    session_id: str
    subject: str
    state: str
    expire_us: int
    refresh: str = ""
    old_refresh: list[str] = field(default_factory=list)
    handoff: str = ""


def state_name(value: int) -> str:
    return spb.SessionState.Name(value).removeprefix("SESSION_STATE_")


class SessionMachine(RuleBasedStateMachine):
    srv: ServerThread

    def __init__(self) -> None:
        super().__init__()
        self.channel = grpc.insecure_channel(self.srv.target)
        self.sessions = pb_grpc.SessionServiceStub(self.channel)
        self.subjects = sub_grpc.SubjectServiceStub(self.channel)
        self.model: dict[str, Model] = {}
        self.banned: set[str] = set()

    @initialize()
    def reset_subjects(self) -> None:
        # Examples share one database; start each with every subject allowed.
        for s in SUBJECTS:
            self.reinstate(s)

    def now(self) -> int:
        return self.srv.clock()

    def settle(self) -> None:
        """The model's clock rule: live past its deadline means EXPIRED."""
        now = self.now()
        for m in self.model.values():
            if m.state in LIVE and m.expire_us <= now:
                m.state = "EXPIRED"

    def pick(self, data: st.DataObject) -> Model | None:
        if not self.model:
            return None
        return self.model[data.draw(st.sampled_from(sorted(self.model)))]

    @rule(subject=st.sampled_from(SUBJECTS), pending=st.booleans(), ttl=st.sampled_from([60, 3600]))
    def create(self, subject: str, pending: bool, ttl: int) -> None:
        request = pb.CreateSessionRequest(
            subject_id=subject, pending=pending, ttl=duration_pb2.Duration(seconds=ttl)
        )
        if subject in self.banned:
            with pytest.raises(grpc.RpcError) as info:
                self.sessions.CreateSession(request)
            assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
            return
        r = self.sessions.CreateSession(request)
        self.model[r.session.session_id] = Model(
            r.session.session_id,
            subject,
            "PENDING" if pending else "ACTIVE",
            r.session.expire_time.ToMicroseconds(),
            refresh=r.tokens.refresh_token,
            handoff=r.handoff_code,
        )

    @rule(data=st.data())
    def start(self, data: st.DataObject) -> None:
        m = self.pick(data)
        if m is None or not m.handoff:
            return
        self.settle()
        request = pb.StartSessionRequest(handoff_code=m.handoff)
        was = m.state
        m.handoff = ""  # single use, whatever happens
        if was == "PENDING":
            r = self.sessions.StartSession(request)
            m.state = "ACTIVE"
            m.refresh = r.tokens.refresh_token
        else:
            with pytest.raises(grpc.RpcError) as info:
                self.sessions.StartSession(request)
            assert info.value.code() in (
                grpc.StatusCode.UNAUTHENTICATED,
                grpc.StatusCode.NOT_FOUND,
            )

    @rule(data=st.data())
    def renew(self, data: st.DataObject) -> None:
        m = self.pick(data)
        if m is None or not m.refresh:
            return
        self.settle()
        request = pb.RenewSessionRequest(refresh_token=m.refresh)
        if m.state == "ACTIVE":
            r = self.sessions.RenewSession(request)
            m.old_refresh.append(m.refresh)
            m.refresh = r.tokens.refresh_token
        else:
            with pytest.raises(grpc.RpcError) as info:
                self.sessions.RenewSession(request)
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED

    @rule(data=st.data())
    def reuse_old_token_after_grace(self, data: st.DataObject) -> None:
        m = self.pick(data)
        if m is None or not m.old_refresh:
            return
        self.srv.clock.advance(11)  # past the 10 s grace window
        self.settle()
        with pytest.raises(grpc.RpcError) as info:
            self.sessions.RenewSession(pb.RenewSessionRequest(refresh_token=m.old_refresh[0]))
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        if m.state in LIVE:
            m.state = "REVOKED"  # theft detection

    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        m = self.pick(data)
        if m is None:
            return
        self.settle()
        r = self.sessions.RevokeSession(pb.RevokeSessionRequest(session_id=m.session_id))
        if m.state in LIVE:
            m.state = "REVOKED"
        assert state_name(r.session.state) == m.state

    @rule(subject=st.sampled_from(SUBJECTS))
    def terminate(self, subject: str) -> None:
        self.settle()
        self.subjects.TerminateSubject(
            sub_pb.TerminateSubjectRequest(
                subject_id=subject, reason=sub_pb.TERMINATION_REASON_BANNED, error_code="SM"
            )
        )
        self.banned.add(subject)
        for m in self.model.values():
            if m.subject == subject and m.state in LIVE:
                m.state = "TERMINATED"

    @rule(subject=st.sampled_from(SUBJECTS))
    def reinstate(self, subject: str) -> None:
        try:
            self.subjects.ReinstateSubject(sub_pb.ReinstateSubjectRequest(subject_id=subject))
        except grpc.RpcError as exc:
            # Only a subject the server has never seen may be unknown.
            assert exc.code() == grpc.StatusCode.NOT_FOUND
            assert not any(m.subject == subject for m in self.model.values())
        self.banned.discard(subject)

    @rule(seconds=st.sampled_from([45, 700, 4000]))
    def time_passes(self, seconds: int) -> None:
        self.srv.clock.advance(seconds)

    @invariant()
    def server_agrees_with_model(self) -> None:
        self.settle()
        for m in self.model.values():
            got = self.sessions.GetSession(pb.GetSessionRequest(session_id=m.session_id))
            assert state_name(got.session.state) == m.state, m

    def teardown(self) -> None:
        self.channel.close()
        no_half_written_rows(self.srv.database_url)


def test_random_histories_respect_the_state_machine(server: ServerThread) -> None:
    SessionMachine.srv = server
    run_state_machine_as_test(
        SessionMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
