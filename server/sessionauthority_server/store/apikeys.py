"""API keys: create, list, revoke (units and reads). Only the key's SHA-256
is stored; the key itself is shown once, by the command that creates it.

Closed stays closed (CONTRACT.md): once any key has existed in a database,
open mode never returns. The proof is the `api_keys_ever` counter, which
`create` writes and nothing removes, or any api_keys row, revoked or not
(databases from releases before the counter have only their rows)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .. import errors
from .sql import Sql

if TYPE_CHECKING:
    from .reads import Reader
    from .tx import Tx

# Tenant names end up in tab-separated listings, log lines and the token
# audience (`AUDIENCE:TENANT`), so they hold no separators or control
# characters; 64 is the column's length.
TENANT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
EVER_COUNTER = "api_keys_ever"

_INSERT = Sql(
    "INSERT INTO api_keys (key_id, key_hash, tenant, scopes, create_us)"
    " VALUES (:key_id, :key_hash, :tenant, :scopes, :now)"
)
# Counts every key ever made; its existence is what matters.
_MARK_EVER = Sql(
    "INSERT INTO counters (name, value) VALUES (:name, 1)"
    " ON CONFLICT (name) DO UPDATE SET value = counters.value + 1"
)
_REVOKE = Sql("UPDATE api_keys SET revoke_us = :now WHERE key_id = :key_id AND revoke_us IS NULL")
_ONE = Sql("SELECT * FROM api_keys WHERE key_id = :key_id")
BY_HASH = Sql("SELECT * FROM api_keys WHERE key_hash = :key_hash AND revoke_us IS NULL")
ANY_LIVE = Sql("SELECT key_id FROM api_keys WHERE revoke_us IS NULL LIMIT 1")
EVER = Sql(
    "SELECT name FROM counters WHERE name = :name"
    " UNION ALL SELECT key_id FROM (SELECT key_id FROM api_keys LIMIT 1) AS one_key"
)
ALL = Sql("SELECT * FROM api_keys ORDER BY create_us, key_id")
IN_TENANT = Sql("SELECT * FROM api_keys WHERE tenant = :tenant ORDER BY create_us, key_id")


def check_tenant(tenant: str) -> None:
    if not TENANT_NAME.fullmatch(tenant):
        raise ValueError(
            f"tenant name {tenant!r} is not allowed: use 1 to 64 of a-z, 0-9, '.', '_', '-',"
            " starting with a letter or digit"
        )


def create(tx: Tx, key_id: str, key_hash: str, tenant: str, scopes: str) -> None:
    check_tenant(tenant)
    tx.run(_INSERT, key_id=key_id, key_hash=key_hash, tenant=tenant, scopes=scopes, now=tx.now)
    tx.run(_MARK_EVER, name=EVER_COUNTER)


def revoke(tx: Tx, key_id: str) -> Any:
    row = tx.one(_ONE, key_id=key_id)
    if row is None:
        raise errors.api_key_not_found(key_id)
    tx.run(_REVOKE, key_id=key_id, now=tx.now)
    return dict(row)


def revoke_in_tenant(tx: Tx, tenant: str, key_id: str) -> Any:
    """`revoke`, for a caller of `tenant`: another tenant's key is not found."""
    row = tx.one(_ONE, key_id=key_id)
    if row is None or row["tenant"] != tenant:
        raise errors.api_key_not_found(key_id)
    tx.run(_REVOKE, key_id=key_id, now=tx.now)
    return dict(tx.one(_ONE, key_id=key_id))


def created(tx: Tx, key_id: str, key_hash: str, tenant: str, scopes: str) -> Any:
    """`create`, returning the new row."""
    create(tx, key_id, key_hash, tenant, scopes)
    return dict(tx.one(_ONE, key_id=key_id))


async def by_hash(reader: Reader, key_hash: str) -> Any:
    return await reader.one(BY_HASH, key_hash=key_hash)


async def any_live(reader: Reader) -> bool:
    return await reader.one(ANY_LIVE) is not None


async def ever_existed(reader: Reader) -> bool:
    """Whether open mode is over for good in this database."""
    return await reader.one(EVER, name=EVER_COUNTER) is not None


async def all_keys(reader: Reader) -> list[Any]:
    return await reader.all(ALL)


async def tenant_keys(reader: Reader, tenant: str) -> list[Any]:
    return await reader.all(IN_TENANT, tenant=tenant)
