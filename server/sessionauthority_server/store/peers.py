"""Hearing other processes' commits on one SQLite file, within milliseconds.

SQLite has no NOTIFY, so every process serving the file (the workers of
`serve --workers N`, or separate `serve` commands) binds a Unix datagram
socket in a directory beside the database (`<db>-peers/`). After each
commit that recorded events a process sends one small datagram (the batch's
last revision) to every other socket there; the receiver wakes its event
tailer, which reads the events table from where it is.

Like PostgreSQL's notices (notify.py), a datagram carries no data: one that
is lost, dropped on a full buffer, or sent before a new peer was seen costs
latency (the tailer's 1 s poll still runs), never an event. Sending never
blocks the event loop: the sockets are non-blocking and a full peer is
skipped. A socket left behind by a killed process refuses the datagram and
is removed by whoever sent it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import os
import socket
from collections.abc import Callable

log = logging.getLogger("sessionauthority.peers")

# sun_path is 108 bytes on Linux, with the terminating NUL.
MAX_SOCKET_PATH = 107
_names = itertools.count()


def peers_directory(database_path: str) -> str:
    return os.path.abspath(database_path) + "-peers"


class PeerWaker:
    """Binds this process's socket while `run()` runs; `announce()` tells
    the others from the same socket. Has CommitListener's shape (`run`,
    `connected`), so the watch hub treats both alike."""

    def __init__(self, directory: str, wake: Callable[[int], None] | None = None) -> None:
        self.directory = directory
        self.wake: Callable[[int], None] = wake or (lambda _revision: None)
        self.connected = asyncio.Event()
        self.path = os.path.join(directory, f"{os.getpid()}-{next(_names)}")
        self._sock: socket.socket | None = None
        self._peers: list[str] = []
        self._listed_at: int | None = None  # the directory's mtime when listed

    async def run(self) -> None:
        """Listens until cancelled."""
        if len(self.path) > MAX_SOCKET_PATH:
            log.warning(
                "the database path is too long for a wake-up socket beside it (%s): "
                "watchers hear other processes' commits by the poll only",
                self.path,
            )
            await asyncio.Event().wait()
        loop = asyncio.get_running_loop()
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.setblocking(False)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        sock.bind(self.path)
        self._sock = sock
        loop.add_reader(sock.fileno(), self._readable)
        self.connected.set()
        try:
            # Whatever committed before we bound: the tailer catches up once.
            self.wake(0)
            await asyncio.Event().wait()
        finally:
            self.connected.clear()
            loop.remove_reader(sock.fileno())
            sock.close()
            self._sock = None
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def _readable(self) -> None:
        assert self._sock is not None
        newest = 0
        while True:
            try:
                data = self._sock.recv(64)
            except (BlockingIOError, InterruptedError):
                break
            try:
                newest = max(newest, int(data))
            except ValueError:
                continue
        self.wake(newest)

    def announce(self, revision: int) -> None:
        """Called on the event loop after a commit that recorded events."""
        sock = self._sock
        if sock is None:
            return
        payload = str(revision).encode()
        for peer in list(self._current_peers()):
            try:
                sock.sendto(payload, peer)
            except (BlockingIOError, InterruptedError):
                pass  # its buffer is full: it has a wake-up pending anyway
            except OSError as exc:
                if exc.errno in (errno.ECONNREFUSED, errno.ENOENT):
                    self._forget(peer)
                else:
                    log.debug("wake-up to %s failed: %s", peer, exc)

    def _current_peers(self) -> list[str]:
        # A stat per commit; the directory is listed again only when an
        # entry came or went (its mtime moved).
        try:
            mtime = os.stat(self.directory).st_mtime_ns
        except OSError:
            return []
        if mtime != self._listed_at:
            self._listed_at = mtime
            try:
                names = os.listdir(self.directory)
            except OSError:
                names = []
            paths = (os.path.join(self.directory, n) for n in names)
            self._peers = [p for p in paths if p != self.path]
        return self._peers

    def _forget(self, peer: str) -> None:
        # Nobody is bound there (its process died): no one will be.
        with contextlib.suppress(OSError):
            os.unlink(peer)
        with contextlib.suppress(ValueError):
            self._peers.remove(peer)
