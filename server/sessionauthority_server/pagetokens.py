"""Page tokens that only this deployment can issue: the cursor, the tenant
and the filter the page was listed with, under an HMAC with a key derived
from the at-rest encryption key (every replica has the same one).

A hand-made token, one issued to another tenant, or one issued for other
filters is refused, so a page token can never widen what a caller sees."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from .tokens import b64url, b64url_decode

_MAC_BYTES = 16


class PageTokens:
    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"session-authority page tokens v1", hashlib.sha256).digest()

    def _mac(self, kind: str, tenant: str, filter_key: str, body: bytes) -> bytes:
        bound = json.dumps([kind, tenant, filter_key], separators=(",", ":")).encode()
        return hmac.new(self._key, bound + b"\x00" + body, hashlib.sha256).digest()[:_MAC_BYTES]

    def issue(self, kind: str, tenant: str, filter_key: str, cursor: dict[str, Any]) -> str:
        """`kind` names the listing (tokens of one list never open another)."""
        body = json.dumps(cursor, separators=(",", ":"), sort_keys=True).encode()
        return b64url(self._mac(kind, tenant, filter_key, body) + body)

    def open(self, token: str, kind: str, tenant: str, filter_key: str) -> dict[str, Any] | None:
        """The cursor, or None for any token this server did not issue for
        exactly this listing, tenant and filter."""
        try:
            raw = b64url_decode(token)
        except (ValueError, TypeError):
            return None
        mac, body = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(
            mac, self._mac(kind, tenant, filter_key, body)
        ):
            return None
        try:
            cursor = json.loads(body)
        except ValueError:
            return None
        return cursor if isinstance(cursor, dict) else None
