"""Hypothesis fuzz of every RPC over the real gRPC surface: requests built
from the protos' own descriptors (with real ids, tokens and codes mixed in,
so calls get past the first check), the same requests with their bytes
mangled, and raw garbage. Whatever arrives, the answer is a deliberate
status (never UNKNOWN, INTERNAL or a hang), the server stays SERVING, and
no row is left half-written."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor, message, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority.v1 import subject_service_pb2 as sub_pb
from sessionauthority.v1 import subject_service_pb2_grpc as sub_grpc

from .invariants import no_half_written_rows
from .server_thread import ServerThread

F = descriptor.FieldDescriptor
# A status a server chooses on purpose. UNKNOWN and INTERNAL mean an
# exception escaped; DEADLINE_EXCEEDED means a hang.
NEVER = {
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.DATA_LOSS,
}
METHODS = [
    *(("SessionService", m) for m in pb.DESCRIPTOR.services_by_name["SessionService"].methods),
    *(("SubjectService", m) for m in sub_pb.DESCRIPTOR.services_by_name["SubjectService"].methods),
]
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


class Pool:
    """Real values from a few honest calls, for fuzzed fields to reuse."""

    def __init__(self, channel: grpc.Channel) -> None:
        stub = pb_grpc.SessionServiceStub(channel)
        # An earlier fuzz may have banned the subject.
        with contextlib.suppress(grpc.RpcError):
            sub_grpc.SubjectServiceStub(channel).ReinstateSubject(
                sub_pb.ReinstateSubjectRequest(subject_id="fz-a")
            )
        self.strings: list[str] = ["fz-a", "fz-b", "web", "", " ", "\x00", "é" * 129]
        for pending in (False, True, False):
            r = stub.CreateSession(
                pb.CreateSessionRequest(
                    subject_id="fz-a",
                    reference="web",
                    pending=pending,
                    request_id="fz-req" if pending else "",
                )
            )
            self.strings += [r.session.session_id, r.handoff_code]
            self.strings += [r.tokens.access_token, r.tokens.refresh_token]
        page = stub.ListSessions(pb.ListSessionsRequest(page_size=1))
        self.strings.append(page.next_page_token)


def _json_values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.floats(),  # NaN and infinities included
        st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    )
    keys = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)
        ),
        max_leaves=40,
    )


def _scalar(field: F, pool: Pool) -> st.SearchStrategy[Any]:
    t = field.type
    if t == F.TYPE_STRING:
        # Mostly real values, so calls get past the first check.
        real = st.sampled_from(pool.strings)
        return st.one_of(
            real,
            real,
            real,
            st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
            st.text("abcz09@._:-+", min_size=1, max_size=140),
        )
    if t == F.TYPE_BOOL:
        return st.booleans()
    if t == F.TYPE_ENUM:
        return st.integers(-3, len(field.enum_type.values) + 2)  # unknown values too
    if t == F.TYPE_BYTES:
        return st.binary(max_size=64)
    bits = 64 if t in (F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64) else 32
    edges = [0, 1, -1, 2 ** (bits - 1) - 1, -(2 ** (bits - 1))]
    return st.one_of(st.sampled_from(edges), st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1))


def messages(desc: descriptor.Descriptor, pool: Pool, depth: int = 0) -> st.SearchStrategy[Any]:
    cls = message_factory.GetMessageClass(desc)
    if desc.full_name == "google.protobuf.Struct":
        return st.dictionaries(st.text(max_size=10), _json_values(), max_size=6).map(
            lambda d: _struct(cls, d)
        )
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for f in desc.fields:
        if f.type == F.TYPE_MESSAGE:
            if depth > 3:
                continue
            one = messages(f.message_type, pool, depth + 1)
        else:
            one = _scalar(f, pool)
        fields[f.name] = st.lists(one, max_size=4) if _repeated(f) else one
    return st.fixed_dictionaries({}, optional=fields).map(lambda v: _build(cls, v))


def _repeated(f: F) -> bool:
    return bool(f.is_repeated)


def _struct(cls: Callable[[], Any], value: dict[str, Any]) -> Any:
    s = cls()
    s.update(value)
    return s


def _build(cls: Callable[[], Any], values: dict[str, Any]) -> Any:
    msg = cls()
    for name, value in values.items():
        target = getattr(msg, name)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, message.Message):
                    target.add().CopyFrom(item)
                else:
                    target.append(item)
        elif isinstance(value, message.Message):
            target.CopyFrom(value)
        else:
            setattr(msg, name, value)
    return msg


def mangled(raw: bytes) -> st.SearchStrategy[bytes]:
    """The bytes of a real request with a slice replaced: broken lengths,
    tags and UTF-8 in otherwise plausible messages."""
    return st.tuples(st.integers(0, len(raw)), st.integers(0, 8), st.binary(max_size=12)).map(
        lambda t: raw[: t[0]] + t[2] + raw[t[0] + t[1] :]
    )


@pytest.fixture(scope="module")
def server(module_database_url: str) -> Iterator[ServerThread]:
    s = ServerThread(
        module_database_url,
        create_rate_per_minute=0,
        create_rate_per_day=0,
        watch_progress_interval_seconds=0.2,
    )
    errors = _ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        yield s
    finally:
        logging.getLogger().removeHandler(errors)
        s.stop()
    no_half_written_rows(s.database_url)
    # Refusals are one WARNING at most; an ERROR means something escaped.
    assert not errors.records, [r.getMessage() for r in errors.records]


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def channel(server: ServerThread) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.target) as ch:
        yield ch


def _call(channel: grpc.Channel, path: str, raw: bytes, streaming: bool) -> None:
    """Sends raw request bytes; fails the test on a status no input may cause."""
    try:
        if streaming:
            stream = channel.unary_stream(path)(raw, timeout=5)
            try:
                next(stream)  # the first message (a progress) or the error
            finally:
                stream.cancel()
        else:
            channel.unary_unary(path)(raw, timeout=5)
    except grpc.RpcError as err:
        if err.code() == grpc.StatusCode.CANCELLED and streaming:
            return
        assert err.code() not in NEVER, (path, raw, err.code(), err.details())


def _still_serving(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    status = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
    assert status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("service, method", METHODS, ids=lambda m: getattr(m, "name", m))
def test_generated_and_mangled_requests(channel, service, method) -> None:
    pool = Pool(channel)
    path = f"/sessionauthority.v1.{service}/{method.name}"
    streaming = method.server_streaming
    requests = messages(method.input_type, pool)

    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        request = data.draw(requests)
        raw = request.SerializeToString()
        _call(channel, path, raw, streaming)
        _call(channel, path, data.draw(mangled(raw)), streaming)

    run()
    _still_serving(channel)


@FUZZ
@given(raw=st.binary(max_size=200), which=st.sampled_from(METHODS))
def test_raw_garbage(channel, raw: bytes, which) -> None:
    service, method = which
    _call(channel, f"/sessionauthority.v1.{service}/{method.name}", raw, method.server_streaming)


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_metadata_json_cannot_hold_is_invalid_argument(channel, bad: str) -> None:
    """Found by this fuzz: a Struct can hold NaN and Infinity, which JSON
    cannot (it was UNKNOWN)."""
    stub = pb_grpc.SessionServiceStub(channel)
    request = pb.CreateSessionRequest(subject_id="fz-json")
    request.metadata.update({"x": {"y": [1, float(bad)]}})
    with pytest.raises(grpc.RpcError) as info:
        stub.CreateSession(request)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "metadata" in info.value.details()
