"""API keys: create, list, revoke (units and reads). Only the key's SHA-256
is stored; the key itself is shown once, by the command that creates it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors
from .sql import Sql

if TYPE_CHECKING:
    from .engine import Tx
    from .reads import Reader

_INSERT = Sql(
    "INSERT INTO api_keys (key_id, key_hash, tenant, scopes, create_us)"
    " VALUES (:key_id, :key_hash, :tenant, :scopes, :now)"
)
_REVOKE = Sql("UPDATE api_keys SET revoke_us = :now WHERE key_id = :key_id AND revoke_us IS NULL")
_ONE = Sql("SELECT * FROM api_keys WHERE key_id = :key_id")
BY_HASH = Sql("SELECT * FROM api_keys WHERE key_hash = :key_hash AND revoke_us IS NULL")
ANY_LIVE = Sql("SELECT key_id FROM api_keys WHERE revoke_us IS NULL LIMIT 1")
ALL = Sql("SELECT * FROM api_keys ORDER BY create_us, key_id")


def create(tx: Tx, key_id: str, key_hash: str, tenant: str, scopes: str) -> None:
    tx.run(_INSERT, key_id=key_id, key_hash=key_hash, tenant=tenant, scopes=scopes, now=tx.now)


def revoke(tx: Tx, key_id: str) -> Any:
    row = tx.one(_ONE, key_id=key_id)
    if row is None:
        raise errors.api_key_not_found(key_id)
    tx.run(_REVOKE, key_id=key_id, now=tx.now)
    return dict(row)


async def by_hash(reader: Reader, key_hash: str) -> Any:
    return await reader.one(BY_HASH, key_hash=key_hash)


async def any_live(reader: Reader) -> bool:
    return await reader.one(ANY_LIVE) is not None


async def all_keys(reader: Reader) -> list[Any]:
    return await reader.all(ALL)
