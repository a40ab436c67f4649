"""Certificates made on the spot: a CA, a server certificate for localhost
and 127.0.0.1, and client certificates (for the TLS tests and the
conformance runner)."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Pem = tuple[bytes, bytes]  # (certificate, private key)
Pair = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def issue(name: str, issuer: Pair | None, ca: bool = False, server: bool = False) -> Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    cert = builder.sign(issuer[1] if issuer else key, hashes.SHA256())
    return cert, key


def pem(pair: Pair) -> Pem:
    cert, key = pair
    return cert.public_bytes(serialization.Encoding.PEM), key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_pki(folder: Path) -> dict[str, Path]:
    """PEM files: ca, server_cert/server_key, client_cert/client_key."""
    ca = issue("conformance ca", None, ca=True)
    server, client = pem(issue("localhost", ca, server=True)), pem(issue("client", ca))
    files = {
        "ca": pem(ca)[0],
        "server_cert": server[0],
        "server_key": server[1],
        "client_cert": client[0],
        "client_key": client[1],
    }
    out = {}
    for name, data in files.items():
        out[name] = folder / f"{name}.pem"
        out[name].write_bytes(data)
        out[name].chmod(0o600)
    return out
