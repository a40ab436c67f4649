"""Health and server reflection (v1 and v1alpha) are always on."""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


async def test_health_serving(h):
    stub = health_pb2_grpc.HealthStub(h.channel)
    for service in ("", "sessionauthority.v1.SessionService", "sessionauthority.v1.SubjectService"):
        resp = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert resp.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_v1_and_v1alpha(h):
    versions = ("v1alpha", "v1")
    for service in (f"grpc.reflection.{v}.ServerReflection" for v in versions):
        call = h.channel.stream_stream(
            f"/{service}/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )()
        await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
        resp = await call.read()
        names = {s.name for s in resp.list_services_response.service}
        assert "sessionauthority.v1.SessionService" in names
        assert "sessionauthority.v1.SubjectService" in names
        assert "grpc.health.v1.Health" in names
        await call.write(reflection_pb2.ServerReflectionRequest(file_containing_symbol=service))
        resp = await call.read()
        assert resp.file_descriptor_response.file_descriptor_proto, service
        await call.done_writing()


async def test_reflection_describes_contract_with_stock_client(h):
    # The stock (blocking) descriptor-database client resolves the whole
    # contract; it runs in a thread so the server's loop keeps serving.
    def lookup() -> str:
        with grpc.insecure_channel(h.target) as channel:
            db = ProtoReflectionDescriptorDatabase(channel)
            return db.FindFileContainingSymbol("sessionauthority.v1.SessionService").package

    assert await asyncio.to_thread(lookup) == "sessionauthority.v1"
