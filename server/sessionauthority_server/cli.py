"""Command line: `session-authority serve` (and, later, keys and watch)."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys

from pydantic import ValidationError

from .app import ConfigError, create_server
from .config import Settings

log = logging.getLogger("sessionauthority")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        k: v
        for k, v in vars(args).items()
        if k in ("host", "port", "database_url") and v is not None
    }
    return Settings(**overrides)


async def serve(settings: Settings) -> int:
    app = await create_server(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"session-authority serving on {settings.host}:{app.port}", flush=True)
    await stop.wait()
    log.info("shutting down: draining in-flight calls")
    await app.stop(settings.shutdown_grace_seconds)
    return 0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"session-authority: bad settings:\n{exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        if not is_loopback(settings.host) and not args.insecure:
            print(
                "session-authority: refusing to serve on a non-loopback address without "
                "API keys; pass --insecure to do it anyway",
                file=sys.stderr,
            )
            return 2
        try:
            return asyncio.run(serve(settings))
        except ConfigError as exc:
            print(f"session-authority: {exc}", file=sys.stderr)
            return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
