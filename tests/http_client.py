"""Calls over the HTTP port the way a backend without gRPC makes them: the
standard library's urllib (in a thread, so a server on the test's own event
loop keeps running) and curl, with Connect's envelopes for streams."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import signal
import struct
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from google.protobuf import message
from google.rpc import error_details_pb2

DETAIL_TYPES = {
    "google.rpc.ErrorInfo": error_details_pb2.ErrorInfo,
    "google.rpc.BadRequest": error_details_pb2.BadRequest,
    "google.rpc.RetryInfo": error_details_pb2.RetryInfo,
}
SESSIONS = "/sessionauthority.v1.SessionService/"
SUBJECTS = "/sessionauthority.v1.SubjectService/"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> str:
        """The Connect error code ("" for a success)."""
        return "" if self.status == 200 else str(self.json().get("code", ""))

    def details(self) -> dict[str, message.Message]:
        """The error's details by type name, unpacked from base64."""
        out: dict[str, message.Message] = {}
        for d in self.json().get("details", []):
            cls = DETAIL_TYPES.get(d["type"])
            if cls is not None:
                out[d["type"].rsplit(".", 1)[-1]] = cls.FromString(
                    base64.b64decode(d["value"] + "=" * (-len(d["value"]) % 4))
                )
        return out

    @property
    def reason(self) -> str:
        info = self.details().get("ErrorInfo")
        return info.reason if isinstance(info, error_details_pb2.ErrorInfo) else ""


def post_sync(
    url: str,
    body: bytes | dict[str, Any],
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> Reply:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"content-type": content_type, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return Reply(r.status, dict(r.headers.items()), r.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, dict(err.headers.items()), err.read())


async def post(url: str, body: bytes | dict[str, Any], **kw: Any) -> Reply:
    return await asyncio.to_thread(post_sync, url, body, **kw)


def key_header(metadata: list[tuple[str, str]]) -> dict[str, str]:
    """helpers.add_key's gRPC metadata as HTTP headers."""
    return dict(metadata)


def envelope(payload: bytes, flags: int = 0) -> bytes:
    """One Connect streaming envelope: flags, big-endian length, message."""
    return struct.pack(">BI", flags, len(payload)) + payload


def envelopes(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(flags, payload) until the end-of-stream envelope (flags & 2) or EOF."""
    while True:
        head = stream.read(5)
        if len(head) < 5:
            return
        flags, size = struct.unpack(">BI", head)
        yield flags, stream.read(size)
        if flags & 2:
            return


async def read_envelope(stream: asyncio.StreamReader) -> tuple[int, Any]:
    """The next envelope of a JSON stream read from a subprocess (curl)."""
    head = await asyncio.wait_for(stream.readexactly(5), 10)
    flags, size = struct.unpack(">BI", head)
    return flags, json.loads(await asyncio.wait_for(stream.readexactly(size), 10))


async def stop(proc: asyncio.subprocess.Process, *, group: bool = False) -> None:
    """Ends a curl that may have ended by itself (the stream's end). `group`:
    the process leads its own session (start_new_session=True), as a shell
    running a pipeline does; all of it ends, or its children would hold
    the pipe open and wait() would never return."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
    await proc.wait()
