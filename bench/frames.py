"""Pure helpers for the raw load generators: gRPC frames, the few protobuf
fields they read or write, and h2load's output."""

from __future__ import annotations

import re
import struct


def grpc_frame(message: bytes) -> bytes:
    """A length-prefixed gRPC message: uncompressed flag, big-endian length."""
    return struct.pack(">BI", 0, len(message)) + message


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def string_field(number: int, value: str | bytes) -> bytes:
    """One length-delimited field: enough to encode a request whose only field
    changes per call (RenewSession, RevokeSession) without a message object."""
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def field(buf: bytes, *path: int) -> bytes | None:
    """The bytes of the first length-delimited field at `path` (nested field
    numbers), or None: a reply's new refresh token without decoding the rest."""
    for depth, number in enumerate(path):
        pos, found = 0, None
        while pos < len(buf):
            key, pos = _read_varint(buf, pos)
            kind = key & 7
            if kind == 0:
                _, pos = _read_varint(buf, pos)
            elif kind == 1:
                pos += 8
            elif kind == 5:
                pos += 4
            elif kind == 2:
                size, pos = _read_varint(buf, pos)
                if key >> 3 == number:
                    found = buf[pos : pos + size]
                    break
                pos += size
            else:
                raise ValueError(f"unsupported wire type {kind} at depth {depth}")
        if found is None:
            return None
        buf = found
    return buf


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


_DONE = re.compile(
    r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
    r"(\d+) errored, (\d+) timeout"
)
_CODES = re.compile(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx")
_RATE = re.compile(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s")


def parse_h2load(text: str) -> dict[str, float]:
    """h2load's summary: what it sent and what came back with HTTP 2xx (a gRPC
    error is still HTTP 200, so callers check grpc-status on their own)."""
    done, codes, rate = _DONE.search(text), _CODES.search(text), _RATE.search(text)
    if not (done and codes and rate):
        raise ValueError(f"not h2load output: {text[-400:]!r}")
    _, _, finished, ok, failed, errored, timeout = map(int, done.groups())
    elapsed = float(rate.group(1)) / (1000 if rate.group(2) == "ms" else 1)
    return {
        "done": finished,
        "succeeded": ok,
        "failed": failed,
        "errored": errored,
        "timeout": timeout,
        "http_2xx": int(codes.group(1)),
        "elapsed": elapsed,
        "rps": float(rate.group(3)),
    }


def parse_log(text: str) -> list[float]:
    """h2load --log-file rows (start us, HTTP status, duration us): the
    durations of the 2xx responses in seconds, sorted."""
    out = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1].startswith("2"):
            out.append(int(parts[2]) / 1e6)
    out.sort()
    return out
