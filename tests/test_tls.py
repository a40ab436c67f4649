"""TLS and mTLS with certificates made here: a client that trusts the CA gets
through; with a client CA configured, a client without a certificate that CA
signed is refused at the handshake."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import grpc
import pytest
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority_server.app import ConfigError

from conformance.pki import issue, pem

# The transport in front of the store: certificates, not storage.
pytestmark = pytest.mark.backend_independent


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, object]:
    ca = issue("test ca", None, ca=True)
    other_ca = issue("other ca", None, ca=True)
    server = pem(issue("localhost", ca, server=True))
    files = {}
    for name, data in {
        "ca.pem": pem(ca)[0],
        "server.pem": server[0],
        "server.key": server[1],
    }.items():
        (tmp_path / name).write_bytes(data)
        files[name] = str(tmp_path / name)
    return {
        "files": files,
        "ca": pem(ca)[0],
        "client": pem(issue("client", ca)),
        "stranger": pem(issue("stranger", other_ca)),
    }


async def _create(target: str, creds: grpc.ChannelCredentials) -> grpc.StatusCode:
    async with grpc.aio.secure_channel(target, creds) as channel:
        stub = pb_grpc.SessionServiceStub(channel)
        try:
            await stub.CreateSession(pb.CreateSessionRequest(subject_id="tls"), timeout=5)
            return grpc.StatusCode.OK
        except grpc.aio.AioRpcError as exc:
            return exc.code()


async def test_tls_serves_a_client_that_trusts_the_ca(make_server, pki):
    f = pki["files"]
    h = await make_server(tls_cert=f["server.pem"], tls_key=f["server.key"])
    assert await _create(h.target, grpc.ssl_channel_credentials(pki["ca"])) == grpc.StatusCode.OK
    # A plaintext client cannot talk to it.
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await h.sessions.CreateSession(pb.CreateSessionRequest(subject_id="x"), timeout=5)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mtls_refuses_clients_without_a_certificate_from_the_ca(make_server, pki):
    f = pki["files"]
    h = await make_server(
        tls_cert=f["server.pem"], tls_key=f["server.key"], tls_client_ca=f["ca.pem"]
    )
    cert, key = pki["client"]
    good = grpc.ssl_channel_credentials(pki["ca"], private_key=key, certificate_chain=cert)
    assert await _create(h.target, good) == grpc.StatusCode.OK
    bare = grpc.ssl_channel_credentials(pki["ca"])
    assert await _create(h.target, bare) == grpc.StatusCode.UNAVAILABLE
    s_cert, s_key = pki["stranger"]
    stranger = grpc.ssl_channel_credentials(pki["ca"], private_key=s_key, certificate_chain=s_cert)
    assert await _create(h.target, stranger) == grpc.StatusCode.UNAVAILABLE


async def test_half_a_tls_configuration_refuses_to_start(make_server, pki, tmp_path):
    f = pki["files"]
    with pytest.raises(ConfigError, match="go together"):
        await make_server(tls_cert=f["server.pem"])
    with pytest.raises(ConfigError, match="needs TLS_CERT"):
        await make_server(tls_client_ca=f["ca.pem"])
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="not a PEM"):
        await make_server(tls_cert=str(tmp_path / "junk.pem"), tls_key=f["server.key"])


# The default at-rest key lives beside the SQLite file (sa.db.key); on
# PostgreSQL the key is always given, so there is no file to check.
@pytest.mark.sqlite_only
async def test_a_key_file_others_can_read_is_refused(make_server, tmp_path):
    h = await make_server(db_name="k.db")
    await h.app.stop(0)
    key_file = tmp_path / "k.db.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key_file.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        await make_server(db_name="k.db")


async def _curl_create(url: str, *tls_args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *tls_args,
        "-H", "content-type: application/json", "-d", '{"subjectId":"tls"}',
        url + "/sessionauthority.v1.SessionService/CreateSession",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _err = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode().rsplit("\n", 1)[-1]


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
async def test_the_http_port_uses_the_same_tls_and_client_ca(make_server, pki, tmp_path):
    f = pki["files"]
    h = await make_server(
        http=True, tls_cert=f["server.pem"], tls_key=f["server.key"], tls_client_ca=f["ca.pem"]
    )
    https = h.http_url.replace("http://127.0.0.1", "https://localhost")
    cert, key = pki["client"]
    (tmp_path / "client.pem").write_bytes(cert)
    (tmp_path / "client.key").write_bytes(key)
    client = ("--cert", str(tmp_path / "client.pem"), "--key", str(tmp_path / "client.key"))
    assert await _curl_create(https, "--cacert", f["ca.pem"], *client) == (0, "200")
    # Over HTTP/2 (ALPN) too.
    assert await _curl_create(https, "--http2", "--cacert", f["ca.pem"], *client) == (0, "200")
    # No client certificate: refused at the handshake, as on the gRPC port.
    rc, _ = await _curl_create(https, "--cacert", f["ca.pem"])
    assert rc != 0
    # Plaintext to the TLS port gets no answer.
    rc, code = await _curl_create(h.http_url)
    assert rc != 0 or code != "200"
