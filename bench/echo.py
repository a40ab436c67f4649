"""A bare grpc.aio server with only grpc.health.v1.Health, in one process:
the ceiling a load generator is measured against (what grpc.aio itself does
on this machine, with none of the server's own work).

    python -m bench.echo                # prints "serving on 127.0.0.1:PORT"
    python -m bench.echo --interceptor  # with one pass-through interceptor: its cost
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc


class PassThrough(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        return await continuation(details)


async def main() -> None:
    interceptors = [PassThrough()] if "--interceptor" in sys.argv else []
    server = grpc.aio.server(interceptors=interceptors)
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    await servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    print(f"serving on 127.0.0.1:{port}", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(main())
