"""Secrets: Ed25519 access tokens, opaque refresh tokens and handoff codes
(stored only as hashes), and AES-GCM sealing of what must be stored encrypted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .domain import InvalidReason

REFRESH_PREFIX = "srt_"
HANDOFF_PREFIX = "sho_"
SESSION_PREFIX = "ses_"
ALGORITHM = "EdDSA"
US = 1_000_000


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_session_id() -> str:
    return SESSION_PREFIX + b64url(secrets.token_bytes(20))


def new_refresh_token() -> str:
    return REFRESH_PREFIX + b64url(secrets.token_bytes(32))


def new_handoff_code() -> str:
    return HANDOFF_PREFIX + b64url(secrets.token_bytes(32))


def secret_hash(secret: str) -> str:
    """Lookup key for a stored secret. The secrets carry 256 random bits, so a
    plain SHA-256 is preimage-safe; no salt or slow hash is needed."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_secret_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Sealer:
    """AES-256-GCM with a random nonce; `aad` binds a ciphertext to its row so a
    sealed value cannot be moved to another row."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("encryption key must be 32 bytes")
        self._aead = AESGCM(key)
        self._key = key

    def derive(self, label: str) -> bytes:
        """A key for another purpose (page tokens), bound to `label`, so the
        at-rest key itself is never used twice."""
        return hmac.new(self._key, b"derive:" + label.encode(), hashlib.sha256).digest()

    def seal(self, plaintext: bytes, aad: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext, aad.encode())

    def open(self, sealed: bytes, aad: str) -> bytes:
        return self._aead.decrypt(sealed[:12], sealed[12:], aad.encode())


class KeyFileError(ValueError):
    pass


def load_or_create_key_file(path: str) -> bytes:
    """The dev default for the at-rest key: a file beside the database, 0600.
    A file others can read is refused: whoever reads it can open every
    private signing key and stored token pair in the database."""
    try:
        with open(path, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if mode & 0o077:
                raise KeyFileError(
                    f"key file {path} is readable or writable by group or others "
                    f"(mode {mode & 0o777:o}); run: chmod 600 {path}"
                )
            return b64url_decode(fh.read().decode().strip())
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(b64url(key).encode() + b"\n")
    return key


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey | None
    public: Ed25519PublicKey

    def jwk(self) -> dict[str, str]:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {
            "kid": self.kid,
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(raw),
            "alg": ALGORITHM,
            "use": "sig",
        }


def generate_signing_key() -> tuple[SigningKey, bytes]:
    """A new key and its raw private bytes (for the caller to seal and store)."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    kid = "k_" + b64url(secrets.token_bytes(9))
    return SigningKey(kid, private, private.public_key()), raw


def signing_key_from_raw(kid: str, raw_private: bytes | None, public_x: str) -> SigningKey:
    private = Ed25519PrivateKey.from_private_bytes(raw_private) if raw_private else None
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(public_x))
    return SigningKey(kid, private, public)


def sign_access_token(
    key: SigningKey,
    *,
    issuer: str,
    audience: str,
    tenant: str,
    subject_id: str,
    session_id: str,
    now_us: int,
    expire_us: int,
) -> str:
    assert key.private is not None
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject_id,
        "sid": session_id,
        "tnt": tenant,
        "iat": now_us // US,
        "exp": expire_us // US,
        "jti": b64url(secrets.token_bytes(12)),
    }
    return jwt.encode(claims, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})


@dataclass(frozen=True)
class AccessClaims:
    kid: str
    tenant: str
    subject_id: str
    session_id: str
    exp: int


def unverified_kid(token: str) -> tuple[str | None, InvalidReason | None]:
    """The kid to verify with, or why the token is rejected before any key is used."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return None, InvalidReason.MALFORMED
    if header.get("alg") != ALGORITHM:
        return None, InvalidReason.BAD_SIGNATURE
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return None, InvalidReason.BAD_SIGNATURE
    return kid, None


def tenant_audience(base: str, tenant: str) -> str:
    """The `aud` of a tenant's access tokens. One per tenant, so a verifier
    (ours, or any JWT library) that checks `aud` refuses every other
    tenant's tokens, though all tenants share one key ring."""
    return f"{base}:{tenant}"


def verify_access_token(
    token: str, key: SigningKey, issuer: str, audience: str
) -> tuple[AccessClaims | None, InvalidReason | None]:
    """Signature and claim shape only: expiry is judged by the caller, because a
    session that has ended must report its own reason before TOKEN_EXPIRED.
    `audience` is the base audience: the token's `aud` must be its own
    tenant's (`tenant_audience`), or the bare base for tokens minted before
    audiences were per tenant; the caller then matches `tenant` to its own."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.public,
            algorithms=[ALGORITHM],
            issuer=issuer,
            # Checked below: the audience depends on the token's own tenant.
            # Time claims are judged against the server's clock by the caller.
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "require": ["iss", "sub", "sid", "iat", "exp", "jti"],
            },
        )
    except jwt.InvalidSignatureError:
        return None, InvalidReason.BAD_SIGNATURE
    except jwt.PyJWTError:
        return None, InvalidReason.MALFORMED
    sid, sub, exp = claims.get("sid"), claims.get("sub"), claims.get("exp")
    tenant = claims.get("tnt")
    if not (
        isinstance(sid, str)
        and isinstance(sub, str)
        and isinstance(exp, int)
        and isinstance(tenant, str)
    ):
        return None, InvalidReason.MALFORMED
    aud = claims.get("aud", audience)  # tokens from before `aud` carry none
    if aud not in (audience, tenant_audience(audience, tenant)):
        return None, InvalidReason.MALFORMED
    return AccessClaims(key.kid, tenant, sub, sid, exp), None


class VerifiedTokens:
    """Access tokens whose signature and claim shape already verified, so the
    same token presented again (every API call a device makes presents it)
    costs a dict lookup instead of an Ed25519 verify (about 100 us of the
    event loop's time). Keyed by the whole token: only the exact bytes that
    verified can hit. It says nothing about the session, which every
    Validate still reads, and a hit counts only while its key is still in
    the ring (a removed key unverifies its tokens)."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._entries: dict[str, tuple[SigningKey, AccessClaims]] = {}

    def get(self, token: str) -> tuple[SigningKey, AccessClaims] | None:
        return self._entries.get(token)

    def put(self, token: str, key: SigningKey, claims: AccessClaims) -> None:
        entries = self._entries
        if len(entries) >= self._size:
            # Oldest first (dicts keep insertion order): tokens live minutes.
            del entries[next(iter(entries))]
        entries[token] = (key, claims)


def jwks_json(keys: list[dict[str, str]]) -> str:
    return json.dumps({"keys": keys}, separators=(",", ":"))
