"""Puts the HTTP port together: the generated Connect applications over the
shared calls, behind the interceptors, inside HttpApp."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from connectrpc.compat import google_protobuf_binary_codec, google_protobuf_json_codec
from sessionauthority.v1.api_key_service_connect import ApiKeyServiceASGIApplication
from sessionauthority.v1.session_service_connect import SessionServiceASGIApplication
from sessionauthority.v1.subject_service_connect import SubjectServiceASGIApplication

from ..callers import Authenticator
from ..calls.apikeys import ApiKeyCalls
from ..calls.sessions import SessionCalls
from ..calls.subjects import SubjectCalls
from ..config import Settings
from ..metrics import Metrics
from .apikeys import ApiKeyConnect
from .app import HttpApp
from .connect import Gate, Outermost, SessionConnect, SubjectConnect
from .static import PREFIX, console_app


def connect_app(
    sessions: SessionCalls,
    subjects: SubjectCalls,
    auth: Authenticator,
    metrics: Metrics | None,
    settings: Settings,
    limit: int,
    ready: Callable[[], Awaitable[bool]],
    *,
    loopback: bool,
    api_keys: ApiKeyCalls | None = None,
) -> HttpApp:
    limit_bytes = settings.max_request_bytes
    # One gate for both services: the call limit is the server's, not each one's.
    interceptors = [Outermost(metrics, limit_bytes), Gate(auth, limit)]
    # Unknown JSON fields are an error, as in protojson: a misspelt field
    # must not be silently dropped (binary keeps unknown fields, as on gRPC).
    codecs = [
        google_protobuf_binary_codec(),
        google_protobuf_json_codec(ignore_unknown_fields=False),
    ]
    common = {
        "interceptors": interceptors,
        "read_max_bytes": limit_bytes,
        "codecs": codecs,
    }
    session_app = SessionServiceASGIApplication(SessionConnect(sessions), **common)
    subject_app = SubjectServiceASGIApplication(SubjectConnect(subjects), **common)
    rpcs = {
        f"/{session_app.path.strip('/')}/": session_app,
        f"/{subject_app.path.strip('/')}/": subject_app,
    }
    if api_keys is not None:
        key_app = ApiKeyServiceASGIApplication(ApiKeyConnect(api_keys), **common)
        rpcs[f"/{key_app.path.strip('/')}/"] = key_app
    app = HttpApp(
        rpcs,
        ready,
        loopback=loopback,
        body_timeout=settings.http_body_timeout_seconds,
        drain_bytes=limit_bytes,
    )
    app.mounts[PREFIX] = console_app(loopback=loopback, tls=bool(settings.tls_cert))
    return app
