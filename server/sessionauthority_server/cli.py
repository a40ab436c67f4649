"""Command line: `session-authority serve` and `session-authority watch`."""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import os
import signal
import sys
from typing import Any

import grpc
from pydantic import ValidationError

from . import admin, restore
from .app import ConfigError, create_server
from .config import Settings, is_loopback
from .store.database import DatabaseUrlError
from .store.schema import SchemaError
from .workers import die_with_parent, supervise, worker_count

log = logging.getLogger("sessionauthority")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        k: v
        for k, v in vars(args).items()
        if k
        in (
            "host",
            "port",
            "database_url",
            "tls_cert",
            "tls_key",
            "tls_client_ca",
            "metrics_port",
            "http_port",
            "workers",
        )
        and v is not None
    }
    return Settings(**overrides)


async def serve(settings: Settings, worker: int | None = None) -> int:
    app = await create_server(settings, reuse_port=worker is not None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"session-authority serving on {settings.host}:{app.port}", flush=True)
    if app.http is not None:
        scheme = "https" if settings.tls_cert else "http"
        print(f"session-authority HTTP on {scheme}://{settings.host}:{app.http.port}", flush=True)
    nag = None
    if not is_loopback(settings.host) and not settings.tls_cert:
        nag = asyncio.create_task(_warn_plaintext(settings.host))
    await stop.wait()
    if nag is not None:
        nag.cancel()
    log.info("shutting down: draining in-flight calls")
    await app.stop(settings.shutdown_grace_seconds)
    return 0


async def _warn_plaintext(host: str) -> None:
    # Said at start and every hour, so it cannot scroll out of anyone's logs.
    while True:
        log.warning(
            "serving PLAINTEXT on non-loopback %s: tokens and API keys cross the network "
            "readable; pass --tls-cert/--tls-key",
            host,
        )
        await asyncio.sleep(3600)


