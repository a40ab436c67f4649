"""Property: every event the server can emit parses with the default Python
protobuf client, whatever metadata and client fields the session carries,
through every kind of change. One event too deep for a parser would break
every watcher of it for the whole retention period, so what the server
accepts must always be readable, and anything it refuses must be over a
stated limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority.v1 import subject_service_pb2 as sub_pb
from sessionauthority.v1 import subject_service_pb2_grpc as sub_grpc

from .helpers import WAIT
from .server_thread import ServerThread

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
# Client fields refuse U+0000 (test_hostile_input); metadata keeps it, escaped.
CLIENT_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30
)
LEAVES = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False), TEXT)
T = pb.SessionEventType


def _nest(value: Any, path: list[bool]) -> Any:
    for as_list in path:
        value = [value] if as_list else {"k": value}
    return value


# Wide random trees, and deep chains around the depth limit (8).
METADATA = st.one_of(
    st.recursive(
        LEAVES,
        lambda inner: st.one_of(
            st.lists(inner, max_size=5), st.dictionaries(TEXT, inner, max_size=5)
        ),
        max_leaves=60,
    ),
    st.builds(_nest, LEAVES, st.lists(st.booleans(), min_size=5, max_size=14)),
).map(lambda v: v if isinstance(v, dict) else {"v": v})


def shape(value: Any) -> tuple[int, int]:
    """(levels of objects and lists, keys in all objects), as the README
    states the limits."""
    if isinstance(value, dict):
        inner = [shape(v) for v in value.values()]
        return 1 + max((d for d, _ in inner), default=0), len(value) + sum(k for _, k in inner)
    if isinstance(value, list):
        inner = [shape(v) for v in value]
        return 1 + max((d for d, _ in inner), default=0), sum(k for _, k in inner)
    return 0, 0


@pytest.fixture(scope="module")
def server(module_database_url: str) -> Iterator[ServerThread]:
    s = ServerThread(
        module_database_url,
        create_rate_per_minute=0,
        create_rate_per_day=0,
        reaper_interval_seconds=0.05,
    )
    yield s
    s.stop()


def _struct(value: dict[str, Any]) -> Any:
    request = pb.CreateSessionRequest()
    request.metadata.update(value)
    return request.metadata


def _accepted(call: Any, metadata: dict[str, Any]) -> Any:
    """The answer, or None when the server refused the metadata, which it may
    do only over a limit."""
    try:
        return call()
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err
        assert "metadata" in err.details()
        depth, keys = shape(metadata)
        size = _struct(metadata).ByteSize()
        assert depth > 8 or keys > 256 or size > 16 * 1024, (depth, keys, size)
        return None


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    first=METADATA,
    second=METADATA,
    client=st.tuples(CLIENT_TEXT, CLIENT_TEXT, CLIENT_TEXT),
    pending=st.booleans(),
    ending=st.sampled_from(["revoke", "terminate", "expire"]),
)
def test_every_event_parses_with_the_default_python_client(
    server: ServerThread,
    first: dict[str, Any],
    second: dict[str, Any],
    client: tuple[str, str, str],
    pending: bool,
    ending: str,
) -> None:
    subject = "ev-" + uuid.uuid4().hex[:12]
    with grpc.insecure_channel(server.target) as channel:
        sessions = pb_grpc.SessionServiceStub(channel)
        watch = sessions.WatchSessions(pb.WatchSessionsRequest(subject_id=subject), timeout=WAIT)
        assert next(watch).WhichOneof("kind") == "progress"
        request = pb.CreateSessionRequest(
            subject_id=subject,
            pending=pending,
            client=spb.ClientInfo(
                user_agent=client[0], ip_address=client[1], device_name=client[2]
            ),
        )
        request.metadata.update(first)
        created = _accepted(lambda: sessions.CreateSession(request), first)
        if created is None:
            watch.cancel()
            return
        expected = [(T.SESSION_EVENT_TYPE_CREATED, first)]
        if pending:
            started = sessions.StartSession(
                pb.StartSessionRequest(handoff_code=created.handoff_code)
            )
            refresh = started.tokens.refresh_token
            expected.append((T.SESSION_EVENT_TYPE_STARTED, first))
        else:
            refresh = created.tokens.refresh_token
        sessions.RenewSession(pb.RenewSessionRequest(refresh_token=refresh))
        expected.append((T.SESSION_EVENT_TYPE_RENEWED, first))
        update = pb.UpdateSessionMetadataRequest(session_id=created.session.session_id)
        update.metadata.update(second)
        if _accepted(lambda: sessions.UpdateSessionMetadata(update), second) is not None:
            expected.append((T.SESSION_EVENT_TYPE_METADATA_UPDATED, second))
        last = expected[-1][1]
        if ending == "revoke":
            sessions.RevokeSession(pb.RevokeSessionRequest(session_id=created.session.session_id))
            expected.append((T.SESSION_EVENT_TYPE_REVOKED, last))
        elif ending == "terminate":
            sub_grpc.SubjectServiceStub(channel).TerminateSubject(
                sub_pb.TerminateSubjectRequest(
                    subject_id=subject, reason=sub_pb.TERMINATION_REASON_BANNED, error_code="E"
                )
            )
            expected.append((T.SESSION_EVENT_TYPE_TERMINATED, last))
        else:
            server.clock.advance(8 * 86400)  # past any session's end
            expected.append((T.SESSION_EVENT_TYPE_EXPIRED, last))

        # Each message is parsed by the stub as any Python watcher's would be.
        got = []
        for message in watch:
            if message.WhichOneof("kind") == "event":
                e = message.event
                got.append((e.type, json_format.MessageToDict(e.session.metadata)))
                if len(got) == len(expected):
                    break
        watch.cancel()
        assert [t for t, _ in got] == [t for t, _ in expected]
        for (_, have), (_, want) in zip(got, expected, strict=True):
            assert have == json_format.MessageToDict(_struct(want))
