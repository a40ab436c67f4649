"""Server credentials from PEM files: TLS with `TLS_CERT` + `TLS_KEY`, and
mTLS when `TLS_CLIENT_CA` is set (a client without a certificate that CA
signed is refused during the handshake, before any RPC)."""

from __future__ import annotations

from pathlib import Path

import grpc

from .config import Settings


class TlsConfigError(ValueError):
    pass


def _read(name: str, path: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TlsConfigError(f"{name} {path!r} cannot be read: {exc.strerror}") from None
    if b"-----BEGIN " not in data:
        raise TlsConfigError(f"{name} {path!r} is not a PEM file")
    return data


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """None: plaintext (only the settings' loopback rules then protect it)."""
    cert, key, ca = settings.tls_cert, settings.tls_key, settings.tls_client_ca
    if not cert and not key:
        if ca:
            raise TlsConfigError("TLS_CLIENT_CA needs TLS_CERT and TLS_KEY")
        return None
    if not (cert and key):
        raise TlsConfigError("TLS_CERT and TLS_KEY go together")
    pair = (_read("TLS_KEY", key), _read("TLS_CERT", cert))
    client_ca = _read("TLS_CLIENT_CA", ca) if ca else None
    return grpc.ssl_server_credentials(
        [pair], root_certificates=client_ca, require_client_auth=client_ca is not None
    )