class _Details(
    collections.namedtuple(
        "_Details",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class _BearerKey(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Sends `authorization: Bearer <key>` on every call."""

    def __init__(self, key: str) -> None:
        self._header = ("authorization", f"Bearer {key}")

    def _with_key(self, d: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        metadata = [*(d.metadata or ()), self._header]
        return _Details(
            d.method, d.timeout, metadata, d.credentials,
            getattr(d, "wait_for_ready", None), getattr(d, "compression", None),
        )  # fmt: skip

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_key(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_key(details), request)


def watch(args: argparse.Namespace) -> int:
    # The CLI is a client like any other: generated stubs plus the SDK's
    # resuming watch, over a plain blocking channel.
    from google.protobuf import json_format
    from sessionauthority.v1 import session_pb2, session_service_pb2
    from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
    from sessionauthority.watch import watch as resuming_watch

    def on_reconnect(error: grpc.RpcError, next_revision: int) -> None:
        code = error.code().name  # type: ignore[attr-defined]
        print(f"# reconnecting ({code}), resuming at revision {next_revision}", file=sys.stderr)

    channel = grpc.insecure_channel(args.target)
    if args.api_key:
        channel = grpc.intercept_channel(channel, _BearerKey(args.api_key))
    stub = pb_grpc.SessionServiceStub(channel)
    event_type = session_service_pb2.SessionEventType
    try:
        types = [event_type.Value("SESSION_EVENT_TYPE_" + t.upper()) for t in args.type]
    except ValueError as exc:
        print(f"session-authority watch: --type: {exc}", file=sys.stderr)
        return 2
    try:
        for event in resuming_watch(
            stub,
            subject_id=args.subject or "",
            session_id=args.session or "",
            reference=args.reference or "",
            start_revision=args.from_revision,
            event_types=types,
            on_reconnect=on_reconnect,
        ):
            if args.json:
                doc = json_format.MessageToDict(event, preserving_proto_field_name=True)
                print(json.dumps(doc, separators=(",", ":")), flush=True)
                continue
            s = event.session
            end = ""
            if s.end_reason:
                end = " " + session_pb2.EndReason.Name(s.end_reason).removeprefix("END_REASON_")
            if s.error_code:
                end += f" error_code={s.error_code}"
            print(
                f"{event.revision:>8} {event.occur_time.ToJsonString()} "
                f"{event_type.Name(event.type).removeprefix('SESSION_EVENT_TYPE_'):<16} "
                f"{s.session_id} subject={s.subject_id}"
                + (f" reference={s.reference}" if s.reference else "")
                + f" {session_pb2.SessionState.Name(s.state).removeprefix('SESSION_STATE_')}"
                + end,
                flush=True,
            )
    except grpc.RpcError as exc:
        print(f"session-authority watch: {exc.code().name}: {exc.details()}", file=sys.stderr)  # type: ignore[attr-defined]
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        channel.close()
    return 0


def _keys_exist(settings: Settings) -> bool:
    try:
        return asyncio.run(admin.keys_exist(settings))
    except (DatabaseUrlError, SchemaError):
        return False  # `serve` then says what is wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="session-authority")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="run the gRPC server")
    p_serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p_serve.add_argument("--port", type=int, help="port (default 50051; 0 picks one)")
    p_serve.add_argument("--database-url", help="sqlite:///PATH or postgresql://...")
    p_serve.add_argument(
        "--insecure", action="store_true", help="allow a non-loopback address without API keys"
    )
    p_serve.add_argument("--tls-cert", help="PEM certificate chain: serve TLS")
    p_serve.add_argument("--tls-key", help="PEM private key for --tls-cert")
    p_serve.add_argument("--tls-client-ca", help="PEM CA: require client certificates (mTLS)")
    p_serve.add_argument(
        "--metrics-port", type=int, help="serve Prometheus metrics on this port (default off)"
    )
    p_serve.add_argument(
        "--http-port", type=int, help="serve Connect (HTTP, JSON) and /healthz here (default off)"
    )
    p_serve.add_argument(
        "--workers",
        help="server processes sharing the ports: a number, or auto (one per core; default 1)",
    )
    # Set by the supervisor of --workers for the processes it starts.
    p_serve.add_argument("--worker-index", type=int, help=argparse.SUPPRESS)
    p_watch = sub.add_parser("watch", help="print session events as they commit")
    p_watch.add_argument("--target", default="127.0.0.1:50051", help="server host:port")
    p_watch.add_argument("--subject", help="only this subject's sessions")
    p_watch.add_argument("--session", help="only this session")
    p_watch.add_argument("--reference", help="only sessions with this reference")
    p_watch.add_argument(
        "--from-revision", type=int, default=0, help="replay history from this revision"
    )
    p_watch.add_argument("--json", action="store_true", help="one JSON object per line")
    p_watch.add_argument(
        "--api-key",
        default=os.environ.get("SESSION_AUTHORITY_API_KEY", ""),
        help="API key (default: $SESSION_AUTHORITY_API_KEY)",
    )
    p_watch.add_argument(
        "--type",
        action="append",
        default=[],
        help="only events of this type (created, started, renewed, metadata_updated, "
        "revoked, expired, terminated); repeat for several",
    )
    admin.add_parser(sub)
    restore.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "watch":
        return watch(args)
    worker = getattr(args, "worker_index", None)
    tag = "" if worker is None else f" [worker {worker}]"
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s %(levelname)s{tag} %(name)s: %(message)s"
    )
    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"session-authority: bad settings:\n{exc}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        try:
            return asyncio.run(admin.migrate(settings))
        except (DatabaseUrlError, SchemaError) as exc:
            print(f"session-authority: {exc}", file=sys.stderr)
            return 2
    if args.command == "revisions":
        try:
            return asyncio.run(restore.run(args, settings))
        except (DatabaseUrlError, SchemaError) as exc:
            print(f"session-authority: {exc}", file=sys.stderr)
            return 2
    if args.command == "keys":
        try:
            return asyncio.run(admin.rotate_keys(settings))
        except (DatabaseUrlError, ConfigError, SchemaError) as exc:
            print(f"session-authority: {exc}", file=sys.stderr)
            return 2
    if args.command == "api-keys":
        try:
            return asyncio.run(admin.api_keys(args, settings))
        except (DatabaseUrlError, SchemaError) as exc:
            print(f"session-authority: {exc}", file=sys.stderr)
            return 2
    if args.command == "serve":
        if worker is not None:
            die_with_parent()
            return _serve(settings, worker)
        if not is_loopback(settings.host) and not args.insecure and not _keys_exist(settings):
            print(
                "session-authority: refusing to serve on a non-loopback address without "
                "API keys; pass --insecure to do it anyway",
                file=sys.stderr,
            )
            return 2
        count = worker_count(settings.workers)
        if count > 1:
            try:
                return asyncio.run(supervise(settings, count))
            except (ConfigError, DatabaseUrlError, SchemaError) as exc:
                print(f"session-authority: {exc}", file=sys.stderr)
                return 2
        return _serve(settings, None)
    return 2


def _serve(settings: Settings, worker: int | None) -> int:
    try:
        return asyncio.run(serve(settings, worker))
    except ConfigError as exc:
        print(f"session-authority: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
