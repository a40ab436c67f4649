"""The bench's pure helpers: gRPC frames, the protobuf fields the raw clients
write and read, h2load's output, and the yardstick's report sections."""

from __future__ import annotations

import pytest
from sessionauthority.v1 import session_pb2
from sessionauthority.v1 import session_service_pb2 as pb

from bench import frames, h2, report_yardstick

# Bytes and text only: nothing here touches a database.
pytestmark = pytest.mark.backend_independent

H2LOAD_OUTPUT = """starting benchmark...
spawning thread #0: 1 total client(s). 3 total requests
Application protocol: h2c
progress: 100% done

finished in 51.72ms, 58.00 req/s, 6.78KB/s
requests: 3 total, 3 started, 3 done, 2 succeeded, 1 failed, 0 errored, 0 timeout
status codes: 2 2xx, 0 3xx, 0 4xx, 1 5xx
traffic: 359B (359) total, 84B (84) headers (space savings 65.43%), 21B (21) data
time for request:      399us      4.13ms      1.73ms      2.08ms    66.67%
"""


def test_grpc_frame_prefixes_flag_and_big_endian_length() -> None:
    assert frames.grpc_frame(b"") == b"\0\0\0\0\0"
    assert frames.grpc_frame(b"x" * 300) == b"\0\0\0\x01\x2c" + b"x" * 300


@pytest.mark.parametrize("n", [0, 1, 127, 128, 300, 16384, 2**35])
def test_varint_matches_protobuf(n: int) -> None:
    encoded = (
        pb.CreateSessionRequest(subject_id="x" * n).SerializeToString() if 0 < n < 5000 else None
    )
    if encoded is not None:
        assert encoded == frames.string_field(1, "x" * n)
    value, end = frames._read_varint(frames.varint(n) + b"\xff", 0)
    assert (value, end) == (n, len(frames.varint(n)))


def test_string_field_is_the_request_protobuf_would_encode() -> None:
    token = "srt_" + "a" * 200
    assert frames.string_field(1, token) == (
        pb.RenewSessionRequest(refresh_token=token).SerializeToString()
    )
    assert frames.string_field(1, b"ses_1") == (
        pb.RevokeSessionRequest(session_id="ses_1").SerializeToString()
    )


def test_field_finds_the_refresh_token_among_other_fields() -> None:
    reply = pb.RenewSessionResponse(
        session=session_pb2.Session(session_id="ses_1", subject_id="u", revision=7),
        tokens=session_pb2.TokenPair(access_token="sat_x" * 40, refresh_token="srt_new"),
    )
    reply.tokens.access_token_expire_time.seconds = 1_800_000_000
    reply.tokens.refresh_token_expire_time.FromSeconds(1_900_000_000)
    assert frames.field(reply.SerializeToString(), 2, 3) == b"srt_new"
    assert frames.field(reply.SerializeToString(), 1, 1) == b"ses_1"
    assert frames.field(pb.RenewSessionResponse().SerializeToString(), 2, 3) is None


def test_field_rejects_group_wire_types() -> None:
    with pytest.raises(ValueError):
        frames.field(b"\x0b", 1)


def test_parse_h2load_summary() -> None:
    parsed = frames.parse_h2load(H2LOAD_OUTPUT)
    assert parsed["done"] == 3 and parsed["succeeded"] == 2 and parsed["failed"] == 1
    assert parsed["http_2xx"] == 2
    assert parsed["elapsed"] == pytest.approx(0.05172)
    assert parsed["rps"] == 58.0
    seconds = H2LOAD_OUTPUT.replace("finished in 51.72ms", "finished in 3.00s")
    assert frames.parse_h2load(seconds)["elapsed"] == 3.0
    with pytest.raises(ValueError):
        frames.parse_h2load("connect: Connection refused")


def test_parse_log_keeps_2xx_durations_sorted() -> None:
    log = "1796286465900753\t200\t15577\n1796286465900754\t503\t10\n1796286465900755\t200\t900\n"
    assert frames.parse_log(log) == [0.0009, 0.015577]


def test_percentile() -> None:
    assert frames.percentile([], 0.99) == 0.0
    values = [float(i) for i in range(100)]
    assert frames.percentile(values, 0.5) == 50.0
    assert frames.percentile(values, 0.99) == 99.0
    assert frames.percentile(values, 1.0) == 99.0


def test_h2load_shape_keeps_calls_in_flight() -> None:
    assert h2.shape(1) == (1, 1)
    assert h2.shape(32) == (4, 8)
    assert h2.shape(128) == (4, 32)
    assert h2.shape(256) == (4, 64)


def _cell(rps: float, generator: str = "h2load", **extra: float) -> dict:
    return {
        "rps": rps,
        "p50_ms": 1.0,
        "p99_ms": 2.0,
        "errors": 0,
        "generator": generator,
        "generator_cpu": 0.2,
        "generator_cpu_max": 0.1,
        **extra,
    }


def _run() -> dict:
    matrix = {
        f"{op}@{c}": _cell(rate * c / 32, "raw x4" if op == "RenewSession" else "h2load")
        for op, rate in (
            ("Health/Check", 6000),
            ("ValidateSession", 4000),
            ("CreateSession", 2000),
            ("RenewSession", 1800),
        )
        for c in (1, 32)
    }
    return {
        "backend": "sqlite",
        "matrix": matrix,
        "yardstick": {
            "echo": _cell(6200),
            "server": _cell(5800),
            "ratio": 5800 / 6200,
            "raw_echo": _cell(3000, "raw x4"),
        },
        "open_loop": {
            "rate": 2900.0,
            "rows": {
                "Health/Check": {**_cell(2900), "offered": 2900.0, "kept_up": True},
                "ValidateSession": {
                    **_cell(2900),
                    "offered": 2900.0,
                    "kept_up": True,
                    "target_ms": 10.0,
                    "met": True,
                },
                "CreateSession": {
                    **_cell(2000),
                    "offered": 2900.0,
                    "kept_up": False,
                    "target_ms": 25.0,
                    "met": False,
                },
            },
        },
    }


def test_yardstick_section_states_the_ratio_and_generator_cpu() -> None:
    text = "\n".join(report_yardstick.yardstick(_run()))
    assert "6200 Health/Check calls/s" in text
    assert "94% of it (target ≥ 90 %: met" in text
    assert "reach at most 1800/s (60% of that ceiling)" in text


def test_open_loop_table_marks_met_missed_and_falling_behind() -> None:
    text = "\n".join(report_yardstick.open_loop(_run()))
    assert "| ValidateSession | 2900 | 2900 | 1.0 | 2.0 | < 10 ms | met |" in text
    assert "| CreateSession | 2900 | 2000 | 1.0 | 2.0 | < 25 ms | missed (fell behind" in text


def test_anchors_divide_our_best_row_by_the_cores() -> None:
    text = "\n".join(report_yardstick.anchors([_run()], 2))
    # Renew's best row 1800/s on 2 cores against Keycloak's 120 per vCPU.
    assert (
        "| Keycloak | refresh-token grants | 120/s per vCPU | 120 | 900 (RenewSession, 7.5x) |"
        in text
    )
    assert "| Zitadel | session creations | 607/s on 2 to 7 containers of 6 vCPU | 14-51 |" in text
    assert "| Ory Hydra | token introspections |" in text and "3,967 |" in text
