"""The signing key ring: which key signs, which keys verify, kept in the database
(private halves sealed) and cached here. The cache may only be faster, never
different: an unknown kid reloads from the database before it is refused."""

from __future__ import annotations

import time

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from . import models
from .db import Database
from .tokens import Sealer, SigningKey, generate_signing_key, signing_key_from_raw

_keys = models.SigningKeyRow.__table__
RELOAD_INTERVAL_S = 1.0


class KeyRing:
    def __init__(self, db: Database, sealer: Sealer) -> None:
        self._db = db
        self._sealer = sealer
        self._keys: dict[str, SigningKey] = {}
        self._active: SigningKey | None = None
        self._loaded_at = 0.0

    async def ensure_active(self, now_us: int) -> None:
        """Loads the keys and creates the first signing key if there is none."""
        await self.reload()
        if self._active is not None:
            return
        async with self._db.write() as conn:
            if not await self._has_active(conn):
                key, raw = generate_signing_key()
                await conn.execute(
                    insert(_keys).values(
                        kid=key.kid,
                        private_sealed=self._sealer.seal(raw, aad=key.kid),
                        public_x=key.jwk()["x"],
                        create_us=now_us,
                        retire_us=None,
                    )
                )
        await self.reload()

    @staticmethod
    async def _has_active(conn: AsyncConnection) -> bool:
        row = await conn.execute(select(_keys.c.kid).where(_keys.c.retire_us.is_(None)).limit(1))
        return row.first() is not None

    async def reload(self) -> None:
        async with self._db.read() as conn:
            rows = (await conn.execute(select(_keys).order_by(_keys.c.create_us))).all()
        keys: dict[str, SigningKey] = {}
        active: SigningKey | None = None
        for row in rows:
            raw = self._sealer.open(row.private_sealed, aad=row.kid)
            key = signing_key_from_raw(row.kid, raw, row.public_x)
            keys[row.kid] = key
            if row.retire_us is None:
                active = key
        self._keys, self._active = keys, active
        self._loaded_at = time.monotonic()

    @property
    def active(self) -> SigningKey:
        if self._active is None:
            raise RuntimeError("no active signing key")
        return self._active

    async def find(self, kid: str) -> SigningKey | None:
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._loaded_at >= RELOAD_INTERVAL_S:
            await self.reload()
            key = self._keys.get(kid)
        return key

    def jwks(self) -> list[dict[str, str]]:
        return [key.jwk() for key in self._keys.values()]
