"""ManagedSession's clock-driven behaviour against grpcio-testing's fake
channel and fake time: when it renews, how a handler postpones a renewal,
the jittered backoff while the server is away, and what ends it."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from typing import Any

import grpc
import grpc_testing
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from sessionauthority import ManagedSession, SessionAuthorityClient
from sessionauthority.managed import State
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb

T0 = 1_800_000_000.0
SERVICE = pb.DESCRIPTOR.services_by_name["SessionService"]
CREATE = SERVICE.methods_by_name["CreateSession"]
RENEW = SERVICE.methods_by_name["RenewSession"]


class Fake:
    def __init__(self, **session_args: Any) -> None:
        self.time = grpc_testing.strict_fake_time(T0)
        self.channel = grpc_testing.channel([SERVICE], self.time)
        self.asked: list[float] = []  # fake times at which the handler was asked
        self.answers: list[bool] = []
        self.changes: list[tuple[State, str]] = []
        self.session = ManagedSession(
            SessionAuthorityClient(channel=self.channel),
            "u1",
            lead_time=60,
            time_source=self.time,
            renewal_handler=self._handler,
            **session_args,
        )
        self.session.add_observer(lambda s, c: self.changes.append((c.state, c.reason)))

    def _handler(self, _session: ManagedSession) -> bool:
        self.asked.append(self.time.time() - T0)
        return self.answers.pop(0) if self.answers else True

    def answer(self, method: Any, response: Any = None, code=grpc.StatusCode.OK, trailers=()):  # type: ignore[no-untyped-def]
        """Takes the next call of `method` (waiting at most 5 s) and answers it."""
        got: list[Any] = []
        t = threading.Thread(target=lambda: got.append(self.channel.take_unary_unary(method)))
        t.daemon = True
        t.start()
        t.join(5)
        assert got, f"no {method.name} call came"
        _, request, rpc = got[0]
        details = trailers[0][1] if trailers else ""
        rpc.terminate(response, trailers[1:] if trailers else (), code, details)
        return request

    def login(self) -> None:
        t = threading.Thread(target=self.session.login)
        t.start()
        self.answer(CREATE, created(0))
        t.join(5)

    def advance(self, seconds: float, method: Any = None, *answer: Any) -> Any:
        """Moves fake time on, answers the call that then comes (if any), and
        waits until the session has reacted."""
        self.time.sleep_for(seconds)
        request = self.answer(method, *answer) if method is not None else None
        self.session.wait_idle(5)
        return request


def pair(issued_at: float) -> spb.TokenPair:
    tokens = spb.TokenPair(access_token=f"at-{issued_at}", refresh_token=f"rt-{issued_at}")
    tokens.access_token_expire_time.seconds = int(T0 + issued_at + 900)
    tokens.refresh_token_expire_time.seconds = int(T0 + 86400 * 7)
    return tokens


def session_pb() -> spb.Session:
    s = spb.Session(session_id="ses_1", subject_id="u1", state=spb.SESSION_STATE_ACTIVE)
    s.expire_time.seconds = int(T0 + 86400 * 7)
    return s


def created(at: float) -> pb.CreateSessionResponse:
    return pb.CreateSessionResponse(session=session_pb(), tokens=pair(at))


def renewed(at: float) -> pb.RenewSessionResponse:
    return pb.RenewSessionResponse(session=session_pb(), tokens=pair(at))


def rich(code: grpc.StatusCode, reason: str, **metadata: str) -> tuple[Any, ...]:
    """Trailers as the server sends them: a google.rpc.Status with ErrorInfo."""
    info = any_pb2.Any()
    info.Pack(
        error_details_pb2.ErrorInfo(reason=reason, domain="sessionauthority", metadata=metadata)
    )
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=reason, details=[info])
    return (("", reason), ("grpc-status-details-bin", status.SerializeToString()))


@pytest.fixture
def fake() -> Iterator[Fake]:
    f = Fake(rng=random.Random(7), backoff=(1.0, 8.0), postpone_delay=600)
    yield f
    f.session.close()


def test_renews_a_lead_time_before_the_access_token_expires(fake):
    fake.login()
    assert fake.session.state is State.ESTABLISHED
    assert fake.session.expiration_epoch == T0 + 900
    fake.advance(839)
    assert fake.asked == []
    request = fake.advance(1, RENEW, renewed(840))
    assert request.refresh_token == "rt-0"
    assert fake.asked == [840]
    # The next one: 60 s before the new token's expiry.
    assert fake.advance(840, RENEW, renewed(1680)).refresh_token == "rt-840"
    assert fake.asked == [840, 1680]
    assert fake.changes[-1] == (State.ESTABLISHED, "RENEWED")


def test_a_postponed_renewal_waits_the_postpone_delay(fake):
    fake.login()
    fake.answers = [False]
    fake.advance(840)
    fake.advance(599)
    assert fake.asked == [840]  # not asked again before the delay
    assert fake.session.state is State.TOKEN_EXPIRED  # its token ran out at 900
    assert (State.TOKEN_EXPIRED, "ACCESS_TOKEN_EXPIRED") in fake.changes  # told at 900
    fake.advance(1, RENEW, renewed(1440))  # 1440: past the token's expiry at 900
    assert fake.asked == [840, 1440]
    assert (State.ESTABLISHED, "RENEWED") == fake.changes[-1]


def test_failed_renewals_back_off_with_jitter(fake):
    fake.login()
    away = (None, grpc.StatusCode.UNAVAILABLE, rich(grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE"))
    fake.advance(840, RENEW, *away)
    rng = random.Random(7)  # the session's own seed: the same jitter
    expected, at = [840.0], 840.0
    waits = (1.0, 2.0, 4.0, 8.0, 8.0)  # doubling from 1 s, at most 8 s
    for i, wait in enumerate(waits):
        delay = wait * rng.uniform(0.5, 1.5)
        at += delay
        expected.append(at)
        answer = (renewed(at),) if i == len(waits) - 1 else away
        fake.advance(delay, RENEW, *answer)
    assert fake.asked == pytest.approx(expected)
    assert fake.session.state is State.ESTABLISHED
    assert (State.TOKEN_EXPIRED, "RENEWAL_FAILED") not in fake.changes  # still before 900


def test_a_terminated_session_ends_with_its_reason_and_code(fake):
    fake.login()
    ended = rich(
        grpc.StatusCode.UNAUTHENTICATED,
        "SESSION_TERMINATED",
        end_reason="SUBJECT_BANNED",
        error_code="E-9",
    )
    fake.advance(840, RENEW, None, grpc.StatusCode.UNAUTHENTICATED, ended)
    assert fake.session.state is State.TERMINATED
    assert fake.session.change.reason == "SESSION_TERMINATED"
    assert fake.session.change.error_code == "E-9"
