"""The operator console's files (built from clients/console by `make
generate`, committed under console_assets/) served at /console/ with
headers that keep a page holding an API key to itself: a Content-Security-
Policy allowing only this origin's script, style and Connect calls (no
inline script, no third-party origin), no framing, no sniffing, no
referrer. The key never travels in a cookie, so there is nothing for a
cross-site request to ride on.

Off loopback without TLS the console is refused: the key would cross the
network in clear text on every call."""

from __future__ import annotations

from importlib import resources

from .app import ASGIApp, Receive, Scope, Send, respond

PREFIX = "/console/"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    # Always ask again: a new release's files must not mix with old ones.
    (b"cache-control", b"no-cache"),
]
TYPES = {
    ".html": b"text/html; charset=utf-8",
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
    ".png": b"image/png",
}


def load_assets() -> dict[str, tuple[bytes, bytes]]:
    """name -> (content type, bytes); read once, at start."""
    files: dict[str, tuple[bytes, bytes]] = {}
    for entry in resources.files(__package__).joinpath("console_assets").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in TYPES:
            files[entry.name] = (TYPES[suffix], entry.read_bytes())
    return files


def console_app(*, loopback: bool, tls: bool) -> ASGIApp:
    files = load_assets()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if not loopback and not tls:
            message = "the console needs TLS off loopback: set TLS_CERT and TLS_KEY"
            await respond(send, 403, {"code": "permission_denied", "message": message})
            return
        if scope["method"] not in ("GET", "HEAD"):
            await respond(send, 405, {"code": "unimplemented", "message": "GET only"},
                          [(b"allow", b"GET, HEAD")])  # fmt: skip
            return
        if path + "/" == PREFIX:
            await send({"type": "http.response.start", "status": 308,
                        "headers": [(b"location", PREFIX.encode()), *HEADERS]})  # fmt: skip
            await send({"type": "http.response.body", "body": b""})
            return
        name = path.removeprefix(PREFIX) or "index.html"
        found = files.get(name)
        if found is None:
            await respond(send, 404, {"code": "not_found", "message": f"nothing at {path}"},
                          HEADERS)  # fmt: skip
            return
        content_type, body = found
        headers = [(b"content-type", content_type), *HEADERS]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        head = scope["method"] == "HEAD"
        await send({"type": "http.response.body", "body": b"" if head else body})

    return app
