"""Where a `ManagedSession` keeps its session across restarts: the
`TokenStore` interface, and `FileTokenStore` (a JSON file, mode 0600,
replaced atomically). Refresh tokens are secrets: keep the file where only
this service's user can read it, or implement `TokenStore` over a keychain
or secret manager."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any, Protocol


class TokenStore(Protocol):
    def load(self) -> dict[str, Any] | None: ...
    def save(self, record: dict[str, Any]) -> None: ...
    def clear(self) -> None: ...


class MemoryTokenStore:
    """For tests and short-lived processes."""

    def __init__(self) -> None:
        self.record: dict[str, Any] | None = None

    def load(self) -> dict[str, Any] | None:
        return dict(self.record) if self.record is not None else None

    def save(self, record: dict[str, Any]) -> None:
        self.record = dict(record)

    def clear(self) -> None:
        self.record = None


class FileTokenStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)

    def load(self) -> dict[str, Any] | None:
        try:
            with open(self.path, encoding="utf-8") as f:
                record = json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # unreadable or torn: as good as none
        return record if isinstance(record, dict) else None

    def save(self, record: dict[str, Any]) -> None:
        directory = os.path.dirname(os.path.abspath(self.path))
        # mkstemp creates the file 0600; the rename makes the write atomic.
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".session-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(record, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
