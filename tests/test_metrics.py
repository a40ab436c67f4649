"""The Prometheus endpoint (`--metrics-port`), scraped after a few calls."""

from __future__ import annotations

import asyncio
import socket
import urllib.request

import grpc
from prometheus_client.parser import text_string_to_metric_families
from sessionauthority.v1 import session_service_pb2 as pb

from .helpers import Watch, create, expect_error


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    def get() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            return r.read().decode()

    samples = {}
    for family in text_string_to_metric_families(await asyncio.to_thread(get)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


async def test_metrics_after_a_few_calls(make_server):
    port = free_port()
    h = await make_server(metrics_port=port)
    assert h.app.metrics_port == port
    await create(h)
    await create(h)
    await expect_error(
        h.sessions.GetSession(pb.GetSessionRequest(session_id="ses_missing")),
        grpc.StatusCode.NOT_FOUND,
    )
    w = Watch(h.sessions)
    await w.progress()

    m = await scrape(port)
    create_ok = (("code", "OK"), ("method", "SessionService/CreateSession"), ("transport", "grpc"))
    assert m[("sessionauthority_rpc_total", create_ok)] == 2
    not_found = (
        ("code", "NOT_FOUND"),
        ("method", "SessionService/GetSession"),
        ("transport", "grpc"),
    )
    assert m[("sessionauthority_rpc_total", not_found)] == 1
    assert m[("sessionauthority_rpc_duration_seconds_count", create_ok)] == 2
    assert m[("sessionauthority_watch_streams", ())] == 1
    assert m[("sessionauthority_tailer_lag_revisions", ())] == 0
    assert m[("sessionauthority_tailer_lag_seconds_count", ())] >= 1
    assert m[("sessionauthority_writer_batch_units_count", ())] >= 2
    assert m[("sessionauthority_writer_batch_units_sum", ())] >= 2
    assert m[("sessionauthority_db_read_connections", (("state", "open"),))] >= 1
    assert ("sessionauthority_db_read_connections", (("state", "in_use"),)) in m

    w.cancel()


async def test_metrics_off_by_default(h):
    assert h.app.metrics is None and h.app.metrics_port == 0
