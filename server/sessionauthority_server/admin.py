"""`session-authority api-keys create | list | revoke`: run against the
database directly (like `serve`, from DATABASE_URL), so the first key can be
made before any server holds one."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator

from .config import Settings
from .errors import DomainError
from .services.auth import new_api_key, parse_scopes
from .store import apikeys, keys, schema, system_clock
from .store.database import Database
from .tokens import secret_hash


@contextlib.asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Database]:
    """The database as `serve` would open it (schema included), for one command."""
    db = Database(
        settings.database_url, write_connections=1, migrate_on_start=settings.migrate_on_start
    )
    await db.open(system_clock, lambda events: None)
    try:
        yield db
    finally:
        await db.close()


def escaped(text: str) -> str:
    """`text` with every character a terminal could act on (tabs, newlines,
    escape sequences, bidi overrides, line separators) written as a Python
    escape, and backslashes doubled so an escape cannot be faked: rows
    written before tenant names were checked cannot forge a listing row."""
    return "".join(
        c if c.isprintable() and c != "\\" else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


async def keys_exist(settings: Settings) -> bool:
    async with opened(settings) as db:
        return await apikeys.any_live(db.reader)


async def api_keys(args: argparse.Namespace, settings: Settings) -> int:
    scopes = ""
    if args.action == "create":
        # Checked before the database opens, so a typo creates no file.
        try:
            scopes = parse_scopes(args.scope or [])
        except ValueError as exc:
            print(f"session-authority: {exc}", file=sys.stderr)
            return 2
        try:
            apikeys.check_tenant(args.tenant)
        except ValueError as exc:
            print(f"session-authority: --tenant: {exc}", file=sys.stderr)
            return 2
    async with opened(settings) as db:
        if args.action == "create":
            key_id, key = new_api_key()
            await db.writer.write(apikeys.create, key_id, secret_hash(key), args.tenant, scopes)
            print(f"created {key_id} for tenant {args.tenant} with scopes {scopes}")
            print("the key is shown once; store it as a secret:")
            print(key)
            return 0
        if args.action == "list":
            for row in await apikeys.all_keys(db.reader):
                state = "revoked" if row["revoke_us"] is not None else "active"
                fields = (row["key_id"], row["tenant"], row["scopes"], state)
                print("\t".join(escaped(str(f)) for f in fields))
            return 0
        try:
            await db.writer.write(apikeys.revoke, args.key_id)
        except DomainError as exc:
            print(f"session-authority: {exc.message}", file=sys.stderr)
            return 1
        print(f"revoked {args.key_id} (every server refuses it within 5 s)")
        return 0


async def rotate_keys(settings: Settings) -> int:
    """A new signing key now; every server signs with it within a minute, and
    tokens the old key signed keep validating until they expire."""
    from .app import make_sealer

    sealer = make_sealer(settings)
    keep = settings.access_token_ttl_seconds * 1_000_000
    async with opened(settings) as db:
        kid = await db.writer.write(keys.rotate, sealer, None, keep)
    print(f"new signing key {kid}; the previous one is retired")
    return 0


async def migrate(settings: Settings) -> int:
    """Brings the schema to this release's head; safe while replicas run
    (migrations only add, and take a lock so two never run at once)."""
    from .store.database import parse_url

    dialect, target = parse_url(settings.database_url)
    state = await asyncio.to_thread(schema.migrate, dialect, target)
    if state.before == state.after:
        print(f"schema already at {state.after} (this release's head)")
    else:
        print(f"schema migrated from {state.before or 'empty'} to {state.after}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("api-keys", help="create, list or revoke API keys")
    p.add_argument("--database-url", help="sqlite:///PATH or postgresql://...")
    actions = p.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make a key; prints it as the last line")
    create.add_argument(
        "--tenant",
        required=True,
        help="the tenant the key acts for: 1 to 64 of a-z 0-9 . _ -, starting a-z or 0-9",
    )
    create.add_argument(
        "--scope",
        action="append",
        help="sessions.write, sessions.read, sessions.validate, sessions.watch, "
        "subjects.admin, console or * (default *); repeat for several",
    )
    actions.add_parser("list", help="every key: id, tenant, scopes, state (never the key)")
    revoke = actions.add_parser("revoke", help="stop a key working")
    revoke.add_argument("key_id")
    k = sub.add_parser("keys", help="signing keys")
    k.add_argument("--database-url", help="sqlite:///PATH or postgresql://...")
    k_actions = k.add_subparsers(dest="action", required=True)
    k_actions.add_parser("rotate", help="retire the signing key and make a new one")
    m = sub.add_parser("migrate", help="bring the database schema to this release")
    m.add_argument("--database-url", help="sqlite:///PATH or postgresql://...")
