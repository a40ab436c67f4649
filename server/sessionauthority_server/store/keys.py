"""The signing key ring: which key signs, which keys verify, kept in the
database (private halves sealed) and cached here. The cache may only be
faster, never different: an unknown kid reloads from the database before
it is refused."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..models import SigningKeyRow
from ..tokens import Sealer, SigningKey, generate_signing_key, signing_key_from_raw
from .sql import Sql

if TYPE_CHECKING:
    from .reads import Reader
    from .tx import Tx

RELOAD_INTERVAL_S = 1.0
_ALL = Sql("SELECT * FROM signing_keys ORDER BY create_us")
_ACTIVE = Sql("SELECT kid FROM signing_keys WHERE retire_us IS NULL LIMIT 1")
_keys = SigningKeyRow.__table__  # type: ignore[attr-defined]
_ACTIVE_LOCKED = Sql(
    select(_keys.c.kid, _keys.c.create_us).where(_keys.c.retire_us.is_(None)).with_for_update()
)
_RETIRE = Sql("UPDATE signing_keys SET retire_us = :now WHERE retire_us IS NULL")
# A key retired this long ago signed nothing that is still valid.
_FORGET = Sql("DELETE FROM signing_keys WHERE retire_us IS NOT NULL AND retire_us < :before")
_INSERT = Sql(
    "INSERT INTO signing_keys (kid, private_sealed, public_x, create_us)"
    " VALUES (:kid, :sealed, :x, :now)"
)


def ensure_active(tx: Tx, sealer: Sealer) -> None:
    """Creates the first signing key if there is none (a unit of work, so
    replicas starting together create one)."""
    if tx.one(_ACTIVE) is None:
        _new_key(tx, sealer)


def _new_key(tx: Tx, sealer: Sealer) -> str:
    key, raw = generate_signing_key()
    tx.run(_INSERT, kid=key.kid, sealed=sealer.seal(raw, aad=key.kid), x=key.jwk()["x"], now=tx.now)
    return key.kid


def rotate(tx: Tx, sealer: Sealer, older_than_us: int | None, keep_us: int) -> str | None:
    """Retires the active key and makes a new one; with `older_than_us`,
    only if the active key is at least that old (so replicas checking at
    once rotate once: the row lock serialises them). Retired keys past
    `keep_us` (the longest an access token lives) are deleted."""
    rows = tx.all(_ACTIVE_LOCKED)
    if (
        older_than_us is not None
        and rows
        and all(tx.now - r["create_us"] < older_than_us for r in rows)
    ):
        return None
    tx.run(_RETIRE, now=tx.now)
    kid = _new_key(tx, sealer)
    tx.run(_FORGET, before=tx.now - keep_us)
    return kid


class KeyRing:
    def __init__(self, reader: Reader, sealer: Sealer) -> None:
        self._reader = reader
        self._sealer = sealer
        self._keys: dict[str, SigningKey] = {}
        self._active: SigningKey | None = None
        self._loaded_at = 0.0

    async def reload(self) -> None:
        keys: dict[str, SigningKey] = {}
        active: SigningKey | None = None
        newest = -1
        for row in await self._reader.all(_ALL):
            raw = self._sealer.open(bytes(row["private_sealed"]), aad=row["kid"])
            key = signing_key_from_raw(row["kid"], raw, row["public_x"])
            keys[row["kid"]] = key
            # Newest unretired key signs (two replicas may have raced a
            # first key at startup; newest wins everywhere).
            if row["retire_us"] is None and row["create_us"] > newest:
                active, newest = key, row["create_us"]
        self._keys, self._active = keys, active
        self._loaded_at = time.monotonic()

    @property
    def active(self) -> SigningKey:
        if self._active is None:
            raise RuntimeError("no active signing key")
        return self._active

    def stale(self, seconds: float = 30.0) -> bool:
        """Another replica may have rotated since: reload this often."""
        return time.monotonic() - self._loaded_at >= seconds

    def known(self, kid: str) -> SigningKey | None:
        """The key as cached now, without a reload."""
        return self._keys.get(kid)

    async def find(self, kid: str) -> SigningKey | None:
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._loaded_at >= RELOAD_INTERVAL_S:
            await self.reload()
            key = self._keys.get(kid)
        return key

    def jwks(self) -> list[dict[str, str]]:
        return [key.jwk() for key in self._keys.values()]
