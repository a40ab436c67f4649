"""Work done once per object, whoever asks: the watch fan-out's building
block. One event reaches every stream that matches it as the same Python
object; converting it to protobuf and serializing that message once, instead
of once per stream, is what lets a revoke reach 1,000 watchers quickly.

Keyed by identity, not equality: an identity check is one pointer compare,
where hashing a frozen dataclass would hash every field on every lookup. The
cache holds the object itself beside the result, so an id is never reused
while its entry lives. A miss only costs the work again; it is never wrong.
Single-threaded by design: everything here runs on the event loop."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class IdentityCache(Generic[K, V]):
    def __init__(self, compute: Callable[[K], V], size: int = 1024) -> None:
        self._compute = compute
        self._size = size
        self._entries: OrderedDict[int, tuple[K, V]] = OrderedDict()
        self.computed = 0

    def __call__(self, key: K) -> V:
        hit = self._entries.get(id(key))
        if hit is not None and hit[0] is key:
            return hit[1]
        value = self._compute(key)
        self.computed += 1
        self._entries[id(key)] = (key, value)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value
